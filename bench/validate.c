/*
 * bench/validate.c - how long brainstem-dtm's check of a whole tree takes,
 * and how much memory it needs, as the tree grows.
 *
 * It fills one category ("miners") with N reports whose timestamps are
 * 10 s apart (so hours, days, weeks and months roll over; 1e6 records span
 * about 116 days), then times brain_validate over the category in a
 * fresh process and reports that process's peak RSS.  Filling uses the store's write-behind (aggregate lag)
 * so the bench spends its time on what it measures.
 *
 *   build/bench/validate [N...]        default: 10000 100000 1000000
 */
#define _GNU_SOURCE
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

static brain_t *open_tree(const char *root, const char *bp)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;
	brain_t *b;

	o.root = root;
	o.blueprint = bp;
	o.durability = BRAIN_DURABILITY_NONE;
	if (brain_initialize_mode(&b, "test", "Bench", &o) != 0) {
		fprintf(stderr, "validate bench: %s\n", brain_errmsg(NULL));
		exit(1);
	}
	return b;
}

static void fill(brain_t *b, long from, long to)
{
	long i;

	for (i = from; i < to; i++) {
		time_t t = START + (time_t)i * 10;
		char ts[32];
		json_t *r;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		r = json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:f}", "timestamp",
			      ts, "event", "mining_round_complete",
			      "round_number", (json_int_t)i,
			      "attempts_this_round", (json_int_t)(1000 + i % 97),
			      "best_difficulty", (int)(i % 11), "blocks_found",
			      (int)(i % 50 == 0), "hashrate", 1e6 + (double)(i % 13));
		if (brain_save_system_report(b, "miners", r) != 0) {
			fprintf(stderr, "validate bench: %s\n", brain_errmsg(b));
			exit(1);
		}
		json_decref(r);
		if (i % 100000 == 0 && i)
			fprintf(stderr, "  filled %ld\n", i);
	}
	if (brain_flush(b) != 0)
		exit(1);
}

/* Validates the category in a child process, so the peak RSS printed is
 * the validation's own. */
static void run_validate(const char *root, const char *bp, long filled)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		brain_t *b = open_tree(root, bp);
		uint64_t problems = 0;
		double t0 = now_s();
		if (brain_validate(b, "miners", NULL, NULL, NULL, &problems)) {
			fprintf(stderr, "validate bench: %s\n", brain_errmsg(b));
			_exit(1);
		}
		printf("%-10ld %-12.2f %-10llu %-12.1f\n", filled, now_s() - t0,
		       (unsigned long long)problems,
		       (double)peak_rss_kb() / 1024.0);
		fflush(stdout);
		brain_close(b);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	static const long defaults[] = {10000, 100000, 1000000};
	char root[] = "build/bench-validate.XXXXXX", bp[4096], cmd[4200];
	const long *sizes = defaults;
	long *given = NULL, filled = 0;
	int n = 3, i;
	brain_t *b;
	FILE *in, *out;
	char line[512];

	if (argc > 1) {
		given = calloc((size_t)argc, sizeof(long));
		for (i = 1; i < argc; i++)
			given[i - 1] = atol(argv[i]);
		sizes = given;
		n = argc - 1;
	}
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	/* the shipped blueprint with write-behind for the fill */
	snprintf(bp, sizeof(bp), "%s/Brain.QTL", root);
	in = fopen("blueprint/brain.qtl", "r");
	out = fopen(bp, "w");
	if (!in || !out) {
		perror("blueprint");
		return 1;
	}
	while (fgets(line, sizeof(line), in))
		fputs(strstr(line, "aggregate_lag_ms: 0") ? "  aggregate_lag_ms: 1000\n"
							  : line,
		      out);
	fclose(in);
	fclose(out);
	printf("%-10s %-12s %-10s %-12s\n", "records", "validate s", "problems",
	       "peak RSS MB");
	for (i = 0; i < n; i++) {
		b = open_tree(root, bp);
		fill(b, filled, sizes[i]);
		filled = sizes[i];
		brain_close(b);
		run_validate(root, bp, filled);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "validate bench: could not remove %s\n", root);
	free(given);
	return 0;
}
