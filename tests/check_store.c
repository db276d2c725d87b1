/*
 * tests/check_store.c - saving records: where each kind goes, what the
 * summaries say, repair of a damaged file, rebuild, and refusing bad input
 * without writing anything.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonfile.h"
#include "storecheck.h"
#include "testutil.h"

typedef struct tree {
	char *dir;
	time_t now;
	brain_t *b;
} tree;

static void tree_open(tree *t, const char *bp)
{
	brain_options_t o = tu_options(t->dir, bp, &t->now);

	ck_assert_msg(brain_initialize_mode(&t->b, "demo", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
}

static tree *tree_new(const char *bp_text)
{
	tree *t = calloc(1, sizeof(*t));
	char *bp = NULL;

	t->dir = tu_tmpdir();
	t->now = T_SEED_EXAMPLE;
	if (bp_text) {
		bp = tu_path(t->dir, "Brain.QTL");
		tu_write(bp, bp_text);
	}
	tree_open(t, bp);
	free(bp);
	return t;
}

static void tree_free(tree *t)
{
	brain_close(t->b);
	tu_rmrf(t->dir);
	free(t->dir);
	free(t);
}

static json_t *load_level(tree *t, const char *stream, const char *level,
			  time_t when)
{
	char *p;
	json_t *j;

	ck_assert_int_eq(brain_get_path(t->b, stream, level, when, &p), 0);
	j = sc_load(p);
	ck_assert_msg(j != NULL, "%s does not parse", p);
	brain_free(p);
	return j;
}

static json_t *summary_of(tree *t, const char *stream, const char *level,
			  time_t when)
{
	json_t *f = load_level(t, stream, level, when);
	json_t *s = json_incref(json_object_get(f, "summary"));

	json_decref(f);
	return s;
}

static void save_report(tree *t, const char *ts, int attempts, int best,
			double rate)
{
	json_t *r = json_pack("{s:s, s:i, s:i, s:i, s:f}", "event",
			      "mining_round_complete", "attempts_this_round",
			      attempts, "best_difficulty", best,
			      "blocks_found", 0, "hashrate", rate);

	if (ts)
		json_object_set_new(r, "timestamp", json_string(ts));
	ck_assert_msg(brain_save_system_report(t->b, "miners", r) == 0, "%s",
		      brain_errmsg(t->b));
	json_decref(r);
}

START_TEST(report_lands_in_global_and_its_hour_with_stamps)
{
	tree *t = tree_new(NULL);
	json_t *f, *e;

	save_report(t, NULL, 10, 3, 1.0);
	f = load_level(t, "miners", "report_global", t->now);
	e = json_array_get(sc_entries(f), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(e, "seq")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "timestamp")),
			 "2025-12-18T01:47:41Z");
	ck_assert_str_eq(json_string_value(json_object_get(e, "component")),
			 "Tester");
	ck_assert_str_eq(json_string_value(json_object_get(e, "mode")), "demo");
	ck_assert_int_eq(json_integer_value(
				 json_object_get(e, "attempts_this_round")), 10);
	json_decref(f);
	f = load_level(t, "miners", "report_hour", t->now);
	ck_assert_int_eq(json_array_size(sc_entries(f)), 1);
	json_decref(f);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	tree_free(t);
}
END_TEST

START_TEST(error_goes_to_the_error_tree_only)
{
	tree *t = tree_new(NULL);
	json_t *err = json_pack("{s:s, s:s, s:{s:i}}", "error_type", "KeyError",
				"message", "'target_zeros'", "context",
				"round", 5);
	json_t *f;

	ck_assert_int_eq(brain_save_system_error(t->b, "miners", err), 0);
	f = load_level(t, "error:miners", "report_hour", t->now);
	ck_assert_int_eq(json_array_size(sc_entries(f)), 1);
	json_decref(f);
	f = load_level(t, "miners", "report_hour", t->now);
	ck_assert_int_eq(json_array_size(sc_entries(f)), 0);
	json_decref(f);
	f = summary_of(t, "error:miners", "aggregated_root", t->now);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(f, "count_by_value_error_type"),
				 "KeyError")), 1);
	json_decref(f);
	json_decref(err);
	tree_free(t);
}
END_TEST

START_TEST(ledger_entry_reaches_every_time_level)
{
	static const char *const levels[] = {
		"ledger_global",   "ledger_year",	"ledger_month",
		"ledger_week",	   "ledger_day",	"ledger_hour",
		"aggregated_global", "aggregated_root", "aggregated_year",
		"aggregated_month", "aggregated_week",	"aggregated_day",
		"aggregated_hour", NULL};
	tree *t = tree_new(NULL);
	json_t *e = json_pack("{s:s, s:s, s:i}", "timestamp",
			      "2025-12-18T01:15:23Z", "block_hash", "0000abcd",
			      "leading_zeros", 4);
	const char *const *l;

	ck_assert_int_eq(brain_save_ledger_entry(t->b, e), 0);
	ck_assert_int_eq(brain_save_math_proof(t->b, e), 0);
	ck_assert_int_eq(brain_save_submission(t->b, e), 0);
	for (l = levels; *l; l++) {
		json_t *f = load_level(t, "ledger", *l, T_SEED_EXAMPLE);
		ck_assert_msg(json_array_size(sc_entries(f)) == 1, "%s", *l);
		json_decref(f);
	}
	ck_assert_ptr_null(sc_check_stream(t->b, "ledger", 1));
	ck_assert_ptr_null(sc_check_stream(t->b, "math_proof", 1));
	ck_assert_ptr_null(sc_check_stream(t->b, "submission", 1));
	json_decref(e);
	tree_free(t);
}
END_TEST

static void expect_hour_path(tree *t, const char *ts, const char *rel)
{
	json_t *e = json_pack("{s:s, s:i}", "timestamp", ts, "leading_zeros", 1);
	char *p, *want;
	json_t *f;
	time_t when;
	struct tm tm = {0};

	ck_assert_int_eq(brain_save_ledger_entry(t->b, e), 0);
	strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
	when = timegm(&tm);
	ck_assert_int_eq(brain_get_path(t->b, "ledger", "ledger_hour", when, &p),
			 0);
	want = tu_path(brain_base_path(t->b), rel);
	ck_assert_str_eq(p, want);
	f = sc_load(p);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(sc_entries(f), 0), "timestamp")),
			 ts);
	json_decref(f);
	brain_free(p);
	free(want);
	json_decref(e);
}

START_TEST(saves_into_the_week_of_its_timestamp_at_year_edges)
{
	tree *t = tree_new(NULL);

	expect_hour_path(t, "2025-12-31T23:59:59Z",
			 "Ledgers/2025/12/W52/31/23/hourly_ledger.json");
	expect_hour_path(t, "2026-01-01T00:00:00Z",
			 "Ledgers/2026/01/W00/01/00/hourly_ledger.json");
	ck_assert_ptr_null(sc_check_stream(t->b, "ledger", 1));
	tree_free(t);
}
END_TEST

START_TEST(saves_into_the_iso_week_when_the_blueprint_says_so)
{
	char *text = tu_default_with("weeks: monday", "weeks: iso");
	tree *t = tree_new(text);

	expect_hour_path(t, "2025-12-29T05:00:00Z",
			 "Ledgers/2025/12/W01/29/05/hourly_ledger.json");
	expect_hour_path(t, "2027-01-01T00:30:00+00:00",
			 "Ledgers/2027/01/W53/01/00/hourly_ledger.json");
	ck_assert_ptr_null(sc_check_stream(t->b, "ledger", 1));
	free(text);
	tree_free(t);
}
END_TEST

START_TEST(rollup_metrics_follow_the_blueprint)
{
	tree *t = tree_new(NULL);
	json_t *s, *avg;

	save_report(t, NULL, 100, 3, 2.0);
	save_report(t, NULL, 250, 7, 4.0);
	save_report(t, NULL, 50, 5, 3.0);
	s = summary_of(t, "miners", "aggregated_index_week", t->now);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "total_entries")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 s, "sum_attempts_this_round")), 400);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 s, "max_best_difficulty")), 7);
	avg = json_object_get(s, "avg_hashrate");
	ck_assert_double_eq_tol(json_real_value(json_object_get(avg, "mean")),
				3.0, 1e-9);
	ck_assert_int_eq(json_integer_value(json_object_get(avg, "n")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(s, "count_by_value_event"),
				 "mining_round_complete")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(s, "first_timestamp")),
			 "2025-12-18T01:47:41Z");
	json_decref(s);
	tree_free(t);
}
END_TEST

/* The summary line of a file, as its bytes. */
static char *summary_line(const char *path)
{
	char *text = tu_read(path), *at, *end, *line;

	ck_assert_ptr_nonnull(text);
	at = strstr(text, "\"summary\": ");
	ck_assert_msg(at != NULL, "%s has no summary", path);
	at += strlen("\"summary\": ");
	end = strchr(at, '\n');
	line = strndup(at, (size_t)(end - at));
	free(text);
	return line;
}

