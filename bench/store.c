/*
 * bench/store.c - how fast brain_save_system_report records as the history
 * grows, against the references issue 14 names, measured on the same disk
 * in the same run:
 *
 *   none    against SQLite, WAL, synchronous=OFF, one row per transaction
 *           into a table that holds the same history (neither syncs);
 *   batch   against none (what batch's syncs cost the store itself);
 *   always  against the disk's raw rate of appending one record-sized
 *           line to a file and fdatasync'ing it;
 *   each rate at 1e6 against the same at 1e3 (flat in history), the peak
 *   RSS of every measuring process, and the bytes on disk per record of
 *   the whole tree against those of the SQLite database and its WAL.
 *
 * One category ("miners") is filled to a history of 1e3, 1e5 and 1e6
 * reports whose timestamps are 10 s apart (hours, days, weeks and months
 * roll over; 1e6 records span about 116 days).  The fill uses the store's
 * write-behind (store.aggregate_lag_ms) so the bench spends its time on
 * what it measures; the tree it leaves is the one strict saves make, and
 * the disk is synced after it, and before every cell, so that no cell
 * pays for another's write-back.  Each cell is a fresh process that opens
 * the tree with the shipped blueprint (every save brings all aggregates
 * and indexes up to date in the same call) and times 10,000 saves (5,000
 * at always, and as many fdatasync'd lines); its peak RSS comes from
 * wait4.  Each cell is the best of three runs (this is a shared
 * two-core machine); the runs of the cells are interleaved, each next to
 * the cell it is compared with, so a change of load touches both alike.
 * The load average and the kernel's I/O pressure are printed with the
 * table: other work on the machine shows in the numbers.
 *
 * The cells' own saves add to the history.  Where they would add more
 * than a tenth of it (1e3 and 1e5), every cell starts from a copy of the
 * filled tree and database, so every cell at that history times the same
 * saves after H; at 1e6 the cells follow each other (7.5% more records
 * by the last), and the table says how far each history went.
 *
 * The raw reference appends to a file that grows with each line, so each
 * fdatasync also commits its new size; the store writes into a tail it
 * padded ahead, where an fdatasync commits data only.
 *
 *   build/bench/store [--quick] [--keep] [--dir DIR]
 *     --quick  histories 1e3 and 1e4, fewer saves, one run (a smoke run)
 *     --keep   leave the trees behind
 *     --dir    where the trees go (default build/, on the project's disk)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "bench.h"

#define START 1735689600 /* 2025-01-01T00:00:00Z */
#define MAX_HISTORIES 3

/* targets, from issue 14 (flat and RSS are this bench's reading of
 * "flat in history" and "peak RSS flat") */
#define T_NONE_SQLITE 0.8
#define T_BATCH_NONE 0.8
#define T_ALWAYS_SYNC 0.9
#define T_FLAT 0.8
#define T_RSS_GROWTH 1.25

typedef struct cell {
	double rate;  /* records (or lines) per second */
	long rss_kb;  /* peak RSS of the measuring process, from wait4 */
} cell_t;

enum { C_NONE, C_BATCH, C_ALWAYS, C_SQLITE, C_SYNC, NCELLS };
static const char *const cell_names[NCELLS] = {
	"none", "batch", "always", "SQLite OFF", "fdatasync"};
/* the order of a run: each cell next to the one it is compared with */
static const int run_order[NCELLS] = {C_SQLITE, C_NONE, C_BATCH, C_ALWAYS,
				      C_SYNC};

typedef struct config {
	const long *histories;
	int nh, runs;
	long saves, always_saves;
} config_t;

__attribute__((noreturn)) static void die(const char *what,
					   const char *why)
{
	fprintf(stderr, "store bench: %s: %s\n", what, why);
	exit(1);
}

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line; /* "blueprint changed - regenerated templates" */
}

/* The i-th report: what a miner's round report looks like. */
static json_t *report(long i, char ts[32])
{
	time_t t = START + (time_t)i * 10;
	json_t *r;

	strftime(ts, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	r = json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:i, s:f, s:f}",
		      "timestamp", ts, "event", "mining_round_complete",
		      "miner_id", "miner_bench", "round_number", (json_int_t)i,
		      "attempts_this_round", (json_int_t)(1000000 + i % 97),
		      "best_difficulty", (int)(i % 11), "blocks_found",
		      (int)(i % 50 == 0), "hashrate", 2.5e7 + (double)(i % 13),
		      "duration", 0.04 + (double)(i % 7) / 100.0);
	if (!r)
		die("json", "out of memory");
	return r;
}

