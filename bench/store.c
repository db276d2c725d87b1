/*
 * bench/store.c - how fast brain_save_system_report records, as the
 * history grows, at each durability setting, against SQLite doing the
 * same work on the same disk in the same run.
 *
 * One category ("miners") is filled to a history of 1e3, 1e5 and 1e6
 * reports whose timestamps are 10 s apart (so hours, days, weeks and
 * months roll over; 1e6 records span about 116 days).  At each history a
 * fresh process opens the tree with the shipped blueprint (every save
 * brings all aggregates and indexes up to date in the same call) and
 * times a run of saves at none, batch and always.  The reference is one
 * SQLite row per transaction, WAL, synchronous OFF / NORMAL / FULL for
 * none / batch / always, into a table that holds the same history; and
 * the disk's raw rate of 300-byte appends each followed by fdatasync.
 * Peak RSS is the measuring process's own, so it shows whether memory
 * grows with history.  Each cell is the best of three runs (this is a
 * shared two-core machine), and the disk is synced after each fill so
 * that its write-back does not land in a measurement.
 *
 * The history between measurements is filled with the store's
 * write-behind (store.aggregate_lag_ms) so the bench spends its time on
 * what it measures; the tree it leaves is the one strict saves make.
 *
 *   build/bench/store [--quick] [--keep] [--dir DIR]
 *     --quick  histories 1e3 and 1e4 only (a smoke run)
 *     --keep   leave the tree behind
 *     --dir    where the trees go (default build/, on the project's disk)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "bench.h"

#define START 1735689600 /* 2025-01-01T00:00:00Z */
#define RUNS 3             /* each cell: the best of this many */

typedef struct cell {
	double rate;  /* records per second */
	long rss_kb;  /* peak RSS of the measuring process */
} cell_t;

static const char *const durability_names[] = {"none", "batch", "always"};
static const brain_durability_t durabilities[] = {
	BRAIN_DURABILITY_NONE, BRAIN_DURABILITY_BATCH, BRAIN_DURABILITY_ALWAYS};
static const char *const sqlite_sync[] = {"OFF", "NORMAL", "FULL"};
/* saves timed per cell: enough for a steady rate, few enough to be quick */
static const long timed_saves[] = {20000, 20000, 2000};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "store bench: %s: %s\n", what, why);
	exit(1);
}

/* The i-th report: what a miner's round report looks like. */
static json_t *report(long i, char ts[32])
{
	time_t t = START + (time_t)i * 10;

	strftime(ts, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:i, s:f, s:f}",
			 "timestamp", ts, "event", "mining_round_complete",
			 "miner_id", "miner_bench", "round_number",
			 (json_int_t)i, "attempts_this_round",
			 (json_int_t)(1000000 + i % 97), "best_difficulty",
			 (int)(i % 11), "blocks_found", (int)(i % 50 == 0),
			 "hashrate", 2.5e7 + (double)(i % 13), "duration",
			 0.04 + (double)(i % 7) / 100.0);
}

static brain_t *open_tree(const char *root, const char *bp,
			  brain_durability_t d)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;
	brain_t *b;

	o.root = root;
	o.blueprint = bp;
	o.durability = d;
	if (brain_initialize_mode(&b, "test", "Bench", &o) != 0)
		die("open", brain_errmsg(NULL));
	return b;
}

static void save_range(brain_t *b, long from, long to)
{
	long i;

	for (i = from; i < to; i++) {
		char ts[32];
		json_t *r = report(i, ts);
		if (!r)
			die("json", "out of memory");
		if (brain_save_system_report(b, "miners", r) != 0)
			die("save", brain_errmsg(b));
		json_decref(r);
	}
}

/* Runs fn in a child process; the child's cell comes back through a
 * pipe, so each measurement has its own peak RSS. */
static cell_t in_child(void (*fn)(void *ctx, cell_t *out), void *ctx)
{
	cell_t c = {0, 0};
	int fd[2], status;
	pid_t pid;

	if (pipe(fd) != 0)
		die("pipe", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		close(fd[0]);
		fn(ctx, &c);
		c.rss_kb = peak_rss_kb();
		if (write(fd[1], &c, sizeof(c)) != (ssize_t)sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &c, sizeof(c)) != (ssize_t)sizeof(c))
		die("measurement", "the child died");
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		die("measurement", "the child failed");
	return c;
}

/* ---- brainstem ---- */

typedef struct store_job {
	const char *root, *bp;
	brain_durability_t d;
	long from, count;
} store_job_t;

