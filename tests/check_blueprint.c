/*
 * tests/check_blueprint.c - Brain.QTL parsing: the shipped blueprint loads
 * into the model the seed describes, and each kind of mistake is reported
 * with file:line:column and what was expected.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blueprint.h"
#include "testutil.h"

static brain__blueprint *load_text(const char *text, brain__err *e, int *rc)
{
	brain__blueprint *bp = NULL;

	*rc = brain__blueprint_parse("t.qtl", (const unsigned char *)text,
				     strlen(text), &bp, e);
	return bp;
}

/* "t.qtl:L:C: " for the position of `sub`, searched after `anchor`. */
static void position(const char *text, const char *anchor, const char *sub,
		     char *out, size_t size)
{
	const char *at = strstr(text, anchor), *line_start;

	ck_assert_msg(at != NULL, "no '%s'", anchor);
	at = strstr(at, sub);
	ck_assert_msg(at != NULL, "no '%s' after '%s'", sub, anchor);
	for (line_start = at; line_start > text && line_start[-1] != '\n';)
		line_start--;
	snprintf(out, size, "t.qtl:%d:%d: ", tu_line_of(text, anchor),
		 (int)(at - line_start) + 1);
}

/* Loads the default with one change; the message must be exactly the
 * position of `sub` (after `anchor`) and `what`. */
static void expect_error(const char *find, const char *repl,
			 const char *anchor, const char *sub, const char *what)
{
	char *text = tu_default_with(find, repl), expected[1024];
	brain__err e = {{0}};
	int rc;
	brain__blueprint *bp = load_text(text, &e, &rc);

	position(text, anchor, sub, expected, sizeof(expected));
	strncat(expected, what, sizeof(expected) - strlen(expected) - 1);
	ck_assert_ptr_null(bp);
	ck_assert_int_eq(rc, BRAIN_EBLUEPRINT);
	ck_assert_str_eq(e.msg, expected);
	free(text);
}

START_TEST(shipped_blueprint_describes_the_seed_tree)
{
	brain__blueprint *bp = NULL;
	brain__err e = {{0}};
	const brain__stream *s;

	ck_assert_int_eq(brain__blueprint_load(DEFAULT_BLUEPRINT, &bp, &e), 0);
	ck_assert_int_eq(bp->nmodes, 4);
	ck_assert_int_eq(bp->weeks_iso, 0);
	ck_assert_int_eq(bp->zone_local, 0);
	s = brain__blueprint_stream(bp, "ledger");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->folder, "Ledgers");
	ck_assert_str_eq(s->entries, "ledger_entries");
	ck_assert_ptr_nonnull(s->source[BRAIN__LV_YEAR]);
	ck_assert_ptr_nonnull(s->source[BRAIN__LV_HOUR]);
	s = brain__blueprint_stream(bp, "miners");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->id, "report:miners");
	ck_assert_str_eq(s->folder, "System/System_Reports/Miners");
	ck_assert_str_eq(s->name, "miners_report");
	ck_assert_ptr_null(s->source[BRAIN__LV_YEAR]);
	/* 3 of them pool shares, 4 the report's (rate range, time, miners) */
	ck_assert_int_eq(s->nmetrics, 12);
	ck_assert_str_eq(s->metrics[1].as, "sum_attempts_this_round");
	ck_assert_str_eq(s->metrics[5].as, "sum_shares_accepted");
	s = brain__blueprint_stream(bp, "error:miners");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->folder, "System/Error_Reports/Miners");
	ck_assert_int_eq(s->nmetrics, 1); /* the error tree's own metric */
	ck_assert_ptr_nonnull(brain__blueprint_stream(bp, "math_proof"));
	ck_assert_ptr_nonnull(brain__blueprint_stream(bp, "submission"));
	s = brain__blueprint_stream(bp, "rejection"); /* pools' refusals */
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->folder, "Submission_Logs/Rejections");
	ck_assert_ptr_null(brain__blueprint_stream(bp, "nosuch"));
	ck_assert_int_eq(bp->nstreams, 4 + 4 * 2);
	brain__blueprint_free(bp);
}
END_TEST