/* Summaries are written as text without jansson; they must be the very
 * bytes jansson writes for the same values, or a rebuild (which goes
 * through jansson) would not reproduce them. */
START_TEST(summary_text_is_what_jansson_writes)
{
	static const char *const levels[] = {"aggregated_index_root",
					     "aggregated_day",
					     "aggregated_index_global", NULL};
	static const char *const events[] = {
		"quote \" and backslash \\", "tab\tnew\nline\x01\x1f",
		"caf\xc3\xa9 \xe2\x80\xa8", "/slash", NULL};
	static const double rates[] = {1e-7, 0.2e-7, 0.1e-7, 3e-8};
	static const double sums[] = {-0.0, 123456789012345.0, 1e15, 0.5};
	tree *t = tree_new(NULL);
	int i, l;

	for (i = 0; events[i]; i++) {
		json_t *r = json_pack("{s:s, s:I, s:i, s:i, s:f}", "event",
				      events[i], "attempts_this_round",
				      (json_int_t)-9000000000000LL + i,
				      "best_difficulty", -i, "blocks_found", i,
				      "hashrate", rates[i]);
		ck_assert_int_eq(brain_save_system_report(t->b, "miners", r), 0);
		/* the numbers count for rounds only (the metrics' where) */
		json_object_set_new(r, "event",
				    json_string("mining_round_complete"));
		ck_assert_int_eq(brain_save_system_report(t->b, "miners", r), 0);
		json_decref(r);
	}
	for (i = 0; i < 4; i++) { /* whole numbers, and where they stop */
		brain__buf text = {0};
		json_t *real = json_real(sums[i]);
		char *want = json_dumps(real, JSON_ENCODE_ANY);
		ck_assert_int_eq(brain__json_put_real(&text, sums[i]), 0);
		ck_assert_str_eq(text.data, want);
		free(want);
		json_decref(real);
		brain__buf_free(&text);
	}
	for (l = 0; levels[l]; l++) {
		char *p, *line, *again;
		json_t *parsed;
		ck_assert_int_eq(brain_get_path(t->b, "miners", levels[l], t->now,
						&p), 0);
		line = summary_line(p);
		parsed = json_loads(line, 0, NULL);
		ck_assert_msg(parsed != NULL, "%s: summary does not parse: %s", p,
			      line);
		again = json_dumps(parsed, JSON_COMPACT | JSON_PRESERVE_ORDER);
		ck_assert_str_eq(line, again);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_object_get(parsed,
							 "count_by_value_event"),
					 events[0])), 1);
		free(again);
		free(line);
		json_decref(parsed);
		brain_free(p);
	}
	tree_free(t);
}
END_TEST

