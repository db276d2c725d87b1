/*
 * consumer.c - a third-party tool built against an installed libbrainstem.
 *
 * It includes only the umbrella header and is compiled with nothing but
 * `pkg-config --cflags --libs brainstem`, so it checks that the installed
 * headers, brainstem.pc and library are enough on their own.
 *
 * Usage: consumer ROOT [N]
 * Opens ROOT's demo tree as "Consumer-Tool", saves N (default 100) round
 * reports into the "miners" category, ten minutes apart from
 * 2025-12-31T20:00:00Z (so hours, a day and a year roll over), brings the
 * aggregates of the last one's time up to date, prints its base path on
 * stdout and exits 0; on failure prints the library's message on stderr
 * and exits 1.
 */
#include <brainstem/brainstem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_REPORT 1767211200 /* 2025-12-31T20:00:00Z */

static int save_reports(brain_t *b, long n)
{
	time_t when = FIRST_REPORT;
	long i;

	for (i = 0; i < n; i++) {
		char ts[32];
		json_t *r;
		int rc;

		when = FIRST_REPORT + (time_t)i * 600;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
		r = json_pack("{s:s, s:s, s:I, s:I}", "timestamp", ts, "event",
			      "mining_round_complete", "round_number",
			      (json_int_t)i + 1, "attempts_this_round",
			      (json_int_t)1000);
		rc = brain_save_system_report(b, "miners", r);
		json_decref(r);
		if (rc != 0) {
			fprintf(stderr, "consumer: save %ld: %s\n", i + 1,
				brain_errmsg(b));
			return 1;
		}
	}
	if (brain_update_aggregated_index(b, "miners", when) != 0) {
		fprintf(stderr, "consumer: update: %s\n", brain_errmsg(b));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	brain_options_t opts = BRAIN_OPTIONS_INIT;
	brain_t *b = NULL;
	const char *base;
	int rc;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: consumer ROOT [N]\n");
		return 2;
	}
	if (strcmp(brain_version(), BRAIN_VERSION_STRING) != 0) {
		fprintf(stderr, "consumer: header version %s, library %s\n",
			BRAIN_VERSION_STRING, brain_version());
		return 1;
	}

	opts.root = argv[1];
	rc = brain_initialize_mode(&b, "demo", "Consumer-Tool", &opts);
	if (rc != 0) {
		const char *msg = brain_errmsg(NULL);

		fprintf(stderr, "consumer: brain_initialize_mode: %s (%s)\n",
			msg && *msg ? msg : "(no message)", brain_strerror(rc));
		return 1;
	}
	if (b == NULL) {
		fprintf(stderr, "consumer: brain_initialize_mode returned 0 "
				"but no handle\n");
		return 1;
	}

	if (save_reports(b, argc == 3 ? atol(argv[2]) : 100) != 0) {
		brain_close(b);
		return 1;
	}
	base = brain_base_path(b);
	if (base == NULL) {
		fprintf(stderr, "consumer: no base path: %s\n", brain_errmsg(b));
		brain_close(b);
		return 1;
	}
	printf("%s\n", base);
	if (brain_close(b) != 0) {
		fprintf(stderr, "consumer: brain_close: %s\n",
			brain_errmsg(NULL));
		return 1;
	}
	return 0;
}
