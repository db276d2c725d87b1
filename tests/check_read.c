/*
 * tests/check_read.c - the read API (brainstem/read.h): summaries, series
 * and records read back what was saved, at every level, across a year's
 * and a month's boundary, and agree with an independent reading of the
 * tree's files; empty partitions, stops, errors and read-only handles.
 *
 * Records are saved with explicit ISO timestamps under a fixed clock, so
 * every expected figure below is known in advance.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct rtree {
	char *dir;
	time_t now;
	brain_t *b;
} rtree;

/* "2026-12-31T23:05:00" (UTC) as a time_t. */
static time_t at(const char *iso)
{
	struct tm tm = {0};
	const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);

	ck_assert_msg(end != NULL, "bad test time %s", iso);
	return timegm(&tm);
}

/* A tree opened at `now` with the default blueprint, or with `bp_text`
 * (a blueprint's text, written into the root first). */
static rtree *rt_open(const char *now, const char *bp_text)
{
	rtree *t = calloc(1, sizeof(*t));
	char *bp = NULL;
	brain_options_t o;

	ck_assert_ptr_nonnull(t);
	t->dir = tu_tmpdir();
	t->now = at(now);
	if (bp_text) {
		bp = tu_path(t->dir, "Brain.QTL");
		tu_write(bp, bp_text);
	}
	o = tu_options(t->dir, bp, &t->now);
	ck_assert_msg(brain_initialize_mode(&t->b, "test", "Reader-Test",
					    &o) == 0,
		      "%s", brain_errmsg(NULL));
	free(bp);
	return t;
}

static void rt_close(rtree *t)
{
	ck_assert_int_eq(brain_close(t->b), 0);
	tu_rmrf(t->dir);
	free(t->dir);
	free(t);
}

/* A round report of the miners at `iso`, with `attempts` hashes. */
static void save_round(rtree *t, const char *iso, long attempts)
{
	json_t *r = json_pack("{s:s,s:s,s:I}", "timestamp", iso, "event",
			      "mining_round_complete", "attempts_this_round",
			      (json_int_t)attempts);

	ck_assert_msg(brain_save_system_report(t->b, "miners", r) == 0, "%s",
		      brain_errmsg(t->b));
	json_decref(r);
}

/* A ledger entry at `iso` through the general save call. */
static void save_block(rtree *t, const char *iso, int zeros)
{
	json_t *r = json_pack("{s:s,s:s,s:i}", "timestamp", iso, "block_hash",
			      "00", "leading_zeros", zeros);

	ck_assert_msg(brain_save_record(t->b, "ledger", r) == 0, "%s",
		      brain_errmsg(t->b));
	json_decref(r);
}

/* The records around the turn of 2026 into 2027 (a Thursday into a
 * Friday: monday-numbered week W52 of 2026 runs on as W00 of 2027). */
static const char *const year_turn[] = {
	"2026-12-30T10:00:00Z", "2026-12-31T22:10:00Z",
	"2026-12-31T23:05:00Z", "2026-12-31T23:30:00Z",
	"2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z",
	"2027-01-01T00:15:00Z", "2027-01-01T01:40:00Z",
	"2027-01-02T05:00:00Z", "2027-01-04T09:00:00Z",
};
#define NYEAR_TURN (sizeof(year_turn) / sizeof(year_turn[0]))

/* The attempts of year_turn[i]: distinct, so sums tell records apart. */
static long attempts_of(size_t i)
{
	return 1000L * (long)(i + 1) + (long)i;
}

static rtree *year_turn_tree(void)
{
	rtree *t = rt_open("2027-01-05T12:00:00", NULL);
	size_t i;

	for (i = 0; i < NYEAR_TURN; i++) {
		save_round(t, year_turn[i], attempts_of(i));
		save_block(t, year_turn[i], 4 + (int)(i % 3));
	}
	return t;
}

/* The sum of attempts of year_turn's records in [from, to). */
static long attempts_in(time_t from, time_t to)
{
	long sum = 0;
	size_t i;

	for (i = 0; i < NYEAR_TURN; i++) {
		time_t t = at(year_turn[i]);
		if (t >= from && t < to)
			sum += attempts_of(i);
	}
	return sum;
}

/* ---- series collected ---- */

typedef struct part {
	time_t start, end;
	char scope[32];
	json_int_t total;
	json_int_t attempts; /* sum_attempts_this_round, 0 when absent */
} part;

typedef struct series {
	part p[128];
	int n;
	int stop_after; /* > 0: return 7 from that call on */
} series;

static int collect(void *ctx, time_t start, time_t end, const char *scope,
		   const json_t *summary)
{
	series *s = ctx;
	part *p;

	ck_assert_int_lt(s->n, 128);
	p = &s->p[s->n++];
	p->start = start;
	p->end = end;
	snprintf(p->scope, sizeof(p->scope), "%s", scope);
	p->total = json_integer_value(json_object_get(summary, "total_entries"));
	p->attempts = json_integer_value(
		json_object_get(summary, "sum_attempts_this_round"));
	ck_assert_ptr_null(json_object_get(summary, "data_sources"));
	if (s->stop_after && s->n >= s->stop_after)
		return 7;
	return 0;
}

static void read_series(rtree *t, const char *stream, brain_level_t lv,
			const char *from, const char *to, series *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = brain_read_series(t->b, stream, lv, at(from), at(to), collect, s);
	ck_assert_msg(rc == 0, "series: %d %s", rc, brain_errmsg(t->b));
}

/* Partition i of s is [start, end) "scope" with total records. */
static void expect_part(const series *s, int i, const char *start,
			const char *end, const char *scope, json_int_t total)
{
	ck_assert_int_lt(i, s->n);
	ck_assert_str_eq(s->p[i].scope, scope);
	ck_assert_msg(s->p[i].start == at(start), "%s starts at %lld", scope,
		      (long long)s->p[i].start);
	ck_assert_msg(s->p[i].end == at(end), "%s ends at %lld", scope,
		      (long long)s->p[i].end);
	ck_assert_msg(s->p[i].total == total, "%s holds %lld, want %lld",
		      scope, (long long)s->p[i].total, (long long)total);
}

