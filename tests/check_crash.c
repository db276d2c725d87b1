/*
 * tests/check_crash.c - the store's guarantees under real processes:
 * SIGKILL at random moments loses no acknowledged record and leaves a tree
 * that reopens consistent; concurrent writers lose nothing.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storecheck.h"
#include "testutil.h"

#define KILLS 50

static const char *blueprint; /* NULL: the default */

static brain_t *open_tree(const char *dir, time_t *now, int durability)
{
	brain_options_t o = tu_options(dir, blueprint, now);
	brain_t *b;

	o.durability = (brain_durability_t)durability;
	if (brain_initialize_mode(&b, "demo", "Crasher", &o) != 0) {
		fprintf(stderr, "open: %s\n", brain_errmsg(NULL));
		return NULL;
	}
	return b;
}

/* The child: saves forever, acknowledging each save on the pipe. */
static void saver(const char *dir, int ack_fd, int iteration)
{
	time_t now = T_SEED_EXAMPLE;
	brain_t *b = open_tree(dir, &now, BRAIN_DURABILITY_ALWAYS);
	long i;

	if (!b)
		_exit(3);
	for (i = 0;; i++) {
		/* 97 s apart: hours and days roll over as the test goes */
		time_t t = T_SEED_EXAMPLE + (iteration * 1000L + i) * 97;
		char ts[32];
		json_t *r;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		r = json_pack("{s:s, s:s, s:i, s:i}", "timestamp", ts, "event",
			      "mining_round_complete", "attempts_this_round",
			      (int)i, "best_difficulty", (int)(i % 9));
		if (brain_save_system_report(b, "miners", r) != 0) {
			fprintf(stderr, "save: %s\n", brain_errmsg(b));
			_exit(4);
		}
		json_decref(r);
		if (write(ack_fd, "a", 1) != 1)
			_exit(5);
	}
}

static void kill_loop(int kills)
{
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	long acked = 0;
	int k;

	srand(20251218);
	for (k = 0; k < kills; k++) {
		int fds[2], target = 1 + rand() % 25, got = 0, status;
		const char *problem;
		char c;
		brain_t *b;
		pid_t pid;
		json_t *journal;

		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			saver(dir, fds[1], k);
		}
		close(fds[1]);
		while (got < target && read(fds[0], &c, 1) == 1)
			got++;
		/* the kill lands at a random point of the next saves: not a
		 * wait for anything, a choice of the moment */
		{
			struct timespec d = {0, (rand() % 4000) * 1000L};
			nanosleep(&d, NULL);
		}
		kill(pid, SIGKILL);
		while (read(fds[0], &c, 1) == 1)
			got++; /* acknowledged before the kill landed */
		close(fds[0]);
		waitpid(pid, &status, 0);
		ck_assert_msg(WIFSIGNALED(status), "saver exited by itself "
			      "(status %d)", status);
		acked += got;

		b = open_tree(dir, &now, BRAIN_DURABILITY_ALWAYS);
		ck_assert_ptr_nonnull(b);
		problem = sc_all_parse(dir);
		ck_assert_msg(problem == NULL, "after kill %d: %s", k, problem);
		journal = sc_journal(b, "miners");
		ck_assert_msg((long)json_array_size(journal) >= acked,
			      "after kill %d: %zu stored, %ld acknowledged", k,
			      json_array_size(journal), acked);
		problem = sc_check_stream(b, "miners", 0);
		ck_assert_msg(problem == NULL, "after kill %d: %s", k, problem);
		ck_assert_int_eq(sc_index_total(b, "miners"),
				 (long long)json_array_size(journal));
		json_decref(journal);
		brain_close(b);
	}
	tu_rmrf(dir);
	free(dir);
}

START_TEST(sigkill_at_random_moments_loses_no_acknowledged_record)
{
	kill_loop(KILLS);
}
END_TEST

