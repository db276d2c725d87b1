/*
 * tests/check_log.c - the one-line-per-event log (brainstem/log.h): the
 * line's format, level filtering, a multi-line message kept on one line,
 * whole lines from two threads and from two processes appending to one
 * file, reopening after logrotate moved the file, and a file that cannot
 * be opened.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

/* What a person or a log collector parses: time, level, component. */
#define LINE_RE                                                                \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z "            \
	"(ERROR|WARN|INFO|DEBUG) [^ :]+: [^\n]*$"

typedef struct fixture {
	char *dir, *path;
	time_t now;
} fixture;

static void fixture_init(fixture *f)
{
	f->dir = tu_tmpdir();
	f->path = tu_path(f->dir, "brainstem.log");
	f->now = T_SEED_EXAMPLE;
}

static void fixture_free(fixture *f)
{
	tu_rmrf(f->dir);
	free(f->dir);
	free(f->path);
}

static brain_log_t *open_at(fixture *f, const char *component,
			    brain_log_level_t level, int fixed_clock)
{
	brain_log_options_t o = BRAIN_LOG_OPTIONS_INIT;
	brain_log_t *l = NULL;

	o.component = component;
	o.level = level;
	o.to_stderr = BRAIN_LOG_STDERR_NEVER;
	o.file = f->path;
	ck_assert_msg(brain_log_open(&l, &o) == 0, "%s", brain_errmsg(NULL));
	if (fixed_clock)
		brain__log_set_clock(l, tu_clock, &f->now);
	return l;
}

/* The file's lines (the text is changed in place); *n of them. */
static char **lines_of(char *text, size_t *n)
{
	char **v = NULL, *p = text, *nl;

	*n = 0;
	while (*p) {
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "a line without its newline: '%s'", p);
		*nl = '\0';
		v = realloc(v, (*n + 1) * sizeof(*v));
		ck_assert_ptr_nonnull(v);
		v[(*n)++] = p;
		p = nl + 1;
	}
	return v;
}

static void assert_format(char **v, size_t n)
{
	regex_t re;
	size_t i;

	ck_assert_int_eq(regcomp(&re, LINE_RE, REG_EXTENDED | REG_NOSUB), 0);
	for (i = 0; i < n; i++)
		ck_assert_msg(regexec(&re, v[i], 0, NULL, 0) == 0,
			      "line %zu does not match the format: '%s'", i + 1,
			      v[i]);
	regfree(&re);
}

START_TEST(a_line_is_utc_time_level_component_and_message)
{
	fixture f;
	brain_log_t *l;
	char *text, **v;
	size_t n;

	fixture_init(&f);
	l = open_at(&f, "looper", BRAIN_LOG_DEBUG, 1);
	brain_log_write(l, BRAIN_LOG_INFO, "miner_%d (pid %d) started", 1,
			4242);
	f.now += 3600 * 24 * 30; /* 2026-01-17: the month and day roll */
	brain_log_write(l, BRAIN_LOG_ERROR, "%s", "cannot record an event");
	brain_log_write(l, BRAIN_LOG_WARN, "a warning");
	brain_log_write(l, BRAIN_LOG_DEBUG, "a detail\n");
	brain_log_close(l);
	text = tu_read(f.path);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text,
			 "2025-12-18T01:47:41Z INFO looper: miner_1 (pid 4242) "
			 "started\n"
			 "2026-01-17T01:47:41Z ERROR looper: cannot record an "
			 "event\n"
			 "2026-01-17T01:47:41Z WARN looper: a warning\n"
			 "2026-01-17T01:47:41Z DEBUG looper: a detail\n");
	v = lines_of(text, &n);
	assert_format(v, n);
	free(v);
	free(text);
	fixture_free(&f);
}
END_TEST

