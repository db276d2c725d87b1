/*
 * brainstem-dtm - the Dynamic Template Manager: the tool that says whether
 * a tree can be trusted, and repairs it.
 *
 *   brainstem-dtm templates status|generate [--force]
 *   brainstem-dtm validate [--category C]
 *   brainstem-dtm rebuild [--category C]
 *   brainstem-dtm proof --header HEX [--target HEX | --zeros N]
 *   brainstem-dtm report [--hour|--day|--week|--month] [--at TIME]
 *
 * Everything it reads and writes goes through libbrainstem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "dtm.h"

#define COMPONENT "DTM"
#define CATEGORY "dtm"

/* rebuild records its run in CATEGORY */
static const char *const rebuild_needs[] = {CATEGORY, NULL};

enum {
	OPT_JSON = CLI_FIRST_PROGRAM_OPTION,
	OPT_FORCE,
	OPT_CATEGORY,
	OPT_HEADER,
	OPT_TARGET,
	OPT_ZEROS,
	OPT_HOUR,
	OPT_DAY,
	OPT_WEEK,
	OPT_MONTH,
	OPT_AT,
};

/* The commands, for "did you mean" */
static const char *const commands[] = {"templates", "validate", "rebuild",
				       "proof", "report", NULL};
static const char *const templates_commands[] = {"status", "generate", NULL};

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: brainstem-dtm [MODE] [OPTIONS] COMMAND\n"
		"Check, repair, version and report on a brainstem tree.\n\n"
		"Commands:\n"
		"  templates status          blueprint hash, recorded version, "
		"kept-aside versions\n"
		"  templates generate        regenerate when the blueprint "
		"changed (--force: always)\n"
		"  validate                  check every file against its "
		"template, its children\n"
		"                            and the journal; every proof "
		"against its hash and target\n"
		"  rebuild                   recompute every derived file from "
		"the journals\n"
		"  proof --header HEX        hash of one 80-byte header and "
		"whether it meets\n"
		"                            --target HEX, --zeros N or its own "
		"bits\n"
		"  report                    what a period adds up to: hash "
		"rate, hashes, rounds,\n"
		"                            blocks, shares, errors, miners, "
		"uptime\n\n"
		"Options:\n"
		"      --category C          validate or rebuild one category "
		"or record kind\n"
		"      --hour, --day, --week, --month\n"
		"                            report: the period holding --at "
		"(default --hour)\n"
		"      --at TIME             report: a moment of the period, "
		"ISO 8601 such as\n"
		"                            2026-11-29T10:00Z or 2026-11-29 "
		"(UTC unless it says;\n"
		"                            default: now, the period so far)\n"
		"      --json                machine-readable output\n\n"
		"Exit status: 0 clean or done, 1 problems found (validate) or "
		"target not met\n(proof), 2 usage or I/O error.\n\n");
	cli_common_help(out);
}

