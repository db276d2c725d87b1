/*
 * bench/saves.c - one run of saves, for profiling the save path (perf
 * record build/bench/saves ...): the store bench's records, with the
 * shipped blueprint, into a fresh tree, at one durability, in this
 * process.  Prints the rate, by the clock and by this process's CPU time
 * (steadier on a shared machine); not part of `make bench` (bench/store
 * is the table).
 *
 *   build/bench/saves [-n N] [-d none|batch|always] [--dir DIR] [--keep]
 *     -n       saves timed (default 20000), after a first 1000 untimed
 *     -d       durability (default none)
 *     --dir    where the tree goes (default build/)
 *     --keep   leave the tree behind
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "bench.h"

#define START 1735689600 /* 2025-01-01T00:00:00Z */

/* This process's user and system time, in seconds. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "saves bench: %s: %s\n", what, why);
	exit(1);
}

/* The i-th report, as bench/store.c makes it. */
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

int main(int argc, char **argv)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;
	const char *parent = "build", *dname = "none";
	char dir[4096], root[4200], cmd[4300];
	long n = 20000;
	int keep = 0, i;
	double t0, t1, c0, c1;
	brain_t *b;

	o.durability = BRAIN_DURABILITY_NONE;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n = atol(argv[++i]);
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			dname = argv[++i];
			o.durability = !strcmp(dname, "always")
					       ? BRAIN_DURABILITY_ALWAYS
				       : !strcmp(dname, "batch")
					       ? BRAIN_DURABILITY_BATCH
					       : BRAIN_DURABILITY_NONE;
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			parent = argv[++i];
		} else if (!strcmp(argv[i], "--keep")) {
			keep = 1;
		} else {
			fprintf(stderr, "usage: saves [-n N] [-d none|batch|"
					"always] [--dir DIR] [--keep]\n");
			return 2;
		}
	}
	snprintf(dir, sizeof(dir), "%s/bench-saves.XXXXXX", parent);
	if (!mkdtemp(dir))
		die(dir, strerror(errno));
	snprintf(root, sizeof(root), "%s/tree", dir);
	o.root = root;
	o.blueprint = "blueprint/brain.qtl";
	if (brain_initialize_mode(&b, "test", "Bench", &o) != 0)
		die("open", brain_errmsg(NULL));
	save_range(b, 0, 1000);
	t0 = now_s();
	c0 = cpu_s();
	save_range(b, 1000, 1000 + n);
	t1 = now_s();
	c1 = cpu_s();
	if (brain_close(b) != 0)
		die("close", brain_errmsg(NULL));
	printf("%s: %ld saves, %.0f /s, %.0f per CPU second (close %.3f s)\n",
	       dname, n, (double)n / (t1 - t0), (double)n / (c1 - c0),
	       now_s() - t1);
	if (keep) {
		printf("tree kept in %s\n", dir);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "saves bench: could not remove %s\n",
				dir);
	}
	return 0;
}