/* Reals are written without printf where 128-bit integers reach (every
 * mean and sum of a summary): the same bytes as jansson, rounding ties
 * included, for seeded random numbers of every shape around them. */
START_TEST(reals_are_the_bytes_jansson_writes)
{
	static const double edges[] = {
		0.1, 0.5, 1.5, 2.5, 1e-5, 1e-4, 9.9999999999999995e-05,
		0.00012345678901234567, 1e16, 1e17, 9.999999999999999e16,
		99999999999999984.0, 4503599627370496.5, 9007199254740991.0,
		1e-22, 1e-23, 25000006.005555555, 0.040000000000000001,
		123456789.12345678, 5e-324, 2.2250738585072014e-308, 1e300};
	unsigned long long x = 0x9e3779b97f4a7c15ull; /* the seed */
	brain__buf text = {0};
	long i;

	for (i = 0; i < 300000; i++) {
		double v;
		json_t *real;
		char *want;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (i < (long)(sizeof(edges) / sizeof(edges[0])))
			v = edges[i];
		else if (i % 4 == 0) /* any exponent from 2^-90 to 2^64 */
			v = ldexp((double)(x >> 11) / 9007199254740992.0,
				  (int)(x % 155) - 90);
		else if (i % 4 == 1) /* few digits: ties at the 17th */
			v = (double)(x % 100000000) / (double)(1ull << (x >> 58));
		else if (i % 4 == 2) /* sums and means as summaries have */
			v = (double)(x % 1000000000000ull) / (double)(x % 997 + 1);
		else
			v = (double)(x % 1000) + (double)(x >> 40) / 16777216.0 /
							  1e9;
		if (x & 1)
			v = -v;
		real = json_real(v);
		want = json_dumps(real, JSON_ENCODE_ANY);
		text.len = 0;
		ck_assert_int_eq(brain__json_put_real(&text, v), 0);
		ck_assert_msg(!strcmp(text.data, want), "%.17g: %s, not %s", v,
			      text.data, want);
		free(want);
		json_decref(real);
	}
	brain__buf_free(&text);
}
END_TEST

