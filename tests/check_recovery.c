/*
 * tests/check_recovery.c - damage never costs a record that survives in
 * another copy: a journal cut short, deleted or overwritten is written
 * again from the hourly and aggregated files; what is set aside is kept;
 * a file or folder in the way is moved aside, not fatal; a file found
 * damaged again right after its rebuild is reported, not rebuilt forever.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storecheck.h"
#include "testutil.h"

#define RECORDS 40

typedef struct tree {
	char *dir;
	char *bp; /* NULL: the default blueprint */
	time_t now;
	brain_t *b;
} tree;

static int tree_open_rc(tree *t)
{
	brain_options_t o = tu_options(t->dir, t->bp, &t->now);

	return brain_initialize_mode(&t->b, "demo", "Tester", &o);
}

static void tree_open(tree *t)
{
	ck_assert_msg(tree_open_rc(t) == 0, "%s", brain_errmsg(NULL));
}

/* A tree with RECORDS miners reports, 10 minutes apart (over 6 hours and
 * two days), closed again. */
static tree *tree_new(const char *bp_text)
{
	tree *t = calloc(1, sizeof(*t));
	int i;

	t->dir = tu_tmpdir();
	t->now = T_SEED_EXAMPLE;
	if (bp_text) {
		t->bp = tu_path(t->dir, "test.qtl");
		tu_write(t->bp, bp_text);
	}
	tree_open(t);
	for (i = 0; !bp_text && i < RECORDS; i++) {
		char ts[32];
		time_t when = T_SEED_EXAMPLE - 3 * 3600 + (time_t)i * 600;
		json_t *r;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
		r = json_pack("{s:s, s:s, s:i, s:i}", "timestamp", ts, "event",
			      "mining_round_complete", "attempts_this_round",
			      i, "best_difficulty", i % 7);
		ck_assert_msg(brain_save_system_report(t->b, "miners", r) == 0,
			      "%s", brain_errmsg(t->b));
		json_decref(r);
	}
	return t;
}

static void tree_free(tree *t)
{
	if (t->b)
		brain_close(t->b);
	tu_rmrf(t->dir);
	free(t->dir);
	free(t->bp);
	free(t);
}

static char *path_of(tree *t, const char *level, time_t when)
{
	char *p, *out;

	ck_assert_int_eq(brain_get_path(t->b, "miners", level, when, &p), 0);
	out = strdup(p);
	brain_free(p);
	return out;
}

static uint64_t problems(tree *t)
{
	uint64_t n = 99;

	ck_assert_int_eq(brain_validate(t->b, NULL, NULL, NULL, NULL, &n), 0);
	return n;
}

/* The journal holds exactly the records 1..RECORDS, each as saved. */
static void assert_every_record(tree *t)
{
	json_t *j = sc_journal(t->b, "miners");
	size_t i;

	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_array_size(j), RECORDS);
	for (i = 0; i < RECORDS; i++) {
		json_t *r = json_array_get(j, i);
		ck_assert_int_eq(json_integer_value(json_object_get(r, "seq")),
				 (json_int_t)i + 1);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 r, "attempts_this_round")),
				 (json_int_t)i);
	}
	json_decref(j);
	ck_assert_int_eq(sc_index_total(t->b, "miners"), RECORDS);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
}

/* How many "<name>.corrupt-*" files sit beside path. */
static int kept_asides(const char *path)
{
	char *copy = strdup(path), *dir = dirname(copy);
	const char *base = strrchr(path, '/') + 1;
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, base, strlen(base)) &&
		     !strncmp(e->d_name + strlen(base), ".corrupt-", 9);
	closedir(d);
	free(copy);
	return n;
}

static off_t size_of(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_size;
}

START_TEST(a_journal_cut_to_half_is_written_again_from_its_copies)
{
	tree *t = tree_new(NULL);
	char *journal = path_of(t, "report_global", t->now);

	brain_close(t->b);
	ck_assert_int_eq(truncate(journal, size_of(journal) / 2), 0);
	tree_open(t); /* found at open: the aggregates hold more */
	assert_every_record(t);
	ck_assert_msg(strstr(tu_notices, "had lost records") != NULL, "%s",
		      tu_notices);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	assert_every_record(t);
	ck_assert_int_eq(problems(t), 0);
	ck_assert_int_eq(kept_asides(journal), 1);
	free(journal);
	tree_free(t);
}
END_TEST

