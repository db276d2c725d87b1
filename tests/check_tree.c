/*
 * tests/check_tree.c - brain_initialize_mode: mode bases, what it creates,
 * idempotence, flags, and refusing bad names before creating anything.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static brain_t *open_mode(const char *root, const char *mode, time_t *now)
{
	brain_options_t o = tu_options(root, NULL, now);
	brain_t *b;

	ck_assert_msg(brain_initialize_mode(&b, mode, "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	return b;
}

static void assert_base(const char *mode, const char *rel)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *want = tu_path(dir, rel), *ledgers;
	brain_t *b = open_mode(dir, mode, &now);

	ck_assert_str_eq(brain_base_path(b), want);
	ck_assert_str_eq(brain_mode(b), mode);
	ledgers = tu_path(want, "Ledgers/Aggregated_Index/Global");
	ck_assert(tu_exists(ledgers));
	brain_close(b);
	free(ledgers);
	free(want);
	tu_rmrf(dir);
	free(dir);
}

START_TEST(demo_mode_lives_under_test_demo)
{
	assert_base("demo", "Test/Demo/Mining");
}
END_TEST

START_TEST(test_mode_lives_under_test_mode_with_its_space)
{
	assert_base("test", "Test/Test mode/Mining");
}
END_TEST

START_TEST(staging_and_live_share_mining)
{
	assert_base("staging", "Mining");
	assert_base("live", "Mining");
}
END_TEST

START_TEST(no_mode_takes_the_blueprints_true_flag)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir();
	brain_t *b = open_mode(dir, NULL, &now);

	ck_assert_str_eq(brain_mode(b), "live"); /* production_mode_flag */
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(flags_follow_the_open_mode)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir();
	brain_t *b = open_mode(dir, "demo", &now);
	const json_t *f = brain_get_flags(b);

	ck_assert(json_is_true(json_object_get(f, "demo_mode_flag")));
	ck_assert(json_is_false(json_object_get(f, "production_mode_flag")));
	ck_assert(json_is_false(json_object_get(f, "test_mode_flag")));
	ck_assert(json_is_true(json_object_get(f, "auto_submit")));
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(creates_every_structure_folder_and_current_hour_files)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir();
	brain_t *b = open_mode(dir, "demo", &now);
	static const char *const expect[] = {
		"Submission_Logs/Aggregated_Index/Global",
		"System/Error_Reports/DTM/Hourly",
		"System/System_Reports/Brainstem/Aggregated/Global",
		"Ledgers/global_ledger.json",
		"Ledgers/global_math_proof.json",
		"Ledgers/2025/12/W50/18/01/hourly_ledger.json",
		"Ledgers/2025/12/W50/weekly_math_proof.json",
		"Ledgers/Aggregated/Global/global_aggregated_ledger.json",
		"Ledgers/Aggregated_Index/Global/global_index_math_proof.json",
		"Ledgers/Aggregated/2025/12/W50/18/01/aggregated_01.json",
		"System/System_Reports/Miners/Global/global_miners_report.json",
		"System/System_Reports/Miners/Hourly/2025/12/18/01/"
		"hourly_miners_report.json",
		"System/Error_Reports/Miners/Aggregated_Index/"
		"aggregated_index.json",
		NULL};
	const char *const *e;

	for (e = expect; *e; e++) {
		char *p = tu_path(brain_base_path(b), *e);
		ck_assert_msg(tu_exists(p), "missing %s", *e);
		free(p);
	}
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(new_file_is_its_template_with_entries_last)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *p;
	brain_t *b = open_mode(dir, "demo", &now);
	json_error_t err;
	json_t *j, *meta;
	const char *last_key = NULL, *key;
	json_t *v;

	p = tu_path(brain_base_path(b),
		    "Ledgers/2025/12/W50/18/01/hourly_ledger.json");
	j = json_load_file(p, 0, &err);
	ck_assert_msg(j != NULL, "%s", err.text);
	meta = json_object_get(j, "metadata");
	ck_assert_str_eq(json_string_value(json_object_get(meta, "file_type")),
			 "hourly_ledger");
	ck_assert_str_eq(json_string_value(json_object_get(meta, "time_scope")),
			 "2025-12-18T01");
	ck_assert_str_eq(json_string_value(json_object_get(meta, "component")),
			 "Tester");
	ck_assert_str_eq(json_string_value(json_object_get(meta, "mode")),
			 "demo");
	ck_assert_str_eq(
		json_string_value(json_object_get(meta, "created_at")),
		"2025-12-18T01:47:41Z");
	json_object_foreach(j, key, v) last_key = key;
	ck_assert_str_eq(last_key, "ledger_entries");
	ck_assert(json_is_array(json_object_get(j, "ledger_entries")));
	json_decref(j);
	free(p);
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A listing of every file with its size and modification time. */
static char listing[1 << 17];