/* The summary of stream at lv holding `when`: its total, and its scope
 * checked. */
static json_int_t total_at(rtree *t, const char *stream, brain_level_t lv,
			   const char *when, const char *scope)
{
	json_t *out = NULL;
	json_int_t n;
	int rc = brain_read_summary(t->b, stream, lv, at(when), &out);

	ck_assert_msg(rc == 0, "summary: %d %s", rc, brain_errmsg(t->b));
	ck_assert_str_eq(json_string_value(json_object_get(out, "level")),
			 brain_level_name(lv));
	ck_assert_str_eq(json_string_value(json_object_get(out, "scope")),
			 scope);
	n = json_integer_value(json_object_get(
		json_object_get(out, "summary"), "total_entries"));
	json_decref(out);
	return n;
}

/* ---- the year's boundary ---- */

START_TEST(hourly_and_daily_series_cross_the_year)
{
	rtree *t = year_turn_tree();
	series s;
	int i;

	read_series(t, "miners", BRAIN_LEVEL_HOUR, "2026-12-31T20:00:00",
		    "2027-01-01T03:00:00", &s);
	ck_assert_int_eq(s.n, 7);
	expect_part(&s, 0, "2026-12-31T20:00:00", "2026-12-31T21:00:00",
		    "2026-12-31T20", 0);
	expect_part(&s, 2, "2026-12-31T22:00:00", "2026-12-31T23:00:00",
		    "2026-12-31T22", 1);
	expect_part(&s, 3, "2026-12-31T23:00:00", "2027-01-01T00:00:00",
		    "2026-12-31T23", 3);
	expect_part(&s, 4, "2027-01-01T00:00:00", "2027-01-01T01:00:00",
		    "2027-01-01T00", 2);
	expect_part(&s, 5, "2027-01-01T01:00:00", "2027-01-01T02:00:00",
		    "2027-01-01T01", 1);
	expect_part(&s, 6, "2027-01-01T02:00:00", "2027-01-01T03:00:00",
		    "2027-01-01T02", 0);
	for (i = 0; i < s.n; i++)
		ck_assert_int_eq(s.p[i].attempts,
				 attempts_in(s.p[i].start, s.p[i].end));

	read_series(t, "miners", BRAIN_LEVEL_DAY, "2026-12-30T00:00:00",
		    "2027-01-03T00:00:00", &s);
	ck_assert_int_eq(s.n, 4);
	expect_part(&s, 0, "2026-12-30T00:00:00", "2026-12-31T00:00:00",
		    "2026-12-30", 1);
	expect_part(&s, 1, "2026-12-31T00:00:00", "2027-01-01T00:00:00",
		    "2026-12-31", 4);
	expect_part(&s, 2, "2027-01-01T00:00:00", "2027-01-02T00:00:00",
		    "2027-01-01", 3);
	expect_part(&s, 3, "2027-01-02T00:00:00", "2027-01-03T00:00:00",
		    "2027-01-02", 1);
	for (i = 0; i < s.n; i++)
		ck_assert_int_eq(s.p[i].attempts,
				 attempts_in(s.p[i].start, s.p[i].end));
	/* the record kind reads the same */
	read_series(t, "ledger", BRAIN_LEVEL_DAY, "2026-12-31T00:00:00",
		    "2027-01-02T00:00:00", &s);
	ck_assert_int_eq(s.n, 2);
	expect_part(&s, 0, "2026-12-31T00:00:00", "2027-01-01T00:00:00",
		    "2026-12-31", 4);
	expect_part(&s, 1, "2027-01-01T00:00:00", "2027-01-02T00:00:00",
		    "2027-01-01", 3);
	rt_close(t);
}
END_TEST

START_TEST(the_week_that_spans_two_years_is_two_partitions)
{
	rtree *t = year_turn_tree();
	time_t start, end;
	char scope[32];
	series s;
	int i;

	read_series(t, "miners", BRAIN_LEVEL_WEEK, "2026-12-21T00:00:00",
		    "2027-01-11T00:00:00", &s);
	ck_assert_int_eq(s.n, 4);
	expect_part(&s, 0, "2026-12-21T00:00:00", "2026-12-28T00:00:00",
		    "2026-12-W51", 0);
	expect_part(&s, 1, "2026-12-28T00:00:00", "2027-01-01T00:00:00",
		    "2026-12-W52", 5);
	expect_part(&s, 2, "2027-01-01T00:00:00", "2027-01-04T00:00:00",
		    "2027-01-W00", 4);
	expect_part(&s, 3, "2027-01-04T00:00:00", "2027-01-11T00:00:00",
		    "2027-01-W01", 1);
	for (i = 0; i < s.n; i++)
		ck_assert_int_eq(s.p[i].attempts,
				 attempts_in(s.p[i].start, s.p[i].end));
	/* brain_partition says the same of a moment in each half */
	ck_assert_int_eq(brain_partition(t->b, BRAIN_LEVEL_WEEK,
					 at("2026-12-31T23:59:59"), &start,
					 &end, scope, sizeof(scope)),
			 0);
	ck_assert_str_eq(scope, "2026-12-W52");
	ck_assert_int_eq(start, at("2026-12-28T00:00:00"));
	ck_assert_int_eq(end, at("2027-01-01T00:00:00"));
	ck_assert_int_eq(brain_partition(t->b, BRAIN_LEVEL_WEEK,
					 at("2027-01-03T23:59:59"), &start,
					 &end, scope, sizeof(scope)),
			 0);
	ck_assert_str_eq(scope, "2027-01-W00");
	ck_assert_int_eq(start, at("2027-01-01T00:00:00"));
	ck_assert_int_eq(end, at("2027-01-04T00:00:00"));
	rt_close(t);
}
END_TEST