static void elapsed_since(const struct timespec *t0, double *s)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	*s = (double)(t.tv_sec - t0->tv_sec) +
	     (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- templates ---- */

static int templates_status(brain_t *b, const dtm *d)
{
	json_t *st, *prev, *rec;
	size_t i;

	if (brain_templates_status(b, &st) != 0) {
		fprintf(stderr, "brainstem-dtm: %s\n", brain_errmsg(b));
		return 2;
	}
	if (d->json) {
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(st);
		return 0;
	}
	rec = json_object_get(st, "recorded_hash");
	printf("blueprint:      %s\n",
	       json_string_value(json_object_get(st, "blueprint")));
	printf("blueprint hash: %s\n",
	       json_string_value(json_object_get(st, "blueprint_hash")));
	printf("templates:      %s\n",
	       json_string_value(json_object_get(st, "folder")));
	printf("recorded hash:  %s\n",
	       json_is_string(rec) ? json_string_value(rec) : "(none)");
	printf("status:         %s\n",
	       json_is_true(json_object_get(st, "current")) ? "current"
							    : "out of date");
	prev = json_object_get(st, "previous");
	for (i = 0; i < json_array_size(prev); i++)
		printf("kept aside:     %s\n",
		       json_string_value(json_object_get(
			       json_array_get(prev, i), "path")));
	json_decref(st);
	return 0;
}

static int templates_generate(brain_t *b, const dtm *d)
{
	int regenerated;

	if (brain_templates_generate(b, d->force, &regenerated) != 0) {
		fprintf(stderr, "brainstem-dtm: %s\n", brain_errmsg(b));
		return 2;
	}
	if (d->cli.verbosity >= 0 && !regenerated)
		printf("templates current (blueprint %.12s); nothing to do\n",
		       brain_blueprint_hash(b));
	return 0;
}

/* ---- validate ---- */

/* s as a JSON string (escaped), or null. */
static void print_string_or_null(const char *s)
{
	json_t *j = s ? json_string(s) : NULL;
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(text ? text : "null", stdout);
	free(text);
	json_decref(j);
}

static void on_problem(void *ctx, const brain_problem_t *p)
{
	dtm *d = ctx;

	if (d->progress)
		fputs("\r\033[K", stderr);
	if (d->json) {
		json_t *j = json_pack("{s:s, s:I, s:s, s:s}", "path", p->path,
				      "entry", (json_int_t)p->entry, "check",
				      p->check, "message", p->message);
		char *text = j ? json_dumps(j, JSON_COMPACT |
						       JSON_PRESERVE_ORDER)
			       : NULL;
		/* one element of the "problems" array validate opened */
		if (text)
			printf("%s    %s", d->problems_shown ? ",\n" : "\n",
			       text);
		free(text);
		json_decref(j);
	} else if (p->entry >= 0) {
		printf("%s [entry %ld]: %s: %s\n", p->path, p->entry, p->check,
		       p->message);
	} else {
		printf("%s: %s: %s\n", p->path, p->check, p->message);
	}
	d->problems_shown++;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	dtm *d = ctx;
	int width = 30, fill;

	if (!d->progress || done % 16)
		return;
	fill = total ? (int)((double)done / (double)total * width) : 0;
	fprintf(stderr, "\r[%.*s%*s] %llu/%llu files", fill,
		"##############################", width - fill, "",
		(unsigned long long)done, (unsigned long long)total);
}

static int validate(brain_t *b, dtm *d)
{
	struct timespec t0;
	uint64_t problems = 0;
	double secs;
	int rc;

	/* --json: one object, its problems streamed as they are found (a
	 * damaged tree may have more than fit in memory) */
	if (d->json)
		fputs("{\n  \"problems\": [", stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = brain_validate(b, d->category, on_problem, on_progress, d,
			    &problems);
	elapsed_since(&t0, &secs);
	if (d->progress)
		fputs("\r\033[K", stderr);
	if (d->json) {
		printf("%s],\n  \"count\": %llu,\n  \"clean\": %s,\n"
		       "  \"completed\": %s,\n  \"category\": ",
		       d->problems_shown ? "\n  " : "",
		       (unsigned long long)problems,
		       !rc && !problems ? "true" : "false",
		       rc ? "false" : "true");
		print_string_or_null(d->category);
		printf(",\n  \"seconds\": %.3f", secs);
		if (rc) {
			fputs(",\n  \"error\": ", stdout);
			print_string_or_null(brain_errmsg(b));
		}
		printf("\n}\n");
	}
	if (rc != 0) {
		fprintf(stderr, "brainstem-dtm: %s\n", brain_errmsg(b));
		return 2;
	}
	/* read-only: the run is not recorded in the tree it checks */
	if (!d->json && d->cli.verbosity >= 0)
		printf("%s: %llu problem%s (%.2f s)\n",
		       problems ? "not clean" : "clean",
		       (unsigned long long)problems, problems == 1 ? "" : "s",
		       secs);
	return problems ? 1 : 0;
}

/* ---- rebuild ---- */

static int rebuild(brain_t *b, dtm *d)
{
	struct timespec t0;
	double secs;
	json_t *r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (d->cli.verbosity >= 0 && isatty(STDERR_FILENO))
		fprintf(stderr, "rebuilding %s from the journals...\n",
			d->category ? d->category : "every stream");
	if (brain_rebuild(b, d->category) != 0) {
		fprintf(stderr, "brainstem-dtm: %s\n", brain_errmsg(b));
		if (d->json) {
			fputs("{\"rebuilt\": false, \"category\": ", stdout);
			print_string_or_null(d->category);
			fputs(", \"error\": ", stdout);
			print_string_or_null(brain_errmsg(b));
			fputs("}\n", stdout);
		}
		return 2;
	}
	elapsed_since(&t0, &secs);
	r = json_pack("{s:s, s:s?, s:f}", "event", "rebuild", "category",
		      d->category, "seconds", secs);
	if (!r || brain_save_system_report(b, CATEGORY, r) != 0)
		fprintf(stderr, "brainstem-dtm: could not record the run: %s\n",
			brain_errmsg(b));
	json_decref(r);
	if (d->json) {
		/* every stream when no --category: category null */
		fputs("{\"rebuilt\": true, \"category\": ", stdout);
		print_string_or_null(d->category);
		printf(", \"seconds\": %.3f}\n", secs);
	} else if (d->cli.verbosity >= 0) {
		printf("rebuilt %s in %.2f s\n",
		       d->category ? d->category : "every stream", secs);
	}
	return 0;
}

/* ---- proof ---- */

static int proof(const dtm *d)
{
	brain_header_t h;
	uint8_t hash[32], target[32];
	char shown[65];
	unsigned zeros;
	int valid;

	if (!d->header || brain_header_from_hex(d->header, &h) != 0) {
		fprintf(stderr, "brainstem-dtm: --header wants 160 hex digits "
				"(an 80-byte block header)\n");
		return 2;
	}
	if (d->target && d->zeros >= 0) {
		fprintf(stderr, "brainstem-dtm: give --target or --zeros, not "
				"both\n");
		return 2;
	}
	if (d->target) {
		if (brain_hash_from_hex(d->target, target) != 0) {
			fprintf(stderr, "brainstem-dtm: --target wants 64 hex "
					"digits\n");
			return 2;
		}
	} else if (d->zeros >= 0) {
		brain_zeros_to_target((unsigned)d->zeros, target);
	} else if (brain_bits_to_target(h.bits, target) != 0) {
		fprintf(stderr, "brainstem-dtm: the header's bits %08x are "
				"not a valid target\n", h.bits);
		return 2;
	}
	brain_header_hash(&h, hash);
	brain_hash_to_hex(hash, shown);
	zeros = brain_hash_leading_zeros(hash);
	valid = brain_hash_meets_target(hash, target);
	if (d->json)
		printf("{\"hash\": \"%s\", \"leading_zeros\": %u, \"valid\": "
		       "%s}\n", shown, zeros, valid ? "true" : "false");
	else
		printf("hash %s\nleading zeros %u\n%s\n", shown, zeros,
		       valid ? "meets the target" : "does not meet the target");
	return valid ? 0 : 1;
}

static void parse(dtm *d, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{"json", no_argument, NULL, OPT_JSON},
		{"force", no_argument, NULL, OPT_FORCE},
		{"category", required_argument, NULL, OPT_CATEGORY},
		{"header", required_argument, NULL, OPT_HEADER},
		{"target", required_argument, NULL, OPT_TARGET},
		{"zeros", required_argument, NULL, OPT_ZEROS},
		{"hour", no_argument, NULL, OPT_HOUR},
		{"day", no_argument, NULL, OPT_DAY},
		{"week", no_argument, NULL, OPT_WEEK},
		{"month", no_argument, NULL, OPT_MONTH},
		{"at", required_argument, NULL, OPT_AT},
		{NULL, 0, NULL, 0}};
	int opt, levels = 0;

	memset(d, 0, sizeof(*d));
	d->zeros = -1;
	d->level = BRAIN_LEVEL_HOUR;
	cli_init(&d->cli, "brainstem-dtm", argv);
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORT, longopts,
				  NULL)) != -1) {
		char *end;

		switch (opt) {
		case OPT_JSON:
			d->json = 1;
			break;
		case OPT_FORCE:
			d->force = 1;
			break;
		case OPT_CATEGORY:
			d->category = optarg;
			break;
		case OPT_HEADER:
			d->header = optarg;
			break;
		case OPT_TARGET:
			d->target = optarg;
			break;
		case OPT_ZEROS:
			d->zeros = (int)strtol(optarg, &end, 10);
			if (*end || d->zeros < 0 || d->zeros > 64)
				cli_usage_error(&d->cli, "--zeros wants 0 to 64");
			break;
		case OPT_HOUR:
		case OPT_DAY:
		case OPT_WEEK:
		case OPT_MONTH: {
			brain_level_t l = opt == OPT_HOUR  ? BRAIN_LEVEL_HOUR
					  : opt == OPT_DAY ? BRAIN_LEVEL_DAY
					  : opt == OPT_WEEK ? BRAIN_LEVEL_WEEK
							    : BRAIN_LEVEL_MONTH;
			if (levels++ && l != d->level)
				cli_usage_error(&d->cli, "give one of --hour, "
						"--day, --week, --month");
			d->level = l;
			break;
		}
		case OPT_AT:
			if (dtm_parse_time(optarg, &d->at) != 0)
				cli_usage_error(&d->cli, "--at wants a time "
						"like 2026-11-29T10:00Z or "
						"2026-11-29, not '%s'", optarg);
			d->at_given = 1;
			break;
		default:
			if (!cli_common_option(&d->cli, opt, optarg, print_help))
				cli_usage_error(&d->cli, "unknown option");
		}
	}
}

