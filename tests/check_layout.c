/*
 * tests/check_layout.c - partitions and paths: the week numbering at the
 * year's edges, both numberings, and every level's path and file name.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "testutil.h"

/* Seconds since the epoch of a UTC calendar moment. */
static time_t utc(int y, int mo, int d, int h)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	return timegm(&tm);
}

static int week_monday_of(int y, int mo, int d)
{
	time_t t = utc(y, mo, d, 12);
	struct tm tm;

	gmtime_r(&t, &tm);
	return brain__week_monday(&tm);
}

static int week_iso_of(int y, int mo, int d)
{
	time_t t = utc(y, mo, d, 12);
	struct tm tm;

	gmtime_r(&t, &tm);
	return brain__week_iso(&tm);
}

START_TEST(monday_weeks_match_strftime_W_over_years)
{
	time_t t;

	/* every day of 2020-2030 against the C library's own %W */
	for (t = utc(2020, 1, 1, 12); t < utc(2031, 1, 1, 0); t += 86400) {
		struct tm tm;
		char buf[8];
		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%W", &tm);
		ck_assert_int_eq(brain__week_monday(&tm), atoi(buf));
	}
}
END_TEST

START_TEST(iso_weeks_match_strftime_V_over_years)
{
	time_t t;

	for (t = utc(2020, 1, 1, 12); t < utc(2031, 1, 1, 0); t += 86400) {
		struct tm tm;
		char buf[8];
		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%V", &tm);
		ck_assert_int_eq(brain__week_iso(&tm), atoi(buf));
	}
}
END_TEST

START_TEST(week_edges_of_the_seed_examples)
{
	ck_assert_int_eq(week_monday_of(2025, 12, 18), 50);
	ck_assert_int_eq(week_monday_of(2026, 1, 1), 0);
	ck_assert_int_eq(week_monday_of(2025, 12, 29), 52);
	ck_assert_int_eq(week_iso_of(2025, 12, 29), 1);
	ck_assert_int_eq(week_iso_of(2027, 1, 1), 53);
}
END_TEST

