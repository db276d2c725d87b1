/*
 * tests/check_templates.c - System_File_Examples: generated once per
 * blueprint version, user edits kept and used, and a changed blueprint
 * regenerates with the old folder kept aside.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define HOUR_EXAMPLE \
	"System_File_Examples/Ledgers/ledger_hour/ledger_example.json"

static brain_t *open_with(const char *root, const char *bp, time_t *now)
{
	brain_options_t o = tu_options(root, bp, now);
	brain_t *b;

	ck_assert_msg(brain_initialize_mode(&b, "demo", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	return b;
}

START_TEST(version_file_holds_the_blueprints_sha256)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *vpath, *text, want[80];
	brain_t *b = open_with(dir, NULL, &now);

	vpath = tu_path(dir, "System_File_Examples/.brain_version");
	text = tu_read(vpath);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(strlen(brain_blueprint_hash(b)), 64);
	snprintf(want, sizeof(want), "%s\n", brain_blueprint_hash(b));
	ck_assert_str_eq(text, want);
	ck_assert_msg(strstr(tu_notices, "generated templates in") != NULL,
		      "%s", tu_notices);
	brain_close(b);
	free(text);
	free(vpath);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(hash_matches_an_independent_sha256)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), cmd[512], out[80] = "";
	brain_t *b = open_with(dir, NULL, &now);
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", DEFAULT_BLUEPRINT);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert(fgets(out, 65, p) != NULL);
	pclose(p);
	ck_assert_str_eq(brain_blueprint_hash(b), out);
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(user_edit_survives_and_shapes_new_files)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *ex = tu_path(dir, HOUR_EXAMPLE), *text;
	char *edited, *newfile;
	brain_t *b = open_with(dir, NULL, &now);

	brain_close(b);
	text = tu_read(ex);
	ck_assert_ptr_nonnull(text);
	/* the user adds an operator field to every new hourly ledger */
	edited = strdup(text);
	{
		char *at = strstr(text, "\"metadata\": {");
		ck_assert_ptr_nonnull(at);
		free(edited);
		ck_assert(asprintf(&edited, "%.*s\"operator\": \"alice\",\n  %s",
				   (int)(at - text), text, at) > 0);
	}
	tu_write(ex, edited);
	now += 3600; /* the next hour needs a new hourly file */
	b = open_with(dir, NULL, &now);
	ck_assert_str_eq(tu_notices, ""); /* same blueprint: kept */
	free(text);
	text = tu_read(ex);
	ck_assert_str_eq(text, edited);
	newfile = tu_path(brain_base_path(b),
			  "Ledgers/2025/12/W50/18/02/hourly_ledger.json");
	free(text);
	text = tu_read(newfile);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "\"operator\": \"alice\"") != NULL, "%s",
		      text);
	ck_assert_msg(strstr(text, "\"time_scope\": \"2025-12-18T02\"") != NULL,
		      "%s", text);
	brain_close(b);
	free(newfile);
	free(text);
	free(edited);
	free(ex);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(changed_blueprint_regenerates_and_keeps_the_old_folder)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *bp = tu_path(dir, "Brain.QTL");
	char *text = tu_read(DEFAULT_BLUEPRINT), *changed, *ex, *kept, *v;
	char old_hash[65], kept_rel[256], want[80];
	brain_t *b;

	tu_write(bp, text);
	b = open_with(dir, bp, &now);
	strcpy(old_hash, brain_blueprint_hash(b));
	brain_close(b);
	ex = tu_path(dir, HOUR_EXAMPLE);
	tu_write(ex, "{\"user\": \"edit\", \"ledger_entries\": []}\n");
	ck_assert(asprintf(&changed, "%s\n# a comment changes the hash\n",
			   text) > 0);
	tu_write(bp, changed);
	b = open_with(dir, bp, &now);
	ck_assert_str_ne(brain_blueprint_hash(b), old_hash);
	ck_assert_msg(strstr(tu_notices, "regenerated templates") != NULL,
		      "%s", tu_notices);
	ck_assert_msg(strstr(tu_notices, old_hash) != NULL, "%s", tu_notices);
	/* the edit is kept aside, whole */
	snprintf(kept_rel, sizeof(kept_rel),
		 "System_File_Examples.previous/%s/Ledgers/ledger_hour/"
		 "ledger_example.json",
		 old_hash);
	kept = tu_path(dir, kept_rel);
	free(text);
	text = tu_read(kept);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "{\"user\": \"edit\", \"ledger_entries\": []}\n");
	/* and the new folder is the new version's */
	v = tu_path(dir, "System_File_Examples/.brain_version");
	free(text);
	text = tu_read(v);
	snprintf(want, sizeof(want), "%s\n", brain_blueprint_hash(b));
	ck_assert_str_eq(text, want);
	free(text);
	text = tu_read(ex);
	ck_assert_ptr_null(strstr(text, "\"user\""));
	brain_close(b);
	free(v);
	free(text);
	free(kept);
	free(changed);
	free(ex);
	free(bp);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(forced_generation_keeps_the_current_folder_aside_too)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *prev;
	brain_t *b = open_with(dir, NULL, &now);
	json_t *st;
	int regenerated = -1;

	ck_assert_int_eq(brain_templates_generate(b, 0, &regenerated), 0);
	ck_assert_int_eq(regenerated, 0);
	ck_assert_int_eq(brain_templates_generate(b, 1, &regenerated), 0);
	ck_assert_int_eq(regenerated, 1);
	ck_assert_int_eq(brain_templates_status(b, &st), 0);
	ck_assert(json_is_true(json_object_get(st, "current")));
	ck_assert_int_eq(json_array_size(json_object_get(st, "previous")), 1);
	prev = tu_path(dir, "System_File_Examples.previous");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(st, "previous"), 0),
				 "hash")),
			 brain_blueprint_hash(b));
	json_decref(st);
	brain_close(b);
	free(prev);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(broken_example_is_reported_with_its_path)
{
	time_t now = T_SEED_EXAMPLE;
	char *dir = tu_tmpdir(), *ex = tu_path(dir, HOUR_EXAMPLE);
	brain_options_t o;
	brain_t *b = open_with(dir, NULL, &now);

	brain_close(b);
	tu_write(ex, "{ \"metadata\": ");
	now += 3600;
	o = tu_options(dir, NULL, &now);
	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o),
			 BRAIN_ECORRUPT);
	ck_assert_msg(strstr(brain_errmsg(NULL), ex) != NULL, "%s",
		      brain_errmsg(NULL));
	free(ex);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

Suite *templates_suite(void)
{
	Suite *s = suite_create("templates");
	TCase *tc = tcase_create("versioning");

	tcase_add_test(tc, version_file_holds_the_blueprints_sha256);
	tcase_add_test(tc, hash_matches_an_independent_sha256);
	tcase_add_test(tc, user_edit_survives_and_shapes_new_files);
	tcase_add_test(tc, changed_blueprint_regenerates_and_keeps_the_old_folder);
	tcase_add_test(tc, forced_generation_keeps_the_current_folder_aside_too);
	tcase_add_test(tc, broken_example_is_reported_with_its_path);
	suite_add_tcase(s, tc);
	return s;
}
