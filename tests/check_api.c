/*
 * tests/check_api.c - the public API's promises at its edges: a record
 * that would not read back is refused and writes nothing; every entry
 * point checks its arguments and answers BRAIN_EINVAL instead of
 * crashing; options and times out of range are refused; brain_close
 * reports a failed final flush.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "storecheck.h"
#include "stratum_internal.h"
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

/* The standard output of a shell command (caller frees). */
static char *read_command(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	ck_assert_ptr_nonnull(f);
	do {
		if (n + 4096 > cap && !(buf = realloc(buf, cap += 65536)))
			abort();
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	pclose(f);
	buf[n] = '\0';
	return buf;
}

/* ---- what is written reads back ---- */

START_TEST(a_key_that_is_not_utf8_is_refused_and_nothing_written)
{
	tree *t = tree_with_one();
	json_t *r = json_object();

	json_object_set_new_nocheck(r, "ev\xff\xfent", json_string("x"));
	refused(t, r, BRAIN_EINVAL, "record key \"ev??nt\" is not valid UTF-8");
	ck_assert_ptr_null(sc_all_parse(t->dir));
	tree_free(t);
}
END_TEST

START_TEST(a_string_that_is_not_utf8_is_refused_and_nothing_written)
{
	tree *t = tree_with_one();
	json_t *r = json_object();

	json_object_set_new(r, "event", json_stringn_nocheck("a\xc0\x80", 3));
	refused(t, r, BRAIN_EINVAL,
		"record string under key \"event\" is not valid UTF-8");
	tree_free(t);
}
END_TEST

START_TEST(a_string_holding_nul_is_refused_and_nothing_written)
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

START_TEST(a_key_holding_nul_is_refused_and_nothing_written)
{
	tree *t = tree_with_one();
	json_t *r = json_object();

	json_object_setn_new_nocheck(r, "ev\0nt", 5, json_string("x"));
	refused(t, r, BRAIN_EINVAL, "record key \"ev?nt\" contains U+0000");
	tree_free(t);
}
END_TEST

START_TEST(records_deeper_than_the_limit_are_refused)
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
START_TEST(a_record_sharing_members_is_as_big_as_it_prints)
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



/* Records are borrowed const: saved as they are, left as they were. */
START_TEST(a_saved_record_is_borrowed_const_and_left_as_it_was)
{
	tree *t = tree_new();
	json_t *r = json_pack("{s:s, s:{s:i}}", "event", "x", "inner", "n", 1);
	const json_t *rec = r; /* compiles without a cast */
	char *before = json_dumps(r, JSON_SORT_KEYS), *after;
	json_t *j;

	ck_assert_int_eq(brain_save_system_report(t->b, "miners", rec), 0);
	ck_assert_int_eq(brain_save_system_error(t->b, "miners", rec), 0);
	ck_assert_int_eq(brain_save_record(t->b, "miners", rec), 0);
	after = json_dumps(r, JSON_SORT_KEYS);
	ck_assert_str_eq(after, before); /* no seq, timestamp, component */
	ck_assert_int_eq(r->refcount, 1);
	ck_assert_int_eq(json_object_get(r, "inner")->refcount, 1);
	j = sc_journal(t->b, "miners");
	ck_assert_int_eq(json_array_size(j), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(j, 1), "seq")),
			 2);
	json_decref(j);
	free(before);
	free(after);
	json_decref(r);
	tree_free(t);
}
END_TEST


/* ---- brain_close tells ---- */

/*
 * Records whose roll-ups a lagging blueprint holds back are written at
 * close; when that fails (here: the files may not grow past 32 KiB,
 * RLIMIT_FSIZE) brain_close says so.  It used to return nothing.
 */
