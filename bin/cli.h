/*
 * bin/cli.h - what the three programs share on their command lines: the
 * mode flags, --root, --blueprint, --config, -q/-v, --help, --version,
 * the log (--log-file, --syslog, --log-level, and stderr when it is not a
 * terminal), hash rates in units people read, and opening the tree with a
 * clear message when that fails.
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
	CLI_LOG_FILE,
	CLI_SYSLOG,
	CLI_LOG_LEVEL,
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
	{"version", no_argument, NULL, CLI_VERSION},                           \
	{"log-file", required_argument, NULL, CLI_LOG_FILE},                   \
	{"syslog", no_argument, NULL, CLI_SYSLOG},                             \
	{"log-level", required_argument, NULL, CLI_LOG_LEVEL}

#define CLI_COMMON_SHORT "qvh"

typedef struct cli_common {
	const char *program;
	char **argv;
	const char *mode; /* NULL: the blueprint's mode flags decide */
	brain_options_t opts;
	int verbosity; /* 0 normal, <0 quiet, >0 verbose */
	const char *log_file; /* --log-file; NULL: none */
	int log_syslog;       /* --syslog */
	int log_level;        /* --log-level; -1: from -q/-v */
	brain_log_t *log;     /* from cli_log_start on; closed at exit */
	int log_on_stderr;    /* the log writes to stderr (not a terminal) */
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
 * Opens the log with the options given (after option parsing, before
 * anything worth logging): lines go to stderr when it is not a terminal,
 * to --log-file, to syslog, at the level -q/-v or --log-level set;
 * component names the program in each line ("looper", a miner's id,
 * "dtm").  A log file that cannot be opened is a settings error: the
 * message on stderr and exit 2.  The log is closed at exit.
 */
void cli_log_start(cli_common *c, const char *component);

/* The level the options set (--log-level, else -q/-v). */
brain_log_level_t cli_log_level(const cli_common *c);

/* The log options for a child program (--log-file PATH, --syslog,
 * --log-level LEVEL), so it logs where and as much as this one: appended
 * to argv (room for CLI_LOG_ARGS_MAX); returns how many.  The strings are
 * c's or static. */
#define CLI_LOG_ARGS_MAX 5
int cli_log_args(const cli_common *c, char **argv);

/*
 * An event for the operator: one line in the log; and an ERROR (or a
 * WARN unless -q), when the log does not write to stderr, also
 * "<program>: <message>" on stderr as before, so a person at a terminal
 * sees it.  Before cli_log_start only the latter.
 */
void cli_say(const cli_common *c, brain_log_level_t level, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));

/* A hash rate with its unit, scaled to three digits before the point:
 * "512.00 H/s", "12.34 MH/s", ... */
void cli_rate_text(double hashes_per_second, char *out, size_t size);

/* Opens the tree (its notices go to the log, and to stderr as
 * "brainstem: <line>" when the log does not, unless -q); on failure prints "<program>: <message>" and returns
 * NULL. */
brain_t *cli_open(cli_common *c, const char *component);

/*
 * Starts the status server (--http) on bind over b's tree and says where
 * on stderr ("<program>: serving http://HOST:PORT/", the port the system
 * gave when bind asked for 0).  On failure prints "<program>: <message>"
 * and returns NULL: the caller exits 2.
 */
brain_http_t *cli_http_start(const cli_common *c, const char *bind,
			     brain_t *b);

/* Closes the tree; when its final flush fails prints "<program>:
 * <message>" and returns 1, else 0. */
int cli_close(const cli_common *c, brain_t *b);

#endif