/* ---- processes ---- */

/* Runs fn in a child process: its cell comes back through a pipe and its
 * peak RSS from wait4, so each measurement has its own. */
static cell_t in_child(void (*fn)(void *ctx, cell_t *out), void *ctx)
{
	cell_t c = {0, 0};
	struct rusage ru;
	int fd[2], status;
	pid_t pid;

	fflush(NULL);
	if (pipe(fd) != 0)
		die("pipe", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		close(fd[0]);
		fn(ctx, &c);
		if (write(fd[1], &c, sizeof(c)) != (ssize_t)sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &c, sizeof(c)) != (ssize_t)sizeof(c))
		die("measurement", "the child died");
	close(fd[0]);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		die("measurement", "the child failed");
	c.rss_kb = ru.ru_maxrss;
	return c;
}

__attribute__((format(printf, 1, 2))) static void shell(const char *fmt,
							 ...)
{
	char cmd[9000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		die("shell", cmd);
}

/* ---- brainstem ---- */

typedef struct store_job {
	const char *root, *bp;
	brain_durability_t d;
	long from, count;
} store_job_t;

static brain_t *open_tree(const char *root, const char *bp,
			  brain_durability_t d)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;
	brain_t *b;

	o.root = root;
	o.blueprint = bp;
	o.durability = d;
	o.notice = quiet;
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
		if (brain_save_system_report(b, "miners", r) != 0)
			die("save", brain_errmsg(b));
		json_decref(r);
	}
}

static void close_tree(brain_t *b)
{
	if (brain_close(b) != 0)
		die("close", brain_errmsg(NULL));
}

static void store_fill(void *ctx, cell_t *out)
{
	store_job_t *j = ctx;
	brain_t *b = open_tree(j->root, j->bp, BRAIN_DURABILITY_NONE);

	save_range(b, j->from, j->from + j->count);
	if (brain_flush(b) != 0)
		die("flush", brain_errmsg(b));
	close_tree(b);
	out->rate = 0;
}

static void store_saves(void *ctx, cell_t *out)
{
	store_job_t *j = ctx;
	brain_t *b = open_tree(j->root, j->bp, j->d);
	double t0 = now_s();

	save_range(b, j->from, j->from + j->count);
	out->rate = (double)j->count / (now_s() - t0);
	close_tree(b);
}

/* ---- SQLite ---- */

typedef struct sql_job {
	const char *path;
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
	double t0;
	long i;

	if (sqlite3_open(j->path, &db) != SQLITE_OK)
		die(j->path, "sqlite3_open failed");
	sql_check(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL", 0, 0, 0),
		  "journal_mode");
	sql_check(db, sqlite3_exec(db, "PRAGMA synchronous=OFF", 0, 0, 0),
		  "synchronous");
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
		if (!text)
			die("json", "out of memory");
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
	if (sqlite3_close(db) != SQLITE_OK)
		die(j->path, "sqlite3_close failed");
}

/* ---- the disk ---- */

typedef struct sync_job {
	const char *path;
	long from, count;
} sync_job_t;

/* The line the store's journal holds for record seq: the report with its
 * seq, component and mode, indented, with its separator. */