START_TEST(brain_close_reports_a_final_flush_that_failed)
{
	char *dir = tu_tmpdir(), *bp = tu_path(dir, "Brain.QTL");
	char *text = tu_default_with("aggregate_lag_ms: 0",
				     "aggregate_lag_ms: 60000");
	time_t now = T_SEED_EXAMPLE;
	brain_options_t o;
	struct rlimit old, small;
	char pad[1001];
	brain_t *b;
	int i, rc;

	tu_write(bp, text);
	o = tu_options(dir, bp, &now);
	ck_assert_msg(brain_initialize_mode(&b, "demo", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (i = 0; i < 100; i++) {
		json_t *r = json_pack("{s:s, s:s}", "event", "x", "pad", pad);
		ck_assert_int_eq(brain_save_system_report(b, "miners", r), 0);
		json_decref(r);
	}
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 32 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = brain_close(b);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_msg(rc == BRAIN_EIO, "brain_close: %d (%s)", rc,
		      brain_errmsg(NULL));
	ck_assert_msg(strstr(brain_errmsg(NULL), "File too large"), "%s",
		      brain_errmsg(NULL));
	/* which step, and the errno, without parsing the message */
	ck_assert_int_eq(brain_errcode_extended(NULL), BRAIN_IOERR_WRITE);
	ck_assert_int_eq(brain_syserrno(NULL), EFBIG);
	/* the records are in the journal; the next open catches up */
	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o), 0);
	ck_assert_int_eq(sc_index_total(b, "miners"), 100);
	ck_assert_ptr_null(sc_check_stream(b, "miners", 0));
	ck_assert_int_eq(brain_close(b), 0);
	free(text);
	free(bp);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- every entry point checks its arguments ---- */

/* rc is BRAIN_EINVAL and `where`'s message names the function. */
#define EINVAL_FROM(call, where, func)                                         \
	do {                                                                   \
		int rc_ = (call);                                              \
		ck_assert_msg(rc_ == BRAIN_EINVAL, "%s: rc %d", #call, rc_);   \
		ck_assert_msg(strstr((where), (func)) != NULL,                \
			      "%s: message '%s' does not name %s", #call,      \
			      (where), (func));                                \
	} while (0)
#define NO_HANDLE(call, func) EINVAL_FROM(call, brain_errmsg(NULL), func)

static void log_v(brain_log_t *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	brain_log_vwrite(l, BRAIN_LOG_ERROR, fmt, ap);
	va_end(ap);
}

START_TEST(every_call_with_a_null_handle_is_einval_not_a_crash)
{
	json_t *r = json_pack("{s:s}", "event", "x");
	json_t *st = NULL;
	uint64_t problems = 7;
	char *p = (char *)"untouched";
	int regen = 0;

	NO_HANDLE(brain_save_system_report(NULL, "miners", r),
		  "brain_save_system_report");
	NO_HANDLE(brain_save_system_error(NULL, "miners", r),
		  "brain_save_system_error");
	NO_HANDLE(brain_save_record(NULL, "ledger", r), "brain_save_record");
	NO_HANDLE(brain_save_ledger_entry(NULL, r), "brain_save_record");
	NO_HANDLE(brain_save_math_proof(NULL, r), "brain_save_record");
	NO_HANDLE(brain_save_submission(NULL, r), "brain_save_record");
	NO_HANDLE(brain_update_aggregated_index(NULL, "miners", T_SEED_EXAMPLE),
		  "brain_update_aggregated_index");
	NO_HANDLE(brain_rebuild(NULL, NULL), "brain_rebuild");
	NO_HANDLE(brain_flush(NULL), "brain_flush");
	NO_HANDLE(brain_get_path(NULL, "miners", "report_global",
				 T_SEED_EXAMPLE, &p),
		  "brain_get_path");
	NO_HANDLE(brain_init_hierarchical_structure(NULL, T_SEED_EXAMPLE),
		  "brain_init_hierarchical_structure");
	NO_HANDLE(brain_templates_status(NULL, &st), "brain_templates_status");
	NO_HANDLE(brain_templates_generate(NULL, 0, &regen),
		  "brain_templates_generate");
	NO_HANDLE(brain_validate(NULL, NULL, NULL, NULL, NULL, &problems),
		  "brain_validate");
	NO_HANDLE(brain_report(NULL, BRAIN_LEVEL_HOUR, T_SEED_EXAMPLE, &st),
		  "brain_report");
	NO_HANDLE(brain_initialize_mode(NULL, "demo", "Tester", NULL),
		  "brain_initialize_mode");
	{
		brain_level_t lv = BRAIN_LEVEL_DAY;
		time_t from = 1, to = 2;
		json_t *sum = NULL;
		NO_HANDLE(brain_level_parse(NULL, &lv), "brain_level_parse");
		ck_assert_int_eq(lv, BRAIN_LEVEL_DAY);
		ck_assert_ptr_null(brain_level_name((brain_level_t)6));
		ck_assert_str_eq(brain_level_name(BRAIN_LEVEL_WEEK), "week");
		NO_HANDLE(brain_partition(NULL, BRAIN_LEVEL_HOUR, T_SEED_EXAMPLE,
					  &from, &to, NULL, 0),
			  "brain_partition");
		NO_HANDLE(brain_read_summary(NULL, "miners", BRAIN_LEVEL_HOUR,
					     T_SEED_EXAMPLE, &sum),
			  "brain_read_summary");
		ck_assert_ptr_null(sum);
		NO_HANDLE(brain_read_series(NULL, "miners", BRAIN_LEVEL_HOUR, 0,
					    3600, NULL, NULL),
			  "brain_read_series");
		NO_HANDLE(brain_read_records(NULL, "miners", 0, 3600, NULL,
					     NULL),
			  "brain_read_records");
	}
	NO_HANDLE(brain_http_start(NULL, "127.0.0.1:0", NULL),
		  "brain_http_start");
	NO_HANDLE(brain_http_set_status(NULL, r), "brain_http_set_status");
	ck_assert_int_eq(brain_http_port(NULL), -1);
	brain_http_stop(NULL);
	ck_assert_ptr_null(brain_get_flags(NULL));
	ck_assert_ptr_null(brain_get_config(NULL));
	ck_assert_ptr_null(brain_mode(NULL));
	ck_assert_ptr_null(brain_component(NULL));
	ck_assert_ptr_null(brain_root_path(NULL));
	ck_assert_ptr_null(brain_base_path(NULL));
	ck_assert_ptr_null(brain_blueprint_path(NULL));
	ck_assert_ptr_null(brain_blueprint_hash(NULL));
	ck_assert_int_eq(brain_now(NULL), -1);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "brain_now: invalid argument 'b'");
	ck_assert_int_eq(brain_close(NULL), 0);
	brain_free(NULL);
	NO_HANDLE(brain_log_open(NULL, NULL), "brain_log_open");
	NO_HANDLE(brain_log_reopen(NULL), "brain_log_reopen");
	brain_log_write(NULL, BRAIN_LOG_ERROR, "%s", "nowhere");
	log_v(NULL, "%s", "nowhere");
	brain_log_notice(NULL, "nowhere");
	ck_assert_int_eq(brain_log_enabled(NULL, BRAIN_LOG_ERROR), 0);
	brain_log_close(NULL);
	ck_assert_str_eq(brain_strerror(12345), "unknown error");
	/* and those without arguments just answer */
	ck_assert_ptr_nonnull(brain_version());
	ck_assert_ptr_nonnull(brain_default_blueprint());
	{
		const char *const words[] = {"validate", "rebuild", NULL};
		ck_assert_str_eq(brain_suggest("valdiate", words), "validate");
		ck_assert_ptr_null(brain_suggest("zzzzzzzz", words));
		ck_assert_ptr_null(brain_suggest(NULL, words));
		ck_assert_ptr_null(brain_suggest("rebuild", NULL));
	}
	ck_assert_int_ne(brain_engine_best(), BRAIN_ENGINE_AUTO);
	ck_assert_ptr_null(st);
	json_decref(r);
}
END_TEST

START_TEST(null_arguments_on_a_handle_are_einval_and_write_nothing)
{
	tree *t = tree_with_one();
	json_t *r = json_pack("{s:s}", "event", "x"), *st = NULL;
	char *before = tu_read(t->journal), *after, *p = NULL;
	uint64_t problems;

	EINVAL_FROM(brain_get_path(t->b, NULL, NULL, t->now, &p),
		    brain_errmsg(t->b), "brain_get_path");
	EINVAL_FROM(brain_get_path(t->b, "miners", NULL, t->now, &p),
		    brain_errmsg(t->b), "'level'");
	EINVAL_FROM(brain_get_path(t->b, "miners", "report_global", t->now,
				   NULL),
		    brain_errmsg(t->b), "'out'");
	ck_assert_ptr_null(p);
	EINVAL_FROM(brain_save_system_report(t->b, NULL, r),
		    brain_errmsg(t->b), "'category'");
	EINVAL_FROM(brain_save_system_error(t->b, NULL, r), brain_errmsg(t->b),
		    "'category'");
	EINVAL_FROM(brain_save_record(t->b, NULL, r), brain_errmsg(t->b),
		    "'stream'");
	EINVAL_FROM(brain_save_system_report(t->b, "miners", NULL),
		    brain_errmsg(t->b), "json object");
	EINVAL_FROM(brain_save_ledger_entry(t->b, NULL), brain_errmsg(t->b),
		    "json object");
	EINVAL_FROM(brain_update_aggregated_index(t->b, NULL, t->now),
		    brain_errmsg(t->b), "'category'");
	EINVAL_FROM(brain_validate(t->b, NULL, NULL, NULL, NULL, NULL),
		    brain_errmsg(t->b), "'problems'");
	EINVAL_FROM(brain_templates_status(t->b, NULL), brain_errmsg(t->b),
		    "'out'");
	{
		json_t *sum = NULL;
		time_t from, to;
		char scope[4];
		EINVAL_FROM(brain_partition(t->b, BRAIN_LEVEL_HOUR, t->now, NULL,
					    &to, NULL, 0),
			    brain_errmsg(t->b), "'start'");
		EINVAL_FROM(brain_partition(t->b, (brain_level_t)6, t->now, &from,
					    &to, NULL, 0),
			    brain_errmsg(t->b), "level");
		EINVAL_FROM(brain_partition(t->b, BRAIN_LEVEL_HOUR, t->now, &from,
					    &to, scope, sizeof(scope)),
			    brain_errmsg(t->b), "bytes");
		EINVAL_FROM(brain_read_summary(t->b, NULL, BRAIN_LEVEL_HOUR,
					       t->now, &sum),
			    brain_errmsg(t->b), "'stream'");
		EINVAL_FROM(brain_read_summary(t->b, "miners", BRAIN_LEVEL_HOUR,
					       t->now, NULL),
			    brain_errmsg(t->b), "'out'");
		EINVAL_FROM(brain_read_summary(t->b, "miners", (brain_level_t)-1,
					       t->now, &sum),
			    brain_errmsg(t->b), "level");
		EINVAL_FROM(brain_read_summary(t->b, "miners", BRAIN_LEVEL_HOUR,
					       BRAIN_TIME_MAX + 1, &sum),
			    brain_errmsg(t->b), "1970 to 9999");
		ck_assert_ptr_null(sum);
		EINVAL_FROM(brain_read_series(t->b, "miners", BRAIN_LEVEL_HOUR,
					      t->now, t->now + 3600, NULL,
					      NULL),
			    brain_errmsg(t->b), "'fn'");
		EINVAL_FROM(brain_read_records(t->b, "miners", t->now,
					       t->now + 3600, NULL, NULL),
			    brain_errmsg(t->b), "'fn'");
		EINVAL_FROM(brain_read_records(t->b, NULL, t->now,
					       t->now + 3600, NULL, NULL),
			    brain_errmsg(t->b), "'stream'");
	}
	EINVAL_FROM(brain_report(t->b, BRAIN_LEVEL_HOUR, t->now, NULL),
		    brain_errmsg(t->b), "'out'");
	EINVAL_FROM(brain_report(t->b, (brain_level_t)9, t->now, &st),
		    brain_errmsg(t->b), "level");
	EINVAL_FROM(brain_report(t->b, BRAIN_LEVEL_DAY, BRAIN_TIME_MAX + 1, &st),
		    brain_errmsg(t->b), "when");
	ck_assert_ptr_null(st);
	after = tu_read(t->journal);
	ck_assert_str_eq(after, before);
	/* and the handle still works */
	ck_assert_int_eq(brain_validate(t->b, NULL, NULL, NULL, NULL,
					&problems),
			 0);
	ck_assert_int_eq(problems, 0);
	ck_assert_int_eq(brain_templates_status(t->b, &st), 0);
	json_decref(st);
	free(before);
	free(after);
	json_decref(r);
	tree_free(t);
}
END_TEST

/* The files of the tree, as one sorted listing. */
static char *listing(const char *dir)
{
	char *cmd, *out;

	if (asprintf(&cmd, "cd '%s' && find . | sort", dir) < 0)
		abort();
	out = read_command(cmd);
	free(cmd);
	return out;
}

START_TEST(bad_options_are_refused_creating_nothing)
{
	static const struct {
		unsigned version;
		int durability;
		const char *msg;
	} bad[] = {
		{BRAIN_OPTIONS_VERSION, 7, "durability 7: not one of"},
		{BRAIN_OPTIONS_VERSION, -1, "durability -1: not one of"},
		{99, BRAIN_DURABILITY_DEFAULT, "options version 99: this library"},
		{0, BRAIN_DURABILITY_DEFAULT, "options version 0: this library"},
	};
	char *dir = tu_tmpdir(), *empty = listing(dir), *now_list;
	time_t now = T_SEED_EXAMPLE;
	brain_t *b = (brain_t *)&now;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		brain_options_t o = tu_options(dir, NULL, &now);
		o.version = bad[i].version;
		o.durability = (brain_durability_t)bad[i].durability;
		ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o),
				 BRAIN_EINVAL);
		ck_assert_ptr_null(b);
		ck_assert_msg(strstr(brain_errmsg(NULL), bad[i].msg),
			      "message '%s' lacks '%s'", brain_errmsg(NULL),
			      bad[i].msg);
		now_list = listing(dir);
		ck_assert_str_eq(now_list, empty); /* nothing created */
		free(now_list);
	}
	{
		brain_options_t o = tu_options(dir, NULL, &now);
		ck_assert_int_eq(brain_initialize_mode(&b, "demo", NULL, &o),
				 BRAIN_EINVAL);
		ck_assert_ptr_null(b);
		now_list = listing(dir);
		ck_assert_str_eq(now_list, empty);
		free(now_list);
	}
	/* every durability the header names, and version 1, are fine */
	for (i = BRAIN_DURABILITY_DEFAULT; i <= BRAIN_DURABILITY_ALWAYS; i++) {
		brain_options_t o = tu_options(dir, NULL, &now);
		o.version = 1;
		o.durability = (brain_durability_t)i;
		ck_assert_msg(brain_initialize_mode(&b, "demo", "Tester", &o) == 0,
			      "%s", brain_errmsg(NULL));
		ck_assert_int_eq(brain_close(b), 0);
	}
	free(empty);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- times outside the years 1970 to 9999 ---- */