/* A tree on the given blueprint text (NULL: the default) at `now`. */
static brain_t *open_tree(char **dir, const char *bp_text, time_t *now)
{
	brain_options_t o;
	char *bp_path = NULL;
	brain_t *b;

	*dir = tu_tmpdir();
	if (bp_text) {
		bp_path = tu_path(*dir, "Brain.QTL");
		tu_write(bp_path, bp_text);
	}
	o = tu_options(*dir, bp_path, now);
	ck_assert_msg(brain_initialize_mode(&b, "demo", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	free(bp_path);
	return b;
}

static void close_tree(brain_t *b, char *dir)
{
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}

/* brain_get_path relative to the mode base. */
static void assert_path(brain_t *b, const char *stream, const char *level,
			time_t when, const char *expected)
{
	char *p, *want;

	ck_assert_msg(brain_get_path(b, stream, level, when, &p) == 0, "%s",
		      brain_errmsg(b));
	want = tu_path(brain_base_path(b), expected);
	ck_assert_str_eq(p, want);
	brain_free(p);
	free(want);
}

START_TEST(ledger_paths_at_every_level)
{
	time_t now = T_SEED_EXAMPLE, t = T_SEED_EXAMPLE;
	char *dir;
	brain_t *b = open_tree(&dir, NULL, &now);

	assert_path(b, "ledger", "ledger_global", t, "Ledgers/global_ledger.json");
	assert_path(b, "ledger", "ledger_year", t, "Ledgers/2025/yearly_ledger.json");
	assert_path(b, "ledger", "ledger_month", t,
		    "Ledgers/2025/12/monthly_ledger.json");
	assert_path(b, "ledger", "ledger_week", t,
		    "Ledgers/2025/12/W50/weekly_ledger.json");
	assert_path(b, "ledger", "ledger_day", t,
		    "Ledgers/2025/12/W50/18/daily_ledger.json");
	assert_path(b, "ledger", "ledger_hour", t,
		    "Ledgers/2025/12/W50/18/01/hourly_ledger.json");
	assert_path(b, "math_proof", "ledger_hour", t,
		    "Ledgers/2025/12/W50/18/01/hourly_math_proof.json");
	assert_path(b, "submission", "ledger_global", t,
		    "Submission_Logs/global_submission.json");
	close_tree(b, dir);
}
END_TEST

START_TEST(aggregate_and_index_paths_at_every_level)
{
	time_t now = T_SEED_EXAMPLE, t = T_SEED_EXAMPLE;
	char *dir;
	brain_t *b = open_tree(&dir, NULL, &now);

	assert_path(b, "ledger", "aggregated_global", t,
		    "Ledgers/Aggregated/Global/global_aggregated_ledger.json");
	assert_path(b, "ledger", "aggregated_root", t,
		    "Ledgers/Aggregated/aggregated.json");
	assert_path(b, "ledger", "aggregated_year", t,
		    "Ledgers/Aggregated/2025/aggregated_2025.json");
	assert_path(b, "ledger", "aggregated_month", t,
		    "Ledgers/Aggregated/2025/12/aggregated_12.json");
	assert_path(b, "ledger", "aggregated_week", t,
		    "Ledgers/Aggregated/2025/12/W50/aggregated_W50.json");
	assert_path(b, "ledger", "aggregated_day", t,
		    "Ledgers/Aggregated/2025/12/W50/18/aggregated_18.json");
	assert_path(b, "ledger", "aggregated_hour", t,
		    "Ledgers/Aggregated/2025/12/W50/18/01/aggregated_01.json");
	assert_path(b, "math_proof", "aggregated_week", t,
		    "Ledgers/Aggregated/2025/12/W50/"
		    "aggregated_math_proof_W50.json");
	assert_path(b, "ledger", "aggregated_index_global", t,
		    "Ledgers/Aggregated_Index/Global/global_index_ledger.json");
	assert_path(b, "ledger", "aggregated_index_root", t,
		    "Ledgers/Aggregated_Index/aggregated_index.json");
	assert_path(b, "ledger", "aggregated_index_day", t,
		    "Ledgers/Aggregated_Index/2025/12/W50/18/"
		    "aggregated_index_18.json");
	close_tree(b, dir);
}
END_TEST

START_TEST(report_and_error_paths_follow_the_seed)
{
	time_t now = T_SEED_EXAMPLE, t = T_SEED_EXAMPLE;
	char *dir;
	brain_t *b = open_tree(&dir, NULL, &now);

	assert_path(b, "miners", "report_global", t,
		    "System/System_Reports/Miners/Global/"
		    "global_miners_report.json");
	assert_path(b, "miners", "report_hour", t,
		    "System/System_Reports/Miners/Hourly/2025/12/18/01/"
		    "hourly_miners_report.json");
	assert_path(b, "miners", "aggregated_week", t,
		    "System/System_Reports/Miners/Aggregated/2025/12/W50/"
		    "aggregated_W50.json");
	assert_path(b, "error:miners", "report_hour", t,
		    "System/Error_Reports/Miners/Hourly/2025/12/18/01/"
		    "hourly_miners_error.json");
	assert_path(b, "report:looping", "report_global", t,
		    "System/System_Reports/Looping/Global/"
		    "global_looping_report.json");
	close_tree(b, dir);
}
END_TEST

START_TEST(default_weeks_at_the_year_edges)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir;
	brain_t *b = open_tree(&dir, NULL, &now);

	assert_path(b, "ledger", "ledger_day", utc(2026, 1, 1, 3),
		    "Ledgers/2026/01/W00/01/daily_ledger.json");
	assert_path(b, "ledger", "ledger_day", utc(2025, 12, 29, 3),
		    "Ledgers/2025/12/W52/29/daily_ledger.json");
	assert_path(b, "ledger", "aggregated_week", utc(2026, 1, 1, 3),
		    "Ledgers/Aggregated/2026/01/W00/aggregated_W00.json");
	close_tree(b, dir);
}
END_TEST

START_TEST(iso_weeks_when_the_blueprint_asks)
{
	time_t now = T_SEED_EXAMPLE;
	char *text = tu_default_with("weeks: monday", "weeks: iso"), *dir;
	brain_t *b = open_tree(&dir, text, &now);

	assert_path(b, "ledger", "ledger_day", utc(2025, 12, 29, 3),
		    "Ledgers/2025/12/W01/29/daily_ledger.json");
	assert_path(b, "ledger", "ledger_day", utc(2027, 1, 1, 3),
		    "Ledgers/2027/01/W53/01/daily_ledger.json");
	assert_path(b, "ledger", "ledger_day", utc(2025, 12, 18, 1),
		    "Ledgers/2025/12/W51/18/daily_ledger.json");
	close_tree(b, dir);
	free(text);
}
END_TEST

START_TEST(local_zone_partitions_by_local_hour)
{
	time_t now = T_SEED_EXAMPLE;
	char *text = tu_default_with("zone: utc", "zone: local"), *dir;
	brain_t *b;

	setenv("TZ", "Asia/Tokyo", 1); /* UTC+9, no daylight saving */
	tzset();
	b = open_tree(&dir, text, &now);
	assert_path(b, "ledger", "ledger_hour", T_SEED_EXAMPLE,
		    "Ledgers/2025/12/W50/18/10/hourly_ledger.json");
	close_tree(b, dir);
	free(text);
}
END_TEST

START_TEST(unknown_stream_or_level_is_not_found)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir, *p = (char *)1;
	brain_t *b = open_tree(&dir, NULL, &now);

	ck_assert_int_eq(brain_get_path(b, "nosuch", "ledger_hour", now, &p),
			 BRAIN_ENOTFOUND);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(brain_errmsg(b), "no record kind or category "
					  "'nosuch' in " DEFAULT_BLUEPRINT);
	ck_assert_int_eq(brain_get_path(b, "miners", "ledger_hour", now, &p),
			 BRAIN_ENOTFOUND);
	ck_assert_str_eq(brain_errmsg(b),
			 "'miners' has no pattern level 'ledger_hour'");
	close_tree(b, dir);
}
END_TEST

Suite *layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("weeks_and_paths");

	tcase_add_test(tc, monday_weeks_match_strftime_W_over_years);
	tcase_add_test(tc, iso_weeks_match_strftime_V_over_years);
	tcase_add_test(tc, week_edges_of_the_seed_examples);
	tcase_add_test(tc, ledger_paths_at_every_level);
	tcase_add_test(tc, aggregate_and_index_paths_at_every_level);
	tcase_add_test(tc, report_and_error_paths_follow_the_seed);
	tcase_add_test(tc, default_weeks_at_the_year_edges);
	tcase_add_test(tc, iso_weeks_when_the_blueprint_asks);
	tcase_add_test(tc, local_zone_partitions_by_local_hour);
	tcase_add_test(tc, unknown_stream_or_level_is_not_found);
	suite_add_tcase(s, tc);
	return s;
}
