/*
 * bin/cli.c - the command-line conventions the three programs share.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_init(cli_common *c, const char *program, char **argv)
{
	brain_options_t defaults = BRAIN_OPTIONS_INIT;

	memset(c, 0, sizeof(*c));
	c->program = program;
	c->argv = argv;
	c->opts = defaults;
	c->log_level = -1;
	opterr = 0; /* cli_unknown_option says it once, in our words */
}

void cli_usage_error(const cli_common *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n",
		c->program);
	exit(2);
}

static void set_mode(cli_common *c, const char *mode)
{
	if (c->mode && strcmp(c->mode, mode) != 0)
		cli_usage_error(c, "modes '%s' and '%s' both given", c->mode,
				mode);
	c->mode = mode;
}

static const char *const level_names[] = {"error", "warn", "info", "debug",
					  NULL};

static int level_named(const char *name)
{
	int i;

	for (i = 0; level_names[i]; i++)
		if (!strcmp(name, level_names[i]))
			return i;
	return -1;
}

int cli_common_option(cli_common *c, int opt, const char *arg,
		      void (*print_help)(FILE *))
{
	switch (opt) {
	case '?':
		cli_usage_error(c, "%s '%s'",
				optopt ? "option needs a value or is unknown:"
				       : "unknown option",
				c->argv && optind > 0 ? c->argv[optind - 1]
						      : "?");
	case CLI_DEMO:
		set_mode(c, "demo");
		return 1;
	case CLI_TEST:
		set_mode(c, "test");
		return 1;
	case CLI_STAGING:
		set_mode(c, "staging");
		return 1;
	case CLI_LIVE:
		set_mode(c, "live");
		return 1;
	case CLI_MODE:
		set_mode(c, arg);
		return 1;
	case CLI_ROOT:
		c->opts.root = arg;
		return 1;
	case CLI_BLUEPRINT:
		c->opts.blueprint = arg;
		return 1;
	case CLI_CONFIG:
		c->opts.config = arg;
		return 1;
	case 'q':
		c->verbosity = -1;
		return 1;
	case 'v':
		c->verbosity = 1;
		return 1;
	case CLI_LOG_FILE:
		c->log_file = arg;
		return 1;
	case CLI_SYSLOG:
		c->log_syslog = 1;
		return 1;
	case CLI_LOG_LEVEL:
		c->log_level = level_named(arg);
		if (c->log_level < 0)
			cli_usage_error(c, "--log-level wants error, warn, info "
					   "or debug, not '%s'", arg);
		return 1;
	case 'h':
		print_help(stdout);
		exit(0);
	case CLI_VERSION:
		/* the program as built, and the library it runs with */
		printf("%s %s (libbrainstem %s)\n", c->program,
		       BRAIN_VERSION_STRING, brain_version());
		exit(0);
	default:
		return 0;
	}
}

void cli_common_help(FILE *out)
{
	fputs("Mode (default: the mode whose flag is true in the blueprint):\n"
	      "      --demo                demo mode (Test/Demo/Mining)\n"
	      "      --test                test mode (Test/Test mode/Mining)\n"
	      "      --staging             staging mode (Mining)\n"
	      "      --live                live mode (Mining)\n"
	      "      --mode NAME           any mode the blueprint names\n"
	      "Tree:\n"
	      "      --root DIR            the tree's root (default: "
	      "$BRAINSTEM_ROOT, else .)\n"
	      "      --blueprint FILE      the blueprint (default: "
	      "$BRAINSTEM_BLUEPRINT,\n"
	      "                            <root>/Brain.QTL, the installed "
	      "one)\n"
	      "      --config FILE         config.json (default: "
	      "<root>/config.json)\n"
	      "Output:\n"
	      "  -q, --quiet               errors only\n"
	      "  -v, --verbose             more detail\n"
	      "  -h, --help                this help\n"
	      "      --version             the version\n"
	      "Log (one line per event: time, level, component, message; on "
	      "stderr when\nit is not a terminal):\n"
	      "      --log-file PATH       also append the lines to PATH\n"
	      "      --syslog              also send them to syslog (facility "
	      "daemon)\n"
	      "      --log-level LEVEL     error, warn, info or debug "
	      "(default: info; -q error,\n"
	      "                            -v debug)\n",
	      out);
}