static void fill(void *ctx, cell_t *out)
{
	store_job_t *j = ctx;
	brain_t *b = open_tree(j->root, j->bp, BRAIN_DURABILITY_NONE);

	save_range(b, j->from, j->from + j->count);
	if (brain_flush(b) != 0)
		die("flush", brain_errmsg(b));
	brain_close(b);
	out->rate = 0;
}

static void measure_store(void *ctx, cell_t *out)
{
	store_job_t *j = ctx;
	brain_t *b = open_tree(j->root, j->bp, j->d);
	double t0 = now_s();

	save_range(b, j->from, j->from + j->count);
	out->rate = (double)j->count / (now_s() - t0);
	brain_close(b);
}

/* ---- SQLite ---- */

typedef struct sql_job {
	const char *path;
	const char *sync;
	long from, count;
	int fill; /* one transaction for the lot, not timed */
} sql_job_t;

static void sql_check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		die(what, sqlite3_errmsg(db));
}

static void sql_rows(void *ctx, cell_t *out)
{
	sql_job_t *j = ctx;
	sqlite3 *db;
	sqlite3_stmt *ins;
	char pragma[64];
	double t0;
	long i;

	if (sqlite3_open(j->path, &db) != SQLITE_OK)
		die(j->path, "sqlite3_open failed");
	sql_check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL", 0, 0, 0),
		  "journal_mode");
	snprintf(pragma, sizeof(pragma), "PRAGMA synchronous=%s", j->sync);
	sql_check(db, sqlite3_exec(db, pragma, 0, 0, 0), "synchronous");
	sql_check(db,
		  sqlite3_exec(db,
			       "CREATE TABLE IF NOT EXISTS reports(seq INTEGER "
			       "PRIMARY KEY, timestamp TEXT, record TEXT)",
			       0, 0, 0),
		  "create");
	sql_check(db,
		  sqlite3_prepare_v2(db,
				     "INSERT INTO reports(timestamp, record) "
				     "VALUES (?, ?)",
				     -1, &ins, NULL),
		  "prepare");
	if (j->fill)
		sql_check(db, sqlite3_exec(db, "BEGIN", 0, 0, 0), "begin");
	t0 = now_s();
	for (i = j->from; i < j->from + j->count; i++) {
		char ts[32];
		json_t *r = report(i, ts);
		char *text = json_dumps(r, JSON_COMPACT);
		sqlite3_bind_text(ins, 1, ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, text, -1, SQLITE_TRANSIENT);
		sql_check(db, sqlite3_step(ins), "insert");
		sqlite3_reset(ins);
		free(text);
		json_decref(r);
	}
	if (j->fill)
		sql_check(db, sqlite3_exec(db, "COMMIT", 0, 0, 0), "commit");
	out->rate = (double)j->count / (now_s() - t0);
	sqlite3_finalize(ins);
	sqlite3_close(db);
}

/* ---- the disk ---- */

static double fdatasync_rate(const char *dir)
{
	char path[4200], line[300];
	double t0, t;
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/fdatasync.bin", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0)
		die(path, strerror(errno));
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	t0 = now_s();
	do {
		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) ||
		    fdatasync(fd) != 0)
			die(path, strerror(errno));
		n++;
		t = now_s();
	} while (t - t0 < 1.0);
	close(fd);
	unlink(path);
	return (double)n / (t - t0);
}

/* ---- set-up ---- */

/* A copy of the shipped blueprint with store.aggregate_lag_ms set. */
static void blueprint_with_lag(const char *from, const char *to, int lag_ms)
{
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	char line[1024];
	int found = 0;

	if (!in || !out)
		die(from, strerror(errno));
	while (fgets(line, sizeof(line), in)) {
		const char *key = strstr(line, "aggregate_lag_ms:");
		if (key) {
			fprintf(out, "%.*saggregate_lag_ms: %d\n",
				(int)(key - line), line, lag_ms);
			found = 1;
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	fclose(out);
	if (!found)
		die(from, "no store.aggregate_lag_ms key");
}

static void remove_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "store bench: could not remove %s\n", dir);
}

static const char *verdict(int met)
{
	return met ? "met" : "NOT met";
}