START_TEST(unknown_key_names_position_and_suggests)
{
	expect_error("pattern_levels:", "patern_levels:", "patern_levels:",
		     "patern_levels:",
		     "unknown key 'patern_levels' in the blueprint (did you "
		     "mean 'pattern_levels'?)");
}
END_TEST

START_TEST(wrong_value_lists_the_choices)
{
	expect_error("  zone: utc", "  zone: [utc]", "  zone: [utc]", "[",
		     "expected one of utc, local for 'zone'");
}
END_TEST

START_TEST(misspelt_choice_gets_a_suggestion)
{
	expect_error("- {field: attempts_this_round, op: sum,",
		     "- {field: attempts_this_round, op: summ,",
		     "op: summ,", "summ",
		     "expected one of sum, min, max, avg, last, "
		     "count_by_value for 'op' (did you mean 'sum'?)");
}
END_TEST

/* A metric's where: a mapping of fields to scalars, checked at load. */
START_TEST(metric_where_is_checked_at_load)
{
	brain__blueprint *bp = NULL;
	brain__err e = {{0}};
	const brain__stream *s;

	ck_assert_int_eq(brain__blueprint_load(DEFAULT_BLUEPRINT, &bp, &e), 0);
	s = brain__blueprint_stream(bp, "miners");
	ck_assert_str_eq(s->metrics[3].as, "sum_blocks_found");
	ck_assert_str_eq(json_string_value(json_object_get(s->metrics[3].where,
							   "event")),
			 "mining_round_complete");
	ck_assert_ptr_null(s->metrics[0].where);
	ck_assert_int_eq(s->metrics[0].max_keys, 64);
	ck_assert_str_eq(s->metrics[0].other_as, "count_by_value_event_other");
	ck_assert_ptr_null(s->metrics[3].other_as);
	brain__blueprint_free(bp);

	expect_error("op: sum, where: {event: mining_round_complete}",
		     "op: sum, where: {event: [a, b]}", "where: {event: [a",
		     "[", "expected a scalar for 'event' in 'where', found a "
			  "list");
	expect_error("op: sum, where: {event: mining_round_complete}",
		     "op: sum, where: {event: {a: b}}", "where: {event: {a",
		     "{a", "expected a scalar for 'event' in 'where', found a "
			   "mapping");
	expect_error("op: sum, where: {event: mining_round_complete}",
		     "op: sum, where: mining_round_complete",
		     "where: mining_round_complete}", "mining_round",
		     "expected a mapping for 'where', found a scalar");
	expect_error("op: sum, where: {event: mining_round_complete}",
		     "op: sum, where: {}", "where: {}", "{}",
		     "'where' needs at least one field");
	expect_error("op: sum, where: {event: mining_round_complete}",
		     "op: sum, wher: {event: mining_round_complete}",
		     "wher: {", "wher",
		     "unknown key 'wher' in a metric (did you mean 'where'?)");
}
END_TEST

START_TEST(max_keys_is_for_count_by_value)
{
	expect_error("- {field: event, op: count_by_value}",
		     "- {field: event, op: count_by_value, max_keys: 0}",
		     "max_keys: 0", "0",
		     "expected a whole number from 1 to 100000 for 'max_keys'");
	expect_error("op: sum, where: {event: mining_round_complete}",
		     "op: sum, max_keys: 5", "max_keys: 5", "5",
		     "'max_keys' is for count_by_value metrics only");
}
END_TEST

/* Each metric has its own summary keys: count_by_value's other bucket
 * ("<as>_other") included. */
START_TEST(metric_keys_may_not_collide)
{
	expect_error("- {field: hashrate, op: avg,",
		     "- {field: hashrate, op: avg, as: "
		     "count_by_value_event_other,",
		     "- {field: hashrate, op: avg, as: count", "{",
		     "summary key 'count_by_value_event_other' of "
		     "'report:miners' is taken by the summary or another "
		     "metric (set 'as')");
	expect_error("- {field: hashrate, op: avg,",
		     "- {field: hashrate, op: avg, as: total_entries,",
		     "- {field: hashrate, op: avg, as: total", "{",
		     "summary key 'total_entries' of 'report:miners' is taken "
		     "by the summary or another metric (set 'as')");
}
END_TEST

