/*
 * tests/check_metrics.c - roll-up numbers a user can trust: a metric reads
 * only the records its `where` names, so a fact repeated by several events
 * counts once; count_by_value keeps max_keys values plus an `other` bucket
 * at every level, whatever order records come in, so a summary stays
 * bounded; and a summary line of any length is read back.  Each case
 * checks what a user would: the files' summaries, brain_validate, and that
 * brain_rebuild writes the same numbers.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "jsonfile.h"
#include "storecheck.h"
#include "testutil.h"

/* Every aggregated and index level: each holds every record once. */
static const char *const levels[] = {
	"aggregated_global",	   "aggregated_root",
	"aggregated_year",	   "aggregated_month",
	"aggregated_week",	   "aggregated_day",
	"aggregated_hour",	   "aggregated_index_global",
	"aggregated_index_root",  "aggregated_index_year",
	"aggregated_index_month", "aggregated_index_week",
	"aggregated_index_day",   "aggregated_index_hour",
	NULL};

typedef struct tree {
	char *dir, *bp;
	time_t now;
	brain_t *b;
} tree;

static void tree_open(tree *t)
{
	brain_options_t o = tu_options(t->dir, t->bp, &t->now);

	ck_assert_msg(brain_initialize_mode(&t->b, "demo", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
}

static tree *tree_new(const char *bp_text)
{
	tree *t = calloc(1, sizeof(*t));

	t->dir = tu_tmpdir();
	t->now = T_SEED_EXAMPLE;
	if (bp_text) {
		t->bp = tu_path(t->dir, "Brain.QTL");
		tu_write(t->bp, bp_text);
	}
	tree_open(t);
	return t;
}

static void tree_reopen(tree *t)
{
	brain_close(t->b);
	t->b = NULL;
	tree_open(t);
}

static void tree_free(tree *t)
{
	brain_close(t->b);
	tu_rmrf(t->dir);
	free(t->dir);
	free(t->bp);
	free(t);
}

static void save(tree *t, json_t *r)
{
	ck_assert_msg(brain_save_system_report(t->b, "miners", r) == 0, "%s",
		      brain_errmsg(t->b));
	json_decref(r);
}

/* The summary line of a file as written (not parsed). */
static char *summary_line(const char *path)
{
	char *text = tu_read(path), *at, *end, *line;

	ck_assert_ptr_nonnull(text);
	at = strstr(text, "\"summary\": ");
	ck_assert_msg(at != NULL, "%s has no summary", path);
	at += strlen("\"summary\": ");
	end = strchr(at, '\n');
	ck_assert_ptr_nonnull(end);
	line = strndup(at, (size_t)(end - at));
	free(text);
	return line;
}

static char *level_path(tree *t, const char *level, time_t when)
{
	char *p;

	ck_assert_int_eq(brain_get_path(t->b, "miners", level, when, &p), 0);
	return p;
}

static json_t *summary_at(tree *t, const char *level, time_t when)
{
	char *p = level_path(t, level, when), *line = summary_line(p);
	json_t *s = json_loads(line, 0, NULL);

	ck_assert_msg(s != NULL, "%s: summary does not parse", p);
	free(line);
	brain_free(p);
	return s;
}

static void count_problem(void *ctx, const brain_problem_t *p)
{
	char *log = ctx;

	if (strlen(log) < 2000)
		snprintf(log + strlen(log), 4096 - strlen(log), "%s: %s: %s\n",
			 p->path, p->check, p->message);
}

static void validates_clean(tree *t)
{
	char log[4096] = "";
	uint64_t problems = 1;

	ck_assert_int_eq(brain_validate(t->b, "miners", count_problem, NULL,
					log, &problems), 0);
	ck_assert_msg(problems == 0, "%llu problems:\n%s",
		      (unsigned long long)problems, log);
}

/* Every level's summary text at `when`, joined (to compare two states). */
static char *all_summaries(tree *t, time_t when)
{
	brain__buf all = {0};
	int l;

	for (l = 0; levels[l]; l++) {
		char *p = level_path(t, levels[l], when), *line = summary_line(p);
		ck_assert_int_eq(brain__buf_puts(&all, line), 0);
		ck_assert_int_eq(brain__buf_puts(&all, "\n"), 0);
		free(line);
		brain_free(p);
	}
	return all.data;
}

static json_t *round_done(int blocks, int attempts)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:f}", "event",
			 "mining_round_complete", "miner_id", "m1",
			 "blocks_found", blocks, "attempts_this_round", attempts,
			 "best_difficulty", blocks, "hashrate", 100.0);
}