START_TEST(times_outside_1970_to_9999_are_refused_creating_nothing)
{
	tree *t = tree_with_one();
	char *before = tu_read(t->journal), *after, *p = NULL;
	char *base = strdup(brain_base_path(t->b)), *list = listing(base), *l2;
	static const char *const stamps[] = {
		"1970-01-01T00:00:00+01:00", /* 1969 in UTC */
		"9999-12-31T23:59:59-01:00", /* 10000 in UTC */
	};
	size_t i;

	EINVAL_FROM(brain_get_path(t->b, "miners", "report_hour", -1, &p),
		    brain_errmsg(t->b), "time -1 is outside the years 1970 "
					"to 9999");
	EINVAL_FROM(brain_get_path(t->b, "miners", "report_hour",
				   BRAIN_TIME_MAX + 1, &p),
		    brain_errmsg(t->b), "253402300800 is outside");
	ck_assert_ptr_null(p);
	EINVAL_FROM(brain_init_hierarchical_structure(t->b, -3600),
		    brain_errmsg(t->b), "time -3600 is outside");
	EINVAL_FROM(brain_update_aggregated_index(t->b, "miners",
						  (time_t)6919574400000000LL),
		    brain_errmsg(t->b), "is outside");
	for (i = 0; i < sizeof(stamps) / sizeof(*stamps); i++)
		refused(t, json_pack("{s:s}", "timestamp", stamps[i]),
			BRAIN_EINVAL, "record timestamp ");
	/* a clock gone wrong under an open handle */
	t->now = (time_t)6919574400000000LL;
	refused(t, json_pack("{s:s}", "event", "x"), BRAIN_EINVAL,
		"the clock's time 6919574400000000 is outside");
	t->now = T_SEED_EXAMPLE;
	l2 = listing(base);
	ck_assert_str_eq(l2, list); /* no Hourly/219250468/... */
	/* the bounds themselves are fine */
	ck_assert_int_eq(brain_get_path(t->b, "miners", "report_hour",
					BRAIN_TIME_MAX, &p),
			 0);
	ck_assert_ptr_nonnull(strstr(p, "/9999/"));
	brain_free(p);
	ck_assert_int_eq(brain_get_path(t->b, "miners", "report_hour",
					BRAIN_TIME_MIN, &p),
			 0);
	ck_assert_ptr_nonnull(strstr(p, "/1970/"));
	brain_free(p);
	after = tu_read(t->journal);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	free(list);
	free(l2);
	free(base);
	tree_free(t);
}
END_TEST