START_TEST(month_and_year_summaries_on_each_side)
{
	rtree *t = year_turn_tree();
	json_t *out = NULL;

	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_MONTH,
				  "2026-12-31T23:59:59", "2026-12"),
			 5);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_MONTH,
				  "2027-01-01T00:00:00", "2027-01"),
			 5);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_YEAR,
				  "2026-06-01T00:00:00", "2026"),
			 5);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_YEAR,
				  "2027-01-01T00:00:00", "2027"),
			 5);
	ck_assert_int_eq(total_at(t, "ledger", BRAIN_LEVEL_YEAR,
				  "2027-12-31T23:59:59", "2027"),
			 5);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_ROOT,
				  "1970-01-01T00:00:00", "all"),
			 10);
	/* the whole answer of one summary */
	ck_assert_int_eq(brain_read_summary(t->b, "miners", BRAIN_LEVEL_MONTH,
					    at("2026-12-15T08:00:00"), &out),
			 0);
	ck_assert_str_eq(json_string_value(json_object_get(out, "start")),
			 "2026-12-01T00:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(out, "end")),
			 "2027-01-01T00:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(out, "summary"),
				 "first_timestamp")),
			 "2026-12-30T10:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(out, "summary"),
				 "last_timestamp")),
			 "2026-12-31T23:59:59Z");
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(out, "summary"),
				 "sum_attempts_this_round")),
			 attempts_in(at("2026-12-01T00:00:00"),
				     at("2027-01-01T00:00:00")));
	json_decref(out);
	ck_assert_int_eq(brain_read_summary(t->b, "miners", BRAIN_LEVEL_ROOT,
					    at("2026-12-15T08:00:00"), &out),
			 0);
	ck_assert(json_is_null(json_object_get(out, "start")));
	ck_assert(json_is_null(json_object_get(out, "end")));
	json_decref(out);
	rt_close(t);
}
END_TEST

/* ---- a month's boundary inside a week ---- */

START_TEST(a_week_split_by_the_month_is_two_partitions)
{
	/* W48 of 2026 runs Monday 30 November to Sunday 6 December */
	static const char *const when[] = {
		"2026-11-30T12:00:00Z", "2026-11-30T23:59:59Z",
		"2026-12-01T00:00:00Z", "2026-12-03T08:00:00Z",
		"2026-12-06T23:00:00Z", "2026-12-07T00:00:00Z",
	};
	rtree *t = rt_open("2026-12-08T09:00:00", NULL);
	time_t start, end;
	char scope[32];
	series s;
	size_t i;

	for (i = 0; i < sizeof(when) / sizeof(when[0]); i++)
		save_round(t, when[i], 10);
	read_series(t, "miners", BRAIN_LEVEL_WEEK, "2026-11-30T00:00:00",
		    "2026-12-14T00:00:00", &s);
	ck_assert_int_eq(s.n, 3);
	expect_part(&s, 0, "2026-11-30T00:00:00", "2026-12-01T00:00:00",
		    "2026-11-W48", 2);
	expect_part(&s, 1, "2026-12-01T00:00:00", "2026-12-07T00:00:00",
		    "2026-12-W48", 3);
	expect_part(&s, 2, "2026-12-07T00:00:00", "2026-12-14T00:00:00",
		    "2026-12-W49", 1);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_WEEK,
				  "2026-11-30T00:00:00", "2026-11-W48"),
			 2);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_WEEK,
				  "2026-12-06T23:59:59", "2026-12-W48"),
			 3);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_MONTH,
				  "2026-11-30T23:59:59", "2026-11"),
			 2);
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_MONTH,
				  "2026-12-01T00:00:00", "2026-12"),
			 4);
	/* the partition the header's example names */
	ck_assert_int_eq(brain_partition(t->b, BRAIN_LEVEL_WEEK,
					 at("2026-11-30T10:00:00"), &start,
					 &end, scope, sizeof(scope)),
			 0);
	ck_assert_str_eq(scope, "2026-11-W48");
	ck_assert_int_eq(end - start, 86400);
	rt_close(t);
}
END_TEST

/* ---- records ---- */

typedef struct recs {
	int n;
	long attempts;
	char ts[32][32];
	json_int_t seq[32];
	int stop_after; /* > 0: return 9 from that record on */
} recs;

static int on_record(void *ctx, const json_t *rec)
{
	recs *r = ctx;
	const char *ts = json_string_value(json_object_get(rec, "timestamp"));

	ck_assert_ptr_nonnull(ts);
	if (r->n < 32) {
		snprintf(r->ts[r->n], sizeof(r->ts[0]), "%s", ts);
		r->seq[r->n] = json_integer_value(json_object_get(rec, "seq"));
	}
	r->n++;
	r->attempts += (long)json_integer_value(
		json_object_get(rec, "attempts_this_round"));
	if (r->stop_after && r->n >= r->stop_after)
		return 9;
	return 0;
}

static void read_records(rtree *t, const char *stream, time_t from,
			 time_t to, recs *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	rc = brain_read_records(t->b, stream, from, to, on_record, r);
	ck_assert_msg(rc == 0, "records: %d %s", rc, brain_errmsg(t->b));
}