START_TEST(the_real_clock_stamps_lines_that_match_the_format)
{
	fixture f;
	brain_log_t *l;
	char *text, **v;
	size_t n;

	fixture_init(&f);
	l = open_at(&f, "miner_7", BRAIN_LOG_INFO, 0);
	brain_log_write(l, BRAIN_LOG_INFO, "round 1: 100 hashes");
	brain_log_close(l);
	text = tu_read(f.path);
	v = lines_of(text, &n);
	ck_assert_int_eq(n, 1);
	assert_format(v, n);
	free(v);
	free(text);
	fixture_free(&f);
}
END_TEST

START_TEST(lines_above_the_level_are_dropped)
{
	fixture f;
	brain_log_t *l;
	char *text;

	fixture_init(&f);
	l = open_at(&f, "dtm", BRAIN_LOG_WARN, 1);
	ck_assert_int_eq(brain_log_enabled(l, BRAIN_LOG_ERROR), 1);
	ck_assert_int_eq(brain_log_enabled(l, BRAIN_LOG_WARN), 1);
	ck_assert_int_eq(brain_log_enabled(l, BRAIN_LOG_INFO), 0);
	ck_assert_int_eq(brain_log_enabled(l, BRAIN_LOG_DEBUG), 0);
	brain_log_write(l, BRAIN_LOG_DEBUG, "debug");
	brain_log_write(l, BRAIN_LOG_INFO, "info");
	brain_log_write(l, BRAIN_LOG_WARN, "warn");
	brain_log_write(l, BRAIN_LOG_ERROR, "error");
	brain_log_notice(l, "a notice is INFO");
	brain_log_close(l);
	text = tu_read(f.path);
	ck_assert_str_eq(text, "2025-12-18T01:47:41Z WARN dtm: warn\n"
			       "2025-12-18T01:47:41Z ERROR dtm: error\n");
	free(text);
	fixture_free(&f);
}
END_TEST