/* mining_session_end repeats the session's blocks_found: the rounds
 * already counted them, so no level may add them again - not the save,
 * not a rebuild, and validate must agree. */
START_TEST(session_end_does_not_count_the_blocks_again)
{
	tree *t = tree_new(NULL);
	char *before, *after;
	int l;

	save(t, json_pack("{s:s, s:s}", "event", "mining_session_start",
			  "miner_id", "m1"));
	save(t, round_done(2, 1000));
	save(t, round_done(3, 1000));
	save(t, round_done(1, 500));
	save(t, json_pack("{s:s, s:s, s:i, s:i}", "event",
			  "mining_session_end", "miner_id", "m1",
			  "blocks_found", 6, "rounds", 3));
	for (l = 0; levels[l]; l++) {
		json_t *s = summary_at(t, levels[l], t->now);
		ck_assert_msg(json_integer_value(json_object_get(
				      s, "sum_blocks_found")) == 6,
			      "%s: sum_blocks_found %lld, want 6", levels[l],
			      (long long)json_integer_value(json_object_get(
				      s, "sum_blocks_found")));
		ck_assert_int_eq(json_integer_value(json_object_get(
					 s, "sum_attempts_this_round")),
				 2500);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_object_get(s, "avg_hashrate"),
					 "n")),
				 3);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 s, "total_entries")),
				 5);
		json_decref(s);
	}
	validates_clean(t);
	before = all_summaries(t, t->now);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	after = all_summaries(t, t->now);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	tree_free(t);
}
END_TEST

/* The sum of a count_by_value object's counts. */
static long long counts_sum(const json_t *counts)
{
	const char *k;
	json_t *n;
	long long sum = 0;

	json_object_foreach((json_t *)counts, k, n)
		sum += json_integer_value(n);
	return sum;
}

/* 12,000 reports with as many distinct events: each summary keeps the
 * first 64 values and counts the rest under count_by_value_event_other, so
 * the summary line (written on every save, in fourteen files) stops
 * growing, and the tree validates and rebuilds to the same numbers. */
START_TEST(many_distinct_values_keep_the_summary_bounded)
{
	tree *t = tree_new(NULL);
	size_t len_early = 0, len_late;
	char *p, *line, *before, *after;
	int i, l;

	for (i = 0; i < 12000; i++) {
		char ev[32];
		snprintf(ev, sizeof(ev), "event_%05d", i);
		save(t, json_pack("{s:s}", "event", ev));
		if (i == 999) {
			p = level_path(t, "aggregated_root", t->now);
			line = summary_line(p);
			len_early = strlen(line);
			free(line);
			brain_free(p);
		}
	}
	p = level_path(t, "aggregated_root", t->now);
	line = summary_line(p);
	len_late = strlen(line);
	free(line);
	brain_free(p);
	/* only the digits of the counts grow */
	ck_assert_msg(len_late < len_early + 16 && len_late < 4096,
		      "summary line grew from %zu to %zu bytes", len_early,
		      len_late);
	for (l = 0; levels[l]; l++) {
		json_t *s = summary_at(t, levels[l], t->now);
		json_t *counts = json_object_get(s, "count_by_value_event");
		ck_assert_int_eq(json_object_size(counts), 64);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 counts, "event_00063")),
				 1);
		ck_assert_ptr_null(json_object_get(counts, "event_00064"));
		ck_assert_int_eq(json_integer_value(json_object_get(
					 s, "count_by_value_event_other")),
				 12000 - 64);
		ck_assert_int_eq(counts_sum(counts) +
					 json_integer_value(json_object_get(
						 s, "count_by_value_event_other")),
				 json_integer_value(
					 json_object_get(s, "total_entries")));
		ck_assert_int_eq(json_integer_value(
					 json_object_get(s, "total_entries")),
				 12000);
		json_decref(s);
	}
	validates_clean(t);
	before = all_summaries(t, t->now);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	after = all_summaries(t, t->now);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	tree_free(t);
}
END_TEST

