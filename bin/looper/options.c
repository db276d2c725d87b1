/*
 * bin/looper/options.c - brainstem-looper's command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "looper.h"

enum {
	OPT_MINERS = CLI_FIRST_PROGRAM_OPTION,
	OPT_ROUNDS,
	OPT_ROUND_SECONDS,
	OPT_MAX_RESTARTS,
	OPT_RESTART_WINDOW,
	OPT_HANG,
	OPT_GRACE,
	OPT_HOURS,
	OPT_DAYS,
	OPT_SECONDS,
	OPT_BLOCKS,
	OPT_ON_DEMAND,
	OPT_MINER,
	OPT_SUMMARY,
	OPT_HTTP,
	OPT_NO_HOURLY,
};

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: brainstem-looper [MODE] [OPTIONS] [-- MINER-OPTIONS]\n"
		"Run and watch several brainstem-miner processes: distinct "
		"miner ids (so\ndisjoint work), restarts with back-off, "
		"heartbeats, scheduling, and a clean\nshutdown of every child "
		"on SIGTERM/SIGINT.  SIGHUP restarts the miners one by\none, "
		"SIGUSR1 pauses them and SIGUSR2 resumes them.\n\n"
		"Miners:\n"
		"      --miners N            miners to run, one thread each "
		"(default: online CPUs)\n"
		"      --rounds R            rounds each miner runs (default 0: "
		"until stopped)\n"
		"      --round-seconds S     round length passed to the miners\n"
		"      --miner PATH          the miner program (default: "
		"brainstem-miner beside\n"
		"                            this program, else on PATH)\n"
		"  --  MINER-OPTIONS         passed to every miner "
		"(e.g. -- --zeros 5)\n"
		"Supervision:\n"
		"      --max-restarts K      restarts allowed per window "
		"(default 5)\n"
		"      --restart-window SEC  the window (default 300)\n"
		"      --hang-seconds SEC    heartbeat silence that counts as "
		"hung (default 30)\n"
		"      --summary-seconds SEC the log's hash-rate summary line "
		"every SEC\n"
		"                            (default 60; 0: at the end "
		"only)\n"
		"      --grace SEC           SIGTERM to SIGKILL (default 10)\n"
		"Schedule:\n"
		"      --hours N, --days N   stop after this long (default: "
		"until stopped)\n"
		"      --seconds N           the same in seconds\n"
		"      --blocks N            stop after N blocks across all "
		"miners\n"
		"      --on-demand           stop a miner after each block and "
		"start it again\n"
		"Watching:\n"
		"      --http ADDR:PORT      serve /metrics (Prometheus), "
		"/api/status (JSON) and\n"
		"                            a dashboard at / (e.g. "
		"127.0.0.1:9100; PORT alone is\n"
		"                            loopback; port 0 picks one, said "
		"on stderr)\n"
		"      --no-hourly-report    do not save each ended hour's "
		"report into the\n"
		"                            looping category (it does by "
		"default)\n\n");
	cli_common_help(out);
}

static double number(const looper_opts *o, const char *name,
		     const char *arg, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || *end || end == arg || v < min || v > max)
		cli_usage_error(&o->cli, "%s wants a number from %g to %g, "
					 "not '%s'", name, min, max, arg);
	return v;
}

/* The miner beside this program when it was run by a path, else PATH's. */
static void default_miner(looper_opts *o, const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	if (!slash) {
		o->miner_path = "brainstem-miner";
		return;
	}
	snprintf(o->path_buf, sizeof(o->path_buf), "%.*s/brainstem-miner",
		 (int)(slash - argv0), argv0);
	o->miner_path = o->path_buf;
}

/* What the looper saves into (main.c) and what the miners it runs save
 * into (bin/miner/options.c): the blueprint must have each, or the looper
 * does not start (rather than restart miners that cannot). */
static const char *const looper_streams[] = {
	"looping", "error:looping", "miners",	  "error:miners",
	"ledger",  "math_proof",    "submission", "rejection", NULL};

