/*
 * brainstem-dtm - the Dynamic Template Manager: shows and regenerates the
 * template versions of System_File_Examples.  Everything it reads and
 * writes goes through libbrainstem.
 *
 *   brainstem-dtm templates status [--json]
 *   brainstem-dtm templates generate [--force]
 */
#include <stdio.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "../cli.h"

#define COMPONENT "DTM"

enum { OPT_JSON = CLI_FIRST_PROGRAM_OPTION, OPT_FORCE };

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: brainstem-dtm [MODE] [OPTIONS] COMMAND\n"
		"Manage the templates of a brainstem tree.\n\n"
		"Commands:\n"
		"  templates status          blueprint hash, recorded version, "
		"kept-aside versions\n"
		"  templates generate        regenerate when the blueprint "
		"changed\n"
		"      --force               regenerate even when it did not\n"
		"      --json                machine-readable output\n\n");
	cli_common_help(out);
}

static int templates_status(brain_t *b, int as_json)
{
	json_t *st, *prev;
	size_t i;

	if (brain_templates_status(b, &st) != 0) {
		fprintf(stderr, "brainstem-dtm: %s\n", brain_errmsg(b));
		return 2;
	}
	if (as_json) {
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(st);
		return 0;
	}
	printf("blueprint:      %s\n", json_string_value(json_object_get(st, "blueprint")));
	printf("blueprint hash: %s\n", json_string_value(json_object_get(st, "blueprint_hash")));
	printf("templates:      %s\n", json_string_value(json_object_get(st, "folder")));
	printf("recorded hash:  %s\n",
	       json_is_string(json_object_get(st, "recorded_hash"))
		       ? json_string_value(json_object_get(st, "recorded_hash"))
		       : "(none)");
	printf("status:         %s\n", json_is_true(json_object_get(st, "current"))
				       ? "current"
				       : "out of date");
	prev = json_object_get(st, "previous");
	for (i = 0; i < json_array_size(prev); i++)
		printf("kept aside:     %s\n",
		       json_string_value(json_object_get(
			       json_array_get(prev, i), "path")));
	json_decref(st);
	return 0;
}

static int templates_generate(brain_t *b, int force, int quiet)
{
	int regenerated;

	if (brain_templates_generate(b, force, &regenerated) != 0) {
		fprintf(stderr, "brainstem-dtm: %s\n", brain_errmsg(b));
		return 2;
	}
	if (!quiet && !regenerated)
		printf("templates current (blueprint %.12s); nothing to do\n",
		       brain_blueprint_hash(b));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{"json", no_argument, NULL, OPT_JSON},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0}};
	int opt, as_json = 0, force = 0, rc;
	const char *cmd, *sub;
	cli_common cli;
	brain_t *b;

	cli_init(&cli, "brainstem-dtm", argv);
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORT, longopts,
				  NULL)) != -1) {
		if (opt == OPT_JSON)
			as_json = 1;
		else if (opt == OPT_FORCE)
			force = 1;
		else if (!cli_common_option(&cli, opt, optarg, print_help))
			cli_usage_error(&cli, "unknown option");
	}
	if (argc - optind != 2 || strcmp(argv[optind], "templates") != 0)
		cli_usage_error(&cli, "expected a command: templates status | "
				      "templates generate");
	cmd = argv[optind];
	sub = argv[optind + 1];
	if (strcmp(sub, "status") && strcmp(sub, "generate"))
		cli_usage_error(&cli, "unknown command '%s %s'", cmd, sub);
	b = cli_open(&cli, COMPONENT);
	if (!b)
		return 2;
	rc = !strcmp(sub, "status")
		     ? templates_status(b, as_json)
		     : templates_generate(b, force, cli.verbosity < 0);
	brain_close(b);
	return rc;
}
