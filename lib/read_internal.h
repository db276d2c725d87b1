/*
 * lib/read_internal.h - what the two halves of the read API share
 * (lib/read.c: levels, partitions, summaries, series; lib/read_records.c:
 * records).
 */
#ifndef BRAIN_LIB_READ_INTERNAL_H
#define BRAIN_LIB_READ_INTERNAL_H

#include "brain_internal.h"

/* The stream of a public name, or BRAIN_ENOTFOUND with the message of
 * brain_get_path. */
int brain__read_stream(brain_t *b, const char *name,
		       const brain__stream **out);

/*
 * The partition of level lv (BRAIN__LV_ROOT .. BRAIN__LV_HOUR) holding t,
 * as the tree files it: [*start, *end), clipped to BRAIN_TIME_MIN ..
 * BRAIN_TIME_MAX + 1.  Weeks are clipped to their month.
 */
void brain__read_partition(const brain__blueprint *bp, brain__level lv,
			   time_t t, time_t *start, time_t *end);

/*
 * The summary of stream s in the index file of level lv for the partition
 * holding t, without its data_sources: a new object ({"total_entries": 0}
 * when the file does not exist).  Read under the stream's shared lock;
 * nothing is created.  0, BRAIN_ECORRUPT (the message names the file),
 * BRAIN_EIO, BRAIN_ELOCKED, BRAIN_ENOMEM.
 */
int brain__read_index(brain_t *b, const brain__stream *s, brain__level lv,
		      time_t t, json_t **out);

/*
 * Checks a range [from, to) of the read API: from within BRAIN_TIME_MIN ..
 * BRAIN_TIME_MAX, to at most BRAIN_TIME_MAX + 1, from before to.  0 or
 * BRAIN_EINVAL with the message in e.
 */
int brain__read_range(brain__err *e, time_t from, time_t to);

#endif
