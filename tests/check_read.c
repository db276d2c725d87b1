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

Suite *read_suite(void)
{
	Suite *s = suite_create("read");
	TCase *tc = tcase_create("read");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hourly_and_daily_series_cross_the_year);
	tcase_add_test(tc, the_week_that_spans_two_years_is_two_partitions);
	tcase_add_test(tc, month_and_year_summaries_on_each_side);
	suite_add_tcase(s, tc);
	return s;
}
