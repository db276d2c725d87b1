/*
 * tests/check_report.c - brain_report adds up what a period holds and
 * nothing else: two miners' rounds of one hour (rates, hashes, time,
 * shares, blocks), its errors by type and the ledger's blocks with their
 * hashes, while a round of the next hour counts in the day but not in
 * the hour; an hour without records reports zeros and no rates; the list
 * of blocks keeps the latest BRAIN_REPORT_MAX_BLOCKS; the root level holds
 * every record; a roll-up that does not parse fails the report with its
 * name; and a read-only handle gives the same report.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define HOUR10 ((time_t)1795946400) /* 2026-11-29T10:00:00Z */

typedef struct fixture {
	char *dir;
	time_t now;
	brain_t *b;
} fixture;

static void open_tree(fixture *f)
{
	brain_options_t o;

	f->dir = tu_tmpdir();
	f->now = HOUR10 + 2 * 3600 + 60; /* 12:01, both hours complete */
	o = tu_options(f->dir, NULL, &f->now);
	ck_assert_msg(brain_initialize_mode(&f->b, "test", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
}

static void close_tree(fixture *f)
{
	ck_assert_int_eq(brain_close(f->b), 0);
	tu_rmrf(f->dir);
	free(f->dir);
}

static void at(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void save(fixture *f, const char *stream, json_t *r)
{
	ck_assert_msg(brain_save_record(f->b, stream, r) == 0, "%s",
		      brain_errmsg(f->b));
	json_decref(r);
}

/* A round report at minute `min` past 10:00. */
static void round_at(fixture *f, int min, const char *miner, long attempts,
		     double rate, double secs, int blocks, int acc, int rej,
		     int stale)
{
	char ts[32];

	at(HOUR10 + min * 60, ts);
	save(f, "miners",
	     json_pack("{s:s, s:s, s:s, s:I, s:f, s:I, s:i, s:i, s:i, s:i, "
		       "s:i}",
		       "timestamp", ts, "event", "mining_round_complete",
		       "miner_id", miner, "attempts_this_round",
		       (json_int_t)attempts, "hashrate", rate, "duration_ms",
		       (json_int_t)(secs * 1000 + 0.5), "blocks_found", blocks, "best_difficulty", 4 + acc,
		       "shares_accepted", acc, "shares_rejected", rej,
		       "shares_stale", stale));
}

static void block_at(fixture *f, int min, const char *hash, int height)
{
	char ts[32];

	at(HOUR10 + min * 60, ts);
	save(f, "ledger",
	     json_pack("{s:s, s:s, s:i, s:s}", "timestamp", ts, "block_hash",
		       hash, "height", height, "miner_id", "m1"));
}

static void error_at(fixture *f, int min, const char *type)
{
	char ts[32];

	at(HOUR10 + min * 60, ts);
	save(f, "error:miners",
	     json_pack("{s:s, s:s, s:s}", "timestamp", ts, "error_type", type,
		       "message", "test"));
}

/* The hour 10:00 of two miners, and a round and a block at 11:30. */
static void fill(fixture *f)
{
	char ts[32];

	at(HOUR10 + 60, ts);
	save(f, "miners",
	     json_pack("{s:s, s:s, s:s}", "timestamp", ts, "event",
		       "mining_session_start", "miner_id", "m1"));
	round_at(f, 2, "m1", 1000000, 2.0e6, 0.5, 1, 3, 1, 0);
	round_at(f, 3, "m2", 3000000, 1.5e6, 2.0, 0, 1, 0, 1);
	round_at(f, 4, "m1", 2000000, 2.5e6, 0.8, 1, 2, 0, 0);
	block_at(f, 2, "00000aaa", 101);
	block_at(f, 4, "00000bbb", 102);
	error_at(f, 5, "rpc_timeout");
	error_at(f, 6, "rpc_timeout");
	error_at(f, 7, "pool_refused");
	/* the next hour: the day's, not the hour's */
	round_at(f, 90, "m3", 7000000, 9.0e6, 1.0, 1, 5, 5, 5);
	block_at(f, 90, "00000ccc", 103);
	error_at(f, 91, "disk_full");
}

static json_int_t ival(const json_t *o, const char *path)
{
	char key[128], *dot, *p = key;
	const json_t *v = o;

	snprintf(key, sizeof(key), "%s", path);
	while ((dot = strchr(p, '.'))) {
		*dot = '\0';
		v = json_object_get(v, p);
		p = dot + 1;
	}
	v = json_object_get(v, p);
	ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

static double rval(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(json_object_get(o, a), b);

	ck_assert_msg(json_is_number(v), "%s.%s is not a number", a, b);
	return json_number_value(v);
}

START_TEST(an_hour_counts_its_own_records_only)
{
	fixture f;
	json_t *r, *m, *blocks;

	open_tree(&f);
	fill(&f);
	ck_assert_int_eq(brain_report(f.b, BRAIN_LEVEL_HOUR, HOUR10 + 1800, &r),
			 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "scope")),
			 "2026-11-29T10");
	ck_assert_str_eq(json_string_value(json_object_get(r, "start")),
			 "2026-11-29T10:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(r, "end")),
			 "2026-11-29T11:00:00Z");
	ck_assert(json_is_true(json_object_get(r, "complete")));
	m = json_object_get(json_object_get(r, "categories"), "miners");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(ival(m, "records"), 4);
	ck_assert_int_eq(ival(m, "rounds"), 3);
	ck_assert_int_eq(ival(m, "hashes"), 6000000);
	ck_assert_double_eq_tol(rval(m, "hashrate", "mean"), 6.0e6 / 3, 1e-6);
	ck_assert_double_eq_tol(rval(m, "hashrate", "min"), 1.5e6, 1e-6);
	ck_assert_double_eq_tol(rval(m, "hashrate", "max"), 2.5e6, 1e-6);
	ck_assert_int_eq(ival(m, "blocks_found"), 2);
	ck_assert_int_eq(ival(m, "best_difficulty"), 7);
	ck_assert_int_eq(ival(m, "shares.accepted"), 6);
	ck_assert_int_eq(ival(m, "shares.rejected"), 1);
	ck_assert_int_eq(ival(m, "shares.stale"), 1);
	ck_assert_double_eq_tol(
		json_number_value(json_object_get(m, "uptime_seconds")), 3.3,
		1e-9);
	ck_assert_int_eq(ival(m, "miners_seen"), 2);
	ck_assert_int_eq(ival(m, "miners.m1"), 2);
	ck_assert_int_eq(ival(m, "miners.m2"), 1);
	ck_assert_ptr_null(json_object_get(json_object_get(m, "miners"), "m3"));
	ck_assert_int_eq(ival(m, "events.mining_round_complete"), 3);
	ck_assert_int_eq(ival(m, "events.mining_session_start"), 1);
	ck_assert_int_eq(ival(m, "errors.total"), 3);
	ck_assert_int_eq(ival(m, "errors.by_type.rpc_timeout"), 2);
	ck_assert_int_eq(ival(m, "errors.by_type.pool_refused"), 1);
	ck_assert_ptr_null(json_object_get(
		json_object_get(json_object_get(m, "errors"), "by_type"),
		"disk_full"));
	/* every category of the blueprint is there, empty ones too */
	ck_assert_int_eq(ival(json_object_get(json_object_get(r, "categories"),
					      "looping"),
			      "records"),
			 0);
	blocks = json_object_get(
		json_object_get(json_object_get(r, "record_kinds"), "ledger"),
		"blocks");
	ck_assert_int_eq(json_array_size(blocks), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(blocks, 0), "block_hash")),
			 "00000aaa");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(blocks, 1), "block_hash")),
			 "00000bbb");
	ck_assert_int_eq(ival(json_array_get(blocks, 1), "height"), 102);
	ck_assert_int_eq(ival(r, "totals.hashes"), 6000000);
	ck_assert_int_eq(ival(r, "totals.rounds"), 3);
	ck_assert_int_eq(ival(r, "totals.blocks"), 2);
	ck_assert_int_eq(ival(r, "totals.errors"), 3);
	ck_assert_int_eq(ival(r, "totals.shares.accepted"), 6);
	json_decref(r);
	close_tree(&f);
}
END_TEST