START_TEST(a_clock_outside_1970_to_9999_fails_the_open)
{
	char *dir = tu_tmpdir(), *empty = listing(dir), *l2;
	time_t now = (time_t)6919574400000000LL;
	brain_options_t o = tu_options(dir, NULL, &now);
	brain_t *b;

	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o),
			 BRAIN_EINVAL);
	ck_assert_msg(strstr(brain_errmsg(NULL), "the clock's time "
						 "6919574400000000 is outside"),
		      "%s", brain_errmsg(NULL));
	l2 = listing(dir);
	ck_assert_str_eq(l2, empty);
	free(l2);
	now = -1;
	ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester", &o),
			 BRAIN_EINVAL);
	l2 = listing(dir);
	ck_assert_str_eq(l2, empty);
	free(l2);
	free(empty);
	tu_rmrf(dir);
	free(dir);
}
END_TEST


/*
 * libsodium that cannot start: this test binary's own sodium_init (it
 * links the library's objects, so the library calls this one) fails when
 * armed.  The library used to abort() the process.
 */
static int sodium_fails;

int sodium_init(void);
int sodium_init(void)
{
	static int (*real)(void);

	if (sodium_fails)
		return -1;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sodium_init");
	return real();
}

START_TEST(a_libsodium_that_cannot_start_is_an_error_not_abort)
{
	char *dir = tu_tmpdir(), *empty = listing(dir), *l2;
	time_t now = T_SEED_EXAMPLE;
	brain_options_t o = tu_options(dir, NULL, &now);
	brain_t *b;
	const char *fork = getenv("CK_FORK");

	if (fork && !strcmp(fork, "no")) {
		/* libsodium is started once per process: another test may
		 * have done it already */
		printf("skipped: the libsodium test needs CK_FORK\n");
	} else {
		sodium_fails = 1;
		ck_assert_int_eq(brain_initialize_mode(&b, "demo", "Tester",
						       &o),
				 BRAIN_EIO);
		ck_assert_ptr_null(b);
		ck_assert_str_eq(brain_errmsg(NULL),
				 "libsodium cannot start (sodium_init failed)");
		l2 = listing(dir);
		ck_assert_str_eq(l2, empty);
		free(l2);
	}
	free(empty);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- pow.h, work.h, node.h ---- */

START_TEST(pow_calls_refuse_null_arguments)
{
	static const char hex160[] =
		"0100000000000000000000000000000000000000000000000000000000000000"
		"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
		"4b1e5e4a29ab5f49ffff001d1dac2b7c";
	uint8_t out[80] = {0}, target[32] = {0};
	brain_header_t h;
	brain_engine_t e;
	brain_scan_t res;
	char hex[161];

	memset(&h, 0, sizeof(h));
	NO_HANDLE(brain_header_from_hex(hex160, NULL), "brain_header_from_hex");
	NO_HANDLE(brain_hash_from_hex(hex160, NULL), "brain_hash_from_hex");
	NO_HANDLE(brain_bits_to_target(0x1d00ffff, NULL),
		  "brain_bits_to_target");
	NO_HANDLE(brain_engine_from_name("auto", NULL),
		  "brain_engine_from_name");
	NO_HANDLE(brain_scan(BRAIN_ENGINE_GENERIC, NULL, 0, 1, target, NULL, 0,
			     NULL, &res),
		  "brain_scan");
	NO_HANDLE(brain_scan(BRAIN_ENGINE_GENERIC, &h, 0, 1, NULL, NULL, 0,
			     NULL, &res),
		  "brain_scan");
	NO_HANDLE(brain_scan(BRAIN_ENGINE_GENERIC, &h, 0, 1, target, NULL, 0,
			     NULL, NULL),
		  "brain_scan");
	ck_assert_int_eq(brain_scan((brain_engine_t)99, &h, 0, 1, target,
				    NULL, 0, NULL, &res),
			 BRAIN_EINVAL);
	ck_assert_int_eq(brain_engine_available((brain_engine_t)99), 0);
	ck_assert_str_eq(brain_engine_name((brain_engine_t)99), "unknown");
	(void)e;
	/* the void ones do nothing, and say why */
	brain_header_serialize(NULL, out);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "brain_header_serialize: invalid argument 'h'");
	brain_header_serialize(&h, NULL);
	brain_header_parse(NULL, &h);
	brain_header_parse(out, NULL);
	brain_header_to_hex(NULL, hex);
	brain_header_to_hex(&h, NULL);
	brain_hash_to_hex(NULL, hex);
	brain_hash_to_hex(target, NULL);
	brain_sha256(NULL, 5, out);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "brain_sha256: invalid argument 'data || len == 0'");
	brain_sha256(out, 5, NULL);
	brain_sha256d(NULL, 5, out);
	brain_sha256d(out, 5, NULL);
	brain_header_hash(NULL, out);
	brain_header_hash(&h, NULL);
	brain_zeros_to_target(5, NULL);
	ck_assert_uint_eq(brain_target_to_bits(NULL), 0);
	ck_assert_uint_eq(brain_hash_leading_zeros(NULL), 0);
	ck_assert_int_eq(brain_hash_meets_target(NULL, target), 0);
	ck_assert_int_eq(brain_hash_meets_target(target, NULL), 0);
	ck_assert(brain_target_difficulty(NULL) == 0.0);
	/* empty input needs no data */
	brain_sha256(NULL, 0, out);
}
END_TEST