/* ---- the log ---- */

static brain_log_t *log_at_exit; /* the one log of the process */

static void close_log(void)
{
	brain_log_close(log_at_exit);
	log_at_exit = NULL;
}

brain_log_level_t cli_log_level(const cli_common *c)
{
	if (c->log_level >= 0)
		return (brain_log_level_t)c->log_level;
	return c->verbosity < 0	  ? BRAIN_LOG_ERROR
	       : c->verbosity > 0 ? BRAIN_LOG_DEBUG
				  : BRAIN_LOG_INFO;
}

int cli_log_args(const cli_common *c, char **argv)
{
	int n = 0;

	if (c->log_file) {
		argv[n++] = (char *)"--log-file";
		argv[n++] = (char *)c->log_file;
	}
	if (c->log_syslog)
		argv[n++] = (char *)"--syslog";
	argv[n++] = (char *)"--log-level";
	argv[n++] = (char *)level_names[cli_log_level(c)];
	return n;
}

void cli_log_start(cli_common *c, const char *component)
{
	brain_log_options_t o = BRAIN_LOG_OPTIONS_INIT;

	o.component = component;
	o.level = cli_log_level(c);
	o.file = c->log_file;
	o.to_syslog = c->log_syslog;
	if (brain_log_open(&c->log, &o) != 0) {
		fprintf(stderr, "%s: %s\n", c->program, brain_errmsg(NULL));
		exit(2);
	}
	/* the same test as the log's BRAIN_LOG_STDERR_AUTO */
	c->log_on_stderr = !isatty(STDERR_FILENO);
	log_at_exit = c->log;
	atexit(close_log);
}

void cli_say(const cli_common *c, brain_log_level_t level, const char *fmt,
	     ...)
{
	va_list ap;

	if (c->log) {
		va_start(ap, fmt);
		brain_log_vwrite(c->log, level, fmt, ap);
		va_end(ap);
		if (c->log_on_stderr)
			return;
	}
	if (level > BRAIN_LOG_WARN ||
	    (level == BRAIN_LOG_WARN && c->verbosity < 0))
		return;
	fprintf(stderr, "%s: ", c->program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_rate_text(double rate, char *out, size_t size)
{
	static const char *const units[] = {"H/s", "kH/s", "MH/s", "GH/s",
					    "TH/s"};
	size_t u = 0;

	while (rate >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		rate /= 1000;
		u++;
	}
	snprintf(out, size, "%.2f %s", rate, units[u]);
}

/* The library's notices: into the log, and for a person at a terminal
 * as the library's default says them. */
static void notice(void *ctx, const char *line)
{
	const cli_common *c = ctx;

	brain_log_notice(c->log, line);
	if (!(c->log && c->log_on_stderr) && c->verbosity >= 0)
		fprintf(stderr, "brainstem: %s\n", line);
}

/* ---- the tree ---- */

brain_t *cli_open(cli_common *c, const char *component)
{
	brain_t *b;

	c->opts.notice = notice;
	c->opts.notice_ctx = c;
	if (brain_initialize_mode(&b, c->mode, component, &c->opts) != 0) {
		cli_say(c, BRAIN_LOG_ERROR, "%s", brain_errmsg(NULL));
		return NULL;
	}
	return b;
}

int cli_close(const cli_common *c, brain_t *b)
{
	if (brain_close(b) == 0)
		return 0;
	cli_say(c, BRAIN_LOG_ERROR, "%s", brain_errmsg(NULL));
	return 1;
}

brain_http_t *cli_http_start(const cli_common *c, const char *bind,
			     brain_t *b)
{
	const char *colon = strrchr(bind, ':');
	brain_http_t *h;
	int hostlen;

	if (brain_http_start(&h, bind, b) != 0) {
		fprintf(stderr, "%s: %s\n", c->program, brain_errmsg(NULL));
		return NULL;
	}
	/* the host as given ("[::1]", "0.0.0.0"); a bare port is loopback's */
	hostlen = colon ? (int)(colon - bind) : 0;
	fprintf(stderr, "%s: serving http://%.*s:%d/\n", c->program,
		colon ? hostlen : 9, colon ? bind : "127.0.0.1",
		brain_http_port(h));
	return h;
}