/* A random JSON value, at most `depth` deep: every type, strings with
 * escapes and UTF-8, reals of every shape. */
static json_t *random_value(unsigned long long *x, int depth)
{
	static const char *const strings[] = {
		"", "plain", "quote \" and backslash \\", "tab\tnew\nline\x01\x1f",
		"caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80", "/slash\x7f", "\b\f\r"};
	unsigned long long r;
	json_t *v;
	int i, n;

	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	r = *x;
	switch (depth > 0 ? r % 9 : r % 7) {
	case 0: return json_string(strings[(r >> 8) % 7]);
	case 1: return json_integer((json_int_t)(r >> 1) * ((r & 2) ? -1 : 1));
	case 2: return json_real((double)(r >> 20) / (double)((r >> 4) % 9973 + 1));
	case 3: return json_real(ldexp((double)(r >> 11), (int)((r >> 3) % 200) - 150));
	case 4: return (r >> 5) & 1 ? json_true() : json_false();
	case 5: return json_null();
	case 6: return json_integer((json_int_t)(r % 1000));
	case 7:
		v = json_array();
		for (i = 0, n = (int)((r >> 9) % 5); i < n; i++)
			json_array_append_new(v, random_value(x, depth - 1));
		return v;
	default:
		v = json_object();
		for (i = 0, n = (int)((r >> 9) % 6); i < n; i++) {
			char key[32];
			snprintf(key, sizeof(key), "%s%d",
				 strings[(r >> (12 + i)) % 7], i);
			json_object_set_new(v, key, random_value(x, depth - 1));
		}
		return v;
	}
}

/* Record lines are written without json_dumps: the same bytes, for
 * seeded random records of every shape; a string holding U+0000 it
 * leaves to jansson, and says so. */
START_TEST(record_lines_are_the_bytes_jansson_writes)
{
	unsigned long long x = 0x2545f4914f6cdd1dull; /* the seed */
	brain__buf text = {0};
	json_t *odd;
	int i;

	for (i = 0; i < 20000; i++) {
		json_t *v = random_value(&x, 4);
		char *want = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
						   JSON_ENCODE_ANY);
		text.len = 0;
		ck_assert_int_eq(brain__json_put_compact(&text, v), 0);
		ck_assert_msg(!strcmp(text.data, want), "%s, not %s", text.data,
			      want);
		free(want);
		json_decref(v);
	}
	odd = json_pack("{s:s#}", "nul", "a\0b", (int)3);
	text.len = 0;
	ck_assert_int_eq(brain__json_put_compact(&text, odd), BRAIN_EINVAL);
	json_decref(odd);
	brain__buf_free(&text);
}
END_TEST

START_TEST(data_sources_name_the_files_one_level_down)
{
	tree *t = tree_new(NULL);
	json_t *s, *src;
	char *p;

	save_report(t, "2025-12-18T01:00:00Z", 1, 1, 1.0);
	save_report(t, "2026-01-02T03:00:00Z", 1, 1, 1.0);
	s = summary_of(t, "miners", "aggregated_root", T_SEED_EXAMPLE);
	src = json_object_get(s, "data_sources");
	ck_assert_int_eq(json_array_size(src), 2);
	ck_assert_str_eq(json_string_value(json_array_get(src, 0)),
			 "System/System_Reports/Miners/Aggregated/2025/"
			 "aggregated_2025.json");
	ck_assert_str_eq(json_string_value(json_array_get(src, 1)),
			 "System/System_Reports/Miners/Aggregated/2026/"
			 "aggregated_2026.json");
	json_decref(s);
	s = summary_of(t, "miners", "aggregated_index_hour", T_SEED_EXAMPLE - 47 * 60);
	ck_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(s, "data_sources"), 0)),
			 "System/System_Reports/Miners/Hourly/2025/12/18/01/"
			 "hourly_miners_report.json");
	json_decref(s);
	s = summary_of(t, "miners", "aggregated_global", T_SEED_EXAMPLE);
	ck_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(s, "data_sources"), 0)),
			 "System/System_Reports/Miners/Global/"
			 "global_miners_report.json");
	/* every listed source exists */
	src = json_object_get(s, "data_sources");
	p = tu_path(brain_base_path(t->b),
		    json_string_value(json_array_get(src, 0)));
	ck_assert(tu_exists(p));
	free(p);
	json_decref(s);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	tree_free(t);
}
END_TEST