int main(int argc, char **argv)
{
	static const long full[] = {1000, 100000, 1000000};
	static const long quick[] = {1000, 10000};
	const long *histories = full;
	int nh = 3, keep = 0, i, k;
	const char *parent = "build";
	char dir[4096], root[4200], strict_bp[4200], lag_bp[4200], db[4200];
	cell_t store[3][3], sql[3][3];
	long filled = 0, sql_filled = 0;
	double sync_rate, rss_min = 1e18, rss_max = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			histories = quick;
			nh = 2;
		} else if (!strcmp(argv[i], "--keep")) {
			keep = 1;
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			parent = argv[++i];
		} else {
			fprintf(stderr,
				"usage: store [--quick] [--keep] [--dir DIR]\n");
			return 2;
		}
	}
	snprintf(dir, sizeof(dir), "%s/bench-store.XXXXXX", parent);
	if (!mkdtemp(dir))
		die(dir, strerror(errno));
	snprintf(root, sizeof(root), "%s/tree", dir);
	snprintf(strict_bp, sizeof(strict_bp), "%s/strict.qtl", dir);
	snprintf(lag_bp, sizeof(lag_bp), "%s/fill.qtl", dir);
	snprintf(db, sizeof(db), "%s/reference.sqlite", dir);
	blueprint_with_lag("blueprint/brain.qtl", strict_bp, 0);
	blueprint_with_lag("blueprint/brain.qtl", lag_bp, 1000);

	for (sync_rate = 0, i = 0; i < RUNS; i++) {
		double r = fdatasync_rate(dir);
		if (r > sync_rate)
			sync_rate = r;
	}
	for (i = 0; i < nh; i++) {
		store_job_t fj = {root, lag_bp, BRAIN_DURABILITY_NONE, filled,
				  histories[i] - filled};
		sql_job_t sf = {db, "OFF", sql_filled, histories[i] - sql_filled,
				1};
		fprintf(stderr, "  history %ld: filling\n", histories[i]);
		in_child(fill, &fj);
		filled = histories[i];
		in_child(sql_rows, &sf);
		sql_filled = histories[i];
		sync();
		for (k = 0; k < 3; k++) {
			int run;
			fprintf(stderr, "  history %ld: %s\n", histories[i],
				durability_names[k]);
			store[i][k].rate = sql[i][k].rate = 0;
			for (run = 0; run < RUNS; run++) {
				store_job_t mj = {root, strict_bp,
						  durabilities[k], filled,
						  timed_saves[k]};
				sql_job_t sj = {db, sqlite_sync[k], sql_filled,
						timed_saves[k], 0};
				cell_t c = in_child(measure_store, &mj);
				if (c.rate > store[i][k].rate)
					store[i][k] = c;
				filled += timed_saves[k];
				c = in_child(sql_rows, &sj);
				if (c.rate > sql[i][k].rate)
					sql[i][k] = c;
				sql_filled += timed_saves[k];
			}
			if (store[i][k].rss_kb < rss_min)
				rss_min = (double)store[i][k].rss_kb;
			if (store[i][k].rss_kb > rss_max)
				rss_max = (double)store[i][k].rss_kb;
		}
	}

	printf("brain_save_system_report, one category, records 10 s apart; "
	       "every save updates\nthe global and hourly files and all 14 "
	       "aggregated and index files.\n\n");
	printf("%-9s %-10s %14s %14s %9s %11s %11s\n", "history", "durability",
	       "brainstem r/s", "SQLite r/s", "vs SQLite", "RSS MB", "SQLite RSS");
	for (i = 0; i < nh; i++)
		for (k = 0; k < 3; k++)
			printf("%-9ld %-10s %14.0f %14.0f %8.2fx %11.1f %11.1f\n",
			       histories[i], durability_names[k],
			       store[i][k].rate, sql[i][k].rate,
			       store[i][k].rate / sql[i][k].rate,
			       (double)store[i][k].rss_kb / 1024.0,
			       (double)sql[i][k].rss_kb / 1024.0);
	printf("\nraw append + fdatasync on this disk: %.0f /s\n", sync_rate);
	printf("\ntargets\n");
	for (k = 0; k < 3; k++) {
		double ratio = store[nh - 1][k].rate / store[0][k].rate;
		printf("  %-6s at %ld history / at %ld: %.2f (>= 0.8) %s\n",
		       durability_names[k], histories[nh - 1], histories[0],
		       ratio, verdict(ratio >= 0.8));
	}
	for (i = 0; i < nh; i++) {
		double r = store[i][0].rate / sql[i][0].rate;
		printf("  none vs SQLite OFF at %ld: %.2f (>= 0.5) %s\n",
		       histories[i], r, verdict(r >= 0.5));
	}
	for (i = 0; i < nh; i++) {
		double r = store[i][2].rate / sync_rate;
		printf("  always vs raw fdatasync at %ld: %.2f (>= 0.8) %s\n",
		       histories[i], r, verdict(r >= 0.8));
	}
	printf("  peak RSS %.1f-%.1f MB over every history: %s\n",
	       rss_min / 1024.0, rss_max / 1024.0,
	       verdict(rss_max <= rss_min * 1.25 + 1024));
	if (keep)
		printf("\ntree kept in %s\n", dir);
	else
		remove_tree(dir);
	return 0;
}