static char *record_line(long i, long seq, size_t *len)
{
	char ts[32], *text = NULL, *line;
	json_t *r = report(i, ts), *l = json_object();

	if (!l || json_object_set_new(l, "seq", json_integer(seq)) ||
	    json_object_update(l, r) ||
	    json_object_set_new(l, "component", json_string("Bench")) ||
	    json_object_set_new(l, "mode", json_string("test")) ||
	    !(text = json_dumps(l, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		die("json", "out of memory");
	*len = strlen(text) + 6;
	if (!(line = malloc(*len + 1)))
		die("line", "out of memory");
	snprintf(line, *len + 1, "    %s,\n", text);
	free(text);
	json_decref(r);
	json_decref(l);
	return line;
}

static void sync_lines(void *ctx, cell_t *out)
{
	sync_job_t *j = ctx;
	char **lines = calloc((size_t)j->count, sizeof(*lines));
	size_t *lens = calloc((size_t)j->count, sizeof(*lens));
	double t0;
	long n;
	int fd;

	if (!lines || !lens)
		die("lines", "out of memory");
	for (n = 0; n < j->count; n++)
		lines[n] = record_line(j->from + n, j->from + n + 1, &lens[n]);
	fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0)
		die(j->path, strerror(errno));
	t0 = now_s();
	for (n = 0; n < j->count; n++)
		if (write(fd, lines[n], lens[n]) != (ssize_t)lens[n] ||
		    fdatasync(fd) != 0)
			die(j->path, strerror(errno));
	out->rate = (double)j->count / (now_s() - t0);
	close(fd);
	unlink(j->path);
}

/* ---- bytes on disk, as du counts them ---- */

static long long du_sum;

static int du_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_sum += (long long)st->st_blocks * 512;
	return 0;
}

static long long du(const char *path)
{
	du_sum = 0;
	if (nftw(path, du_one, 64, FTW_PHYS) != 0)
		die(path, "cannot walk");
	return du_sum;
}

static long long du_if(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_blocks * 512 : 0;
}

/* The share of the last 60 s in which some task waited for I/O (the
 * kernel's pressure stall information), or -1 where there is none. */
static double io_pressure(void)
{
	FILE *f = fopen("/proc/pressure/io", "r");
	double avg60 = -1;

	if (f) {
		if (fscanf(f, "some avg10=%*f avg60=%lf", &avg60) != 1)
			avg60 = -1;
		fclose(f);
	}
	return avg60;
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
	if (fclose(out) != 0)
		die(to, strerror(errno));
	if (!found)
		die(from, "no store.aggregate_lag_ms key");
}

static const char *verdict(int met)
{
	return met ? "met" : "NOT met";
}

/* Over a cell's runs: the best rate and the highest peak RSS. */
static void keep_best(cell_t *best, cell_t c)
{
	if (c.rate > best->rate)
		best->rate = c.rate;
	if (c.rss_kb > best->rss_kb)
		best->rss_kb = c.rss_kb;
}

/* ---- the run ---- */

typedef struct row {
	cell_t c[NCELLS];
	long history, reached; /* records before and after the cells */
	int restored;          /* every cell started from the filled copy */
	double tree_bytes, sql_bytes; /* at the history, after the fill */
} row_t;

typedef struct paths {
	char dir[4096], root[4200], snap[4200], strict_bp[4200],
		lag_bp[4200], db[4200], db_snap[4200], sync_file[4200];
} paths_t;

/* Puts the filled tree (or database) back where the cells write. */
static void restore(const char *from, const char *to)
{
	shell("rm -rf '%s' '%s-wal' '%s-shm'", to, to, to);
	shell("cp -a '%s' '%s'", from, to);
}

static void measure_history(const config_t *cf, const paths_t *p, long h,
			    long *saved, long *sql_saved, row_t *row)
{
	static const brain_durability_t dur[] = {BRAIN_DURABILITY_NONE,
						 BRAIN_DURABILITY_BATCH,
						 BRAIN_DURABILITY_ALWAYS};
	store_job_t fj = {p->root, p->lag_bp, BRAIN_DURABILITY_NONE, *saved,
			  h - *saved};
	sql_job_t sf = {p->db, *sql_saved, h - *sql_saved, 1};
	long added = (long)cf->runs * (2 * cf->saves + cf->always_saves);
	char wal[4300];
	int run, i;

	memset(row, 0, sizeof(*row));
	row->history = h;
	fprintf(stderr, "  history %ld: filling\n", h);
	if (fj.count > 0)
		in_child(store_fill, &fj);
	if (sf.count > 0)
		in_child(sql_rows, &sf);
	*saved = *sql_saved = h;
	sync();
	snprintf(wal, sizeof(wal), "%s-wal", p->db);
	row->tree_bytes = (double)du(p->root) / (double)h;
	row->sql_bytes = (double)(du_if(p->db) + du_if(wal)) / (double)h;
	row->restored = added * 10 > h;
	if (row->restored) {
		restore(p->root, p->snap);
		restore(p->db, p->db_snap);
		sync();
	}
	for (run = 0; run < cf->runs; run++) {
		for (i = 0; i < NCELLS; i++) {
			int k = run_order[i];
			long n = k == C_ALWAYS || k == C_SYNC
					 ? cf->always_saves
					 : cf->saves;
			cell_t c;

			fprintf(stderr, "  history %ld: %s, run %d\n", h,
				cell_names[k], run + 1);
			if (row->restored && k != C_SYNC) {
				if (k == C_SQLITE)
					restore(p->db_snap, p->db);
				else
					restore(p->snap, p->root);
			}
			sync(); /* no cell pays for another's write-back */
			if (k == C_SYNC) {
				sync_job_t j = {p->sync_file, *saved, n};
				c = in_child(sync_lines, &j);
			} else if (k == C_SQLITE) {
				sql_job_t j = {p->db, *sql_saved, n, 0};
				c = in_child(sql_rows, &j);
				if (!row->restored)
					*sql_saved += n;
			} else {
				store_job_t j = {p->root, p->strict_bp, dur[k],
						 *saved, n};
				c = in_child(store_saves, &j);
				if (!row->restored)
					*saved += n;
			}
			keep_best(&row->c[k], c);
		}
	}
	row->reached = row->restored ? h + cf->saves : *saved;
	if (row->restored) {
		/* the next history grows from this one's filled tree */
		restore(p->snap, p->root);
		restore(p->db_snap, p->db);
		shell("rm -rf '%s' '%s'", p->snap, p->db_snap);
	}
}

static void print_table(const config_t *cf, const row_t *rows,
			const double load[4])
{
	const row_t *lo = &rows[0], *hi = &rows[cf->nh - 1];
	double rss_min = 1e18, rss_max = 0;
	int i, k, all;

	printf("brain_save_system_report into one category, records 10 s "
	       "apart; every save\nupdates the global and hourly files and "
	       "all aggregated and index files.\n%ld saves a cell (%ld at "
	       "always, and as many fdatasync'd lines), best of %d run%s; "
	       "rates in records/s.\n",
	       cf->saves, cf->always_saves, cf->runs, cf->runs == 1 ? "" : "s");
	printf("load average (1 min) %.2f before, %.2f after, on %ld "
	       "cores; I/O pressure\n(some, 60 s) %.1f%% before, %.1f%% "
	       "after\n\n",
	       load[0], load[1], sysconf(_SC_NPROCESSORS_ONLN), load[2],
	       load[3]);
	printf("%-9s %-17s %9s %11s %9s %9s %10s %6s %6s %6s %7s\n",
	       "history", "cells' history", "none", "SQLite OFF", "batch",
	       "always", "fdatasync", "RSS MB", "batch", "always", "SQLite");
	for (i = 0; i < cf->nh; i++) {
		const row_t *r = &rows[i];
		char span[40];

		snprintf(span, sizeof(span), "%ld-%ld%s", r->history,
			 r->reached, r->restored ? "*" : "");
		printf("%-9ld %-17s %9.0f %11.0f %9.0f %9.0f %10.0f %6.1f "
		       "%6.1f %6.1f %7.1f\n",
		       r->history, span, r->c[C_NONE].rate,
		       r->c[C_SQLITE].rate, r->c[C_BATCH].rate,
		       r->c[C_ALWAYS].rate, r->c[C_SYNC].rate,
		       r->c[C_NONE].rss_kb / 1024.0,
		       r->c[C_BATCH].rss_kb / 1024.0,
		       r->c[C_ALWAYS].rss_kb / 1024.0,
		       r->c[C_SQLITE].rss_kb / 1024.0);
		for (k = C_NONE; k <= C_ALWAYS; k++) {
			if (r->c[k].rss_kb < rss_min)
				rss_min = (double)r->c[k].rss_kb;
			if (r->c[k].rss_kb > rss_max)
				rss_max = (double)r->c[k].rss_kb;
		}
	}
	printf("* every cell started from a copy of the filled tree and "
	       "database\n\n");

	printf("%-32s %7s", "target", "");
	for (i = 0; i < cf->nh; i++)
		printf(" %9ld", rows[i].history);
	printf("  verdict\n");
	{
		static const struct {
			const char *name;
			int num, den;
			double target;
		} cmp[] = {
			{"none / SQLite WAL sync=OFF", C_NONE, C_SQLITE,
			 T_NONE_SQLITE},
			{"batch / none", C_BATCH, C_NONE, T_BATCH_NONE},
			{"always / fdatasync per line", C_ALWAYS, C_SYNC,
			 T_ALWAYS_SYNC},
		};
		for (k = 0; k < 3; k++) {
			printf("%-32s >= %4.2f", cmp[k].name, cmp[k].target);
			for (all = 1, i = 0; i < cf->nh; i++) {
				double x = rows[i].c[cmp[k].num].rate /
					   rows[i].c[cmp[k].den].rate;
				all &= x >= cmp[k].target;
				printf(" %8.2fx", x);
			}
			printf("  %s\n", verdict(all));
		}
	}
	printf("\nflat in history: the rate at %ld / at %ld, target >= %.2f; "
	       "beside it the same\nfor its reference, which shows what the "
	       "machine and the disk did meanwhile\n",
	       hi->history, lo->history, T_FLAT);
	{
		static const int ref[] = {C_SQLITE, C_NONE, C_SYNC};
		for (k = C_NONE; k <= C_ALWAYS; k++) {
			double x = hi->c[k].rate / lo->c[k].rate;
			printf("  %-7s %5.2f  %-8s (%s: %.2f)\n", cell_names[k],
			       x, verdict(x >= T_FLAT), cell_names[ref[k]],
			       hi->c[ref[k]].rate / lo->c[ref[k]].rate);
		}
	}
	printf("peak RSS of brainstem's cells %.1f-%.1f MB over every "
	       "history, target max <= %.2f x min + 1 MB: %s\n",
	       rss_min / 1024.0, rss_max / 1024.0, T_RSS_GROWTH,
	       verdict(rss_max <= rss_min * T_RSS_GROWTH + 1024));

	printf("\nbytes on disk per record (st_blocks, after the fill): the "
	       "whole tree\nagainst the SQLite database and its WAL\n");
	printf("%-9s %14s %14s %8s\n", "history", "brainstem", "SQLite",
	       "ratio");
	for (i = 0; i < cf->nh; i++)
		printf("%-9ld %14.0f %14.0f %7.1fx\n", rows[i].history,
		       rows[i].tree_bytes, rows[i].sql_bytes,
		       rows[i].tree_bytes / rows[i].sql_bytes);
}

int main(int argc, char **argv)
{
	static const long full[] = {1000, 100000, 1000000};
	static const long quick[] = {1000, 10000};
	config_t cf = {full, 3, 3, 10000, 5000};
	row_t rows[MAX_HISTORIES];
	double load[4] = {-1, -1, -1, -1};
	paths_t p;
	const char *parent = "build";
	long saved = 0, sql_saved = 0;
	int keep = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			config_t q = {quick, 2, 1, 2000, 500};
			cf = q;
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
	memset(&p, 0, sizeof(p));
	snprintf(p.dir, sizeof(p.dir), "%s/bench-store.XXXXXX", parent);
	if (!mkdtemp(p.dir))
		die(p.dir, strerror(errno));
	snprintf(p.root, sizeof(p.root), "%s/tree", p.dir);
	snprintf(p.snap, sizeof(p.snap), "%s/tree.filled", p.dir);
	snprintf(p.strict_bp, sizeof(p.strict_bp), "%s/strict.qtl", p.dir);
	snprintf(p.lag_bp, sizeof(p.lag_bp), "%s/fill.qtl", p.dir);
	snprintf(p.db, sizeof(p.db), "%s/reference.sqlite", p.dir);
	snprintf(p.db_snap, sizeof(p.db_snap), "%s/reference.filled",
		 p.dir);
	snprintf(p.sync_file, sizeof(p.sync_file), "%s/fdatasync.bin",
		 p.dir);
	blueprint_with_lag("blueprint/brain.qtl", p.strict_bp, 0);
	blueprint_with_lag("blueprint/brain.qtl", p.lag_bp, 1000);

	if (getloadavg(&load[0], 1) != 1)
		load[0] = -1;
	load[2] = io_pressure();
	for (i = 0; i < cf.nh; i++)
		measure_history(&cf, &p, cf.histories[i], &saved, &sql_saved,
				&rows[i]);
	if (getloadavg(&load[1], 1) != 1)
		load[1] = -1;
	load[3] = io_pressure();
	print_table(&cf, rows, load);
	if (keep)
		printf("\ntrees kept in %s\n", p.dir);
	else
		shell("rm -rf '%s'", p.dir);
	return 0;
}