START_TEST(synthetic_work_refuses_null_and_out_of_range_arguments)
{
	brain_work_t w;

	NO_HANDLE(brain_work_synthetic(1, NULL, 1, 0, 5, 0, &w),
		  "'miner_id'");
	NO_HANDLE(brain_work_synthetic(1, "m", 1, 0, 65, 0, &w),
		  "'zeros <= 64'");
	NO_HANDLE(brain_work_synthetic(1, "m", 1, 0, 5, 0, NULL), "'out'");
	ck_assert_int_eq(brain_work_synthetic(1, "m", 1, 0, 64, 0, &w), 0);
}
END_TEST

START_TEST(stratum_job_calls_refuse_null_and_out_of_range_arguments)
{
	json_t *p = json_pack("[s, s, s, s, [], s, s, s, b]", "j1",
			      "0000000000000000000000000000000000000000000000"
			      "000000000000000000",
			      "01", "02", "20000000", "1d00ffff", "6560a1b2", 1);
	brain__stratum_session sess = {"stratum+tcp://h:1", 1, NULL, 0, 2, 1};
	brain_stratum_job_t *j = NULL;
	uint8_t target[32];
	brain_work_t w;
	char hex[2 * BRAIN_STRATUM_EXTRANONCE2_MAX + 1], why[256];

	ck_assert_int_eq(brain__stratum_job_parse(p, &sess, &j, why,
						  sizeof(why)),
			 0);
	json_decref(p);
	ck_assert_ptr_null(brain_stratum_job_info(NULL));
	ck_assert_str_eq(brain_errmsg(NULL),
			 "brain_stratum_job_info: invalid argument 'j'");
	NO_HANDLE(brain_stratum_job_work(NULL, 0, 0, &w), "'j'");
	NO_HANDLE(brain_stratum_job_work(j, 0, 0, NULL), "'out'");
	NO_HANDLE(brain_stratum_job_work(j, 65536, 0, &w), "extranonce2");
	ck_assert_uint_eq(brain_stratum_job_extranonce2_space(NULL), 0);
	ck_assert_uint_eq(brain_stratum_job_extranonce2_space(j), 65536);
	NO_HANDLE(brain_stratum_job_extranonce2_hex(NULL, 0, hex), "'j'");
	NO_HANDLE(brain_stratum_job_extranonce2_hex(j, 0, NULL), "'out'");
	NO_HANDLE(brain_stratum_job_extranonce2_hex(j, 65536, hex),
		  "extranonce2");
	ck_assert_ptr_null(brain_stratum_job_ref(NULL));
	ck_assert_str_eq(brain_errmsg(NULL),
			 "brain_stratum_job_ref: invalid argument 'j'");
	ck_assert_ptr_eq(brain_stratum_job_ref(j), j);
	brain_stratum_job_unref(j);
	brain_stratum_job_unref(j);
	brain_stratum_job_unref(NULL);
	NO_HANDLE(brain_stratum_difficulty_target(1, NULL), "'target'");
	NO_HANDLE(brain_stratum_difficulty_target(0, target), "difficulty");
	NO_HANDLE(brain_stratum_difficulty_target(NAN, target), "difficulty");
	ck_assert(brain_stratum_hash_difficulty(NULL) == 0.0);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "brain_stratum_hash_difficulty: invalid argument "
			 "'hash'");
}
END_TEST

