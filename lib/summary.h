/*
 * lib/summary.h - the summary of an aggregated or index file: what every
 * record in its scope adds up to.
 *
 *   {"total_entries": N, "first_timestamp": "...Z", "last_timestamp": "...Z",
 *    "last_seq": S, <metric>: value, ..., "data_sources": [paths]}
 *
 * Metrics are the blueprint's: sum, min, max (numbers), avg ({"mean",
 * "sum", "n"}, so parents can combine children exactly), last (any value),
 * count_by_value ({"<value>": count}).  Updating costs O(metrics +
 * data_sources), never O(records).
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
	const json_t *v[32];
	char cbv[32][64]; /* count_by_value keys of short values */
	int ncbv_ok[32];
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
int brain__msum_text_head(const brain__msum *m, brain__buf *out);
int brain__msum_text_sources(brain__msum *m, brain__buf *out);

/* 1 when a and b have folded the same records (same count, last seq and
 * time range), so their heads are the same text. */
int brain__msum_same_records(const brain__msum *a, const brain__msum *b);

long long brain__msum_last_seq(const brain__msum *m);

/* Looks up a record's metric fields (at most 32 metrics). */
void brain__mvals_of(const brain__stream *s, const json_t *record,
		     brain__mvals *vals);

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