void looper_parse(looper_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{"miners", required_argument, NULL, OPT_MINERS},
		{"rounds", required_argument, NULL, OPT_ROUNDS},
		{"round-seconds", required_argument, NULL, OPT_ROUND_SECONDS},
		{"max-restarts", required_argument, NULL, OPT_MAX_RESTARTS},
		{"restart-window", required_argument, NULL, OPT_RESTART_WINDOW},
		{"hang-seconds", required_argument, NULL, OPT_HANG},
		{"grace", required_argument, NULL, OPT_GRACE},
		{"hours", required_argument, NULL, OPT_HOURS},
		{"days", required_argument, NULL, OPT_DAYS},
		{"seconds", required_argument, NULL, OPT_SECONDS},
		{"blocks", required_argument, NULL, OPT_BLOCKS},
		{"on-demand", no_argument, NULL, OPT_ON_DEMAND},
		{"miner", required_argument, NULL, OPT_MINER},
		{"summary-seconds", required_argument, NULL, OPT_SUMMARY},
		{"http", required_argument, NULL, OPT_HTTP},
		{"no-hourly-report", no_argument, NULL, OPT_NO_HOURLY},
		{NULL, 0, NULL, 0}};
	int opt;

	memset(o, 0, sizeof(*o));
	cli_init(&o->cli, "brainstem-looper", argv);
	o->cli.opts.require = looper_streams;
	o->max_restarts = 5;
	o->restart_window = 300;
	o->hang_seconds = 30;
	o->grace_seconds = 10;
	o->summary_seconds = 60;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORT, longopts,
				  NULL)) != -1) {
		switch (opt) {
		case OPT_MINERS:
			o->miners = (int)number(o, "--miners", optarg, 1,
						LOOPER_MAX_MINERS);
			break;
		case OPT_ROUNDS:
			o->rounds = (long)number(o, "--rounds", optarg, 0, 1e9);
			break;
		case OPT_ROUND_SECONDS:
			o->round_seconds = (long)number(o, "--round-seconds",
							optarg, 1, 31622400);
			break;
		case OPT_MAX_RESTARTS:
			o->max_restarts = (int)number(o, "--max-restarts",
						      optarg, 0, 63);
			break;
		case OPT_RESTART_WINDOW:
			o->restart_window = number(o, "--restart-window", optarg,
						   1, 1e7);
			break;
		case OPT_HANG:
			o->hang_seconds = number(o, "--hang-seconds", optarg,
						 0.1, 1e6);
			break;
		case OPT_GRACE:
			o->grace_seconds = number(o, "--grace", optarg, 0, 3600);
			break;
		case OPT_HOURS:
			o->run_seconds = 3600 * number(o, "--hours", optarg,
						       0.001, 1e6);
			break;
		case OPT_DAYS:
			o->run_seconds = 86400 * number(o, "--days", optarg,
							0.001, 1e5);
			break;
		case OPT_SECONDS:
			o->run_seconds = number(o, "--seconds", optarg, 0.1, 1e9);
			break;
		case OPT_BLOCKS:
			o->blocks = (long)number(o, "--blocks", optarg, 1, 1e12);
			break;
		case OPT_ON_DEMAND:
			o->on_demand = 1;
			break;
		case OPT_MINER:
			o->miner_path = optarg;
			break;
		case OPT_SUMMARY:
			o->summary_seconds = number(o, "--summary-seconds",
						    optarg, 0, 1e7);
			break;
		case OPT_HTTP:
			o->http = optarg;
			break;
		case OPT_NO_HOURLY:
			o->no_hourly = 1;
			break;
		default:
			if (!cli_common_option(&o->cli, opt, optarg, print_help))
				cli_usage_error(&o->cli, "unknown option");
		}
	}
	o->extra = argv + optind;
	o->nextra = argc - optind;
	if (o->miners == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o->miners = n > 0 ? (int)(n < LOOPER_MAX_MINERS ? n
								: LOOPER_MAX_MINERS)
				  : 1;
	}
	if (!o->miner_path)
		default_miner(o, argv[0]);
}