START_TEST(records_come_in_time_order_and_only_from_the_range)
{
	rtree *t = year_turn_tree();
	recs r;
	size_t i;

	read_records(t, "miners", BRAIN_TIME_MIN, BRAIN_TIME_MAX + 1, &r);
	ck_assert_int_eq(r.n, (int)NYEAR_TURN);
	for (i = 0; i < NYEAR_TURN; i++)
		ck_assert_str_eq(r.ts[i], year_turn[i]);
	read_records(t, "ledger", BRAIN_TIME_MIN, BRAIN_TIME_MAX + 1, &r);
	ck_assert_int_eq(r.n, (int)NYEAR_TURN);
	/* a range cut inside hours: only the records inside it */
	read_records(t, "miners", at("2026-12-31T23:10:00"),
		     at("2027-01-01T00:10:00"), &r);
	ck_assert_int_eq(r.n, 3);
	ck_assert_str_eq(r.ts[0], "2026-12-31T23:30:00Z");
	ck_assert_str_eq(r.ts[1], "2026-12-31T23:59:59Z");
	ck_assert_str_eq(r.ts[2], "2027-01-01T00:00:00Z");
	ck_assert_int_eq(r.attempts, attempts_in(at("2026-12-31T23:10:00"),
						 at("2027-01-01T00:10:00")));
	/* a range with nothing in it */
	read_records(t, "miners", at("2026-12-31T00:00:00"),
		     at("2026-12-31T22:00:00"), &r);
	ck_assert_int_eq(r.n, 0);
	read_records(t, "miners", at("2030-01-01T00:00:00"),
		     at("2031-01-01T00:00:00"), &r);
	ck_assert_int_eq(r.n, 0);
	rt_close(t);
}
END_TEST

START_TEST(records_of_one_hour_come_in_seq_order)
{
	rtree *t = rt_open("2026-06-01T12:00:00", NULL);
	recs r;

	save_round(t, "2026-06-01T10:50:00Z", 1);
	save_round(t, "2026-06-01T10:10:00Z", 2);
	save_round(t, "2026-06-01T09:59:59Z", 3);
	save_round(t, "2026-06-01T10:30:00Z", 4);
	read_records(t, "miners", at("2026-06-01T09:00:00"),
		     at("2026-06-01T11:00:00"), &r);
	ck_assert_int_eq(r.n, 4);
	ck_assert_str_eq(r.ts[0], "2026-06-01T09:59:59Z");
	ck_assert_str_eq(r.ts[1], "2026-06-01T10:50:00Z");
	ck_assert_str_eq(r.ts[2], "2026-06-01T10:10:00Z");
	ck_assert_str_eq(r.ts[3], "2026-06-01T10:30:00Z");
	ck_assert_int_lt(r.seq[1], r.seq[2]);
	ck_assert_int_lt(r.seq[2], r.seq[3]);
	rt_close(t);
}
END_TEST

/* ---- an independent reading of the files ---- */

/* What the test reads itself from the stream's folder: every hourly
 * source file's records (by the day and hour of their timestamps) and
 * every index file's summary (by its index_scope). */
typedef struct tally {
	json_t *hours;   /* "2026-12-31T23" -> [records, attempts] */
	json_t *days;    /* "2026-12-31" -> [records, attempts] */
	json_t *indexes; /* "hour:2026-12-31T23" -> summary */
	int files;
} tally;

static tally *the_tally;

static void tally_add(json_t *map, const char *key, json_int_t attempts)
{
	json_t *v = json_object_get(map, key);

	if (!v) {
		v = json_pack("[I,I]", (json_int_t)0, (json_int_t)0);
		json_object_set_new(map, key, v);
	}
	json_array_set_new(v, 0,
			   json_integer(json_integer_value(json_array_get(v, 0)) +
					1));
	json_array_set_new(v, 1,
			   json_integer(json_integer_value(json_array_get(v, 1)) +
					attempts));
}

static int tally_file(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	json_t *doc, *meta, *member, *rec;
	const char *key, *level;
	json_error_t err;
	size_t i;

	(void)st;
	if (flag != FTW_F || !strstr(path + ftw->base, ".json") ||
	    path[ftw->base] == '.')
		return 0;
	doc = json_load_file(path, 0, &err);
	ck_assert_msg(doc != NULL, "%s: %s", path, err.text);
	meta = json_object_get(doc, "metadata");
	level = json_string_value(json_object_get(meta, "time_level"));
	if (level && !strcmp(level, "hour")) {
		the_tally->files++;
		json_object_foreach(doc, key, member) {
			if (!json_is_array(member))
				continue;
			json_array_foreach(member, i, rec) {
				const char *ts = json_string_value(
					json_object_get(rec, "timestamp"));
				json_int_t a = json_integer_value(json_object_get(
					rec, "attempts_this_round"));
				char day[11], hour[14];
				ck_assert_ptr_nonnull(ts);
				snprintf(day, sizeof(day), "%.10s", ts);
				snprintf(hour, sizeof(hour), "%.13s", ts);
				tally_add(the_tally->days, day, a);
				tally_add(the_tally->hours, hour, a);
			}
		}
	}
	level = json_string_value(json_object_get(meta, "index_level"));
	if (level) {
		char k[64];
		snprintf(k, sizeof(k), "%s:%s", level,
			 json_string_value(json_object_get(meta, "index_scope")));
		json_object_set(the_tally->indexes, k,
				json_object_get(doc, "summary"));
	}
	json_decref(doc);
	return 0;
}

/* Reads every file of the stream's folder (the folder of its global
 * journal's folder: Global/ sits in it). */
static void tally_stream(rtree *t, const char *stream, const char *global,
			 tally *out)
{
	char *journal = NULL, *slash;
	int i;

	out->hours = json_object();
	out->days = json_object();
	out->indexes = json_object();
	out->files = 0;
	ck_assert_int_eq(brain_get_path(t->b, stream, global, t->now,
					&journal),
			 0);
	for (i = 0; i < 2; i++) {
		slash = strrchr(journal, '/');
		ck_assert_ptr_nonnull(slash);
		*slash = '\0';
	}
	the_tally = out;
	ck_assert_int_eq(nftw(journal, tally_file, 16, FTW_PHYS), 0);
	the_tally = NULL;
	brain_free(journal);
}

static void tally_free(tally *t)
{
	json_decref(t->hours);
	json_decref(t->days);
	json_decref(t->indexes);
}

