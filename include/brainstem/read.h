/*
 * brainstem/read.h - reading the tree: the summary of a stream at one time
 * level, the series of summaries over a range, and the records of a range.
 *
 * Programs and third-party tools read through these calls and never parse
 * the tree's files themselves.  A stream is named as in brain_get_path: a
 * record kind ("ledger", "submission", "rejection"), a report category
 * ("miners": its report tree) or "<tree>:<category>" ("error:miners").
 *
 * Summaries come from the roll-ups the saves keep (the Aggregated_Index
 * files), so a summary costs one small file read whatever the tree holds:
 *
 *   {"total_entries": N, "first_timestamp": "...Z", "last_timestamp":
 *    "...Z", "last_seq": S, <the stream's blueprint metrics>...}
 *
 * (the file's "data_sources" are left out).  A partition with no file
 * yet has the summary {"total_entries": 0}.
 *
 * Memory: every call holds at most one file of the tree at a time (a
 * summary file, or one record line of an hour's file), whatever the size
 * of the tree or of the range.
 *
 * Time: partitions follow the blueprint's `time`: zone utc or local, and
 * weeks numbered as its `weeks` says (monday: strftime %W, W00-W53; iso:
 * ISO 8601), both starting on Monday.  The tree files a week under the
 * month it lies in, so a week that spans two months is two partitions,
 * each clipped to its month: W48 of 2026 is 2026-11-30 (November, scope
 * "2026-11-W48") and 2026-12-01 to 2026-12-06 ("2026-12-W48").  The same
 * holds at a year boundary: 2026-12-28 to 2026-12-31 is "2026-12-W52" and
 * 2027-01-01 to 2027-01-03 "2027-01-W00" (with iso weeks: "2026-12-W53"
 * and "2027-01-W53").  In a local zone an hour the clocks repeat (01:00
 * when summer time ends) is one partition of two real hours, as the tree
 * has one folder for it, and a day can last 23 or 25 hours.  Scopes are
 * the tree's own (its files' metadata index_scope); start and end are
 * moments (time_t), given as UTC text where a call returns text.
 *
 * Handles: any handle works; a reader usually opens one with
 * BRAIN_OPEN_READONLY.  No call creates or changes a file.  Readers see
 * what writers have put into the roll-ups; brain_flush() on the writer's
 * side makes that everything it saved.  A summary file is read, and an
 * hour's file has its end checked, under the stream's shared lock (a
 * save is never seen half done); the lock is never held while a caller's
 * function runs.
 *
 * Threads: as every call on a brain_t: one thread at a time per handle.
 */
#ifndef BRAINSTEM_READ_H
#define BRAINSTEM_READ_H

#include <time.h>
#include <jansson.h>
#include <brainstem/common.h>
#include <brainstem/brain.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The time levels a summary can be read at. */
typedef enum brain_level {
	BRAIN_LEVEL_HOUR = 0,
	BRAIN_LEVEL_DAY = 1,
	BRAIN_LEVEL_WEEK = 2,
	BRAIN_LEVEL_MONTH = 3,
	BRAIN_LEVEL_YEAR = 4,
	BRAIN_LEVEL_ROOT = 5, /* every record of the stream */
} brain_level_t;

/*
 * brain_level_parse - "hour", "day", "week", "month", "year", "root" to
 * its level (lower case only).  Returns 0, or BRAIN_EINVAL (name NULL or
 * unknown; *out untouched; the message in brain_errmsg(NULL)).
 */
BRAIN_EXTERN(int)
brain_level_parse(const char *name, brain_level_t *out) BRAIN_WARN_UNUSED;

/*
 * brain_level_name - the level's name ("hour" ...), or NULL for a value
 * that is not a level.  Ownership: static string.
 */
BRAIN_EXTERN(const char *) brain_level_name(brain_level_t level);

/*
 * brain_partition - the partition of `level` that holds `when`, as the
 * tree files it: [*start, *end), and its scope as the tree names it
 * ("2026-11-29T10", "2026-11-29", "2026-11-W48", "2026-11", "2026",
 * "all") in scope[0..size-1] when scope is not NULL (32 bytes are
 * always enough).  For BRAIN_LEVEL_ROOT start is BRAIN_TIME_MIN and end
 * BRAIN_TIME_MAX + 1; other partitions are clipped to those too.
 * Returns 0, or BRAIN_EINVAL (b, start or end NULL; a bad level; `when`
 * outside BRAIN_TIME_MIN..BRAIN_TIME_MAX; scope too small), with the
 * message in brain_errmsg(b) (brain_errmsg(NULL) when b is NULL).
 */