/* More metrics than a stream keeps are refused, not silently cut. */
START_TEST(too_many_metrics_are_refused_at_load)
{
	const char *path = SOURCE_DIR "/tests/data/blueprints/too_many_metrics.qtl";
	char *text = tu_read(path), *want, *nl;
	brain__blueprint *bp = NULL;
	brain__err e = {{0}};

	ck_assert_ptr_nonnull(text);
	want = strstr(text, "# expect: ");
	ck_assert_ptr_nonnull(want);
	want += strlen("# expect: ");
	nl = strchr(want, '\n');
	ck_assert_int_eq(brain__blueprint_parse("too_many_metrics.qtl",
						(const unsigned char *)text,
						strlen(text), &bp, &e),
			 BRAIN_EBLUEPRINT);
	ck_assert_ptr_null(bp);
	*nl = '\0';
	ck_assert_str_eq(e.msg, want);
	free(text);
}
END_TEST

START_TEST(missing_key_points_at_its_mapping)
{
	expect_error("  version_file: .brain_version\n", "",
		     "  folder: System_File_Examples", "folder",
		     "missing key 'version_file' in templates");
}
END_TEST

START_TEST(duplicate_key_names_the_first)
{
	char *text = tu_default_with("  zone: utc", "  zone: utc\n  zone: local");
	char expected[256];
	brain__err e = {{0}};
	int rc;

	ck_assert_ptr_null(load_text(text, &e, &rc));
	snprintf(expected, sizeof(expected),
		 "t.qtl:%d:3: duplicate key 'zone' (first at line %d)",
		 tu_line_of(text, "  zone: local"),
		 tu_line_of(text, "  zone: utc"));
	ck_assert_str_eq(e.msg, expected);
	free(text);
}
END_TEST

START_TEST(unknown_placeholder_points_into_the_string)
{
	const char *repl = "file: \"yearly_{nmae}.json\"";
	char *text = tu_default_with("file: \"yearly_{name}.json\"", repl);
	char expected[256];
	const char *line_start, *at = strstr(text, repl);
	brain__err e = {{0}};
	int rc;

	for (line_start = at; line_start > text && line_start[-1] != '\n';)
		line_start--;
	ck_assert_ptr_null(load_text(text, &e, &rc));
	/* column of the '{' inside the quoted scalar */
	snprintf(expected, sizeof(expected),
		 "t.qtl:%d:%d: unknown placeholder '{nmae}' in 'file' (did "
		 "you mean '{name}'?)",
		 tu_line_of(text, repl),
		 (int)(strchr(at, '{') - line_start) + 1);
	ck_assert_str_eq(e.msg, expected);
	free(text);
}
END_TEST

START_TEST(level_without_its_time_placeholders_is_refused)
{
	expect_error("pattern: \"{folder}/{YYYY}/{MM}\",   ",
		     "pattern: \"{folder}/{YYYY}\",        ",
		     "ledger_month:", "\"",
		     "a month level uses exactly the time placeholders "
		     "{YYYY} {MM}");
}
END_TEST

START_TEST(base_folder_may_not_climb_out)
{
	expect_error("{demo_dir}/Mining\"", "{demo_dir}/../Mining\"",
		     "  demo:", "\"",
		     "base folder 'Test/Demo/../Mining' has a '.' or '..' "
		     "segment");
}
END_TEST

START_TEST(yaml_syntax_error_has_a_position)
{
	brain__err e = {{0}};
	int rc;

	ck_assert_ptr_null(load_text("version: 1\nmodes: [demo\n", &e, &rc));
	ck_assert_int_eq(rc, BRAIN_EBLUEPRINT);
	ck_assert_msg(strncmp(e.msg, "t.qtl:3:1: yaml: ", 17) == 0, "%s",
		      e.msg);
}
END_TEST