START_TEST(stratum_client_calls_refuse_null_and_bad_options)
{
	brain_stratum_pool_t pool = {"stratum+tcp://127.0.0.1:9", "w", NULL};
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_event_t ev;
	brain_stratum_t *s = NULL;
	uint64_t id;

	NO_HANDLE(brain_stratum_open(NULL, &o), "'out'");
	NO_HANDLE(brain_stratum_open(&s, NULL), "'o'");
	ck_assert_int_eq(brain_stratum_open(&s, &o), BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL), "stratum: 0 pools (1..16 expected)");
	o.pools = &pool;
	o.npools = 1;
	o.timeout_ms = -1;
	NO_HANDLE(brain_stratum_open(&s, &o), "'o->timeout_ms >= 0'");
	o.timeout_ms = 0;
	pool.url = "http://127.0.0.1:9";
	ck_assert_int_eq(brain_stratum_open(&s, &o), BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "stratum: pool 1: url 'http://127.0.0.1:9' is not "
			 "stratum+tcp://host:port");
	pool.url = "stratum+tcp://127.0.0.1:70000";
	ck_assert_int_eq(brain_stratum_open(&s, &o), BRAIN_EINVAL);
	pool.url = "stratum+tcp://127.0.0.1:9";
	pool.user = NULL;
	ck_assert_int_eq(brain_stratum_open(&s, &o), BRAIN_EINVAL);
	ck_assert_ptr_null(s);
	pool.user = "w";
	NO_HANDLE(brain_stratum_poll(NULL, 0, &ev), "'s'");
	NO_HANDLE(brain_stratum_submit(NULL, NULL, 0, 0, 0, &id), "'s'");
	brain_stratum_wake(NULL);
	brain_stratum_close(NULL);
	ck_assert_int_eq(brain_stratum_active(NULL), -1);
	ck_assert_ptr_null(brain_stratum_pool_url(NULL, 0));
	ck_assert(brain_stratum_current_difficulty(NULL) == 1.0);
	ck_assert_ptr_nonnull(brain_stratum_errmsg(NULL));
	/* with a handle: nothing is connected yet */
	ck_assert_int_eq(brain_stratum_open(&s, &o), 0);
	ck_assert_str_eq(brain_stratum_pool_url(s, 0), pool.url);
	ck_assert_ptr_null(brain_stratum_pool_url(s, 1));
	ck_assert_ptr_null(brain_stratum_pool_url(s, -1));
	ck_assert_int_eq(brain_stratum_active(s), -1);
	ck_assert(brain_stratum_current_difficulty(s) == 1.0);
	ck_assert_int_eq(brain_stratum_poll(s, 0, NULL), BRAIN_EINVAL);
	ck_assert_str_eq(brain_stratum_errmsg(s),
			 "brain_stratum_poll: invalid argument 'ev'");
	ck_assert_int_eq(brain_stratum_submit(s, NULL, 0, 0, 0, &id),
			 BRAIN_EINVAL);
	ck_assert_str_eq(brain_stratum_errmsg(s),
			 "brain_stratum_submit: invalid argument 'j'");
	brain_stratum_wake(s);
	ck_assert_int_eq(brain_stratum_poll(s, 0, &ev), 0);
	brain_stratum_close(s);
}
END_TEST