/* Records with explicit older timestamps land in partitions written
 * earlier; the values kept by name are still the stream's first ones (in
 * seq order), in every file, so validate (which adds children up) and a
 * rebuild from the journal agree with what the saves wrote. */
START_TEST(kept_values_agree_across_out_of_order_partitions)
{
	static const char *const stamps[] = {
		"2025-12-18T01:10:00Z", "2024-03-02T05:00:00Z",
		"2025-12-18T01:20:00Z", "2025-01-01T00:00:00Z",
		"2024-03-02T06:30:00Z", "2025-12-17T23:59:59Z",
		"2023-07-04T12:00:00Z", "2025-12-18T01:30:00Z"};
	char *bp = tu_default_with("- {field: event, op: count_by_value}",
				   "- {field: event, op: count_by_value, "
				   "max_keys: 3}");
	tree *t = tree_new(bp);
	char *before, *after;
	json_t *s, *counts;
	int i;

	for (i = 0; i < 40; i++) {
		char ev[16];
		json_t *r;
		/* e0..e9, with repeats of early and late values */
		snprintf(ev, sizeof(ev), "e%d", (i * 7) % 10);
		r = json_pack("{s:s, s:s}", "event", ev, "timestamp",
			      stamps[(i * 5) % 8]);
		save(t, r);
		if (i == 17)
			tree_reopen(t); /* the set is read back from the files */
	}
	s = summary_at(t, "aggregated_index_global", t->now);
	counts = json_object_get(s, "count_by_value_event");
	/* the first three values in seq order: e0, e7, e4 */
	ck_assert_int_eq(json_object_size(counts), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(counts, "e0")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(counts, "e7")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(counts, "e4")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 s, "count_by_value_event_other")),
			 28);
	json_decref(s);
	/* an earlier hour: its kept values and other add up to its total */
	s = summary_at(t, "aggregated_index_hour", (time_t)1709359200);
	ck_assert_int_eq(json_integer_value(json_object_get(s, "total_entries")),
			 counts_sum(json_object_get(s, "count_by_value_event")) +
				 json_integer_value(json_object_get(
					 s, "count_by_value_event_other")));
	json_decref(s);
	validates_clean(t);
	before = all_summaries(t, (time_t)1709359200);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	after = all_summaries(t, (time_t)1709359200);
	ck_assert_str_eq(after, before);
	validates_clean(t);
	free(before);
	free(after);
	free(bp);
	tree_free(t);
}
END_TEST

/* A damaged hourly aggregate is rebuilt from the journal alone: the
 * values it keeps by name are still the stream's first ones, not the
 * first ones of its hour, so validate agrees with the rebuilt file. */
