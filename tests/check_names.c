/*
 * tests/check_names.c - names and relative paths that may become parts of
 * the tree, and typo suggestions.
 */
#include "names.h"
#include "testutil.h"

START_TEST(names_that_cannot_escape_are_accepted)
{
	ck_assert_ptr_null(brain__name_problem("Production-Miner"));
	ck_assert_ptr_null(brain__name_problem("miners"));
	ck_assert_ptr_null(brain__name_problem("a.b"));
}
END_TEST

START_TEST(names_that_could_escape_are_refused)
{
	ck_assert_str_eq(brain__name_problem("a/b"), "contains '/'");
	ck_assert_str_eq(brain__name_problem("a\\b"), "contains '\\'");
	ck_assert_str_eq(brain__name_problem(".."), "contains '..'");
	ck_assert_str_eq(brain__name_problem(""), "is empty");
	ck_assert_str_eq(brain__name_problem("x\n"),
			 "contains a control character");
}
END_TEST

START_TEST(relative_paths_stay_inside)
{
	ck_assert_ptr_null(brain__relpath_problem("Test/Test mode/Mining"));
	ck_assert_str_eq(brain__relpath_problem("/etc"), "is absolute");
	ck_assert_str_eq(brain__relpath_problem("a//b"), "has an empty segment");
	ck_assert_str_eq(brain__relpath_problem("a/"), "has an empty segment");
	ck_assert_str_eq(brain__relpath_problem("a/../b"),
			 "has a '.' or '..' segment");
	ck_assert_str_eq(brain__relpath_problem("./a"),
			 "has a '.' or '..' segment");
}
END_TEST

START_TEST(suggestions_only_for_near_misses)
{
	static const char *const keys[] = {"pattern_levels", "modes", "flags",
					   NULL};

	ck_assert_str_eq(brain__suggest("patern_levels", keys), "pattern_levels");
	ck_assert_str_eq(brain__suggest("flgs", keys), "flags");
	ck_assert_ptr_null(brain__suggest("completely_else", keys));
}
END_TEST

Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, names_that_cannot_escape_are_accepted);
	tcase_add_test(tc, names_that_could_escape_are_refused);
	tcase_add_test(tc, relative_paths_stay_inside);
	tcase_add_test(tc, suggestions_only_for_near_misses);
	suite_add_tcase(s, tc);
	return s;
}