static json_int_t tally_get(json_t *map, const char *key, int i)
{
	return json_integer_value(json_array_get(json_object_get(map, key), i));
}

static json_int_t index_get(tally *t, const char *key, const char *what)
{
	return json_integer_value(
		json_object_get(json_object_get(t->indexes, key), what));
}

START_TEST(answers_agree_with_an_independent_reading_of_the_files)
{
	static const struct {
		const char *day, *next;
		int records;
	} days[] = {
		{"2026-12-31", "2027-01-01", 4},
		{"2027-01-01", "2027-01-02", 3},
		{"2027-01-03", "2027-01-04", 0},
	};
	rtree *t = year_turn_tree();
	json_t *day_sum = NULL;
	tally files;
	size_t d;
	int i;

	tally_stream(t, "miners", "report_global", &files);
	ck_assert_int_ge(files.files, 8); /* the hours that have records */
	for (d = 0; d < sizeof(days) / sizeof(days[0]); d++) {
		char from[32], to[32], key[32];
		json_int_t hours_total = 0, hours_attempts = 0;
		json_int_t idx_total = 0, idx_attempts = 0, want_attempts;
		series s;
		recs r;

		snprintf(from, sizeof(from), "%sT00:00:00", days[d].day);
		snprintf(to, sizeof(to), "%sT00:00:00", days[d].next);
		want_attempts = attempts_in(at(from), at(to));
		/* 24 hour summaries */
		read_series(t, "miners", BRAIN_LEVEL_HOUR, from, to, &s);
		ck_assert_int_eq(s.n, 24);
		for (i = 0; i < s.n; i++) {
			hours_total += s.p[i].total;
			hours_attempts += s.p[i].attempts;
			/* each hour as the files say */
			ck_assert_int_eq(s.p[i].total,
					 tally_get(files.hours, s.p[i].scope, 0));
			ck_assert_int_eq(s.p[i].attempts,
					 tally_get(files.hours, s.p[i].scope, 1));
			snprintf(key, sizeof(key), "hour:%s", s.p[i].scope);
			idx_total += index_get(&files, key, "total_entries");
			idx_attempts +=
				index_get(&files, key, "sum_attempts_this_round");
		}
		/* the day's summary */
		ck_assert_int_eq(brain_read_summary(t->b, "miners",
						    BRAIN_LEVEL_DAY, at(from),
						    &day_sum),
				 0);
		/* the day's records */
		read_records(t, "miners", at(from), at(to), &r);

		ck_assert_int_eq(hours_total, days[d].records);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_object_get(day_sum, "summary"),
					 "total_entries")),
				 days[d].records);
		ck_assert_int_eq(r.n, days[d].records);
		ck_assert_int_eq(tally_get(files.days, days[d].day, 0),
				 days[d].records);
		ck_assert_int_eq(idx_total, days[d].records);
		snprintf(key, sizeof(key), "day:%s", days[d].day);
		ck_assert_int_eq(index_get(&files, key, "total_entries"),
				 days[d].records);

		ck_assert_int_eq(hours_attempts, want_attempts);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_object_get(day_sum, "summary"),
					 "sum_attempts_this_round")),
				 want_attempts);
		ck_assert_int_eq(r.attempts, want_attempts);
		ck_assert_int_eq(tally_get(files.days, days[d].day, 1),
				 want_attempts);
		ck_assert_int_eq(idx_attempts, want_attempts);
		json_decref(day_sum);
	}
	/* and the whole stream: records read == root summary == files */
	{
		json_int_t in_files = 0;
		const char *k;
		json_t *v;
		recs r;
		read_records(t, "miners", BRAIN_TIME_MIN, BRAIN_TIME_MAX + 1,
			     &r);
		json_object_foreach(files.hours, k, v)
			in_files += json_integer_value(json_array_get(v, 0));
		ck_assert_int_eq(r.n, in_files);
		ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_ROOT,
					  "2027-01-01T00:00:00", "all"),
				 in_files);
		ck_assert_int_eq(index_get(&files, "root:all", "total_entries"),
				 in_files);
	}
	tally_free(&files);
	rt_close(t);
}
END_TEST

/* ---- empty partitions, stops and errors ---- */

START_TEST(a_48_hour_series_is_48_calls_empty_ones_included)
{
	rtree *t = year_turn_tree();
	json_int_t total = 0;
	series s;
	int i;

	read_series(t, "miners", BRAIN_LEVEL_HOUR, "2026-12-30T00:00:00",
		    "2027-01-01T00:00:00", &s);
	ck_assert_int_eq(s.n, 48);
	for (i = 0; i < s.n; i++) {
		ck_assert_int_eq(s.p[i].end - s.p[i].start, 3600);
		if (i)
			ck_assert_int_eq(s.p[i].start, s.p[i - 1].end);
		total += s.p[i].total;
	}
	ck_assert_int_eq(total, 5);
	ck_assert_str_eq(s.p[0].scope, "2026-12-30T00");
	ck_assert_str_eq(s.p[47].scope, "2026-12-31T23");
	/* a range cut inside its first and last hours touches both */
	read_series(t, "miners", BRAIN_LEVEL_HOUR, "2026-12-30T00:30:00",
		    "2026-12-30T02:00:01", &s);
	ck_assert_int_eq(s.n, 3);
	expect_part(&s, 0, "2026-12-30T00:00:00", "2026-12-30T01:00:00",
		    "2026-12-30T00", 0);
	/* thirty days, and a tree's whole root */
	read_series(t, "miners", BRAIN_LEVEL_DAY, "2026-12-06T00:00:00",
		    "2027-01-05T00:00:00", &s);
	ck_assert_int_eq(s.n, 30);
	read_series(t, "miners", BRAIN_LEVEL_ROOT, "2026-12-06T00:00:00",
		    "2027-01-05T00:00:00", &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.p[0].scope, "all");
	ck_assert_int_eq(s.p[0].total, 10);
	ck_assert_int_eq(s.p[0].start, BRAIN_TIME_MIN);
	ck_assert_int_eq(s.p[0].end, BRAIN_TIME_MAX + 1);
	/* a stream nothing was saved to has only empty partitions */
	read_series(t, "error:miners", BRAIN_LEVEL_DAY, "2026-12-30T00:00:00",
		    "2027-01-02T00:00:00", &s);
	ck_assert_int_eq(s.n, 3);
	for (i = 0; i < s.n; i++)
		ck_assert_int_eq(s.p[i].total, 0);
	rt_close(t);
}
END_TEST

