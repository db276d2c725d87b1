/*
 * lib/read_records.c - brain_read_records: the records of a range, one
 * hourly file at a time.
 *
 * The records live in the stream's hourly source files (the blueprint's
 * <layout>_hour level: ledger_hour, report_hour).  A range is walked
 * down the calendar: a year, month or day whose index summary counts no
 * record is passed over with one small read, so a range of years over a
 * sparse tree costs a few files per year, not 8,760 opens; and the range
 * is first clipped to the root summary's first and last timestamps.
 * Hours are not pruned by their index: the hourly file itself is opened
 * (a missing one is one failed open).
 *
 * An hourly file is read line by line (its records are one line each),
 * so memory is one record whatever the hour holds.  Its end is checked
 * under the stream's shared lock (a save is never seen half done), and
 * only the bytes before that end are read: records a writer appends
 * meanwhile are not seen, and the caller's function never runs under
 * the lock.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonfile.h"
#include "read_internal.h"
#include "record_line.h"
#include "store.h"

/* What every record line starts with (the store puts seq first). */

typedef struct rctx {
	brain_t *b;
	const brain__stream *s;
	time_t from, to;
	brain_record_fn fn;
	void *ctx;
	int stopped; /* fn returned non-zero: its value is the result */
} rctx;

/* One record line of `path` (line `n`, 1-based). */
static int one_record(rctx *c, const char *path, long n, const char *line,
		      size_t len, time_t hour)
{
	json_error_t jerr;
	json_t *rec;
	const char *ts;
	time_t t;
	int rc;

	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(rec)) {
		json_decref(rec);
		return brain__errf(&c->b->err, BRAIN_ECORRUPT,
				   "%s:%ld: a record does not parse: %s", path,
				   n, jerr.text);
	}
	/* the record's time: its timestamp (every save gives one in ISO
	 * 8601); a line without one counts at the start of its hour */
	ts = json_string_value(json_object_get(rec, "timestamp"));
	if (!ts || brain__parse_iso8601(c->b->bp, ts, &t))
		t = hour;
	rc = 0;
	if (t >= c->from && t < c->to) {
		rc = c->fn(c->ctx, rec);
		c->stopped = rc != 0;
	}
	json_decref(rec);
	return rc;
}

/* One line of the file: a record line is handed on, others (the head,
 * its members) are passed over. */
static int each_line_one(rctx *c, brain__buf *line, const char *path,
			 long n, time_t hour)
{
	const char *q = line->data ? line->data : "";
	size_t len = line->len;
	int rc = 0;

	while (len && *q == ' ')
		q++, len--;
	if (len && q[len - 1] == ',')
		len--;
	if (brain__is_record(q, len))
		rc = one_record(c, path, n, q, len, hour);
	line->len = 0;
	return rc;
}

/* Every record line of fd in [0, end), in order.  The tail starts with
 * the newline that ends the last record line, so what is left at `end`
 * is a whole line too. */
static int each_line(rctx *c, int fd, off_t end, const char *path,
		     time_t hour)
{
	brain__buf line = {0};
	char buf[65536];
	off_t off = 0;
	long n = 0;
	int rc = 0;

	while (!rc && off < end) {
		size_t want = end - off < (off_t)sizeof(buf) ? (size_t)(end - off)
							     : sizeof(buf);
		ssize_t r = pread(fd, buf, want, off);
		const char *p, *nl;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO; /* shorter than its tail said */
			rc = brain__ioerr(&c->b->err, BRAIN_IOERR_READ,
					  "cannot read %s", path);
			break;
		}
		off += r;
		for (p = buf; !rc && p < buf + r; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(buf + r - p));
			if (brain__buf_put(&line, p,
					   (size_t)((nl ? nl : buf + r) - p))) {
				rc = BRAIN_ENOMEM;
				break;
			}
			if (!nl)
				break;
			rc = each_line_one(c, &line, path, ++n, hour);
		}
	}
	if (!rc && line.len)
		rc = each_line_one(c, &line, path, ++n, hour);
	brain__buf_free(&line);
	if (rc == BRAIN_ENOMEM && !c->stopped)
		rc = brain__errf(&c->b->err, rc, "out of memory");
	return rc;
}