START_TEST(a_deleted_journal_and_state_are_written_again_from_copies)
{
	tree *t = tree_new(NULL);
	char *journal = path_of(t, "report_global", t->now);
	char *state = strdup(journal);

	*strrchr(state, '/') = '\0'; /* Global/ */
	strcpy(strrchr(state, '/') + 1, ".miners_report.state");
	ck_assert(tu_exists(state));
	brain_close(t->b);
	ck_assert_int_eq(unlink(journal), 0);
	tree_open(t); /* the state file says 40 were applied */
	assert_every_record(t);
	ck_assert_int_eq(problems(t), 0);
	brain_close(t->b);
	/* without the state file, the all-time aggregates tell */
	ck_assert_int_eq(unlink(journal), 0);
	ck_assert_int_eq(unlink(state), 0);
	tree_open(t);
	assert_every_record(t);
	ck_assert_int_eq(brain_rebuild(t->b, NULL), 0);
	assert_every_record(t);
	ck_assert_int_eq(problems(t), 0);
	free(state);
	free(journal);
	tree_free(t);
}
END_TEST

/* Five bytes overwritten inside record 20's line, which then does not
 * parse: rebuild takes record 20 from a copy instead of dropping it. */
START_TEST(a_line_overwritten_mid_journal_is_recovered_by_rebuild)
{
	tree *t = tree_new(NULL);
	char *journal = path_of(t, "report_global", t->now);
	char *text, *line;
	int fd;

	brain_close(t->b);
	text = tu_read(journal);
	line = strstr(text, "{\"seq\":20,");
	ck_assert_ptr_nonnull(line);
	fd = open(journal, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, "XXXXX", 5, line - text + 12), 5);
	close(fd);
	free(text);
	tree_open(t);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	assert_every_record(t);
	ck_assert_int_eq(problems(t), 0);
	ck_assert_int_eq(kept_asides(journal), 1);
	/* the seq run broken by a line that parses is found as well */
	brain_close(t->b);
	text = tu_read(journal);
	line = strstr(text, "{\"seq\":31,");
	ck_assert_ptr_nonnull(line);
	line[strlen("{\"seq\":3")] = '9'; /* 31 -> 39: out of the run */
	tu_write(journal, text);
	free(text);
	tree_open(t);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	assert_every_record(t);
	ck_assert_int_eq(problems(t), 0);
	ck_assert_int_eq(kept_asides(journal), 2); /* never overwritten */
	free(journal);
	tree_free(t);
}
END_TEST

/* With every other copy gone too, the record cannot be recovered:
 * rebuild refuses, names the journal, and changes nothing. */
START_TEST(a_record_in_no_copy_makes_rebuild_refuse)
{
	tree *t = tree_new(NULL);
	char *journal = path_of(t, "report_global", t->now);
	char *agg = path_of(t, "aggregated_root", t->now);
	char *hourly = path_of(t, "report_hour", t->now);
	char *text, *line, *after, *base = strdup(hourly);

	brain_close(t->b);
	text = tu_read(journal);
	line = strstr(text, "{\"seq\":20,");
	memcpy(line + 12, "XXXXX", 5);
	tu_write(journal, text);
	/* the stream's Aggregated/ and Hourly/ folders */
	*strstr(agg, "/Aggregated/") = '\0';
	strcat(agg, "/Aggregated");
	*strstr(base, "/Hourly/") = '\0';
	strcat(base, "/Hourly");
	tu_rmrf(agg);
	tu_rmrf(base);
	tree_open(t);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), BRAIN_ECORRUPT);
	ck_assert_msg(strstr(brain_errmsg(t->b), journal) != NULL, "%s",
		      brain_errmsg(t->b));
	ck_assert_msg(strstr(brain_errmsg(t->b), "seq 20 to 20") != NULL,
		      "%s", brain_errmsg(t->b));
	after = tu_read(journal);
	ck_assert_str_eq(after, text);
	ck_assert_int_eq(kept_asides(journal), 0);
	free(after);
	free(text);
	free(base);
	free(hourly);
	free(agg);
	free(journal);
	tree_free(t);
}
END_TEST

/* The journal's last 70 KB overwritten: no whole record is left in what
 * the end repair reads (max_record_bytes 256: 65 KB), which then gives up;
 * the copies have them all. */
