/*
 * lib/read.c - the read API's levels, partitions, summaries and series
 * (brainstem/read.h); the records are in lib/read_records.c.
 *
 * A summary is the "summary" of one index file (the blueprint's
 * aggregation.index levels, aggregated_index_<level> in the default one),
 * found with the same pattern expansion the writers use, so a reader and
 * a writer cannot disagree on where a partition lives.  The file is read
 * whole (it is small: a summary and its metadata) under the stream's
 * shared lock, so a save is never seen half done; the lock is held for
 * that read only, never while a caller's function runs.
 *
 * Partitions are computed in the blueprint's zone.  In a local zone a
 * partition's bounds are found by bisection on the zone's wall clock, so
 * an hour repeated when clocks go back is one partition of two real hours
 * (the tree files both in the same folder) and an hour skipped when they
 * go forward is none.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "read_internal.h"
#include "store.h"

/* An index file larger than this is not one the library wrote. */
#define INDEX_MAX_BYTES ((size_t)64 << 20)

static const char *const level_names[] = {"hour",  "day",  "week",
					  "month", "year", "root"};

/* The public level as the blueprint's. */
static const brain__level level_of[] = {
	BRAIN__LV_HOUR,	 BRAIN__LV_DAY,	 BRAIN__LV_WEEK,
	BRAIN__LV_MONTH, BRAIN__LV_YEAR, BRAIN__LV_ROOT,
};

#define NLEVELS (sizeof(level_names) / sizeof(level_names[0]))

static int level_ok(brain_level_t level)
{
	return (unsigned)level < NLEVELS;
}

int brain_level_parse(const char *name, brain_level_t *out)
{
	size_t i;

	BRAIN__ARG(brain__thread_err(), out);
	BRAIN__ARG(brain__thread_err(), name);
	for (i = 0; i < NLEVELS; i++)
		if (!strcmp(name, level_names[i])) {
			*out = (brain_level_t)i;
			return 0;
		}
	return brain__errf(brain__thread_err(), BRAIN_EINVAL,
			   "unknown level '%s' (hour, day, week, month, year "
			   "or root)",
			   name);
}

const char *brain_level_name(brain_level_t level)
{
	return level_ok(level) ? level_names[level] : NULL;
}

int brain__read_stream(brain_t *b, const char *name,
		       const brain__stream **out)
{
	*out = brain__blueprint_stream(b->bp, name);
	if (*out)
		return 0;
	return brain__errf(&b->err, BRAIN_ENOTFOUND,
			   "no record kind or category '%s' in %s", name,
			   b->bp_path);
}

/* ---- partitions ---- */

/* A wall-clock time as seconds, as if it were UTC; out-of-range fields
 * (month 13, day 32, hour 24) carry over as timegm normalises them. */
static time_t civil(int year, int month, int day, int hour)
{
	struct tm tm = {0};

	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	return timegm(&tm);
}

/* The local wall clock at t, as seconds. */
static time_t local_civil(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return timegm(&tm);
}

/*
 * The first moment at which the zone's wall clock reads c or later.  In
 * UTC that is c.  In a local zone the wall clock is the moment plus an
 * offset of at most a day either way, and it never steps back across a
 * whole hour (clocks go back from 02:00 to 01:00, not to 00:59), so
 * "reads c or later" is false then true over [c - 2 days, c + 2 days]:
 * bisection finds the change in about nineteen localtime calls.
 */
