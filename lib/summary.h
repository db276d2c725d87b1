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

/* A fresh summary with every metric of the stream at its empty value. */
json_t *brain__summary_new(const brain__stream *s);

/*
 * Folds one record into summary: `ts` is its UTC timestamp text, `seq` its
 * sequence number, `source` the file one level down it came through
 * (added to data_sources when new).  Returns 0 or BRAIN_ENOMEM.
 */
int brain__summary_add(json_t *summary, const brain__stream *s,
		       const json_t *record, const char *ts, long long seq,
		       const char *source);

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