/* Bad input: the code, the message, and nothing written. */
static void expect_refused(tree *t, const char *category, json_t *rec,
			   int code, const char *msg)
{
	json_t *before = sc_journal(t->b, "miners"), *after;

	ck_assert_int_eq(brain_save_system_report(t->b, category, rec), code);
	ck_assert_msg(strstr(brain_errmsg(t->b), msg) != NULL, "%s",
		      brain_errmsg(t->b));
	after = sc_journal(t->b, "miners");
	ck_assert_int_eq(json_array_size(after), json_array_size(before));
	json_decref(after);
	ck_assert_int_eq(sc_index_total(t->b, "miners"),
			 (long long)json_array_size(before));
	json_decref(before);
}

START_TEST(bad_input_is_refused_and_writes_nothing)
{
	tree *t = tree_new(NULL);
	json_t *ok = json_pack("{s:s}", "event", "x");
	json_t *arr = json_array(), *big = json_object(), *bad_ts, *bad_utf;
	char *huge = malloc(70000);

	memset(huge, 'a', 69999);
	huge[69999] = '\0';
	json_object_set_new(big, "blob", json_string(huge));
	bad_ts = json_pack("{s:s}", "timestamp", "yesterday");
	bad_utf = json_object();
	json_object_set_new(bad_utf, "s", json_stringn_nocheck("\xff\xfe", 2));
	save_report(t, NULL, 1, 1, 1.0);
	expect_refused(t, "nosuch", ok, BRAIN_ENOTFOUND,
		       "unknown category 'nosuch' (the blueprint has miners, "
		       "looping, dtm, brainstem)");
	expect_refused(t, "../miners", ok, BRAIN_EINVAL,
		       "category name '../miners' contains '/'");
	expect_refused(t, "miners", arr, BRAIN_EINVAL,
		       "a record must be a json object");
	expect_refused(t, "miners", big, BRAIN_ETOOBIG,
		       "over the limit of 65536 (store.max_record_bytes)");
	expect_refused(t, "miners", bad_ts, BRAIN_EINVAL,
		       "record timestamp 'yesterday' is not ISO 8601");
	expect_refused(t, "miners", bad_utf, BRAIN_EINVAL, "UTF-8");
	free(huge);
	json_decref(ok);
	json_decref(arr);
	json_decref(big);
	json_decref(bad_ts);
	json_decref(bad_utf);
	tree_free(t);
}
END_TEST

START_TEST(damaged_file_is_kept_aside_and_rebuilt)
{
	tree *t = tree_new(NULL);
	char *p, *aside;
	FILE *f;
	int i;

	for (i = 0; i < 5; i++)
		save_report(t, NULL, i, i, 1.0);
	ck_assert_int_eq(brain_get_path(t->b, "miners", "aggregated_day",
					t->now, &p), 0);
	brain_close(t->b);
	ck_assert_int_eq(truncate(p, 300), 0); /* a torn, foreign edit */
	tree_open(t, NULL);
	/* the next save into that day finds it and repairs it */
	save_report(t, NULL, 9, 9, 1.0);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	ck_assert_msg(strstr(tu_notices, "was damaged; kept it as") != NULL,
		      "%s", tu_notices);
	{
		json_t *errs = sc_journal(t->b, "error:brainstem");
		ck_assert_int_eq(json_array_size(errs), 1);
		ck_assert_str_eq(json_string_value(json_object_get(
					 json_array_get(errs, 0), "error_type")),
				 "corrupt_file");
		json_decref(errs);
	}
	ck_assert(asprintf(&aside, "%s.corrupt-%lld", p, (long long)t->now) > 0);
	f = fopen(aside, "r");
	ck_assert_ptr_nonnull(f); /* never deleted */
	fclose(f);
	free(aside);
	brain_free(p);
	tree_free(t);
}
END_TEST

/* A writer killed while copying a summary into its mapping can leave it
 * half new, half old, yet valid JSON: the mark after the text tells.
 * Here a writer process dies without closing (its padding and mark stay)
 * and a summary digit is then changed in place, as a torn copy would. */