START_TEST(a_journal_end_beyond_repair_is_written_again_from_its_copies)
{
	char *text = tu_default_with("max_record_bytes: 65536",
				     "max_record_bytes: 256");
	tree *t = tree_new(text);
	char *journal = path_of(t, "report_global", t->now);
	char junk[70000];
	json_t *j;
	int i, fd;

	for (i = 0; i < 800; i++) {
		json_t *r = json_pack("{s:s, s:i}", "event", "round",
				      "attempts_this_round", i);
		ck_assert_int_eq(brain_save_system_report(t->b, "miners", r), 0);
		json_decref(r);
	}
	brain_close(t->b);
	ck_assert_int_gt(size_of(journal), (off_t)sizeof(junk) + 10000);
	memset(junk, 'x', sizeof(junk));
	fd = open(journal, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, junk, sizeof(junk),
				size_of(journal) - (off_t)sizeof(junk)),
			 (ssize_t)sizeof(junk));
	close(fd);
	tree_open(t);
	j = sc_journal(t->b, "miners");
	ck_assert_uint_eq(json_array_size(j), 800);
	json_decref(j);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	ck_assert_int_eq(problems(t), 0);
	ck_assert_int_eq(kept_asides(journal), 1);
	free(journal);
	free(text);
	tree_free(t);
}
END_TEST

/* Replaces the folder holding `path` (levels up) by a file. */
static char *folder_to_file(const char *path, int up)
{
	char *dir = strdup(path);
	int i;

	for (i = 0; i < up; i++)
		*strrchr(dir, '/') = '\0';
	tu_rmrf(dir);
	tu_write(dir, "not a folder\n");
	return dir;
}

START_TEST(a_past_hours_or_years_folder_replaced_by_a_file_is_set_aside)
{
	tree *t = tree_new(NULL);
	time_t past = T_SEED_EXAMPLE - 3 * 3600;
	char *hour = path_of(t, "aggregated_hour", past);
	char *year = path_of(t, "aggregated_year", past);
	char *obstacle;
	int round;

	for (round = 0; round < 2; round++) {
		brain_close(t->b);
		obstacle = folder_to_file(round ? year : hour, 1);
		tree_open(t);
		ck_assert_msg(brain_rebuild(t->b, "miners") == 0, "%s",
			      brain_errmsg(t->b));
		assert_every_record(t);
		ck_assert_int_eq(problems(t), 0);
		ck_assert_int_eq(kept_asides(obstacle), 1);
		ck_assert_msg(strstr(tu_notices, "was in the way") != NULL,
			      "%s", tu_notices);
		free(obstacle);
	}
	free(hour);
	free(year);
	tree_free(t);
}
END_TEST

START_TEST(the_current_hours_folder_replaced_by_a_file_does_not_stop_open)
{
	tree *t = tree_new(NULL);
	char *hourly = path_of(t, "report_hour", t->now);
	char *obstacle;

	brain_close(t->b);
	obstacle = folder_to_file(hourly, 1);
	ck_assert_msg(tree_open_rc(t) == 0, "%s", brain_errmsg(NULL));
	ck_assert(tu_exists(hourly));
	ck_assert_int_eq(kept_asides(obstacle), 1);
	/* the hour's files are made again, and refilled from the journal */
	assert_every_record(t);
	ck_assert_int_eq(problems(t), 0);
	ck_assert_int_eq(brain_rebuild(t->b, "miners"), 0);
	assert_every_record(t);
	ck_assert_int_eq(problems(t), 0);
	free(obstacle);
	free(hourly);
	tree_free(t);
}
END_TEST

/*
 * A summary longer than the tail scanner reads (here: long count_by_value
 * keys and the smallest max_record_bytes) makes a valid file look damaged
 * at the next open, and its rebuild too.  It is rebuilt once, then
 * reported; the file is never missing, and nothing is lost.
 */
START_TEST(a_file_damaged_again_after_its_rebuild_is_reported_not_looped)
{
	char *text = tu_default_with("max_record_bytes: 65536",
				     "max_record_bytes: 2048");
	tree *t = tree_new(text);
	char *day = path_of(t, "aggregated_day", t->now);
	char ev[1200];
	json_t *f;
	int i, rc;

	/* 70 keys of 1.1 KB: a summary line of 77 KB, more than the 68 KB
	 * the scanner reads at this max_record_bytes */
	memset(ev, 'e', sizeof(ev) - 1);
	ev[1100] = '\0';
	for (i = 0; i < 70; i++) {
		json_t *r;
		ev[0] = (char)('A' + i / 26), ev[1] = (char)('a' + i % 26);
		r = json_pack("{s:s}", "event", ev);
		ck_assert_msg(brain_save_system_report(t->b, "miners", r) == 0,
			      "%s", brain_errmsg(t->b));
		json_decref(r);
	}
	brain_close(t->b);
	tree_open(t);
	{
		json_t *r = json_pack("{s:s}", "event", "one_more");
		rc = brain_save_system_report(t->b, "miners", r);
		json_decref(r);
	}
	/* either the scanner reads it (no damage), or it is reported */
	ck_assert_msg(rc == 0 || (rc == BRAIN_ECORRUPT &&
				  strstr(brain_errmsg(t->b), "/Aggregated")),
		      "%d %s", rc, brain_errmsg(t->b));
	if (rc) {
		/* rebuilt once: the original kept, the file in place */
		char *named = strdup(brain_errmsg(t->b));
		*strchr(named, ':') = '\0';
		ck_assert(tu_exists(named));
		ck_assert_int_eq(kept_asides(named), 1);
		free(named);
	}
	f = sc_load(day);
	ck_assert_msg(f != NULL, "%s is missing or does not parse", day);
	ck_assert_int_ge(json_array_size(sc_entries(f)), 70);
	json_decref(f);
	free(day);
	free(text);
	tree_free(t);
}
END_TEST