static time_t first_at(const brain__blueprint *bp, time_t c)
{
	time_t lo = c - 2 * 86400, hi = c + 2 * 86400;

	if (!bp->zone_local)
		return c;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (local_civil(mid) >= c)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

void brain__read_partition(const brain__blueprint *bp, brain__level lv,
			   time_t t, time_t *start, time_t *end)
{
	brain__when w;
	time_t s, e;

	if (lv <= BRAIN__LV_ROOT) {
		*start = BRAIN_TIME_MIN;
		*end = BRAIN_TIME_MAX + 1;
		return;
	}
	brain__when_of(bp, t, &w);
	switch (lv) {
	case BRAIN__LV_YEAR:
		s = civil(w.year, 1, 1, 0);
		e = civil(w.year + 1, 1, 1, 0);
		break;
	case BRAIN__LV_MONTH:
		s = civil(w.year, w.month, 1, 0);
		e = civil(w.year, w.month + 1, 1, 0);
		break;
	case BRAIN__LV_WEEK: {
		/* Monday to Monday, clipped to the month the tree files
		 * the week under (both week numberings start on Monday). */
		time_t day = civil(w.year, w.month, w.day, 0);
		time_t dim = (civil(w.year, w.month + 1, 1, 0) -
			      civil(w.year, w.month, 1, 0)) / 86400;
		struct tm tm;
		int monday, next;

		gmtime_r(&day, &tm);
		monday = w.day - (tm.tm_wday + 6) % 7;
		next = monday + 7;
		if (monday < 1)
			monday = 1;
		if (next > (int)dim + 1)
			next = (int)dim + 1;
		s = civil(w.year, w.month, monday, 0);
		e = civil(w.year, w.month, next, 0);
		break;
	}
	case BRAIN__LV_DAY:
		s = civil(w.year, w.month, w.day, 0);
		e = civil(w.year, w.month, w.day + 1, 0);
		break;
	default:
		s = civil(w.year, w.month, w.day, w.hour);
		e = civil(w.year, w.month, w.day, w.hour + 1);
		break;
	}
	s = first_at(bp, s);
	e = first_at(bp, e);
	*start = s < BRAIN_TIME_MIN ? BRAIN_TIME_MIN : s;
	*end = e > BRAIN_TIME_MAX + 1 ? BRAIN_TIME_MAX + 1 : e;
}

int brain_partition(const brain_t *b, brain_level_t level, time_t when,
		    time_t *start, time_t *end, char *scope, size_t size)
{
	/* The handle's error is where its caller looks; writing it is the
	 * only change this call makes to b. */
	brain__err *e = b ? &((brain_t *)b)->err : brain__thread_err();
	char buf[64];
	brain__when w;
	int rc;

	BRAIN__ARG(e, b);
	brain__err_clear(e);
	BRAIN__ARG(e, start);
	BRAIN__ARG(e, end);
	BRAIN__ARG(e, level_ok(level));
	if ((rc = brain__check_time(e, (long long)when, "time")))
		return rc;
	brain__read_partition(b->bp, level_of[level], when, start, end);
	if (!scope)
		return 0;
	brain__when_of(b->bp, when, &w);
	brain__scope(level_of[level], &w, buf, sizeof(buf));
	if (strlen(buf) >= size)
		return brain__errf(e, BRAIN_EINVAL,
				   "scope '%s' needs %zu bytes, the buffer "
				   "has %zu",
				   buf, strlen(buf) + 1, size);
	memcpy(scope, buf, strlen(buf) + 1);
	return 0;
}

/* ---- summaries ---- */

int brain__read_index(brain_t *b, const brain__stream *s, brain__level lv,
		      time_t t, json_t **out)
{
	const brain__plevel *pl = b->bp->index[lv];
	unsigned char *buf = NULL;
	json_t *doc = NULL, *sum;
	json_error_t jerr;
	brain__when w;
	size_t len = 0;
	char *path;
	int fd = -1, rc, err = 0;

	*out = NULL;
	if (!pl)
		return brain__errf(&b->err, BRAIN_ENOTFOUND,
				   "the blueprint has no index files at level "
				   "'%s'",
				   brain__level_names[lv]);
	brain__when_of(b->bp, t, &w);
	if (!(path = brain__level_path(b->base, s, pl, &w, 1)))
		return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
	rc = brain__store_read_lock(b->store, s, &fd);
	if (!rc) {
		rc = brain__read_file(path, INDEX_MAX_BYTES, &buf, &len);
		err = errno;
	}
	brain__store_read_unlock(fd);
	if (rc == BRAIN_EIO && (err == ENOENT || err == ENOTDIR)) {
		/* no file: nothing was saved in this partition */
		free(path);
		*out = json_pack("{s:i}", "total_entries", 0);
		return *out ? 0 : brain__errf(&b->err, BRAIN_ENOMEM,
					      "out of memory");
	}
	if (rc == BRAIN_EIO) {
		errno = err;
		rc = brain__ioerr(&b->err, BRAIN_IOERR_READ, "cannot read %s",
				  path);
	} else if (rc == BRAIN_ETOOBIG) {
		rc = brain__errf(&b->err, BRAIN_ECORRUPT,
				 "%s is larger than any summary (%zu bytes)",
				 path, INDEX_MAX_BYTES);
	} else if (rc == BRAIN_ENOMEM) {
		rc = brain__errf(&b->err, rc, "out of memory");
	}
	if (rc)
		goto done;
	/* a writer's padding: spaces, and zero bytes after a crash */
	while (len && (buf[len - 1] == '\0' || buf[len - 1] == ' ' ||
		       buf[len - 1] == '\t' || buf[len - 1] == '\n'))
		len--;
	doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		rc = brain__errf(&b->err, BRAIN_ECORRUPT,
				 "%s:%d:%d: does not parse: %s", path,
				 jerr.line, jerr.column, jerr.text);
		goto done;
	}
	sum = json_object_get(doc, "summary");
	if (!json_is_object(sum) ||
	    !json_is_integer(json_object_get(sum, "total_entries"))) {
		rc = brain__errf(&b->err, BRAIN_ECORRUPT,
				 "%s holds no summary with total_entries",
				 path);
		goto done;
	}
	*out = json_incref(sum);
	json_object_del(*out, "data_sources");
done:
	json_decref(doc);
	free(buf);
	free(path);
	return rc;
}