START_TEST(newlines_in_a_message_become_spaces)
{
	fixture f;
	brain_log_t *l;
	char *text, long_msg[3000];

	fixture_init(&f);
	l = open_at(&f, "miner", BRAIN_LOG_INFO, 1);
	brain_log_write(l, BRAIN_LOG_INFO, "first\nsecond\r\nthird\n\n");
	brain_log_notice(l, "a notice\nof two lines");
	/* longer than the stack buffer: the same rules */
	memset(long_msg, 'x', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	long_msg[1000] = '\n';
	brain_log_write(l, BRAIN_LOG_INFO, "%s\n", long_msg);
	brain_log_close(l);
	text = tu_read(f.path);
	long_msg[1000] = ' ';
	ck_assert_int_eq(strncmp(text,
				 "2025-12-18T01:47:41Z INFO miner: first "
				 "second  third\n"
				 "2025-12-18T01:47:41Z INFO miner: a notice of "
				 "two lines\n"
				 "2025-12-18T01:47:41Z INFO miner: ",
				 strlen("2025-12-18T01:47:41Z INFO miner: first "
					"second  third\n"
					"2025-12-18T01:47:41Z INFO miner: a "
					"notice of two lines\n"
					"2025-12-18T01:47:41Z INFO miner: ")),
			 0);
	ck_assert_ptr_nonnull(strstr(text, long_msg));
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	ck_assert_ptr_eq(strstr(text, long_msg) + strlen(long_msg),
			 text + strlen(text) - 1);
	free(text);
	fixture_free(&f);
}
END_TEST

/* ---- writers at once ---- */

#define PER_WRITER 1000

typedef struct writer {
	brain_log_t *l;
	int id;
} writer;

/* Lines long enough (~200 bytes) that a torn write would show. */
static void write_lines(brain_log_t *l, int id)
{
	int i;

	for (i = 0; i < PER_WRITER; i++)
		brain_log_write(l, BRAIN_LOG_INFO,
				"writer %d line %04d "
				"%0160d",
				id, i, 0);
}

static void *writer_thread(void *arg)
{
	writer *w = arg;

	write_lines(w->l, w->id);
	return NULL;
}

/* Every line whole and of one writer, each writer's in its order. */
static void assert_whole_lines(const char *path, int writers)
{
	char *text = tu_read(path), **v;
	int next[2] = {0, 0};
	size_t n, i;

	ck_assert_ptr_nonnull(text);
	v = lines_of(text, &n);
	ck_assert_int_eq(n, (size_t)PER_WRITER * (size_t)writers);
	assert_format(v, n);
	for (i = 0; i < n; i++) {
		int id, seq, len;
		const char *msg = strstr(v[i], ": writer ");
		ck_assert_msg(msg, "line %zu: '%s'", i, v[i]);
		ck_assert_int_eq(sscanf(msg, ": writer %d line %d %*d%n", &id,
					&seq, &len),
				 2);
		ck_assert_msg(id >= 1 && id <= writers && seq == next[id - 1],
			      "line %zu: writer %d line %d, expected %d", i, id,
			      seq, next[id - 1]);
		next[id - 1]++;
		ck_assert_int_eq(strlen(msg), strlen(": writer 1 line 0000 ") +
						      160);
	}
	free(v);
	free(text);
}

START_TEST(two_threads_write_whole_lines)
{
	fixture f;
	writer w[2];
	pthread_t t[2];
	int i;

	fixture_init(&f);
	w[0].l = w[1].l = open_at(&f, "looper", BRAIN_LOG_INFO, 0);
	for (i = 0; i < 2; i++) {
		w[i].id = i + 1;
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_thread,
						&w[i]),
				 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	brain_log_close(w[0].l);
	assert_whole_lines(f.path, 2);
	fixture_free(&f);
}
END_TEST

START_TEST(two_processes_appending_to_one_file_write_whole_lines)
{
	fixture f;
	pid_t pid[2];
	int i, status;

	fixture_init(&f);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) { /* each its own log on the same file */
			brain_log_t *l = open_at(&f, i ? "miner_2" : "miner_1",
						 BRAIN_LOG_INFO, 0);
			write_lines(l, i + 1);
			brain_log_close(l);
			_exit(0);
		}
	}
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_whole_lines(f.path, 2);
	fixture_free(&f);
}
END_TEST

START_TEST(reopen_after_a_rename_writes_a_new_file)
{
	fixture f;
	brain_log_t *l;
	char *moved, *text;

	fixture_init(&f);
	moved = tu_path(f.dir, "brainstem.log.1");
	l = open_at(&f, "looper", BRAIN_LOG_INFO, 1);
	brain_log_write(l, BRAIN_LOG_INFO, "before");
	ck_assert_int_eq(rename(f.path, moved), 0); /* logrotate */
	brain_log_write(l, BRAIN_LOG_INFO, "still the old file");
	ck_assert_int_eq(brain_log_reopen(l), 0);
	brain_log_write(l, BRAIN_LOG_INFO, "after");
	brain_log_close(l);
	text = tu_read(moved);
	ck_assert_str_eq(text, "2025-12-18T01:47:41Z INFO looper: before\n"
			       "2025-12-18T01:47:41Z INFO looper: still the "
			       "old file\n");
	free(text);
	text = tu_read(f.path);
	ck_assert_str_eq(text, "2025-12-18T01:47:41Z INFO looper: after\n");
	free(text);
	free(moved);
	fixture_free(&f);
}
END_TEST

START_TEST(a_reopen_that_fails_keeps_the_old_file)
{
	fixture f;
	brain_log_t *l;
	char *text, *moved, *sub;

	fixture_init(&f);
	moved = tu_path(f.dir, "kept.log");
	sub = tu_path(f.dir, "sub");
	free(f.path);
	f.path = tu_path(f.dir, "sub/brainstem.log");
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	l = open_at(&f, "looper", BRAIN_LOG_INFO, 1);
	ck_assert_int_eq(rename(f.path, moved), 0);
	ck_assert_int_eq(rmdir(sub), 0); /* nowhere to reopen */
	ck_assert_int_eq(brain_log_reopen(l), BRAIN_EIO);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), f.path));
	brain_log_write(l, BRAIN_LOG_INFO, "kept");
	brain_log_close(l);
	text = tu_read(moved);
	ck_assert_str_eq(text, "2025-12-18T01:47:41Z INFO looper: kept\n");
	free(text);
	free(moved);
	free(sub);
	fixture_free(&f);
}
END_TEST