START_TEST(the_day_holds_both_hours)
{
	fixture f;
	json_t *r, *m;

	open_tree(&f);
	fill(&f);
	ck_assert_int_eq(brain_report(f.b, BRAIN_LEVEL_DAY, HOUR10, &r), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "scope")),
			 "2026-11-29");
	/* the day is still going on at 12:01 */
	ck_assert(json_is_false(json_object_get(r, "complete")));
	m = json_object_get(json_object_get(r, "categories"), "miners");
	ck_assert_int_eq(ival(m, "rounds"), 4);
	ck_assert_int_eq(ival(m, "hashes"), 13000000);
	ck_assert_double_eq_tol(rval(m, "hashrate", "max"), 9.0e6, 1e-6);
	ck_assert_int_eq(ival(m, "miners_seen"), 3);
	ck_assert_int_eq(ival(m, "errors.total"), 4);
	ck_assert_int_eq(ival(r, "totals.blocks"), 3);
	ck_assert_int_eq(json_array_size(json_object_get(
				 json_object_get(json_object_get(r, "record_kinds"),
						 "ledger"),
				 "blocks")),
			 3);
	json_decref(r);
	close_tree(&f);
}
END_TEST

START_TEST(an_empty_hour_reports_zeros_and_no_rate)
{
	fixture f;
	json_t *r, *m;

	open_tree(&f);
	fill(&f);
	ck_assert_int_eq(brain_report(f.b, BRAIN_LEVEL_HOUR, HOUR10 - 1, &r),
			 0);
	m = json_object_get(json_object_get(r, "categories"), "miners");
	ck_assert_int_eq(ival(m, "records"), 0);
	ck_assert_int_eq(ival(m, "rounds"), 0);
	ck_assert_int_eq(ival(m, "hashes"), 0);
	ck_assert(json_is_null(json_object_get(json_object_get(m, "hashrate"),
					       "mean")));
	ck_assert(json_is_null(json_object_get(json_object_get(m, "hashrate"),
					       "min")));
	ck_assert_int_eq(ival(m, "miners_seen"), 0);
	ck_assert_int_eq(ival(m, "errors.total"), 0);
	ck_assert_int_eq(ival(r, "totals.blocks"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(
				 json_object_get(json_object_get(r, "record_kinds"),
						 "ledger"),
				 "blocks")),
			 0);
	json_decref(r);
	close_tree(&f);
}
END_TEST