/* What the summary calls check after their arguments: the time, then
 * the stream. */
static int check_summary_args(brain_t *b, const char *stream, time_t when,
			      const brain__stream **s)
{
	int rc;

	if ((rc = brain__check_time(&b->err, (long long)when, "time")))
		return rc;
	return brain__read_stream(b, stream, s);
}

int brain_read_summary(brain_t *b, const char *stream, brain_level_t level,
		       time_t when, json_t **out)
{
	const brain__stream *s;
	json_t *sum = NULL, *res;
	char scope[64], from[32], to[32];
	time_t start, end;
	brain__when w;
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, out);
	*out = NULL;
	BRAIN__ARG(&b->err, stream);
	BRAIN__ARG(&b->err, level_ok(level));
	if ((rc = check_summary_args(b, stream, when, &s)))
		return rc;
	if ((rc = brain__read_index(b, s, level_of[level], when, &sum)))
		return rc;
	brain__read_partition(b->bp, level_of[level], when, &start, &end);
	brain__when_of(b->bp, when, &w);
	brain__scope(level_of[level], &w, scope, sizeof(scope));
	if (level == BRAIN_LEVEL_ROOT) {
		res = json_pack("{s:s,s:s,s:n,s:n,s:o}", "level",
				level_names[level], "scope", scope, "start",
				"end", "summary", sum);
	} else {
		brain__utc_text(start, from, sizeof(from));
		brain__utc_text(end, to, sizeof(to));
		res = json_pack("{s:s,s:s,s:s,s:s,s:o}", "level",
				level_names[level], "scope", scope, "start",
				from, "end", to, "summary", sum);
	}
	if (!res)
		return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
	*out = res;
	return 0;
}

int brain__read_range(brain__err *e, time_t from, time_t to)
{
	int rc;

	if ((rc = brain__check_time(e, (long long)from, "time")))
		return rc;
	/* `to` is an end: BRAIN_TIME_MAX + 1 is the last one allowed */
	if (to != BRAIN_TIME_MAX + 1 &&
	    (rc = brain__check_time(e, (long long)to, "end")))
		return rc;
	if (from >= to)
		return brain__errf(e, BRAIN_EINVAL,
				   "the range is empty: from %lld is not "
				   "before to %lld",
				   (long long)from, (long long)to);
	return 0;
}

int brain_read_series(brain_t *b, const char *stream, brain_level_t level,
		      time_t from, time_t to, brain_summary_fn fn, void *ctx)
{
	const brain__stream *s;
	time_t t, start, end;
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, stream);
	BRAIN__ARG(&b->err, level_ok(level));
	BRAIN__ARG(&b->err, fn);
	if ((rc = check_summary_args(b, stream, from, &s)))
		return rc;
	if ((rc = brain__read_range(&b->err, from, to)))
		return rc;
	for (t = from; t < to; t = end) {
		char scope[64];
		brain__when w;
		json_t *sum;

		brain__read_partition(b->bp, level_of[level], t, &start, &end);
		if ((rc = brain__read_index(b, s, level_of[level], t, &sum)))
			return rc;
		brain__when_of(b->bp, t, &w);
		brain__scope(level_of[level], &w, scope, sizeof(scope));
		rc = fn(ctx, start, end, scope, sum);
		json_decref(sum);
		if (rc)
			return rc;
		if (end > BRAIN_TIME_MAX)
			break;
	}
	return 0;
}
