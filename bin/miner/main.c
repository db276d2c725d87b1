/*
 * brainstem-miner - the Production Miner.
 *
 * It initialises the Brain infrastructure for its mode, then mines.  All
 * of its files are written by libbrainstem; this program only decides
 * what to record.  (Mining rounds arrive with the proof-of-work issue;
 * today it builds and reports the mode's tree.)
 */
#include <stdio.h>
#include <stdlib.h>

#include <brainstem/brainstem.h>

#include "../cli.h"

#define COMPONENT "Production-Miner"

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: brainstem-miner [MODE] [OPTIONS]\n"
		"Mine Bitcoin block headers and record every event in the "
		"brainstem tree.\n\n");
	cli_common_help(out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {CLI_COMMON_OPTIONS,
						 {NULL, 0, NULL, 0}};
	cli_common cli;
	brain_t *b;
	int opt;

	cli_init(&cli, "brainstem-miner", argv);
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