START_TEST(a_nonzero_return_stops_series_and_records)
{
	rtree *t = year_turn_tree();
	series s;
	recs r;

	memset(&s, 0, sizeof(s));
	s.stop_after = 3;
	ck_assert_int_eq(brain_read_series(t->b, "miners", BRAIN_LEVEL_HOUR,
					   at("2026-12-30T00:00:00"),
					   at("2027-01-01T00:00:00"), collect,
					   &s),
			 7);
	ck_assert_int_eq(s.n, 3);
	memset(&r, 0, sizeof(r));
	r.stop_after = 2;
	ck_assert_int_eq(brain_read_records(t->b, "miners", BRAIN_TIME_MIN,
					    BRAIN_TIME_MAX + 1, on_record, &r),
			 9);
	ck_assert_int_eq(r.n, 2);
	/* a stop in the middle of an hour's file */
	memset(&r, 0, sizeof(r));
	r.stop_after = 2;
	ck_assert_int_eq(brain_read_records(t->b, "miners",
					    at("2026-12-31T23:00:00"),
					    at("2027-01-01T00:00:00"), on_record,
					    &r),
			 9);
	ck_assert_int_eq(r.n, 2);
	ck_assert_str_eq(r.ts[1], "2026-12-31T23:30:00Z");
	rt_close(t);
}
END_TEST

START_TEST(bad_ranges_levels_and_streams_are_refused)
{
	rtree *t = year_turn_tree();
	brain_level_t lv = BRAIN_LEVEL_MONTH;
	json_t *out = NULL;
	series s;
	recs r;
	int i;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	/* from >= to */
	ck_assert_int_eq(brain_read_series(t->b, "miners", BRAIN_LEVEL_HOUR,
					   t->now, t->now, collect, &s),
			 BRAIN_EINVAL);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(t->b), "range is empty"));
	ck_assert_int_eq(brain_read_series(t->b, "miners", BRAIN_LEVEL_HOUR,
					   t->now, t->now - 1, collect, &s),
			 BRAIN_EINVAL);
	ck_assert_int_eq(brain_read_records(t->b, "miners", t->now, t->now,
					    on_record, &r),
			 BRAIN_EINVAL);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(r.n, 0);
	/* out of the years the tree can hold */
	ck_assert_int_eq(brain_read_series(t->b, "miners", BRAIN_LEVEL_HOUR,
					   -3600, 3600, collect, &s),
			 BRAIN_EINVAL);
	ck_assert_int_eq(brain_read_records(t->b, "miners", 0,
					    BRAIN_TIME_MAX + 2, on_record, &r),
			 BRAIN_EINVAL);
	/* levels by name, both ways */
	for (i = BRAIN_LEVEL_HOUR; i <= BRAIN_LEVEL_ROOT; i++) {
		ck_assert_int_eq(brain_level_parse(
					 brain_level_name((brain_level_t)i), &lv),
				 0);
		ck_assert_int_eq(lv, i);
	}
	lv = BRAIN_LEVEL_MONTH;
	ck_assert_int_eq(brain_level_parse("fortnight", &lv), BRAIN_EINVAL);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), "fortnight"));
	ck_assert_int_eq(brain_level_parse("Hour", &lv), BRAIN_EINVAL);
	ck_assert_int_eq(lv, BRAIN_LEVEL_MONTH);
	ck_assert_ptr_null(brain_level_name((brain_level_t)-1));
	ck_assert_int_eq(brain_read_summary(t->b, "miners", (brain_level_t)9,
					    t->now, &out),
			 BRAIN_EINVAL);
	/* streams the blueprint does not have */
	ck_assert_int_eq(brain_read_summary(t->b, "minors", BRAIN_LEVEL_DAY,
					    t->now, &out),
			 BRAIN_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(t->b), "'minors'"));
	ck_assert_ptr_null(out);
	ck_assert_int_eq(brain_read_series(t->b, "error:nothing",
					   BRAIN_LEVEL_DAY, t->now - 86400,
					   t->now, collect, &s),
			 BRAIN_ENOTFOUND);
	ck_assert_int_eq(brain_read_records(t->b, "ledgers", 0, t->now,
					    on_record, &r),
			 BRAIN_ENOTFOUND);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(r.n, 0);
	rt_close(t);
}
END_TEST

/* ---- damaged files, read-only handles ---- */

/* The tree's files with their sizes and change times, one line each,
 * sorted. */
