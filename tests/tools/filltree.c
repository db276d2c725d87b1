/*
 * tests/tools/filltree.c - fill a data tree with records of known content,
 * for the tests that read a tree back (the report, the dashboard).
 *
 *   filltree --root DIR [--mode test|demo] [--blueprint FILE]
 *            [--component NAME] SPEC.json
 *
 * SPEC.json is {"now": "2026-11-29T12:00:00Z", "records": [{"stream":
 * "miners", "record": {"timestamp": "2026-11-29T10:05:00Z", "event":
 * "mining_round_complete", ...}}, ...]}.  Each record is saved as it is
 * into its stream (brain_save_record: a category, a record kind or
 * "error:<category>"), so its own timestamp decides its partition.  The
 * tree's clock is "now" when the spec has it, else the latest record
 * timestamp; the tree is opened at durability none and flushed at the
 * end, so tens of thousands of records take seconds.  Without
 * --blueprint the library chooses as for the programs (in the build tree:
 * the source tree's blueprint).
 *
 * Exit 0, or 1 with "filltree: <why>" on stderr (the record's index in
 * the spec when a save fails), 2 for a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <brainstem/brainstem.h>

static time_t fixed_now;

static time_t spec_clock(void *ctx)
{
	(void)ctx;
	return fixed_now;
}

static void quiet_notice(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or without seconds) to UTC seconds; -1
 * when it is not one. */
static time_t parse_utc(const char *s)
{
	int y, mo, d, h, mi, sec = 0, n = 0;

	if (!s)
		return -1;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
		   &n) < 6) {
		n = 0;
		if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi,
			   &n) < 5 || !n)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	return (time_t)days_from_civil(y, mo, d) * 86400 + h * 3600 +
	       mi * 60 + sec;
}

static void usage(void)
{
	fputs("usage: filltree --root DIR [--mode test|demo] "
	      "[--blueprint FILE] [--component NAME] SPEC.json\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'},
		{"mode", required_argument, NULL, 'm'},
		{"blueprint", required_argument, NULL, 'b'},
		{"component", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0}};
	brain_options_t o = BRAIN_OPTIONS_INIT;
	const char *mode = "test", *component = "Production-Miner";
	json_t *spec, *records, *item;
	json_error_t jerr;
	brain_t *b;
	size_t i;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': o.root = optarg; break;
		case 'm': mode = optarg; break;
		case 'b': o.blueprint = optarg; break;
		case 'c': component = optarg; break;
		default: usage();
		}
	}
	if (!o.root || optind != argc - 1)
		usage();
	spec = json_load_file(argv[optind], 0, &jerr);
	if (!spec) {
		fprintf(stderr, "filltree: %s:%d: %s\n", argv[optind],
			jerr.line, jerr.text);
		return 1;
	}
	records = json_object_get(spec, "records");
	if (!json_is_array(records)) {
		fprintf(stderr, "filltree: %s: no \"records\" array\n",
			argv[optind]);
		return 1;
	}
	/* The clock: "now", else the latest record's timestamp. */
	fixed_now = parse_utc(json_string_value(json_object_get(spec, "now")));
	if (json_object_get(spec, "now") && fixed_now < 0) {
		fprintf(stderr, "filltree: \"now\" is not ISO 8601 UTC\n");
		return 1;
	}
	if (fixed_now < 0) {
		json_array_foreach(records, i, item) {
			time_t t = parse_utc(json_string_value(json_object_get(
				json_object_get(item, "record"), "timestamp")));
			if (t > fixed_now)
				fixed_now = t;
		}
	}
	if (fixed_now < 0)
		fixed_now = time(NULL);

	o.clock = spec_clock;
	o.notice = quiet_notice;
	o.durability = BRAIN_DURABILITY_NONE;
	rc = brain_initialize_mode(&b, mode, component, &o);
	if (rc) {
		fprintf(stderr, "filltree: %s\n", brain_errmsg(NULL));
		return 1;
	}
	json_array_foreach(records, i, item) {
		const char *stream =
			json_string_value(json_object_get(item, "stream"));
		json_t *record = json_object_get(item, "record");

		if (!stream || !json_is_object(record)) {
			fprintf(stderr, "filltree: records[%zu]: needs \"stream\" "
				"and an object \"record\"\n", i);
			brain_close(b);
			return 1;
		}
		rc = brain_save_record(b, stream, record);
		if (rc) {
			fprintf(stderr, "filltree: records[%zu] (%s): %s\n", i,
				stream, brain_errmsg(b));
			brain_close(b);
			return 1;
		}
	}
	rc = brain_flush(b);
	if (rc)
		fprintf(stderr, "filltree: flush: %s\n", brain_errmsg(b));
	if (brain_close(b) && !rc) {
		fprintf(stderr, "filltree: close: %s\n", brain_errmsg(NULL));
		rc = 1;
	}
	json_decref(spec);
	return rc ? 1 : 0;
}