START_TEST(a_torn_summary_is_found_by_its_mark_and_rebuilt)
{
	tree *t = tree_new(NULL);
	json_t *s;
	char *p, *text, *digit;
	pid_t pid;
	int i, status;

	ck_assert_int_eq(brain_get_path(t->b, "miners", "aggregated_day",
					t->now, &p), 0);
	brain_close(t->b);
	t->b = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		tree_open(t, NULL);
		for (i = 0; i < 5; i++)
			save_report(t, NULL, 1000, i, 1.0);
		_exit(0); /* no brain_close: the padding stays */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	text = tu_read(p);
	ck_assert_msg(strstr(text, "}\n\t") != NULL, "no mark in %s", p);
	digit = strstr(text, "\"sum_attempts_this_round\":5000");
	ck_assert_ptr_nonnull(digit);
	digit[strlen("\"sum_attempts_this_round\":")] = '7'; /* 7000 */
	tu_write(p, text);
	free(text);
	tree_open(t, NULL);
	save_report(t, NULL, 1000, 9, 1.0);
	for (i = 0; i < 2; i++) {
		s = summary_of(t, "miners",
			       i ? "aggregated_index_day" : "aggregated_day",
			       t->now);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 s, "total_entries")), 6);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 s, "sum_attempts_this_round")), 6000);
		json_decref(s);
	}
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	brain_free(p);
	tree_free(t);
}
END_TEST

/* A derived file with its creation stamps removed, for comparing. */
static json_t *comparable(const char *path)
{
	json_t *f = sc_load(path), *m;

	ck_assert_ptr_nonnull(f);
	m = json_object_get(f, "metadata");
	json_object_del(m, "created_at");
	json_object_del(m, "component");
	return f;
}

START_TEST(rebuild_reproduces_every_derived_file)
{
	static const char *const levels[] = {
		"report_hour", "aggregated_root", "aggregated_year",
		"aggregated_week", "aggregated_hour", "aggregated_index_root",
		"aggregated_index_day", "aggregated_global", NULL};
	tree *t = tree_new(NULL);
	static const char *const stamps[] = {
		"2025-12-18T01:00:00Z", "2025-12-18T02:30:00Z",
		"2025-12-31T23:00:00Z", "2026-01-01T00:10:00Z", NULL};
	json_t *before[4][8];
	int i, l;

	for (i = 0; stamps[i]; i++)
		save_report(t, stamps[i], 10 * i, i, 0.5 * i);
	for (i = 0; stamps[i]; i++) {
		struct tm tm = {0};
		strptime(stamps[i], "%Y-%m-%dT%H:%M:%S", &tm);
		for (l = 0; levels[l]; l++) {
			char *p;
			ck_assert_int_eq(brain_get_path(t->b, "miners", levels[l],
							timegm(&tm), &p), 0);
			before[i][l] = comparable(p);
			brain_free(p);
		}
	}
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	for (i = 0; stamps[i]; i++) {
		struct tm tm = {0};
		strptime(stamps[i], "%Y-%m-%dT%H:%M:%S", &tm);
		for (l = 0; levels[l]; l++) {
			char *p;
			json_t *after;
			ck_assert_int_eq(brain_get_path(t->b, "miners", levels[l],
							timegm(&tm), &p), 0);
			after = comparable(p);
			ck_assert_msg(json_equal(before[i][l], after),
				      "%s differs after rebuild", p);
			json_decref(after);
			json_decref(before[i][l]);
			brain_free(p);
		}
	}
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	tree_free(t);
}
END_TEST

START_TEST(many_records_keep_every_level_consistent)
{
	tree *t = tree_new(NULL);
	int i;

	/* ten minutes apart: crosses hours and a day */
	for (i = 0; i < 200; i++) {
		char ts[32];
		time_t when = T_SEED_EXAMPLE + (time_t)i * 600;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
		save_report(t, ts, i, i % 13, 1.0);
	}
	ck_assert_int_eq(sc_index_total(t->b, "miners"), 200);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	ck_assert_ptr_null(sc_all_parse(t->dir));
	tree_free(t);
}
END_TEST

START_TEST(update_aggregated_index_alone_creates_the_partition)
{
	tree *t = tree_new(NULL);
	time_t later = T_SEED_EXAMPLE + 86400 * 3;
	char *p;

	ck_assert_int_eq(brain_update_aggregated_index(t->b, "miners", later), 0);
	ck_assert_int_eq(brain_get_path(t->b, "error:miners", "aggregated_day",
					later, &p), 0);
	ck_assert(tu_exists(p));
	brain_free(p);
	ck_assert_int_eq(brain_update_aggregated_index(t->b, "nosuch", later),
			 BRAIN_ENOTFOUND);
	tree_free(t);
}
END_TEST