START_TEST(aliases_are_refused)
{
	brain__err e = {{0}};
	int rc;

	ck_assert_ptr_null(
		load_text("version: &v 1\nother: *v\n", &e, &rc));
	ck_assert_str_eq(e.msg, "t.qtl:1:10: anchors and aliases are not "
				"supported");
}
END_TEST

START_TEST(wrong_kind_says_what_was_found)
{
	brain__err e = {{0}};
	int rc;

	ck_assert_ptr_null(load_text("- a\n- b\n", &e, &rc));
	ck_assert_str_eq(e.msg, "t.qtl:1:1: expected a mapping for 'the "
				"blueprint', found a list");
}
END_TEST

START_TEST(bad_blueprint_stops_start_up_and_creates_nothing)
{
	char *dir = tu_tmpdir(), *root = tu_path(dir, "root");
	char *bad = tu_path(dir, "bad.qtl");
	char *text = tu_default_with("pattern_levels:", "patern_levels:");
	time_t now = T_SEED_EXAMPLE;
	brain_options_t o;
	brain_t *b = (brain_t *)1;

	tu_write(bad, text);
	o = tu_options(root, bad, &now);
	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o),
			 BRAIN_EBLUEPRINT);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(brain_errmsg(NULL), "bad.qtl:") &&
			      strstr(brain_errmsg(NULL),
				     "unknown key 'patern_levels'"),
		      "%s", brain_errmsg(NULL));
	ck_assert(!tu_exists(root));
	free(text);
	free(bad);
	free(root);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(missing_blueprint_file_is_a_clear_error)
{
	char *dir = tu_tmpdir(), *none = tu_path(dir, "none.qtl");
	time_t now = T_SEED_EXAMPLE;
	brain_options_t o = tu_options(dir, none, &now);
	brain_t *b;

	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o),
			 BRAIN_EBLUEPRINT);
	ck_assert_msg(strstr(brain_errmsg(NULL), "cannot read blueprint") &&
			      strstr(brain_errmsg(NULL), "none.qtl"),
		      "%s", brain_errmsg(NULL));
	free(none);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(two_streams_writing_one_file_are_refused)
{
	brain__err e = {{0}};
	char *text = tu_default_with("    tag: _math_proof\n", "");
	int rc;

	/* math_proof now shares Ledgers and the empty tag with ledger */
	ck_assert_ptr_null(load_text(text, &e, &rc));
	ck_assert_msg(strstr(e.msg, "'ledger' and 'math_proof' share folder "
				    "'Ledgers'") != NULL,
		      "%s", e.msg);
	free(text);
}
END_TEST

Suite *blueprint_suite(void)
{
	Suite *s = suite_create("blueprint");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, shipped_blueprint_describes_the_seed_tree);
	tcase_add_test(tc, unknown_key_names_position_and_suggests);
	tcase_add_test(tc, wrong_value_lists_the_choices);
	tcase_add_test(tc, misspelt_choice_gets_a_suggestion);
	tcase_add_test(tc, metric_where_is_checked_at_load);
	tcase_add_test(tc, max_keys_is_for_count_by_value);
	tcase_add_test(tc, metric_keys_may_not_collide);
	tcase_add_test(tc, too_many_metrics_are_refused_at_load);
	tcase_add_test(tc, missing_key_points_at_its_mapping);
	tcase_add_test(tc, duplicate_key_names_the_first);
	tcase_add_test(tc, unknown_placeholder_points_into_the_string);
	tcase_add_test(tc, level_without_its_time_placeholders_is_refused);
	tcase_add_test(tc, base_folder_may_not_climb_out);
	tcase_add_test(tc, yaml_syntax_error_has_a_position);
	tcase_add_test(tc, aliases_are_refused);
	tcase_add_test(tc, wrong_kind_says_what_was_found);
	tcase_add_test(tc, bad_blueprint_stops_start_up_and_creates_nothing);
	tcase_add_test(tc, missing_blueprint_file_is_a_clear_error);
	tcase_add_test(tc, two_streams_writing_one_file_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
