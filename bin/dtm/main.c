/*
 * brainstem-dtm - the Dynamic Template Manager: the tool that says whether
 * a tree can be trusted, and repairs it.
 *
 *   brainstem-dtm templates status|generate [--force]
 *   brainstem-dtm validate [--category C]
 *   brainstem-dtm rebuild [--category C]
 *   brainstem-dtm proof --header HEX [--target HEX | --zeros N]
 *
 * Everything it reads and writes goes through libbrainstem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "../cli.h"

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
};

typedef struct dtm {
	cli_common cli;
	int json, force, zeros;
	const char *category, *header, *target;
	int progress; /* a bar on stderr */
	unsigned long problems_shown;
} dtm;

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: brainstem-dtm [MODE] [OPTIONS] COMMAND\n"
		"Check, repair and version a brainstem tree.\n\n"
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
		"bits\n\n"
		"Options:\n"
		"      --category C          validate or rebuild one category "
		"or record kind\n"
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

static void on_problem(void *ctx, const brain_problem_t *p)
{
	dtm *d = ctx;

	if (d->progress)
		fputs("\r\033[K", stderr);
	if (d->json) {
		json_t *j = json_pack("{s:s, s:I, s:s, s:s}", "path", p->path,
				      "entry", (json_int_t)p->entry, "check",
				      p->check, "message", p->message);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (text)
			printf("%s\n", text);
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

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = brain_validate(b, d->category, on_problem, on_progress, d,
			    &problems);
	elapsed_since(&t0, &secs);
	if (d->progress)
		fputs("\r\033[K", stderr);
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
		return 2;
	}
	elapsed_since(&t0, &secs);
	r = json_pack("{s:s, s:s?, s:f}", "event", "rebuild", "category",
		      d->category, "seconds", secs);
	if (!r || brain_save_system_report(b, CATEGORY, r) != 0)
		fprintf(stderr, "brainstem-dtm: could not record the run: %s\n",
			brain_errmsg(b));
	json_decref(r);
	if (d->cli.verbosity >= 0)
		printf("rebuilt %s in %.2f s\n",
		       d->category ? d->category : "every stream", secs);
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
		{NULL, 0, NULL, 0}};
	int opt;

	memset(d, 0, sizeof(*d));
	d->zeros = -1;
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
		default:
			if (!cli_common_option(&d->cli, opt, optarg, print_help))
				cli_usage_error(&d->cli, "unknown option");
		}
	}
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
					"validate, rebuild or proof");
	cmd = argv[optind];
	if (!strcmp(cmd, "proof") && argc - optind == 1)
		return proof(&d); /* needs no tree */
	if (!strcmp(cmd, "templates")) {
		if (argc - optind != 2)
			cli_usage_error(&d.cli, "templates wants status or "
						"generate");
		sub = argv[optind + 1];
		if (strcmp(sub, "status") && strcmp(sub, "generate"))
			cli_usage_error(&d.cli, "unknown command 'templates %s'",
					sub);
	} else if ((strcmp(cmd, "validate") && strcmp(cmd, "rebuild")) ||
		   argc - optind != 1) {
		cli_usage_error(&d.cli, "unknown command '%s'", cmd);
	}
	d.progress = !d.json && d.cli.verbosity >= 0 && isatty(STDERR_FILENO);
	/* validate and templates status only read: they open an existing
	 * tree and change nothing in it; rebuild repairs a tree, so it must
	 * be there; templates generate may make one */
	if (!strcmp(cmd, "validate") || (sub && !strcmp(sub, "status")))
		d.cli.opts.flags = BRAIN_OPEN_READONLY;
	else if (!strcmp(cmd, "rebuild"))
		d.cli.opts.flags = BRAIN_OPEN_EXISTING;
	if (!strcmp(cmd, "rebuild"))
		d.cli.opts.require = rebuild_needs;
	if (!(b = cli_open(&d.cli, COMPONENT)))
		return 2;
	if (sub)
		rc = !strcmp(sub, "status") ? templates_status(b, &d)
					    : templates_generate(b, &d);
	else if (!strcmp(cmd, "validate"))
		rc = validate(b, &d);
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