START_TEST(the_block_list_keeps_the_latest)
{
	fixture f;
	json_t *r, *ledger, *blocks;
	char hash[16];
	int i;

	open_tree(&f);
	for (i = 0; i < BRAIN_REPORT_MAX_BLOCKS + 5; i++) {
		snprintf(hash, sizeof(hash), "h%03d", i);
		block_at(&f, i % 60, hash, i);
	}
	ck_assert_int_eq(brain_report(f.b, BRAIN_LEVEL_HOUR, HOUR10, &r), 0);
	ledger = json_object_get(json_object_get(r, "record_kinds"), "ledger");
	blocks = json_object_get(ledger, "blocks");
	ck_assert_int_eq(ival(ledger, "records"), BRAIN_REPORT_MAX_BLOCKS + 5);
	ck_assert_int_eq(json_array_size(blocks), BRAIN_REPORT_MAX_BLOCKS);
	ck_assert_int_eq(ival(ledger, "blocks_not_listed"), 5);
	ck_assert_int_eq(ival(r, "totals.blocks"), BRAIN_REPORT_MAX_BLOCKS + 5);
	json_decref(r);
	close_tree(&f);
}
END_TEST

START_TEST(a_read_only_handle_gives_the_same_report)
{
	fixture f;
	brain_options_t o;
	brain_t *ro;
	json_t *a, *b;

	open_tree(&f);
	fill(&f);
	ck_assert_int_eq(brain_flush(f.b), 0);
	o = tu_options(f.dir, NULL, &f.now);
	o.flags = BRAIN_OPEN_READONLY;
	ck_assert_msg(brain_initialize_mode(&ro, "test", "Reader", &o) == 0,
		      "%s", brain_errmsg(NULL));
	ck_assert_int_eq(brain_report(f.b, BRAIN_LEVEL_WEEK, HOUR10, &a), 0);
	ck_assert_int_eq(brain_report(ro, BRAIN_LEVEL_WEEK, HOUR10, &b), 0);
	ck_assert(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	ck_assert_int_eq(brain_close(ro), 0);
	close_tree(&f);
}
END_TEST

START_TEST(the_root_holds_every_record)
{
	fixture f;
	json_t *r;

	open_tree(&f);
	fill(&f);
	ck_assert_int_eq(brain_report(f.b, BRAIN_LEVEL_ROOT, HOUR10, &r), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "scope")), "all");
	ck_assert(json_is_null(json_object_get(r, "start")));
	ck_assert(json_is_false(json_object_get(r, "complete")));
	ck_assert_int_eq(ival(r, "totals.rounds"), 4);
	ck_assert_int_eq(ival(r, "totals.blocks"), 3);
	ck_assert_int_eq(ival(r, "totals.errors"), 4);
	ck_assert_int_eq(json_array_size(json_object_get(
				 json_object_get(json_object_get(r, "record_kinds"),
						 "ledger"),
				 "blocks")),
			 3);
	json_decref(r);
	close_tree(&f);
}
END_TEST

START_TEST(a_damaged_roll_up_fails_the_report_naming_it)
{
	fixture f;
	json_t *was = json_object(), *r = was; /* must come back NULL */
	char *path = NULL;

	open_tree(&f);
	fill(&f);
	ck_assert_int_eq(brain_flush(f.b), 0);
	ck_assert_int_eq(brain_get_path(f.b, "miners", "aggregated_index_hour",
					HOUR10, &path),
			 0);
	tu_write(path, "{\"summary\": [");
	ck_assert_int_eq(brain_report(f.b, BRAIN_LEVEL_HOUR, HOUR10, &r),
			 BRAIN_ECORRUPT);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(brain_errmsg(f.b), "aggregated_index") != NULL,
		      "%s", brain_errmsg(f.b));
	json_decref(was);
	brain_free(path);
	close_tree(&f);
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_test(tc, an_hour_counts_its_own_records_only);
	tcase_add_test(tc, the_day_holds_both_hours);
	tcase_add_test(tc, an_empty_hour_reports_zeros_and_no_rate);
	tcase_add_test(tc, the_block_list_keeps_the_latest);
	tcase_add_test(tc, the_root_holds_every_record);
	tcase_add_test(tc, a_damaged_roll_up_fails_the_report_naming_it);
	tcase_add_test(tc, a_read_only_handle_gives_the_same_report);
	suite_add_tcase(s, tc);
	return s;
}