START_TEST(a_second_handle_continues_the_sequence)
{
	tree *t = tree_new(NULL);
	brain_options_t o = tu_options(t->dir, NULL, &t->now);
	brain_t *b2;
	json_t *j;

	save_report(t, NULL, 1, 1, 1.0);
	ck_assert_int_eq(brain_initialize_mode(&b2, "demo", "Other", &o), 0);
	j = json_pack("{s:s}", "event", "from_b2");
	ck_assert_int_eq(brain_save_system_report(b2, "miners", j), 0);
	save_report(t, NULL, 2, 2, 1.0);
	ck_assert_int_eq(brain_save_system_report(b2, "miners", j), 0);
	json_decref(j);
	brain_close(b2);
	ck_assert_int_eq(sc_index_total(t->b, "miners"), 4);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	tree_free(t);
}
END_TEST

START_TEST(with_a_lag_derived_files_catch_up_on_flush)
{
	char *text = tu_default_with("aggregate_lag_ms: 0",
				     "aggregate_lag_ms: 60000");
	tree *t = tree_new(text);
	json_t *f;
	char *p;

	save_report(t, NULL, 1, 1, 1.0);
	save_report(t, NULL, 2, 2, 1.0);
	/* the journal has them at once; the hour's aggregate trails */
	f = load_level(t, "miners", "report_global", t->now);
	ck_assert_int_eq(json_array_size(sc_entries(f)), 2);
	json_decref(f);
	ck_assert_int_eq(brain_get_path(t->b, "miners", "aggregated_hour",
					t->now, &p), 0);
	f = sc_load(p);
	ck_assert_int_eq(json_array_size(sc_entries(f)), 0);
	json_decref(f);
	ck_assert_int_eq(brain_flush(t->b), 0);
	f = sc_load(p);
	ck_assert_int_eq(json_array_size(sc_entries(f)), 2);
	json_decref(f);
	brain_free(p);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	free(text);
	tree_free(t);
}
END_TEST

START_TEST(with_a_lag_a_second_writer_replays_the_first)
{
	char *text = tu_default_with("aggregate_lag_ms: 0",
				     "aggregate_lag_ms: 60000");
	tree *t = tree_new(text);
	char *bp = tu_path(t->dir, "Brain.QTL");
	brain_options_t o = tu_options(t->dir, bp, &t->now);
	brain_t *b2;
	json_t *j = json_pack("{s:s}", "event", "from_b2");

	save_report(t, NULL, 1, 1, 1.0); /* pending in t->b */
	ck_assert_int_eq(brain_initialize_mode(&b2, "demo", "Other", &o), 0);
	ck_assert_int_eq(brain_save_system_report(b2, "miners", j), 0);
	save_report(t, NULL, 2, 2, 1.0); /* t->b drops what b2 replayed */
	ck_assert_int_eq(brain_save_system_report(b2, "miners", j), 0);
	brain_close(b2);
	ck_assert_int_eq(brain_flush(t->b), 0);
	ck_assert_int_eq(sc_index_total(t->b, "miners"), 4);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	json_decref(j);
	free(bp);
	free(text);
	tree_free(t);
}
END_TEST

/* A writer that is current must not trust its own count when it next
 * takes the lock: another writer's records may be in the journal while the
 * state file does not count them as applied yet (write-behind here, a
 * writer killed before its flush; a lagging stream alike).  Here the other
 * writer's save returned 0 and its process then died without a flush. */
START_TEST(a_current_writer_sees_records_not_yet_applied)
{
	char *text = tu_default_with("aggregate_lag_ms: 0",
				     "aggregate_lag_ms: 60000");
	tree *t = tree_new(text);
	char *bp = tu_path(t->dir, "Brain.QTL");
	brain_options_t o = tu_options(t->dir, bp, &t->now);
	json_t *j = json_pack("{s:s}", "event", "from_b2"), *f;
	brain_t *b2;
	pid_t pid;
	int status;
	size_t i;

	ck_assert_int_eq(brain_initialize_mode(&b2, "demo", "Other", &o), 0);
	ck_assert_int_eq(brain_update_aggregated_index(b2, "miners", t->now),
			 0); /* b2 is current, and holds nothing pending */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		brain_t *b3;
		if (brain_initialize_mode(&b3, "demo", "Third", &o) ||
		    brain_save_system_report(b3, "miners", j))
			_exit(1);
		_exit(0); /* saved, then gone before any flush */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(brain_save_system_report(b2, "miners", j), 0);
	brain_close(b2);
	f = load_level(t, "miners", "report_global", t->now);
	ck_assert_int_eq(json_array_size(sc_entries(f)), 2);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_array_get(sc_entries(f), i),
					 "seq")),
				 (json_int_t)i + 1);
	json_decref(f);
	ck_assert_int_eq(brain_flush(t->b), 0);
	ck_assert_int_eq(sc_index_total(t->b, "miners"), 2);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	json_decref(j);
	free(bp);
	free(text);
	tree_free(t);
}
END_TEST