static char *listing_of(const char *dir)
{
	char *cmd, *buf = NULL;
	size_t cap = 0, n = 0, got;
	FILE *f;

	if (asprintf(&cmd, "cd '%s' && find . -printf '%%p %%s %%T@\\n' | "
			   "LC_ALL=C sort",
		     dir) < 0)
		abort();
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	do {
		if (n + 4096 > cap && !(buf = realloc(buf, cap += 65536)))
			abort();
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	ck_assert_int_eq(pclose(f), 0);
	buf[n] = '\0';
	free(cmd);
	return buf;
}

/* Closes t's writer and opens the tree again read-only. */
static void reopen_readonly(rtree *t)
{
	brain_options_t o = tu_options(t->dir, NULL, &t->now);

	ck_assert_int_eq(brain_close(t->b), 0);
	o.flags = BRAIN_OPEN_READONLY;
	ck_assert_msg(brain_initialize_mode(&t->b, "test", "Reader-Test",
					    &o) == 0,
		      "%s", brain_errmsg(NULL));
}

START_TEST(a_read_only_handle_reads_without_creating_a_file)
{
	rtree *t = year_turn_tree();
	char *before, *after;
	json_t *out;
	series s;
	recs r;
	int lv;

	ck_assert_int_eq(brain_close(t->b), 0);
	t->b = NULL;
	before = listing_of(t->dir);
	reopen_readonly(t);
	/* every level, where there are files and where there are none (a
	 * year never written, a stream never written) */
	for (lv = BRAIN_LEVEL_HOUR; lv <= BRAIN_LEVEL_ROOT; lv++) {
		ck_assert_int_eq(brain_read_summary(t->b, "miners", lv,
						    at("2026-12-31T23:30:00"),
						    &out),
				 0);
		json_decref(out);
		ck_assert_int_eq(brain_read_summary(t->b, "miners", lv,
						    at("2031-03-01T10:00:00"),
						    &out),
				 0);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_object_get(out, "summary"),
					 "total_entries")),
				 lv == BRAIN_LEVEL_ROOT ? 10 : 0);
		json_decref(out);
		ck_assert_int_eq(brain_read_summary(t->b, "error:looping", lv,
						    at("2026-12-31T23:30:00"),
						    &out),
				 0);
		json_decref(out);
	}
	read_series(t, "ledger", BRAIN_LEVEL_HOUR, "2026-12-31T00:00:00",
		    "2027-01-02T00:00:00", &s);
	ck_assert_int_eq(s.n, 48);
	read_series(t, "submission", BRAIN_LEVEL_WEEK, "2026-12-01T00:00:00",
		    "2027-02-01T00:00:00", &s);
	read_records(t, "miners", BRAIN_TIME_MIN, BRAIN_TIME_MAX + 1, &r);
	ck_assert_int_eq(r.n, (int)NYEAR_TURN);
	read_records(t, "rejection", BRAIN_TIME_MIN, BRAIN_TIME_MAX + 1, &r);
	ck_assert_int_eq(r.n, 0);
	ck_assert_int_eq(brain_close(t->b), 0);
	after = listing_of(t->dir);
	ck_assert_str_eq(after, before);
	t->b = NULL;
	free(before);
	free(after);
	tu_rmrf(t->dir);
	free(t->dir);
	free(t);
}
END_TEST

START_TEST(a_roll_up_that_does_not_parse_is_ecorrupt_naming_it)
{
	rtree *t = year_turn_tree();
	char *day = NULL, *hour = NULL, *text;
	json_t *out = NULL;
	series s;
	recs r;

	ck_assert_int_eq(brain_get_path(t->b, "miners", "aggregated_index_day",
					at("2026-12-31T12:00:00"), &day),
			 0);
	ck_assert_int_eq(brain_get_path(t->b, "miners", "report_hour",
					at("2027-01-01T00:00:00"), &hour),
			 0);
	reopen_readonly(t);
	tu_write(day, "{\"metadata\": {\"index_level\": \"day\"},\n"
		      "  \"summary\": {\"total_entries\": 4,");
	ck_assert_int_eq(brain_read_summary(t->b, "miners", BRAIN_LEVEL_DAY,
					    at("2026-12-31T08:00:00"), &out),
			 BRAIN_ECORRUPT);
	ck_assert_msg(strstr(brain_errmsg(t->b), day) != NULL, "%s",
		      brain_errmsg(t->b));
	ck_assert_ptr_null(out);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(brain_read_series(t->b, "miners", BRAIN_LEVEL_DAY,
					   at("2026-12-30T00:00:00"),
					   at("2027-01-02T00:00:00"), collect,
					   &s),
			 BRAIN_ECORRUPT);
	ck_assert_int_eq(s.n, 1); /* the day before it was given */
	ck_assert_msg(strstr(brain_errmsg(t->b), day) != NULL, "%s",
		      brain_errmsg(t->b));
	/* valid JSON without a summary is no roll-up either */
	tu_write(day, "{\"metadata\": {}}\n");
	ck_assert_int_eq(brain_read_summary(t->b, "miners", BRAIN_LEVEL_DAY,
					    at("2026-12-31T08:00:00"), &out),
			 BRAIN_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(t->b), day));
	/* a damaged roll-up does not hide the records below it */
	read_records(t, "miners", at("2026-12-31T00:00:00"),
		     at("2027-01-01T00:00:00"), &r);
	ck_assert_int_eq(r.n, 4);
	/* an hourly file cut short: its records are not read as if whole */
	text = tu_read(hour);
	ck_assert_ptr_nonnull(text);
	text[strlen(text) / 2] = '\0';
	tu_write(hour, text);
	free(text);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(brain_read_records(t->b, "miners",
					    at("2027-01-01T00:00:00"),
					    at("2027-01-02T00:00:00"), on_record,
					    &r),
			 BRAIN_ECORRUPT);
	ck_assert_msg(strstr(brain_errmsg(t->b), hour) != NULL, "%s",
		      brain_errmsg(t->b));
	brain_free(day);
	brain_free(hour);
	rt_close(t);
}
END_TEST

/* ---- the blueprint's time settings ---- */