BRAIN_EXTERN(int)
brain_partition(const brain_t *b, brain_level_t level, time_t when,
		time_t *start, time_t *end, char *scope,
		size_t size) BRAIN_WARN_UNUSED;

/*
 * brain_read_summary - the summary of `stream` over the partition of
 * `level` holding `when`.
 * out: receives a new object {"level": "hour", "scope": "2026-11-29T10",
 *      "start": "2026-11-29T10:00:00Z", "end": "2026-11-29T11:00:00Z",
 *      "summary": {...}} (start and end as ISO 8601 UTC; root: null).
 * Returns 0, or BRAIN_EINVAL (an argument NULL, a bad level, `when` out of
 * range), BRAIN_ENOTFOUND (no such stream), BRAIN_ECORRUPT (the roll-up
 * file does not parse or holds no summary; the message names its path),
 * BRAIN_EIO, BRAIN_ELOCKED (the stream's lock cannot be taken),
 * BRAIN_ENOMEM.
 * Ownership: the caller owns *out (json_decref).
 */
BRAIN_EXTERN(int)
brain_read_summary(brain_t *b, const char *stream, brain_level_t level,
		   time_t when, json_t **out) BRAIN_WARN_UNUSED;

/*
 * One summary of a series: the partition [start, end), its scope, and its
 * summary ({"total_entries": 0} for an empty one).  Borrowed: valid during
 * the call only.  Return 0 to go on; any other value stops the series,
 * which then returns that value.
 */
typedef int (*brain_summary_fn)(void *ctx, time_t start, time_t end,
				const char *scope, const json_t *summary);

/*
 * brain_read_series - the summaries of `stream` at `level` for every
 * partition that overlaps [from, to), oldest first, empty ones included,
 * each partition once (so 48 whole hours are always 48 calls; a range
 * that starts inside an hour also touches that hour: [10:30, 10:30 two
 * days later) is 49).  BRAIN_LEVEL_ROOT gives one.  `to` may be
 * BRAIN_TIME_MAX + 1.
 * Returns 0, what fn returned when it stopped the series, or the codes of
 * brain_read_summary (BRAIN_EINVAL also for from >= to, or `to` outside
 * BRAIN_TIME_MIN..BRAIN_TIME_MAX + 1).  A summary that cannot be read
 * ends the series with its error after the calls before it.
 */
BRAIN_EXTERN(int)
brain_read_series(brain_t *b, const char *stream, brain_level_t level,
		  time_t from, time_t to, brain_summary_fn fn,
		  void *ctx) BRAIN_WARN_UNUSED;

/*
 * One record: the entry as saved (seq, timestamp, component, mode and the
 * record's own fields).  Borrowed: valid during the call only.  Return 0
 * to go on; any other value stops, and brain_read_records returns it.
 */
typedef int (*brain_record_fn)(void *ctx, const json_t *record);

/*
 * brain_read_records - the records of `stream` whose "timestamp" (the
 * moment that files them) lies in [from, to), in time order (seq order
 * within an hour), read from the hourly files one record at a time.  A
 * year, month or day whose roll-up counts no record is passed over with
 * one small read, and the range is first cut to the stream's first and
 * last timestamps, so a wide range over a sparse tree stays cheap; a
 * roll-up that does not parse does not hide the records below it.
 * Records a writer appends to an hour while it is being read are not
 * seen.  `to` may be BRAIN_TIME_MAX + 1.
 * Returns 0, what fn returned when it stopped, or BRAIN_EINVAL (an
 * argument NULL, from >= to, a time out of range), BRAIN_ENOTFOUND,
 * BRAIN_ECORRUPT (an hour file cut short or a record line that does not
 * parse: the message names the file), BRAIN_EIO, BRAIN_ELOCKED,
 * BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_read_records(brain_t *b, const char *stream, time_t from, time_t to,
		   brain_record_fn fn, void *ctx) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