START_TEST(a_rebuilt_file_keeps_the_streams_values)
{
	char *bp = tu_default_with("- {field: event, op: count_by_value}",
				   "- {field: event, op: count_by_value, "
				   "max_keys: 3}");
	tree *t = tree_new(bp);
	char *p, *text;
	json_t *s;
	int i;

	/* e9..e0 in an earlier hour, then e0, e4, e0, e4, e6, ... in this one:
	 * this hour's own first three would be e0, e4, e6 */
	for (i = 9; i >= 0; i--) {
		char ev[8];
		snprintf(ev, sizeof(ev), "e%d", i);
		save(t, json_pack("{s:s, s:s}", "event", ev, "timestamp",
				  "2025-12-17T10:00:00Z"));
	}
	for (i = 0; i < 10; i++) {
		char ev[8];
		snprintf(ev, sizeof(ev), "e%d", i < 4 ? (i % 2) * 4 : i);
		save(t, json_pack("{s:s}", "event", ev));
	}
	p = level_path(t, "aggregated_hour", t->now);
	brain_close(t->b);
	t->b = NULL;
	text = tu_read(p);
	text[strlen(text) - 4] = '\0'; /* a torn tail */
	tu_write(p, text);
	free(text);
	tree_open(t);
	save(t, json_pack("{s:s}", "event", "e1"));
	s = summary_at(t, "aggregated_hour", t->now);
	ck_assert_ptr_null(json_object_get(
		json_object_get(s, "count_by_value_event"), "e0"));
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(s, "count_by_value_event"),
				 "e9")),
			 1);
	json_decref(s);
	validates_clean(t);
	brain_free(p);
	free(bp);
	tree_free(t);
}
END_TEST

/* The other bucket and filtered metrics keep the summary text exactly
 * what jansson writes (a rebuild goes through jansson). */
START_TEST(summary_text_with_other_is_what_jansson_writes)
{
	static const char *const events[] = {
		"quote \" and \\", "tab\there", "mining_round_complete",
		"caf\xc3\xa9", "x", NULL};
	char *bp = tu_default_with("- {field: event, op: count_by_value}",
				   "- {field: event, op: count_by_value, "
				   "max_keys: 2}");
	tree *t = tree_new(bp);
	int i, l;

	for (i = 0; events[i]; i++)
		save(t, json_pack("{s:s, s:i, s:f}", "event", events[i],
				  "blocks_found", i, "hashrate", 0.1 * i));
	for (l = 0; levels[l]; l++) {
		char *p = level_path(t, levels[l], t->now);
		char *line = summary_line(p), *again;
		json_t *parsed = json_loads(line, 0, NULL);
		ck_assert_ptr_nonnull(parsed);
		again = json_dumps(parsed, JSON_COMPACT | JSON_PRESERVE_ORDER);
		ck_assert_str_eq(line, again);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 parsed, "count_by_value_event_other")),
				 3);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 parsed, "sum_blocks_found")),
				 2);
		free(again);
		free(line);
		json_decref(parsed);
		brain_free(p);
	}
	free(bp);
	tree_free(t);
}
END_TEST

/* A summary line longer than any record (here 3 values of 60 KB kept by
 * count_by_value: 180 KB) is still found by the tail scan: the file is
 * not declared damaged at the next open. */
START_TEST(a_summary_longer_than_a_record_is_read_back)
{
	char *bp = tu_default_with("- {field: event, op: count_by_value}",
				   "- {field: event, op: count_by_value}\n"
				   "      - {field: note, op: count_by_value}");
	tree *t = tree_new(bp);
	char *big = malloc(60001), *corrupt;
	int i;

	for (i = 0; i < 4; i++) {
		memset(big, 'a' + i, 60000);
		big[60000] = '\0';
		save(t, json_pack("{s:s, s:s}", "event", "note", "note", big));
		tree_reopen(t);
	}
	ck_assert_msg(strstr(tu_notices, "damaged") == NULL, "%s", tu_notices);
	if (asprintf(&corrupt, "find '%s' -name '*.corrupt-*' | grep -q .",
		     t->dir) < 0)
		abort();
	ck_assert_msg(system(corrupt) != 0, "a file was set aside as damaged");
	validates_clean(t);
	{
		json_t *s = summary_at(t, "aggregated_index_root", t->now);
		ck_assert_int_eq(json_object_size(json_object_get(
					 s, "count_by_value_note")),
				 4);
		json_decref(s);
	}
	free(corrupt);
	free(big);
	free(bp);
	tree_free(t);
}
END_TEST