/* --json when the tree cannot be opened: the command's object, saying
 * it did not run, with the message (also on stderr). */
static void json_failure(const dtm *d, const char *cmd, const char *msg)
{
	if (!strcmp(cmd, "validate")) {
		fputs("{\"problems\": [], \"count\": 0, \"clean\": false, "
		      "\"completed\": false, \"category\": ",
		      stdout);
		print_string_or_null(d->category);
		fputs(", ", stdout);
	} else if (!strcmp(cmd, "rebuild")) {
		fputs("{\"rebuilt\": false, \"category\": ", stdout);
		print_string_or_null(d->category);
		fputs(", ", stdout);
	} else {
		fputs("{", stdout);
	}
	fputs("\"error\": ", stdout);
	print_string_or_null(msg);
	fputs("}\n", stdout);
}

/* A word that is not one of `words`: a usage error, with the closest
 * word when it looks like a slip ("did you mean 'validate'?"). */
static void unknown_word(const dtm *d, const char *const *words,
			 const char *word, const char *prefix)
{
	const char *const *w;
	const char *near;

	for (w = words; *w; w++)
		if (!strcmp(*w, word))
			return;
	near = brain_suggest(word, words);
	if (near)
		cli_usage_error(&d->cli, "unknown command '%s%s' (did you "
				"mean '%s%s'?)", prefix, word, prefix, near);
	cli_usage_error(&d->cli, "unknown command '%s%s'", prefix, word);
}