static int list_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	char line[1024];

	(void)ftw;
	snprintf(line, sizeof(line), "%s %d %ld %ld.%09ld\n", path, flag,
		 (long)st->st_size, (long)st->st_mtim.tv_sec,
		 st->st_mtim.tv_nsec);
	strncat(listing, line, sizeof(listing) - strlen(listing) - 1);
	return 0;
}

static char *snapshot(const char *dir)
{
	listing[0] = '\0';
	nftw(dir, list_one, 16, FTW_PHYS);
	return strdup(listing);
}

START_TEST(second_start_changes_nothing)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *before, *after;
	brain_t *b = open_mode(dir, "demo", &now);

	brain_close(b);
	before = snapshot(dir);
	now += 60; /* same hour, a minute later */
	b = open_mode(dir, "demo", &now);
	brain_close(b);
	after = snapshot(dir);
	ck_assert_str_eq(before, after);
	ck_assert_str_eq(tu_notices, ""); /* templates left alone */
	free(before);
	free(after);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(next_hour_adds_its_files_and_keeps_the_old)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *old_file, *new_file;
	brain_t *b = open_mode(dir, "demo", &now);

	brain_close(b);
	now += 3600;
	b = open_mode(dir, "demo", &now);
	old_file = tu_path(brain_base_path(b),
			   "Ledgers/2025/12/W50/18/01/hourly_ledger.json");
	new_file = tu_path(brain_base_path(b),
			   "Ledgers/2025/12/W50/18/02/hourly_ledger.json");
	ck_assert(tu_exists(old_file));
	ck_assert(tu_exists(new_file));
	brain_close(b);
	free(old_file);
	free(new_file);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

static void assert_refused(const char *mode, const char *component,
			   int code, const char *msg)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *root = tu_path(dir, "root");
	brain_options_t o = tu_options(root, NULL, &now);
	brain_t *b = (brain_t *)1;

	ck_assert_int_eq(brain_initialize_mode(&b, mode, component, &o), code);
	ck_assert_ptr_null(b);
	ck_assert_str_eq(brain_errmsg(NULL), msg);
	ck_assert(!tu_exists(root));
	free(root);
	tu_rmrf(dir);
	free(dir);
}

START_TEST(bad_component_names_are_refused_before_anything_is_made)
{
	assert_refused("demo", "a/b", BRAIN_EINVAL,
		       "component name 'a/b' contains '/'");
	assert_refused("demo", "..", BRAIN_EINVAL,
		       "component name '..' contains '..'");
	assert_refused("demo", "", BRAIN_EINVAL,
		       "component name '' is empty");
	assert_refused("demo", "bell\a", BRAIN_EINVAL,
		       "component name 'bell\a' contains a control "
		       "character");
}
END_TEST

START_TEST(unknown_mode_lists_the_blueprints_modes)
{
	assert_refused("production", "Tester", BRAIN_EINVAL,
		       "unknown mode 'production' (the blueprint has demo, "
		       "test, staging, live)");
}
END_TEST

START_TEST(errmsg_is_empty_after_success)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir();
	brain_t *b = open_mode(dir, "demo", &now);

	ck_assert_str_eq(brain_errmsg(NULL), "");
	ck_assert_str_eq(brain_errmsg(b), "");
	ck_assert_str_eq(brain_version(), BRAIN_VERSION_STRING);
	ck_assert_str_eq(brain_strerror(BRAIN_EBLUEPRINT), "invalid blueprint");
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(root_from_environment_when_no_option)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *want = tu_path(dir, "Test/Demo/Mining");
	brain_options_t o = tu_options(NULL, NULL, &now);
	brain_t *b;

	setenv("BRAINSTEM_ROOT", dir, 1);
	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o), 0);
	ck_assert_str_eq(brain_base_path(b), want);
	brain_close(b);
	unsetenv("BRAINSTEM_ROOT");
	free(want);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

Suite *tree_suite(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("initialize_mode");

	tcase_add_test(tc, demo_mode_lives_under_test_demo);
	tcase_add_test(tc, test_mode_lives_under_test_mode_with_its_space);
	tcase_add_test(tc, staging_and_live_share_mining);
	tcase_add_test(tc, no_mode_takes_the_blueprints_true_flag);
	tcase_add_test(tc, flags_follow_the_open_mode);
	tcase_add_test(tc, creates_every_structure_folder_and_current_hour_files);
	tcase_add_test(tc, new_file_is_its_template_with_entries_last);
	tcase_add_test(tc, second_start_changes_nothing);
	tcase_add_test(tc, next_hour_adds_its_files_and_keeps_the_old);
	tcase_add_test(tc, bad_component_names_are_refused_before_anything_is_made);
	tcase_add_test(tc, unknown_mode_lists_the_blueprints_modes);
	tcase_add_test(tc, errmsg_is_empty_after_success);
	tcase_add_test(tc, root_from_environment_when_no_option);
	suite_add_tcase(s, tc);
	return s;
}