START_TEST(sigkill_with_lagging_aggregates_is_replayed_on_open)
{
	char *dir = tu_tmpdir(), *bp = tu_path(dir, "lag.qtl");
	char *text = tu_default_with("aggregate_lag_ms: 0",
				     "aggregate_lag_ms: 60000");

	tu_write(bp, text);
	blueprint = bp;
	kill_loop(20);
	blueprint = NULL;
	free(text);
	free(bp);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

#define WRITERS 4
#define PER_WRITER 5000

START_TEST(four_writers_lose_nothing)
{
	static const char *const levels[] = {
		"report_global",	"report_hour",	   "aggregated_global",
		"aggregated_root",	"aggregated_year", "aggregated_month",
		"aggregated_week",	"aggregated_day",  "aggregated_hour",
		"aggregated_index_root", "aggregated_index_hour", NULL};
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	pid_t pids[WRITERS];
	brain_t *b = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
	const char *const *l;
	json_t *journal, *seen;
	size_t i;
	int w;

	brain_close(b);
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0) {
			brain_t *c = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
			int n;
			if (!c)
				_exit(3);
			for (n = 0; n < PER_WRITER; n++) {
				json_t *r = json_pack("{s:s, s:i, s:i}", "event",
						      "concurrent", "writer", w,
						      "attempts_this_round", n);
				if (brain_save_system_report(c, "miners", r)) {
					fprintf(stderr, "%s\n", brain_errmsg(c));
					_exit(4);
				}
				json_decref(r);
			}
			brain_close(c);
			_exit(0);
		}
	}
	for (w = 0; w < WRITERS; w++) {
		int status;
		waitpid(pids[w], &status, 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "writer %d failed (status %d)", w, status);
	}
	b = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
	for (l = levels; *l; l++) {
		char *p;
		json_t *f, *sum;
		long long n;
		ck_assert_int_eq(brain_get_path(b, "miners", *l, now, &p), 0);
		f = sc_load(p);
		ck_assert_msg(f != NULL, "%s does not parse", p);
		sum = json_object_get(f, "summary");
		n = sum ? json_integer_value(json_object_get(sum, "total_entries"))
			: (long long)json_array_size(sc_entries(f));
		ck_assert_msg(n == WRITERS * PER_WRITER, "%s counts %lld", p, n);
		json_decref(f);
		brain_free(p);
	}
	/* every seq exactly once */
	journal = sc_journal(b, "miners");
	seen = json_object();
	for (i = 0; i < json_array_size(journal); i++) {
		char key[32];
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(
				 json_array_get(journal, i), "seq")));
		json_object_set_new(seen, key, json_true());
	}
	ck_assert_int_eq(json_object_size(seen), WRITERS * PER_WRITER);
	ck_assert_ptr_null(sc_check_stream(b, "miners", 0));
	json_decref(seen);
	json_decref(journal);
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * A writer killed right after it cut a file: check_faults.c's ftruncate
 * (this test binary links the library's objects, so the library calls
 * that one) does the real cut, then, with tf_die_at_cut armed, ends the
 * process as SIGKILL would at that moment - before the writer lets go of
 * its lock.
 */
static void save_miners(brain_t *b, int i)
{
	json_t *r = json_pack("{s:s, s:s, s:i}", "timestamp",
			      "2025-12-18T01:00:00Z", "event",
			      "mining_round_complete", "attempts_this_round",
			      i);

	ck_assert_msg(brain_save_system_report(b, "miners", r) == 0, "%s",
		      brain_errmsg(b));
	json_decref(r);
}

/*
 * A writes and keeps its files' tails mapped; B opens the same tree, cuts
 * the padding A left (the journal's, then a summary file's) and is killed
 * before it lets go of the lock.  A's next save must see that a file it
 * has mapped was cut, and map it afresh: writing through the old mapping
 * past the new end of the file would kill A with SIGBUS.
 */
START_TEST(a_writer_killed_right_after_a_cut_does_not_break_the_others)
{
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	brain_t *a = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
	const char *problem;
	json_t *journal;
	int cuts, status;

	ck_assert_ptr_nonnull(a);
	save_miners(a, 1);
	for (cuts = 1; cuts <= 3; cuts++) {
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			brain_t *b;
			tf_die_at_cut = cuts;
			b = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
			if (b)
				save_miners(b, 100 + cuts);
			_exit(b ? 0 : 3);
		}
		waitpid(pid, &status, 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 9,
			      "the second writer made fewer than %d cuts "
			      "(status %d)", cuts, status);
		save_miners(a, 1 + cuts); /* SIGBUS here before the fix */
	}
	brain_close(a);
	a = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
	ck_assert_ptr_nonnull(a);
	problem = sc_all_parse(dir);
	ck_assert_msg(problem == NULL, "%s", problem);
	/* A's four saves were acknowledged; B's were not, and may be kept */
	journal = sc_journal(a, "miners");
	{
		size_t i, of_a = 0;
		for (i = 0; i < json_array_size(journal); i++)
			of_a += json_integer_value(json_object_get(
					json_array_get(journal, i),
					"attempts_this_round")) <= 4;
		ck_assert_uint_eq(of_a, 4);
	}
	problem = sc_check_stream(a, "miners", 0);
	ck_assert_msg(problem == NULL, "%s", problem);
	json_decref(journal);
	brain_close(a);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

