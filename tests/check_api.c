/*
 * tests/check_api.c - the public API's promises at its edges: a record
 * that would not read back is refused and writes nothing; every entry
 * point checks its arguments and answers BRAIN_EINVAL instead of
 * crashing; options and times out of range are refused; brain_close
 * reports a failed final flush.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storecheck.h"
#include "testutil.h"

typedef struct tree {
	char *dir;
	time_t now;
	brain_t *b;
	char *journal; /* the miners journal */
} tree;

static tree *tree_new(void)
{
	tree *t = calloc(1, sizeof(*t));
	brain_options_t o;

	ck_assert_ptr_nonnull(t);
	t->dir = tu_tmpdir();
	t->now = T_SEED_EXAMPLE;
	o = tu_options(t->dir, NULL, &t->now);
	ck_assert_msg(brain_initialize_mode(&t->b, "demo", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	ck_assert_int_eq(brain_get_path(t->b, "miners", "report_global",
					t->now, &t->journal),
			 0);
	return t;
}

static void tree_free(tree *t)
{
	ck_assert_int_eq(brain_close(t->b), 0);
	brain_free(t->journal);
	tu_rmrf(t->dir);
	free(t->dir);
	free(t);
}

/* One good report first, so the journal has a record to keep. */
static tree *tree_with_one(void)
{
	tree *t = tree_new();
	json_t *r = json_pack("{s:s}", "event", "mining_round_complete");

	ck_assert_int_eq(brain_save_system_report(t->b, "miners", r), 0);
	json_decref(r);
	return t;
}

/* Saves rec (stolen) and checks it is refused with `code`, a message
 * holding `msg`, and the journal's bytes as they were. */
static void refused(tree *t, json_t *rec, int code, const char *msg)
{
	char *before = tu_read(t->journal), *after;
	int rc;

	ck_assert_ptr_nonnull(rec);
	rc = brain_save_system_report(t->b, "miners", rec);
	ck_assert_msg(rc == code, "rc %d (%s), want %d", rc,
		      brain_errmsg(t->b), code);
	ck_assert_msg(strstr(brain_errmsg(t->b), msg), "message '%s' lacks '%s'",
		      brain_errmsg(t->b), msg);
	after = tu_read(t->journal);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	json_decref(rec);
}

/* An object nested n deep: {"d":{"d":...{"d":"leaf"}}}, the outer
 * object counting as level 1. */
static json_t *deep(size_t n)
{
	json_t *v = json_object();

	ck_assert_int_eq(json_object_set_new(v, "d", json_string("leaf")), 0);
	while (--n) {
		json_t *o = json_object();
		ck_assert_int_eq(json_object_set_new(o, "d", v), 0);
		v = o;
	}
	return v;
}

/* Frees deep(n) a level at a time (json_decref recurses). */
static void free_deep(json_t *v)
{
	while (v) {
		json_t *d = json_object_get(v, "d");
		json_t *next = json_is_object(d) ? json_incref(d) : NULL;
		json_decref(v);
		v = next;
	}
}

/* ---- what is written reads back ---- */

START_TEST(test_record_key_not_utf8)
{
	tree *t = tree_with_one();
	json_t *r = json_object();

	json_object_set_new_nocheck(r, "ev\xff\xfent", json_string("x"));
	refused(t, r, BRAIN_EINVAL, "record key \"ev??nt\" is not valid UTF-8");
	ck_assert_ptr_null(sc_all_parse(t->dir));
	tree_free(t);
}
END_TEST

START_TEST(test_record_string_not_utf8)
{
	tree *t = tree_with_one();
	json_t *r = json_object();

	json_object_set_new(r, "event", json_stringn_nocheck("a\xc0\x80", 3));
	refused(t, r, BRAIN_EINVAL,
		"record string under key \"event\" is not valid UTF-8");
	tree_free(t);
}
END_TEST

START_TEST(test_record_string_nul)
{
	tree *t = tree_with_one();
	json_t *r = json_object();

	json_object_set_new(r, "event", json_stringn("a\0b", 3));
	refused(t, r, BRAIN_EINVAL,
		"record string under key \"event\" contains U+0000");
	/* and inside an array, named by the member holding it */
	r = json_pack("{s:[s,o]}", "list", "ok", json_stringn("\0", 1));
	refused(t, r, BRAIN_EINVAL,
		"record string under key \"list\" contains U+0000");
	ck_assert_ptr_null(sc_all_parse(t->dir));
	tree_free(t);
}
END_TEST

START_TEST(test_record_key_nul)
{
	tree *t = tree_with_one();
	json_t *r = json_object();

	json_object_setn_new_nocheck(r, "ev\0nt", 5, json_string("x"));
	refused(t, r, BRAIN_EINVAL, "record key \"ev?nt\" contains U+0000");
	tree_free(t);
}
END_TEST

START_TEST(test_record_too_deep)
{
	tree *t = tree_with_one();
	json_t *ok = deep(BRAIN_RECORD_MAX_DEPTH), *j;
	json_t *over = deep(BRAIN_RECORD_MAX_DEPTH + 1);
	json_t *huge = deep(10000), *crash = deep(50000);
	char *before = tu_read(t->journal), *after;

	ck_assert_int_eq(brain_save_system_report(t->b, "miners", over),
			 BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(t->b),
			 "record nests deeper than 256 levels "
			 "(BRAIN_RECORD_MAX_DEPTH)");
	ck_assert_int_eq(brain_save_system_report(t->b, "miners", huge),
			 BRAIN_EINVAL);
	ck_assert_int_eq(brain_save_system_report(t->b, "miners", crash),
			 BRAIN_EINVAL);
	after = tu_read(t->journal);
	ck_assert_str_eq(after, before);
	free(after);
	/* the deepest allowed is written, and reads back equal */
	ck_assert_msg(brain_save_system_report(t->b, "miners", ok) == 0, "%s",
		      brain_errmsg(t->b));
	j = sc_journal(t->b, "miners");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_array_size(j), 2);
	ck_assert(json_equal(json_object_get(json_array_get(j, 1), "d"),
			     json_object_get(ok, "d")));
	json_decref(j);
	free(before);
	free_deep(ok);
	free_deep(over);
	free_deep(huge);
	free_deep(crash);
	tree_free(t);
}
END_TEST

/* A record sharing one member many times over is as big as it prints. */
START_TEST(test_record_shared_members)
{
	tree *t = tree_with_one();
	json_t *v = json_string("x"), *r;
	int i;

	/* 2^40 leaves, a few dozen objects */
	for (i = 0; i < 40; i++) {
		json_t *o = json_object();
		json_object_set(o, "a", v);
		json_object_set(o, "b", v);
		json_decref(v);
		v = o;
	}
	r = json_pack("{s:o}", "tree", v);
	refused(t, r, BRAIN_ETOOBIG, "over the limit of 65536 bytes");
	tree_free(t);
}
END_TEST

Suite *api_suite(void);

Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, test_record_key_not_utf8);
	tcase_add_test(tc, test_record_string_not_utf8);
	tcase_add_test(tc, test_record_string_nul);
	tcase_add_test(tc, test_record_key_nul);
	tcase_add_test(tc, test_record_too_deep);
	tcase_add_test(tc, test_record_shared_members);
	suite_add_tcase(s, tc);
	return s;
}