/* The records of the hour holding t. */
static int read_hour(rctx *c, time_t t, time_t hour)
{
	brain_t *b = c->b;
	brain__jlayout lay = {c->s->entries, 0};
	json_t *none = NULL;
	char *path, *last = NULL;
	brain__when w;
	off_t tail = 0;
	int fd, lock = -1, empty = 1, rc;

	brain__when_of(b->bp, t, &w);
	path = brain__level_path(b->base, c->s, c->s->source[BRAIN__LV_HOUR],
				 &w, 1);
	if (!path)
		return brain__errf(&b->err, BRAIN_ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT || errno == ENOTDIR
			     ? 0
			     : brain__ioerr(&b->err, BRAIN_IOERR_OPEN,
					    "cannot open %s", path);
		free(path);
		return rc;
	}
	rc = brain__store_read_lock(b->store, c->s, &lock);
	if (!rc)
		rc = brain__jfile_scan_tail(
			fd, &lay, (size_t)b->bp->max_record_bytes + 1024, &tail,
			&none, &last, &empty, NULL);
	brain__store_read_unlock(lock);
	json_decref(none);
	free(last);
	if (rc == BRAIN_ECORRUPT)
		rc = brain__errf(&b->err, rc,
				 "%s: the end of the file is not a well-formed "
				 "records array",
				 path);
	else if (rc == BRAIN_EIO)
		rc = brain__ioerr(&b->err, BRAIN_IOERR_READ, "cannot read %s",
				  path);
	else if (rc == BRAIN_ENOMEM)
		rc = brain__errf(&b->err, rc, "out of memory");
	if (!rc && !empty)
		rc = each_line(c, fd, tail, path, hour);
	close(fd);
	free(path);
	return rc;
}

/* The next level a walk goes down to (weeks are skipped: days lie in
 * both a week and a month, and months are what years hold). */
static brain__level below(brain__level lv)
{
	switch (lv) {
	case BRAIN__LV_YEAR:
		return BRAIN__LV_MONTH;
	case BRAIN__LV_MONTH:
		return BRAIN__LV_DAY;
	default:
		return BRAIN__LV_HOUR;
	}
}

/* The records in [from, to) of every partition of lv that overlaps it. */
static int walk(rctx *c, brain__level lv, time_t from, time_t to)
{
	time_t t, start, end;
	int rc = 0;

	for (t = from; !rc && t < to; t = end) {
		brain__read_partition(c->b->bp, lv, t, &start, &end);
		if (lv == BRAIN__LV_HOUR) {
			rc = read_hour(c, t, start);
		} else {
			json_t *sum = NULL;
			json_int_t total = 1;
			rc = brain__read_index(c->b, c->s, lv, t, &sum);
			if (rc == BRAIN_ECORRUPT) {
				/* a damaged roll-up does not hide records:
				 * look below it */
				brain__err_clear(&c->b->err);
				rc = 0;
			} else if (!rc) {
				total = json_integer_value(
					json_object_get(sum, "total_entries"));
			}
			json_decref(sum);
			if (!rc && total > 0)
				rc = walk(c, below(lv), t,
					  end < to ? end : to);
		}
	}
	return rc;
}

int brain_read_records(brain_t *b, const char *stream, time_t from, time_t to,
		       brain_record_fn fn, void *ctx)
{
	rctx c = {.b = b, .fn = fn, .ctx = ctx};
	json_t *root = NULL;
	const char *ts;
	time_t t;
	int rc;

	BRAIN__ARG(brain__thread_err(), b);
	brain__err_clear(&b->err);
	BRAIN__ARG(&b->err, stream);
	BRAIN__ARG(&b->err, fn);
	if ((rc = brain__read_range(&b->err, from, to)))
		return rc;
	if ((rc = brain__read_stream(b, stream, &c.s)))
		return rc;
	if (!c.s->source[BRAIN__LV_HOUR])
		return brain__errf(&b->err, BRAIN_ENOTFOUND,
				   "'%s' has no hourly files to read records "
				   "from",
				   stream);
	/* only the hours the stream has records in */
	c.from = from;
	c.to = to;
	rc = brain__read_index(b, c.s, BRAIN__LV_ROOT, from, &root);
	if (rc == BRAIN_ECORRUPT) {
		brain__err_clear(&b->err);
		rc = 0;
	} else if (rc) {
		return rc;
	} else {
		time_t start, end;
		if (json_integer_value(json_object_get(root, "total_entries")) ==
		    0) {
			json_decref(root);
			return 0;
		}
		ts = json_string_value(json_object_get(root, "first_timestamp"));
		if (ts && !brain__parse_iso8601(b->bp, ts, &t)) {
			brain__read_partition(b->bp, BRAIN__LV_HOUR, t, &start,
					      &end);
			if (start > from)
				from = start;
		}
		ts = json_string_value(json_object_get(root, "last_timestamp"));
		if (ts && !brain__parse_iso8601(b->bp, ts, &t)) {
			brain__read_partition(b->bp, BRAIN__LV_HOUR, t, &start,
					      &end);
			if (end < to)
				to = end;
		}
		json_decref(root);
	}
	if (from >= to)
		return 0;
	return walk(&c, BRAIN__LV_YEAR, from, to);
}