START_TEST(iso_weeks_number_the_partitions_as_the_tree_does)
{
	char *bp = tu_default_with("weeks: monday", "weeks: iso");
	rtree *t = rt_open("2027-01-05T12:00:00", bp);
	char *path = NULL;
	series s;
	size_t i;

	for (i = 0; i < NYEAR_TURN; i++)
		save_round(t, year_turn[i], attempts_of(i));
	/* 2026-12-31 and 2027-01-01 are both in ISO week 53 of 2026 */
	read_series(t, "miners", BRAIN_LEVEL_WEEK, "2026-12-28T00:00:00",
		    "2027-01-11T00:00:00", &s);
	ck_assert_int_eq(s.n, 3);
	expect_part(&s, 0, "2026-12-28T00:00:00", "2027-01-01T00:00:00",
		    "2026-12-W53", 5);
	expect_part(&s, 1, "2027-01-01T00:00:00", "2027-01-04T00:00:00",
		    "2027-01-W53", 4);
	expect_part(&s, 2, "2027-01-04T00:00:00", "2027-01-11T00:00:00",
		    "2027-01-W01", 1);
	/* the files are where the scopes say */
	ck_assert_int_eq(brain_get_path(t->b, "miners", "aggregated_index_week",
					at("2027-01-02T00:00:00"), &path),
			 0);
	ck_assert_ptr_nonnull(strstr(path, "/2027/01/W53/"));
	ck_assert(tu_exists(path));
	brain_free(path);
	rt_close(t);
	free(bp);
}
END_TEST

START_TEST(a_local_zone_files_the_repeated_hour_once)
{
	/* New York falls back on 2026-11-01: 01:00-02:00 happens twice
	 * (05:00Z-06:00Z EDT and 06:00Z-07:00Z EST), in one hour folder */
	char *bp = tu_default_with("zone: utc", "zone: local");
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	time_t start, end;
	char scope[32];
	rtree *t;
	series s;
	recs r;
	int i;

	setenv("TZ", "America/New_York", 1);
	tzset();
	t = rt_open("2026-11-03T12:00:00", bp);
	save_round(t, "2026-11-01T04:30:00Z", 1); /* 00:30 EDT */
	save_round(t, "2026-11-01T05:30:00Z", 2); /* 01:30 EDT */
	save_round(t, "2026-11-01T06:30:00Z", 4); /* 01:30 EST */
	save_round(t, "2026-11-02T04:30:00Z", 8); /* 23:30 EST */
	save_round(t, "2026-11-02T05:30:00Z", 16); /* 00:30 EST, next day */

	ck_assert_int_eq(brain_partition(t->b, BRAIN_LEVEL_HOUR,
					 at("2026-11-01T06:10:00"), &start,
					 &end, scope, sizeof(scope)),
			 0);
	ck_assert_str_eq(scope, "2026-11-01T01");
	ck_assert_int_eq(start, at("2026-11-01T05:00:00"));
	ck_assert_int_eq(end, at("2026-11-01T07:00:00"));
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_HOUR,
				  "2026-11-01T05:10:00", "2026-11-01T01"),
			 2);
	/* the local day has 25 hours and 24 hour partitions */
	ck_assert_int_eq(brain_partition(t->b, BRAIN_LEVEL_DAY,
					 at("2026-11-01T12:00:00"), &start,
					 &end, scope, sizeof(scope)),
			 0);
	ck_assert_str_eq(scope, "2026-11-01");
	ck_assert_int_eq(start, at("2026-11-01T04:00:00"));
	ck_assert_int_eq(end, at("2026-11-02T05:00:00"));
	ck_assert_int_eq(total_at(t, "miners", BRAIN_LEVEL_DAY,
				  "2026-11-01T12:00:00", "2026-11-01"),
			 4);
	read_series(t, "miners", BRAIN_LEVEL_HOUR, "2026-11-01T04:00:00",
		    "2026-11-02T05:00:00", &s);
	ck_assert_int_eq(s.n, 24);
	ck_assert_str_eq(s.p[0].scope, "2026-11-01T00");
	ck_assert_str_eq(s.p[23].scope, "2026-11-01T23");
	for (i = 1; i < s.n; i++)
		ck_assert_int_eq(s.p[i].start, s.p[i - 1].end);
	read_records(t, "miners", start, end, &r);
	ck_assert_int_eq(r.n, 4);
	ck_assert_int_eq(r.attempts, 1 + 2 + 4 + 8);
	/* the summary's bounds are UTC */
	{
		json_t *out = NULL;
		ck_assert_int_eq(brain_read_summary(t->b, "miners",
						    BRAIN_LEVEL_MONTH,
						    at("2026-11-15T00:00:00"),
						    &out),
				 0);
		ck_assert_str_eq(json_string_value(json_object_get(out, "start")),
				 "2026-11-01T04:00:00Z");
		ck_assert_str_eq(json_string_value(json_object_get(out, "end")),
				 "2026-12-01T05:00:00Z");
		json_decref(out);
	}
	rt_close(t);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	free(bp);
}
END_TEST

Suite *read_suite(void)
{
	Suite *s = suite_create("read");
	TCase *tc = tcase_create("read");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hourly_and_daily_series_cross_the_year);
	tcase_add_test(tc, the_week_that_spans_two_years_is_two_partitions);
	tcase_add_test(tc, month_and_year_summaries_on_each_side);
	tcase_add_test(tc, a_week_split_by_the_month_is_two_partitions);
	tcase_add_test(tc, records_come_in_time_order_and_only_from_the_range);
	tcase_add_test(tc, records_of_one_hour_come_in_seq_order);
	tcase_add_test(tc, answers_agree_with_an_independent_reading_of_the_files);
	tcase_add_test(tc, a_48_hour_series_is_48_calls_empty_ones_included);
	tcase_add_test(tc, a_nonzero_return_stops_series_and_records);
	tcase_add_test(tc, bad_ranges_levels_and_streams_are_refused);
	tcase_add_test(tc, a_read_only_handle_reads_without_creating_a_file);
	tcase_add_test(tc, a_roll_up_that_does_not_parse_is_ecorrupt_naming_it);
	tcase_add_test(tc, iso_weeks_number_the_partitions_as_the_tree_does);
	tcase_add_test(tc, a_local_zone_files_the_repeated_hour_once);
	suite_add_tcase(s, tc);
	return s;
}
