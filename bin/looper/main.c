/*
 * brainstem-looper - the Looping component: schedules and supervises the
 * miners.  It opens its mode's tree through libbrainstem like every
 * component and reports under its own category.  (Supervision of miners
 * arrives with the looper issue; today it checks and builds the tree.)
 */
#include <stdio.h>

#include <brainstem/brainstem.h>

#include "../cli.h"

#define COMPONENT "Looping"

static void print_help(FILE *out)
{
	fprintf(out, "Usage: brainstem-looper [MODE] [OPTIONS]\n"
		     "Run and watch brainstem miners.\n\n");
	cli_common_help(out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {CLI_COMMON_OPTIONS,
						 {NULL, 0, NULL, 0}};
	cli_common cli;
	brain_t *b;
	int opt;

	cli_init(&cli, "brainstem-looper");
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORT, longopts,
				  NULL)) != -1)
		if (!cli_common_option(&cli, opt, optarg, print_help))
			cli_usage_error(&cli, "unknown option");
	if (optind < argc)
		cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);
	b = cli_open(&cli, COMPONENT);
	if (!b)
		return 1;
	if (cli.verbosity >= 0)
		printf("%s mode: tree ready in %s\n", brain_mode(b),
		       brain_base_path(b));
	brain_close(b);
	return 0;
}