/* The mark a file's padding starts with, as brainstem 1.2 spelled it: a
 * tab, then bit b of the tail's brain__hash_bytes sum as a tab or a
 * space. */
static void mark_of_1_2(const char *tail, size_t len,
			char mark[BRAIN__MARK_LEN])
{
	uint64_t h64 = brain__hash_bytes(tail, len);
	uint32_t h = (uint32_t)(h64 ^ (h64 >> 32));
	int b;

	mark[0] = '\t';
	for (b = 0; b < 32; b++)
		mark[1 + b] = (h >> b) & 1 ? '\t' : ' ';
}

/* Whether a file holding `tail`, then `mark`, then padding, checks. */
static int check_marked(const char *dir, const char *tail,
			const char mark[BRAIN__MARK_LEN])
{
	char *path = tu_path(dir, "marked.json");
	char text[512];
	size_t len = strlen(tail);
	int fd, rc;

	memcpy(text, tail, len);
	memcpy(text + len, mark, BRAIN__MARK_LEN);
	memset(text + len + BRAIN__MARK_LEN, ' ', 64);
	text[len + BRAIN__MARK_LEN + 64] = '\0';
	tu_write(path, text);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	rc = brain__jfile_check_mark(fd, 0, (off_t)len,
				     (off_t)(len + BRAIN__MARK_LEN + 64));
	close(fd);
	free(path);
	return rc;
}

/* A writer killed with its padding in place leaves a mark; one that
 * brainstem 1.2 left is still read as whole after an upgrade (not taken
 * for damage), and a tail that disagrees with either is damage. */
START_TEST(marks_of_this_and_the_previous_version_are_read)
{
	static const char tail[] = "\n  ],\n  \"summary\": {\"total_entries\""
				   ": 3, \"data_sources\": [\"a/b.json\"]}\n}\n";
	char *dir = tu_tmpdir();
	char mark[BRAIN__MARK_LEN];

	brain__jfile_mark(tail, strlen(tail), mark);
	ck_assert_int_eq(check_marked(dir, tail, mark), 0);
	mark_of_1_2(tail, strlen(tail), mark);
	ck_assert_int_eq(check_marked(dir, tail, mark), 0);
	mark[7] = mark[7] == ' ' ? '\t' : ' ';
	ck_assert_int_eq(check_marked(dir, tail, mark), BRAIN_ECORRUPT);
	brain__jfile_mark(tail, strlen(tail) - 3, mark);
	ck_assert_int_eq(check_marked(dir, tail, mark), BRAIN_ECORRUPT);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("records");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, report_lands_in_global_and_its_hour_with_stamps);
	tcase_add_test(tc, error_goes_to_the_error_tree_only);
	tcase_add_test(tc, ledger_entry_reaches_every_time_level);
	tcase_add_test(tc, saves_into_the_week_of_its_timestamp_at_year_edges);
	tcase_add_test(tc, saves_into_the_iso_week_when_the_blueprint_says_so);
	tcase_add_test(tc, rollup_metrics_follow_the_blueprint);
	tcase_add_test(tc, summary_text_is_what_jansson_writes);
	tcase_add_test(tc, reals_are_the_bytes_jansson_writes);
	tcase_add_test(tc, record_lines_are_the_bytes_jansson_writes);
	tcase_add_test(tc, data_sources_name_the_files_one_level_down);
	tcase_add_test(tc, bad_input_is_refused_and_writes_nothing);
	tcase_add_test(tc, damaged_file_is_kept_aside_and_rebuilt);
	tcase_add_test(tc, a_torn_summary_is_found_by_its_mark_and_rebuilt);
	tcase_add_test(tc, marks_of_this_and_the_previous_version_are_read);
	tcase_add_test(tc, rebuild_reproduces_every_derived_file);
	tcase_add_test(tc, many_records_keep_every_level_consistent);
	tcase_add_test(tc, update_aggregated_index_alone_creates_the_partition);
	tcase_add_test(tc, a_second_handle_continues_the_sequence);
	tcase_add_test(tc, with_a_lag_derived_files_catch_up_on_flush);
	tcase_add_test(tc, with_a_lag_a_second_writer_replays_the_first);
	tcase_add_test(tc, a_current_writer_sees_records_not_yet_applied);
	suite_add_tcase(s, tc);
	return s;
}
