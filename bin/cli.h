/*
 * bin/cli.h - what the three programs share on their command lines: the
 * mode flags, --root, --blueprint, --config, -q/-v, --help, --version, and
 * opening the tree with a clear message when that fails.
 */
#ifndef BRAINSTEM_BIN_CLI_H
#define BRAINSTEM_BIN_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <brainstem/brainstem.h>

enum {
	CLI_DEMO = 0x100,
	CLI_TEST,
	CLI_STAGING,
	CLI_LIVE,
	CLI_MODE,
	CLI_ROOT,
	CLI_BLUEPRINT,
	CLI_CONFIG,
	CLI_VERSION,
	CLI_FIRST_PROGRAM_OPTION /* programs number their own from here */
};

#define CLI_COMMON_OPTIONS                                                     \
	{"demo", no_argument, NULL, CLI_DEMO},                                 \
	{"test", no_argument, NULL, CLI_TEST},                                 \
	{"staging", no_argument, NULL, CLI_STAGING},                           \
	{"live", no_argument, NULL, CLI_LIVE},                                 \
	{"mode", required_argument, NULL, CLI_MODE},                           \
	{"root", required_argument, NULL, CLI_ROOT},                           \
	{"blueprint", required_argument, NULL, CLI_BLUEPRINT},                 \
	{"config", required_argument, NULL, CLI_CONFIG},                       \
	{"quiet", no_argument, NULL, 'q'},                                     \
	{"verbose", no_argument, NULL, 'v'},                                   \
	{"help", no_argument, NULL, 'h'},                                      \
	{"version", no_argument, NULL, CLI_VERSION}

#define CLI_COMMON_SHORT "qvh"

typedef struct cli_common {
	const char *program;
	char **argv;
	const char *mode; /* NULL: the blueprint's mode flags decide */
	brain_options_t opts;
	int verbosity; /* 0 normal, <0 quiet, >0 verbose */
} cli_common;

void cli_init(cli_common *c, const char *program, char **argv);

/*
 * Handles one common option.  Returns 1 if it was one (and the program
 * should go on), 0 if it is not common, and exits for --help (after
 * print_help) and --version.
 */
int cli_common_option(cli_common *c, int opt, const char *arg,
		      void (*print_help)(FILE *));

/* The common options' lines for --help. */
void cli_common_help(FILE *out);

/* "try '<program> --help'" on stderr, exit 2. */
void cli_usage_error(const cli_common *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * The word of `candidates` (NULL-terminated) closest to `word` by edit
 * distance, when it is close enough to be a slip (at most a third of the
 * word's letters, at least 2), else NULL: for "did you mean 'validate'?".
 */
const char *cli_suggest(const char *word, const char *const *candidates);

/* Opens the tree; on failure prints "<program>: <message>" and returns
 * NULL. */
brain_t *cli_open(cli_common *c, const char *component);

/* Closes the tree; when its final flush fails prints "<program>:
 * <message>" and returns 1, else 0. */
int cli_close(const cli_common *c, brain_t *b);

#endif