#define REBUILT 12

/* The child: opens the tree and rebuilds "miners", dying right after its
 * nth change to a file (never, with n = -1: then it reports how many
 * changes the rebuild made on `out`). */
static void rebuilder(const char *dir, long n, int out)
{
	time_t now = T_SEED_EXAMPLE;
	brain_t *b = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
	long made;

	if (!b)
		_exit(3);
	tf_changes = 0;
	tf_die_at_change = n;
	if (brain_rebuild(b, "miners") != 0) {
		tf_die_at_change = 0;
		fprintf(stderr, "rebuild: %s\n", brain_errmsg(b));
		_exit(4);
	}
	tf_die_at_change = 0;
	made = tf_changes;
	if (out >= 0 && write(out, &made, sizeof(made)) != sizeof(made))
		_exit(5);
	_exit(0);
}

static int run_rebuilder(const char *dir, long n, long *made)
{
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		rebuilder(dir, n, fds[1]);
	}
	close(fds[1]);
	if (made)
		ck_assert_int_eq(read(fds[0], made, sizeof(*made)),
				 sizeof(*made));
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "status %d", status);
	return WEXITSTATUS(status);
}

/*
 * brain_rebuild promises to resume when interrupted.  The rebuilding
 * process is killed right after each of its changes to a file in turn
 * (every write, pwrite, ftruncate, rename, link, unlink, mkdir and sync
 * it makes, as SIGKILL would land there); the next open must finish it:
 * every file parses, every record is there once, validate is clean.
 */
START_TEST(a_rebuild_killed_at_any_step_is_finished_by_the_next_open)
{
	char *dir = tu_tmpdir();
	time_t now = T_SEED_EXAMPLE;
	brain_t *b = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
	long total = 0, n;
	int i;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < REBUILT; i++) {
		/* 25 minutes apart from 22:00: over five hours and a day */
		time_t t = T_SEED_EXAMPLE - 4 * 3600 + 800 + (time_t)i * 1500;
		char ts[32];
		json_t *r;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		r = json_pack("{s:s, s:s, s:i}", "timestamp", ts, "event",
			      "mining_round_complete", "attempts_this_round", i);
		ck_assert_int_eq(brain_save_system_report(b, "miners", r), 0);
		json_decref(r);
	}
	brain_close(b);
	ck_assert_int_eq(run_rebuilder(dir, -1, &total), 0);
	ck_assert_int_gt(total, 20);
	for (n = 1; n <= total; n++) {
		uint64_t problems = 1;
		const char *problem;
		json_t *journal;
		int rc = run_rebuilder(dir, n, NULL);

		ck_assert_msg(rc == 9 || rc == 0, "rebuild %ld: exit %d", n, rc);
		b = open_tree(dir, &now, BRAIN_DURABILITY_NONE);
		ck_assert_msg(b != NULL, "open after kill %ld of %ld", n, total);
		problem = sc_all_parse(dir);
		ck_assert_msg(problem == NULL, "after kill %ld: %s", n, problem);
		journal = sc_journal(b, "miners");
		ck_assert_int_eq(json_array_size(journal), REBUILT);
		json_decref(journal);
		problem = sc_check_stream(b, "miners", 0);
		ck_assert_msg(problem == NULL, "after kill %ld of %ld: %s", n,
			      total, problem);
		ck_assert_int_eq(brain_validate(b, NULL, NULL, NULL, NULL,
						&problems), 0);
		ck_assert_msg(problems == 0, "after kill %ld of %ld: %llu "
			      "problems", n, total,
			      (unsigned long long)problems);
		brain_close(b);
	}
	tu_rmrf(dir);
	free(dir);
}
END_TEST

Suite *crash_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("processes");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, sigkill_at_random_moments_loses_no_acknowledged_record);
	tcase_add_test(tc, sigkill_with_lagging_aggregates_is_replayed_on_open);
	tcase_add_test(tc, four_writers_lose_nothing);
	tcase_add_test(tc,
		       a_writer_killed_right_after_a_cut_does_not_break_the_others);
	suite_add_tcase(s, tc);
	tc = tcase_create("rebuild");
	tcase_set_timeout(tc, 3600); /* ~470 kills: minutes under TSan */
	tcase_add_test(tc, a_rebuild_killed_at_any_step_is_finished_by_the_next_open);
	suite_add_tcase(s, tc);
	return s;
}