static const uint8_t PAYOUT[25] = {
	0x76, 0xa9, 0x14, 0x62, 0xe9, 0x07, 0xb1, 0x5c, 0xbf, 0x27, 0xd5,
	0x42, 0x53, 0x99, 0xeb, 0xf6, 0xf0, 0xfb, 0x50, 0xeb, 0xb8, 0x8f,
	0x18, 0x88, 0xac};

START_TEST(node_calls_refuse_null_and_out_of_range_arguments)
{
	json_t *g = json_pack(
		"{s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:[], s:[], s:s}",
		"version", 0x20000000, "previousblockhash",
		"0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
		"bits", "207fffff", "curtime", 1700000000, "mintime", 1600000000,
		"maxtime", 1700007200, "height", 1, "coinbasevalue",
		(json_int_t)5000000000LL, "transactions", "rules", "longpollid",
		"lp1");
	brain_rpc_options_t ro;
	brain_template_t *t = NULL;
	brain_address_t a;
	brain_header_t h;
	brain_work_t w;
	brain_rpc_t *r = NULL;
	uint8_t txids[2][32] = {{0}}, root[32], *cb;
	char *hex, *reason, best[65];
	json_t *res;
	size_t len;

	memset(&h, 0, sizeof(h));
	memset(&ro, 0, sizeof(ro));
	NO_HANDLE(brain_address_decode(NULL, &a), "'address'");
	NO_HANDLE(brain_address_decode("bc1q", NULL), "'out'");
	NO_HANDLE(brain_hex_decode(NULL, root, 32, &len), "'hex'");
	NO_HANDLE(brain_hex_decode("00", root, 32, NULL), "'len'");
	NO_HANDLE(brain_hex_decode("00", NULL, 1, &len), "'out || cap == 0'");
	NO_HANDLE(brain_merkle_root(NULL, 2, root), "'txids || n == 0'");
	NO_HANDLE(brain_merkle_root((const uint8_t(*)[32])txids, 2, NULL),
		  "'root'");
	NO_HANDLE(brain_template_parse(NULL, g, PAYOUT, sizeof(PAYOUT), NULL),
		  "'out'");
	NO_HANDLE(brain_template_parse(&t, NULL, PAYOUT, sizeof(PAYOUT), NULL),
		  "'gbt'");
	ck_assert_msg(brain_template_parse(&t, g, PAYOUT, sizeof(PAYOUT),
					   NULL) == 0,
		      "%s", brain_errmsg(NULL));
	ck_assert_ptr_null(brain_template_info(NULL));
	NO_HANDLE(brain_template_work(NULL, 0, 0, &w), "'t'");
	NO_HANDLE(brain_template_work(t, 0, 0, NULL), "'out'");
	NO_HANDLE(brain_template_coinbase(NULL, 0, 0, &cb, &len), "'t'");
	NO_HANDLE(brain_template_coinbase(t, 0, 0, NULL, &len), "'out'");
	NO_HANDLE(brain_template_coinbase(t, 0, 0, &cb, NULL), "'len'");
	NO_HANDLE(brain_template_block_hex(NULL, 0, &h, &hex), "'t'");
	NO_HANDLE(brain_template_block_hex(t, 0, NULL, &hex), "'h'");
	NO_HANDLE(brain_template_block_hex(t, 0, &h, NULL), "'hex'");
	brain_template_free(NULL);
	brain_template_free(t);
	json_decref(g);

	NO_HANDLE(brain_rpc_open(NULL, &ro), "'out'");
	ck_assert_int_eq(brain_rpc_open(&r, NULL), BRAIN_EINVAL);
	ro.url = "http://127.0.0.1:9";
	ro.timeout_ms = -1;
	NO_HANDLE(brain_rpc_open(&r, &ro), "'o->timeout_ms >= 0'");
	ro.timeout_ms = 0;
	ro.connect_timeout_ms = -5;
	NO_HANDLE(brain_rpc_open(&r, &ro), "'o->connect_timeout_ms >= 0'");
	ro.connect_timeout_ms = 0;
	ck_assert_ptr_null(r);
	ro.url = NULL;
	NO_HANDLE(brain_rpc_call(NULL, "getblockcount", NULL, &res), "'r'");
	NO_HANDLE(brain_node_template(NULL, PAYOUT, sizeof(PAYOUT), NULL, &t),
		  "'r'");
	NO_HANDLE(brain_node_submit(NULL, "00", &reason), "'r'");
	NO_HANDLE(brain_node_best_hash(NULL, best), "'r'");
	ck_assert_int_eq(brain_rpc_error_code(NULL), 0);
	ck_assert_ptr_null(brain_rpc_url(NULL));
	ck_assert_ptr_nonnull(brain_rpc_errmsg(NULL));
	brain_rpc_close(NULL);
	/* with a handle (nothing listens; none of these gets that far) */
	ro.url = "http://127.0.0.1:9";
	ck_assert_int_eq(brain_rpc_open(&r, &ro), 0);
	EINVAL_FROM(brain_rpc_call(r, NULL, NULL, &res), brain_rpc_errmsg(r),
		    "'method'");
	EINVAL_FROM(brain_rpc_call(r, "getblockcount", NULL, NULL),
		    brain_rpc_errmsg(r), "'result'");
	EINVAL_FROM(brain_node_template(r, PAYOUT, sizeof(PAYOUT), NULL, NULL),
		    brain_rpc_errmsg(r), "'out'");
	EINVAL_FROM(brain_node_submit(r, NULL, &reason), brain_rpc_errmsg(r),
		    "'block_hex'");
	EINVAL_FROM(brain_node_submit(r, "00", NULL), brain_rpc_errmsg(r),
		    "'reason'");
	EINVAL_FROM(brain_node_best_hash(r, NULL), brain_rpc_errmsg(r),
		    "'out'");
	brain_rpc_close(r);
}
END_TEST