int main(int argc, char **argv)
{
	const char *cmd, *sub = NULL;
	brain_t *b;
	dtm d;
	int rc;

	parse(&d, argc, argv);
	cli_log_start(&d.cli, "dtm");
	if (optind >= argc)
		cli_usage_error(&d.cli, "expected a command: templates, "
					"validate, rebuild, proof or report");
	cmd = argv[optind];
	unknown_word(&d, commands, cmd, "");
	if (!strcmp(cmd, "proof") && argc - optind == 1)
		return proof(&d); /* needs no tree */
	if (!strcmp(cmd, "templates")) {
		if (argc - optind != 2)
			cli_usage_error(&d.cli, "templates wants status or "
						"generate");
		sub = argv[optind + 1];
		unknown_word(&d, templates_commands, sub, "templates ");
	} else if (argc - optind != 1) {
		cli_usage_error(&d.cli, "'%s' takes no argument ('%s')", cmd,
				argv[optind + 1]);
	}
	d.progress = !d.json && d.cli.verbosity >= 0 && isatty(STDERR_FILENO);
	/* validate and templates status only read: they open an existing
	 * tree and change nothing in it; rebuild repairs a tree, so it must
	 * be there; templates generate may make one */
	if (!strcmp(cmd, "validate") || !strcmp(cmd, "report") ||
	    (sub && !strcmp(sub, "status")))
		d.cli.opts.flags = BRAIN_OPEN_READONLY;
	else if (!strcmp(cmd, "rebuild"))
		d.cli.opts.flags = BRAIN_OPEN_EXISTING;
	if (!strcmp(cmd, "rebuild"))
		d.cli.opts.require = rebuild_needs;
	if (!(b = cli_open(&d.cli, COMPONENT))) {
		if (d.json)
			json_failure(&d, cmd, brain_errmsg(NULL));
		return 2;
	}
	if (sub)
		rc = !strcmp(sub, "status") ? templates_status(b, &d)
					    : templates_generate(b, &d);
	else if (!strcmp(cmd, "validate"))
		rc = validate(b, &d);
	else if (!strcmp(cmd, "report"))
		rc = dtm_report(b, &d);
	else
		rc = rebuild(b, &d);
	if (cli_close(&d.cli, b) && !rc)
		rc = 1;
	brain_log_write(d.cli.log, rc == 2 ? BRAIN_LOG_ERROR
			: rc	    ? BRAIN_LOG_WARN
				    : BRAIN_LOG_INFO,
			"%s%s%s: %s (exit %d)", cmd, sub ? " " : "",
			sub ? sub : "",
			rc == 0	  ? "done"
			: rc == 2 ? "failed"
			: !strcmp(cmd, "validate") ? "problems found"
						   : "not done",
			rc);
	return rc;
}