START_TEST(a_file_that_cannot_be_opened_is_eio_naming_it)
{
	brain_log_options_t o = BRAIN_LOG_OPTIONS_INIT;
	brain_log_t *l = (brain_log_t *)1;
	fixture f;
	char *path;

	fixture_init(&f);
	path = tu_path(f.dir, "no/such/folder/brainstem.log");
	o.component = "looper";
	o.file = path;
	ck_assert_int_eq(brain_log_open(&l, &o), BRAIN_EIO);
	ck_assert_ptr_null(l);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), path));
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), "No such file"));
	ck_assert_int_eq(tu_exists(path), 0);
	/* a folder is no log file either */
	o.file = f.dir;
	ck_assert_int_eq(brain_log_open(&l, &o), BRAIN_EIO);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), f.dir));
	free(path);
	fixture_free(&f);
}
END_TEST

START_TEST(bad_options_are_einval_and_a_null_log_is_quiet)
{
	brain_log_options_t o = BRAIN_LOG_OPTIONS_INIT;
	brain_log_t *l = NULL;

	ck_assert_int_eq(brain_log_open(&l, &o), BRAIN_EINVAL); /* component */
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), "component"));
	o.component = "x";
	o.level = (brain_log_level_t)7;
	ck_assert_int_eq(brain_log_open(&l, &o), BRAIN_EINVAL);
	o.level = BRAIN_LOG_INFO;
	o.to_stderr = (brain_log_stderr_t)9;
	ck_assert_int_eq(brain_log_open(&l, &o), BRAIN_EINVAL);
	o.to_stderr = BRAIN_LOG_STDERR_NEVER;
	o.version = 99;
	ck_assert_int_eq(brain_log_open(&l, &o), BRAIN_EINVAL);
	ck_assert_ptr_null(l);
	/* a log that goes nowhere is enabled for nothing */
	o.version = BRAIN_LOG_OPTIONS_VERSION;
	ck_assert_int_eq(brain_log_open(&l, &o), 0);
	ck_assert_int_eq(brain_log_enabled(l, BRAIN_LOG_ERROR), 0);
	ck_assert_int_eq(brain_log_reopen(l), 0); /* no file: nothing to do */
	brain_log_close(l);
	brain_log_write(NULL, BRAIN_LOG_ERROR, "nothing");
	brain_log_notice(NULL, "nothing");
	ck_assert_int_eq(brain_log_enabled(NULL, BRAIN_LOG_ERROR), 0);
	brain_log_close(NULL);
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, a_line_is_utc_time_level_component_and_message);
	tcase_add_test(tc, the_real_clock_stamps_lines_that_match_the_format);
	tcase_add_test(tc, lines_above_the_level_are_dropped);
	tcase_add_test(tc, newlines_in_a_message_become_spaces);
	suite_add_tcase(s, tc);
	tc = tcase_create("writers");
	tcase_add_test(tc, two_threads_write_whole_lines);
	tcase_add_test(tc, two_processes_appending_to_one_file_write_whole_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, reopen_after_a_rename_writes_a_new_file);
	tcase_add_test(tc, a_reopen_that_fails_keeps_the_old_file);
	tcase_add_test(tc, a_file_that_cannot_be_opened_is_eio_naming_it);
	tcase_add_test(tc, bad_options_are_einval_and_a_null_log_is_quiet);
	suite_add_tcase(s, tc);
	return s;
}
