/*
 * lib/blueprint.h - the blueprint (Brain.QTL) as a validated model.
 *
 * Everything the rest of the library names comes from here: mode bases,
 * folders, path patterns, templates, streams and their metrics.  A model
 * that loaded is complete: every stream has its pattern levels, every
 * pattern is well formed, so later code does not re-check.
 *
 * A "stream" is one series of records with its own files: a record kind
 * ("ledger") or a report category in one report tree ("report:miners",
 * "error:miners").
 */
#ifndef BRAIN_LIB_BLUEPRINT_H
#define BRAIN_LIB_BLUEPRINT_H

#include <stddef.h>
#include <jansson.h>

#include "error.h"

typedef enum brain__level {
	BRAIN__LV_GLOBAL,
	BRAIN__LV_ROOT,
	BRAIN__LV_YEAR,
	BRAIN__LV_MONTH,
	BRAIN__LV_WEEK,
	BRAIN__LV_DAY,
	BRAIN__LV_HOUR,
	BRAIN__LV_COUNT
} brain__level;

/* "global", "root", "year", ... indexed by brain__level. */
extern const char *const brain__level_names[BRAIN__LV_COUNT];

typedef enum brain__metric_op {
	BRAIN__M_SUM,
	BRAIN__M_MIN,
	BRAIN__M_MAX,
	BRAIN__M_AVG,
	BRAIN__M_LAST,
	BRAIN__M_COUNT_BY_VALUE,
} brain__metric_op;

extern const char *const brain__metric_op_names[];

typedef struct brain__plevel {
	char *key;     /* "ledger_hour" */
	char *layout;  /* "ledger" */
	brain__level level;
	char *pattern; /* "{folder}/{YYYY}/{MM}/W{WW}/{DD}/{HH}" */
	char *file;    /* "hourly_{name}.json" */
} brain__plevel;

/* A stream's metrics at most: a record's values for them are looked up
 * once into a fixed array (summary.h).  A blueprint asking for more is
 * refused at load. */
#define BRAIN__MAX_METRICS 32

/* count_by_value's keys per summary unless the metric says max_keys. */
#define BRAIN__DEFAULT_MAX_KEYS 64

typedef struct brain__metric {
	char *field;
	char *as; /* the summary key: "<op>_<field>" unless given */
	char *other_as; /* count_by_value: "<as>_other", the count of values
			   past max_keys; NULL for the other ops */
	brain__metric_op op;
	json_t *where; /* field -> value a record must have, all of them,
			  to count here; NULL: every record */
	long max_keys; /* count_by_value: values kept by name */
} brain__metric;

typedef struct brain__stream {
	char *id;      /* "ledger", "report:miners", "error:miners" */
	char *kind;    /* record kind or category key */
	char *tree;    /* report tree key, NULL for record kinds */
	char *folder;  /* relative to the mode base */
	char *name;    /* file stem: "ledger", "miners_report" */
	char *tag;     /* "" or e.g. "_math_proof" */
	char *entries; /* member holding the records */
	const brain__plevel *source[BRAIN__LV_COUNT]; /* NULL: no such level */
	json_t *entry; /* the shape each record is merged over */
	brain__metric *metrics;
	size_t nmetrics;
} brain__stream;

typedef struct brain__mode {
	char *name;
	char *base; /* may hold {<paths key>} placeholders */
	char *flag;
} brain__mode;

typedef struct brain__blueprint {
	char *path;
	int zone_local; /* time.zone: local */
	int weeks_iso;  /* time.weeks: iso */
	json_t *paths; /* folder name -> default relative path */
	brain__mode *modes;
	size_t nmodes;
	json_t *flags;
	int durability; /* a brain_durability_t */
	long batch_ms;
	long max_record_bytes;
	long checkpoint_records;
	long aggregate_lag_ms;      /* derived files may trail this long */
	long aggregate_lag_records; /* ... or this many records */
	char *own_category; /* where the library reports its own events */
	char *lock_file;  /* "{name}" placeholder: the stream's name */
	char *state_file;
	char *tpl_folder, *tpl_version_file, *tpl_previous;
	char **structure;
	size_t nstructure;
	brain__plevel *levels;
	size_t nlevels;
	const brain__plevel *full[BRAIN__LV_COUNT];
	const brain__plevel *index[BRAIN__LV_COUNT];
	char *agg_entries; /* "aggregated_data.reports" */
	json_t *tpl_source, *tpl_aggregated, *tpl_index;
	brain__stream *streams;
	size_t nstreams;
} brain__blueprint;

/* Reads and validates a blueprint file.  BRAIN_EBLUEPRINT with
 * "path:line:col: ..." in e on any problem. */
int brain__blueprint_load(const char *path, brain__blueprint **out,
			  brain__err *e);

/* The same from memory; `name` is used in messages (and as path). */
int brain__blueprint_parse(const char *name, const unsigned char *buf,
			   size_t len, brain__blueprint **out, brain__err *e);

void brain__blueprint_free(brain__blueprint *bp);

/* The stream of a public name: "ledger", "miners" (report tree) or
 * "error:miners"; NULL if none. */
const brain__stream *brain__blueprint_stream(const brain__blueprint *bp,
					     const char *name);

/* The stream of category `cat` in report tree `tree`; NULL if none. */
const brain__stream *brain__blueprint_report(const brain__blueprint *bp,
					     const char *tree, const char *cat);

/* A mode's base with its {paths} placeholders filled from `paths` (the
 * blueprint's, overlaid by config.json's).  Caller frees; NULL on ENOMEM. */
char *brain__mode_base(const brain__mode *m, const json_t *paths);

const brain__mode *brain__blueprint_mode(const brain__blueprint *bp,
					 const char *name);

/* The pattern level `key` of the stream (source, full or index), or NULL. */
const brain__plevel *brain__blueprint_plevel(const brain__blueprint *bp,
					     const brain__stream *s,
					     const char *key);

#endif