Suite *api_suite(void);

Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, a_key_that_is_not_utf8_is_refused_and_nothing_written);
	tcase_add_test(tc, a_string_that_is_not_utf8_is_refused_and_nothing_written);
	tcase_add_test(tc, a_string_holding_nul_is_refused_and_nothing_written);
	tcase_add_test(tc, a_key_holding_nul_is_refused_and_nothing_written);
	tcase_add_test(tc, records_deeper_than_the_limit_are_refused);
	tcase_add_test(tc, a_record_sharing_members_is_as_big_as_it_prints);
	tcase_add_test(tc, a_saved_record_is_borrowed_const_and_left_as_it_was);
	suite_add_tcase(s, tc);
	tc = tcase_create("close");
	tcase_add_test(tc, brain_close_reports_a_final_flush_that_failed);
	suite_add_tcase(s, tc);
	tc = tcase_create("arguments");
	tcase_add_test(tc, every_call_with_a_null_handle_is_einval_not_a_crash);
	tcase_add_test(tc, null_arguments_on_a_handle_are_einval_and_write_nothing);
	tcase_add_test(tc, bad_options_are_refused_creating_nothing);
	tcase_add_test(tc, times_outside_1970_to_9999_are_refused_creating_nothing);
	tcase_add_test(tc, a_clock_outside_1970_to_9999_fails_the_open);
	tcase_add_test(tc, a_libsodium_that_cannot_start_is_an_error_not_abort);
	tcase_add_test(tc, pow_calls_refuse_null_arguments);
	tcase_add_test(tc, synthetic_work_refuses_null_and_out_of_range_arguments);
	tcase_add_test(tc, stratum_job_calls_refuse_null_and_out_of_range_arguments);
	tcase_add_test(tc, stratum_client_calls_refuse_null_and_bad_options);
	tcase_add_test(tc, node_calls_refuse_null_and_out_of_range_arguments);
	suite_add_tcase(s, tc);
	return s;
}