/*
 * A power loss at durability batch: the journal and the state file reached
 * the disk, but a derived file lost the tail it had only in the page
 * cache.  The state file then says every record of the journal was
 * applied, so it cannot tell that a replay is due: the first open after
 * it replays from the last checkpoint anyway, and the file catches up.
 * (Simulated: a writer at batch saves past a clean close and dies without
 * closing; its hourly and day files are then put back as they were at
 * the close.)
 */
START_TEST(a_derived_file_that_lost_its_unsynced_tail_catches_up_at_open)
{
	tree *t = tree_new(NULL);
	time_t last = T_SEED_EXAMPLE - 3 * 3600 + (RECORDS - 1) * 600;
	char *hourly = path_of(t, "report_hour", last);
	char *day = path_of(t, "aggregated_day", last);
	char *hourly_was, *day_was, *state, *text;
	int status;
	json_t *f;
	pid_t pid;

	state = path_of(t, "report_global", last);
	*strrchr(state, '/') = '\0'; /* Global/ */
	strcpy(strrchr(state, '/') + 1, ".miners_report.state");
	brain_close(t->b);
	t->b = NULL;
	hourly_was = tu_read(hourly);
	day_was = tu_read(day);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		brain_options_t o = tu_options(t->dir, NULL, &t->now);
		brain_t *b;
		int i;
		o.durability = BRAIN_DURABILITY_BATCH;
		if (brain_initialize_mode(&b, "demo", "Tester", &o) != 0)
			_exit(3);
		for (i = 0; i < 5; i++) {
			time_t when = last + 60 * (i + 1);
			char ts[32];
			json_t *r;
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ",
				 gmtime(&when));
			r = json_pack("{s:s, s:s, s:i}", "timestamp", ts,
				      "event", "mining_round_complete",
				      "attempts_this_round", RECORDS + i);
			if (brain_save_system_report(b, "miners", r) != 0)
				_exit(4);
			json_decref(r);
		}
		_exit(0); /* no close: no checkpoint */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* what makes this case: the state says all 45 were applied */
	text = tu_read(state);
	ck_assert_msg(text && strstr(text, "\"applied_seq\": 45 ") &&
			      strstr(text, "\"checkpoint_seq\": 40 "),
		      "%s", text ? text : "(no state file)");
	free(text);
	tu_write(hourly, hourly_was);
	tu_write(day, day_was);

	tree_open(t);
	ck_assert_ptr_null(sc_check_stream(t->b, "miners", 0));
	ck_assert_int_eq(sc_index_total(t->b, "miners"), RECORDS + 5);
	f = sc_load(hourly);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(sc_entries(f), 
						json_array_size(sc_entries(f)) - 1),
				 "seq")),
			 RECORDS + 5);
	json_decref(f);
	ck_assert_int_eq(problems(t), 0);
	free(hourly_was);
	free(day_was);
	free(state);
	free(hourly);
	free(day);
	tree_free(t);
}
END_TEST

Suite *recovery_suite(void)
{
	Suite *s = suite_create("recovery");
	TCase *tc = tcase_create("copies");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_journal_cut_to_half_is_written_again_from_its_copies);
	tcase_add_test(tc, a_deleted_journal_and_state_are_written_again_from_copies);
	tcase_add_test(tc, a_line_overwritten_mid_journal_is_recovered_by_rebuild);
	tcase_add_test(tc, a_record_in_no_copy_makes_rebuild_refuse);
	tcase_add_test(tc, a_journal_end_beyond_repair_is_written_again_from_its_copies);
	tcase_add_test(tc,
		       a_past_hours_or_years_folder_replaced_by_a_file_is_set_aside);
	tcase_add_test(tc,
		       the_current_hours_folder_replaced_by_a_file_does_not_stop_open);
	tcase_add_test(tc,
		       a_file_damaged_again_after_its_rebuild_is_reported_not_looped);
	tcase_add_test(tc,
		       a_derived_file_that_lost_its_unsynced_tail_catches_up_at_open);
	suite_add_tcase(s, tc);
	return s;
}