/* The same at the scanner: a file whose tail is one long summary line. */
START_TEST(tail_scan_finds_a_tail_longer_than_its_window)
{
	char *dir = tu_tmpdir(), *path = tu_path(dir, "f.json");
	brain__jlayout lay = {"aggregated_data.reports", 1};
	brain__buf text = {0};
	json_t *tpl = json_object(), *sum = json_object(), *got = NULL;
	char *big = malloc(300001), *last = NULL;
	size_t tail_off;
	off_t at, end;
	int fd, empty;

	memset(big, 'z', 300000);
	big[300000] = '\0';
	json_object_set_new(sum, "total_entries", json_integer(0));
	json_object_set_new(sum, "note", json_string(big));
	ck_assert_int_eq(brain__jfile_render(tpl, &lay, sum, &text, &tail_off),
			 0);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text.data, text.len), (ssize_t)text.len);
	ck_assert_int_eq(brain__jfile_scan_tail(fd, &lay, 1024, &at, &got,
						&last, &empty, &end),
			 0);
	ck_assert_int_eq(at, (off_t)tail_off);
	ck_assert_int_eq(empty, 1);
	ck_assert_str_eq(json_string_value(json_object_get(got, "note")), big);
	close(fd);
	json_decref(got);
	json_decref(tpl);
	json_decref(sum);
	brain__buf_free(&text);
	free(last);
	free(big);
	tu_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* ASan and TSan reserve terabytes of address space: no RLIMIT_AS there */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* A torn file has no tail: the scan must say so from the file's end, not
 * read a window the size of the file (here 64 GiB, a hole, with the
 * address space capped so that trying would fail). */
START_TEST(tail_scan_of_a_torn_file_reads_only_its_end)
{
	static const char torn[] = ",\n    {\"seq\":7,\"timestamp\":\"x\"}"
				   ",\n    {\"seq\":8,\"timest";
	char *dir = tu_tmpdir(), *path = tu_path(dir, "global_ledger.json");
	brain__jlayout lay = {"ledger_entries", 0};
	const off_t hole = (off_t)64 << 30;
	json_t *got = NULL;
	char *last = NULL;
	off_t at, end;
	int fd, empty, rc;
#ifndef UNDER_ASAN
	struct rlimit old, cap;
#endif

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, hole), 0);
	ck_assert_int_eq(pwrite(fd, torn, strlen(torn), hole),
			 (ssize_t)strlen(torn));
#ifndef UNDER_ASAN
	ck_assert_int_eq(getrlimit(RLIMIT_AS, &old), 0);
	cap = old;
	cap.rlim_cur = (rlim_t)1 << 30;
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &cap), 0);
#endif
	rc = brain__jfile_scan_tail(fd, &lay, 65536 + 1024, &at, &got, &last,
				    &empty, &end);
#ifndef UNDER_ASAN
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &old), 0);
#endif
	ck_assert_int_eq(rc, BRAIN_ECORRUPT);
	close(fd);
	tu_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("summaries");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, session_end_does_not_count_the_blocks_again);
	tcase_add_test(tc, many_distinct_values_keep_the_summary_bounded);
	tcase_add_test(tc, kept_values_agree_across_out_of_order_partitions);
	tcase_add_test(tc, a_rebuilt_file_keeps_the_streams_values);
	tcase_add_test(tc, summary_text_with_other_is_what_jansson_writes);
	tcase_add_test(tc, a_summary_longer_than_a_record_is_read_back);
	tcase_add_test(tc, tail_scan_finds_a_tail_longer_than_its_window);
	tcase_add_test(tc, tail_scan_of_a_torn_file_reads_only_its_end);
	suite_add_tcase(s, tc);
	return s;
}
