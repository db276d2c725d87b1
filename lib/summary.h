/*
 * lib/summary.h - the summary of an aggregated or index file: what every
 * record in its scope adds up to.
 *
 *   {"total_entries": N, "first_timestamp": "...Z", "last_timestamp": "...Z",
 *    "last_seq": S, <metric>: value, ..., "data_sources": [paths]}
 *
 * Metrics are the blueprint's: sum, min, max (numbers), avg ({"mean",
 * "sum", "n"}, so parents can combine children exactly), last (any value),
 * count_by_value ({"<value>": count}, followed by "<as>_other": count).
 * A metric reads only the records its `where` selects.  Updating costs
 * O(metrics + max_keys + data_sources), never O(records).
 *
 * count_by_value is bounded: the first max_keys distinct values the whole
 * stream saw (in seq order) keep their own key, in every summary at every
 * level; a value first seen after that counts under "<as>_other",
 * everywhere and for good.  So a parent is the plain sum of its children
 * (keys add, other adds), whatever order records and partitions come in,
 * and the set of kept values is the keys of the summary of every record
 * (the Global aggregate's), which a writer holds and a rebuild in seq
 * order reproduces.  The bucket is a member of its own, so no value, not
 * even "other", can be mistaken for it.
 */
#ifndef BRAIN_LIB_SUMMARY_H
#define BRAIN_LIB_SUMMARY_H

#include <jansson.h>

#include "blueprint.h"
#include "jsonfile.h"

/*
 * The summary being kept by a writer: plain C numbers, turned into JSON
 * only when a file's tail is written.  Folding a record costs a few
 * comparisons per metric, so one record can be folded into the fourteen
 * summaries of its partition cheaply.
 */
typedef struct brain__msum brain__msum;

/* The values a record gives the stream's metrics, looked up once and
 * folded into every summary of its partition. */
typedef struct brain__mvals {
	const json_t *v[BRAIN__MAX_METRICS]; /* NULL: not for this metric */
	char cbv[BRAIN__MAX_METRICS][64]; /* count_by_value keys of short values */
	int ncbv_ok[BRAIN__MAX_METRICS];
	unsigned char other[BRAIN__MAX_METRICS]; /* counts under <as>_other */
} brain__mvals;

brain__msum *brain__msum_new(const brain__stream *s);
void brain__msum_free(brain__msum *m);

/* Reads a summary written by brain__msum_json; BRAIN_ECORRUPT when it is
 * not one. */
int brain__msum_load(brain__msum *m, const json_t *summary);

/* The JSON form: {"total_entries", "first_timestamp", "last_timestamp",
 * "last_seq", <metrics...>, "data_sources"}.  NULL on ENOMEM. */
json_t *brain__msum_json(const brain__msum *m);

/* The same summary as compact JSON text appended to out, the bytes
 * json_dumps would give for brain__msum_json(m) but without building it
 * (this runs for fourteen files on every save).  0 or BRAIN_ENOMEM. */
int brain__msum_text(brain__msum *m, brain__buf *out);

/* The two halves of brain__msum_text: everything before data_sources,
 * and data_sources with the closing brace.  An aggregated file and the
 * index file of the same scope share the first half. */
int brain__msum_text_head(brain__msum *m, brain__buf *out);
int brain__msum_text_sources(brain__msum *m, brain__buf *out);

/* 1 when a and b have folded the same records (same count, last seq and
 * time range), so their heads are the same text. */
int brain__msum_same_records(const brain__msum *a, const brain__msum *b);

long long brain__msum_last_seq(const brain__msum *m);

/*
 * Looks up a record's values for the stream's metrics: a metric whose
 * `where` the record does not match gets none.  `all` is the summary of
 * all the stream's records up to this one at least (the Global aggregate's,
 * or one fed every record in seq order): it says which count_by_value
 * values keep their own key (see above); NULL keeps every value by name.
 * Both borrowed; the record must outlive vals.
 */
void brain__mvals_of(const brain__stream *s, const json_t *record,
		     const brain__msum *all, brain__mvals *vals);

/*
 * Folds one record into m: `ts` its UTC timestamp text, `seq` its
 * sequence number, `source` the file one level down it came through
 * (added to data_sources when new).  Returns 0 or BRAIN_ENOMEM.
 */
int brain__msum_add(brain__msum *m, const brain__mvals *vals, const char *ts,
		    long long seq, const char *source);

/* An empty summary in JSON (new files). */
json_t *brain__summary_new(const brain__stream *s);

/*
 * Folds a child's summary into a parent's, as the parent's own records
 * would have: totals add, timestamps widen, metrics combine (avg by its
 * sum and n; last from the child with the higher last_seq), and `source`
 * joins data_sources.  Returns 0 or BRAIN_ENOMEM.
 */
int brain__summary_merge(json_t *summary, const brain__stream *s,
			 const json_t *child, const char *source);

/* 1 when two summaries agree (numbers to 1e-9 relative, for sums of
 * reals taken in another order); else 0 and the first differing key in
 * `what` (a static string or one of a's keys). */
int brain__summary_equal(const json_t *a, const json_t *b, const char **what);

#endif
