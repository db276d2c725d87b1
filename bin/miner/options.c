/*
 * bin/miner/options.c - brainstem-miner's command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "miner.h"

enum {
	OPT_ROUNDS = CLI_FIRST_PROGRAM_OPTION,
	OPT_ROUND_SECONDS,
	OPT_MAX_ATTEMPTS,
	OPT_ZEROS,
	OPT_MINER_ID,
	OPT_SEED,
	OPT_ENGINE,
	OPT_BENCHMARK,
	OPT_SECONDS,
	OPT_JSON,
	OPT_HEARTBEAT_FD,
	OPT_MAX_BLOCKS,
	OPT_HTTP,
	OPT_RPC_URL,
	OPT_RPC_USER,
	OPT_RPC_PASSWORD,
	OPT_RPC_COOKIE,
	OPT_PAYOUT_ADDRESS,
	OPT_PAYOUT_SCRIPT,
	OPT_MAX_RETRIES,
	OPT_POLL_SECONDS,
	OPT_RPC_TIMEOUT,
	OPT_POOL_TIMEOUT,
	OPT_FAILOVER_RETRY,
};

/*
 * What is wrong with a miner id, or NULL: it goes into every record (JSON
 * strings: valid UTF-8) and into the coinbase tag "/brainstem:ID/", so it
 * is 1 to MINER_ID_MAX bytes of UTF-8 without control characters or '/'.
 */
static const char *miner_id_problem(const char *id)
{
	const unsigned char *p = (const unsigned char *)id;
	size_t len = strlen(id);

	if (!len)
		return "is empty";
	if (len > MINER_ID_MAX)
		return "is longer than 64 bytes";
	while (*p) {
		unsigned c = *p, need, i;
		unsigned long cp;
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		if (c == '/')
			return "contains '/'";
		if (c < 0x80) {
			p++;
			continue;
		}
		need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
		if (!need || c > 0xf4)
			return "is not valid UTF-8";
		cp = c & (0x3fu >> need);
		for (i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = cp << 6 | (p[i] & 0x3fu);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not valid UTF-8";
		if (cp >= 0x80 && cp < 0xa0)
			return "contains a control character";
		p += need + 1;
	}
	return NULL;
}

/* What the miner saves into (main.c, node.c): the blueprint must have
 * each, or the miner does not start. */
static const char *const miner_streams[] = {
	"miners", "error:miners", "ledger", "math_proof", "submission",
	"rejection", NULL};

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: brainstem-miner [MODE] [OPTIONS]\n"
		"Mine Bitcoin block headers (double SHA-256) in rounds and "
		"record every event\nin the brainstem tree: session and round "
		"reports, and for each block found\na ledger entry, a math "
		"proof and a submission.\n\n"
		"Pool mining (staging and live; cpuminer's flags):\n"
		"  -o, --url URL             a Stratum pool, stratum+tcp://HOST:PORT;"
		" repeat it for\n"
		"                            failover pools, in order (the first "
		"is the primary)\n"
		"  -u, --user USER           the worker name (often a payout "
		"address)\n"
		"  -p, --pass PASS           its password (default x)\n"
		"  -O, --userpass USER:PASS  both at once\n"
		"      --pool-timeout S      silence that means a dead pool "
		"(default 90)\n"
		"      --failover-retry S    how often to try the primary again "
		"(default 60)\n"
		"  -u, -p and -O given after a URL belong to that URL; a URL "
		"without its own\n"
		"  takes the first given, so '-o A -o B -u ADDR -p x' uses ADDR "
		"and x for both.\n"
		"  Without -o the pools come from config.json (pools: [{url, "
		"user, pass}]);\n"
		"  with no pools at all, staging and live mine a node (below). "
		"Demo and test\n"
		"  modes mine synthetic work: -o there is an error.\n"
		"  -v prints a line per share verdict.\n\n"
		"Mining:\n"
		"      --rounds N            rounds to run (default 0: until "
		"SIGINT/SIGTERM)\n"
		"      --round-seconds S     longest round (default: config\n"
		"                            mining.round_duration_seconds, "
		"else 60)\n"
		"      --max-attempts N      end a round after exactly N hashes, "
		"0: no cap\n"
		"                            (default: config "
		"mining.max_attempts_per_round,\n"
		"                            else 0)\n"
		"      --zeros N             leading hex zeros wanted: target "
		"2^(256-4N)-1\n"
		"                            (default: config "
		"mining.default_zeros)\n"
		"  -t, --threads N           scanning threads (default: online "
		"CPUs)\n"
		"      --miner-id ID         this miner's name, written into its "
		"coinbase so that\n"
		"                            miners never scan the same headers "
		"(default: miner_<pid>;\n"
		"                            1-64 bytes of UTF-8, no '/' or "
		"control characters)\n"
		"      --seed N              seed of the synthetic work: the same "
		"seed, rounds\n"
		"                            and --max-attempts find the same "
		"blocks whatever -t\n"
		"                            (default miner id: miner_seed_N)\n"
		"      --engine NAME         auto, generic, shani, avx2, avx512 "
		"(default: auto)\n"
		"      --benchmark           hash for --seconds and print the "
		"rate; writes nothing\n"
		"      --seconds S           benchmark length (default 5)\n"
		"      --json                benchmark result as JSON\n"
		"      --heartbeat-fd FD     write a line to FD every second "
		"and per block and\n"
		"                            round (for brainstem-looper)\n"
		"      --max-blocks N        end the session after N blocks "
		"(default 0: no limit)\n"
		"      --http ADDR:PORT      serve this session's /metrics, "
		"/api/status and\n"
		"                            dashboard (e.g. 127.0.0.1:9101; "
		"port 0 picks one)\n\n"
		"Staging and live (a Bitcoin node's getblocktemplate; default: "
		"config.json\nbitcoin_rpc, its \"staging\" or \"live\" part "
		"first):\n"
		"      --rpc-url URL         the node's JSON-RPC (default "
		"http://127.0.0.1:8332/,\n"
		"                            staging http://127.0.0.1:18332/)\n"
		"      --rpc-user USER       basic auth user (with "
		"--rpc-password)\n"
		"      --rpc-password PASS   basic auth password\n"
		"      --rpc-cookie FILE     the node's .cookie file (default "
		"~/.bitcoin/.cookie,\n"
		"                            staging "
		"~/.bitcoin/testnet3/.cookie)\n"
		"      --payout-address ADDR pay the coinbase to a base58 or "
		"bech32(m) address\n"
		"      --payout-script HEX   ... or to this output script\n"
		"      --max-retries N       give up after N failed node calls "
		"in a row\n"
		"                            (default 0: retry for ever, with "
		"back-off)\n"
		"      --poll-seconds S      how often to ask for the tip "
		"(default 1)\n"
		"      --rpc-timeout S       longest wait for one node call "
		"(default 30)\n"
		"  --zeros is ignored against a node: its target comes from "
		"the template.\n\n");
	cli_common_help(out);
}

static long long number(const miner_opts *o, const char *name,
			const char *arg, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || *end || end == arg || v < min || v > max)
		cli_usage_error(&o->cli, "%s wants a whole number from %lld to "
					 "%lld, not '%s'", name, min, max, arg);
	return v;
}

/*
 * -u, -p or -O: they belong to the last -o before them (pool[npools - 1])
 * or, before any -o, to none; the first user and password given anywhere
 * are kept in *first for the urls without their own.
 */
static void credentials(miner_opts *o, int opt, const char *arg,
			struct miner_pool_opt *first)
{
	struct miner_pool_opt *p =
		o->npools ? &o->pool[o->npools - 1] : NULL;
	const char *user = NULL, *pass = NULL;

	if (opt == 'u') {
		user = arg;
	} else if (opt == 'p') {
		pass = arg;
	} else {
		char *buf = o->userpass[o->npools], *colon;
		if (*buf) /* the first credentials may point into it */
			cli_usage_error(&o->cli, "-O given twice for %s",
					p ? p->url : "the pools");
		if (strlen(arg) >= MINER_USERPASS_MAX)
			cli_usage_error(&o->cli, "-O: longer than %d bytes",
					MINER_USERPASS_MAX - 1);
		if (!(colon = strchr(strcpy(buf, arg), ':')))
			cli_usage_error(&o->cli, "-O wants USER:PASS, not "
					"'%s'", arg);
		*colon = '\0';
		user = buf;
		pass = colon + 1;
	}
	if (user && !*user)
		cli_usage_error(&o->cli, "the pool user (-u or -O) is empty");
	if (user && !first->user)
		first->user = user;
	if (pass && !first->pass)
		first->pass = pass;
	if (p && user)
		p->user = user;
	if (p && pass)
		p->pass = pass;
}

/* The pools' urls and users, checked as the client will take them
 * (brain_stratum_open connects nothing). */
static void check_pools(miner_opts *o)
{
	brain_stratum_pool_t pools[MINER_POOLS_MAX];
	brain_stratum_options_t so = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *st;
	int i;

	if (!o->npools)
		return;
	for (i = 0; i < o->npools; i++) {
		pools[i].url = o->pool[i].url;
		pools[i].user = o->pool[i].user;
		pools[i].password = o->pool[i].pass;
	}
	so.pools = pools;
	so.npools = (size_t)o->npools;
	if (brain_stratum_open(&st, &so) != 0)
		cli_usage_error(&o->cli, "-o: %s", brain_errmsg(NULL));
	brain_stratum_close(st);
}

/* Every url gets its user and password: its own, else the first given (a
 * url with its own user but no password gets none: the client's "x"). */
static void resolve_pools(miner_opts *o, const struct miner_pool_opt *first)
{
	int i;

	if (!o->npools && (first->user || first->pass))
		cli_usage_error(&o->cli, "-u, -p and -O need a pool: -o "
				"stratum+tcp://HOST:PORT");
	for (i = 0; i < o->npools; i++) {
		struct miner_pool_opt *p = &o->pool[i];
		if (!p->user) {
			p->user = first->user;
			if (!p->pass)
				p->pass = first->pass;
		}
		if (!p->user)
			cli_usage_error(&o->cli, "pool %s has no user: give -u "
					"USER (or -O USER:PASS)", p->url);
	}
	check_pools(o);
}

void miner_parse(miner_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{"rounds", required_argument, NULL, OPT_ROUNDS},
		{"round-seconds", required_argument, NULL, OPT_ROUND_SECONDS},
		{"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
		{"zeros", required_argument, NULL, OPT_ZEROS},
		{"threads", required_argument, NULL, 't'},
		{"miner-id", required_argument, NULL, OPT_MINER_ID},
		{"seed", required_argument, NULL, OPT_SEED},
		{"engine", required_argument, NULL, OPT_ENGINE},
		{"benchmark", no_argument, NULL, OPT_BENCHMARK},
		{"seconds", required_argument, NULL, OPT_SECONDS},
		{"json", no_argument, NULL, OPT_JSON},
		{"heartbeat-fd", required_argument, NULL, OPT_HEARTBEAT_FD},
		{"max-blocks", required_argument, NULL, OPT_MAX_BLOCKS},
		{"http", required_argument, NULL, OPT_HTTP},
		{"rpc-url", required_argument, NULL, OPT_RPC_URL},
		{"rpc-user", required_argument, NULL, OPT_RPC_USER},
		{"rpc-password", required_argument, NULL, OPT_RPC_PASSWORD},
		{"rpc-cookie", required_argument, NULL, OPT_RPC_COOKIE},
		{"payout-address", required_argument, NULL,
		 OPT_PAYOUT_ADDRESS},
		{"payout-script", required_argument, NULL, OPT_PAYOUT_SCRIPT},
		{"max-retries", required_argument, NULL, OPT_MAX_RETRIES},
		{"poll-seconds", required_argument, NULL, OPT_POLL_SECONDS},
		{"rpc-timeout", required_argument, NULL, OPT_RPC_TIMEOUT},
		{"url", required_argument, NULL, 'o'},
		{"user", required_argument, NULL, 'u'},
		{"pass", required_argument, NULL, 'p'},
		{"userpass", required_argument, NULL, 'O'},
		{"pool-timeout", required_argument, NULL, OPT_POOL_TIMEOUT},
		{"failover-retry", required_argument, NULL,
		 OPT_FAILOVER_RETRY},
		{NULL, 0, NULL, 0}};
	struct miner_pool_opt first = {NULL, NULL, NULL};
	const char *why;
	int opt;

	memset(o, 0, sizeof(*o));
	cli_init(&o->cli, "brainstem-miner", argv);
	o->cli.opts.require = miner_streams;
	o->round_seconds = -1;
	o->max_attempts = -1;
	o->zeros = -1;
	o->bench_seconds = 5;
	o->heartbeat_fd = -1;
	o->max_retries = -1;
	o->poll_seconds = -1;
	o->rpc_timeout = -1;
	o->pool_timeout = -1;
	o->failover_retry = -1;
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORT "t:o:u:p:O:",
				  longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ROUNDS:
			o->rounds = (long)number(o, "--rounds", optarg, 0,
						 1000000000);
			break;
		case OPT_ROUND_SECONDS:
			o->round_seconds = (long)number(o, "--round-seconds",
							optarg, 1, 31622400);
			break;
		case OPT_MAX_ATTEMPTS:
			o->max_attempts = number(o, "--max-attempts", optarg, 0,
						 (long long)1 << 62);
			break;
		case OPT_ZEROS:
			o->zeros = (int)number(o, "--zeros", optarg, 0, 64);
			break;
		case 't':
			o->threads = (int)number(o, "--threads", optarg, 1, 1024);
			break;
		case OPT_MINER_ID:
			o->miner_id = optarg;
			break;
		case OPT_SEED:
			o->seed = (uint64_t)number(o, "--seed", optarg, 0,
						   0x7fffffffffffffffLL);
			o->seed_given = 1;
			break;
		case OPT_ENGINE:
			if (brain_engine_from_name(optarg, &o->engine) != 0)
				cli_usage_error(&o->cli, "unknown engine '%s' "
					"(auto, generic, shani, avx2, avx512)",
					optarg);
			break;
		case OPT_BENCHMARK:
			o->benchmark = 1;
			break;
		case OPT_SECONDS:
			o->bench_seconds = (double)number(o, "--seconds", optarg,
							  1, 86400);
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_HEARTBEAT_FD:
			o->heartbeat_fd = (int)number(o, "--heartbeat-fd", optarg,
						      3, 1023);
			break;
		case OPT_MAX_BLOCKS:
			o->max_blocks = (long)number(o, "--max-blocks", optarg,
						     0, 1000000000);
			break;
		case OPT_HTTP:
			o->http = optarg;
			break;
		case OPT_RPC_URL:
			o->rpc_url = optarg;
			break;
		case OPT_RPC_USER:
			o->rpc_user = optarg;
			break;
		case OPT_RPC_PASSWORD:
			o->rpc_password = optarg;
			break;
		case OPT_RPC_COOKIE:
			o->rpc_cookie = optarg;
			break;
		case OPT_PAYOUT_ADDRESS:
			o->payout_address = optarg;
			break;
		case OPT_PAYOUT_SCRIPT:
			o->payout_script = optarg;
			break;
		case OPT_MAX_RETRIES:
			o->max_retries = (long)number(o, "--max-retries", optarg,
						      0, 1000000000);
			break;
		case OPT_POLL_SECONDS:
			o->poll_seconds = (long)number(o, "--poll-seconds",
						       optarg, 1, 600);
			break;
		case OPT_RPC_TIMEOUT:
			o->rpc_timeout = (long)number(o, "--rpc-timeout", optarg,
						      1, 3600);
			break;
		case 'o':
			if (o->npools == MINER_POOLS_MAX)
				cli_usage_error(&o->cli, "at most %d pools (-o)",
						MINER_POOLS_MAX);
			o->pool[o->npools++].url = optarg;
			break;
		case 'u':
		case 'p':
		case 'O':
			credentials(o, opt, optarg, &first);
			break;
		case OPT_POOL_TIMEOUT:
			o->pool_timeout = (long)number(o, "--pool-timeout",
						       optarg, 1, 3600);
			break;
		case OPT_FAILOVER_RETRY:
			o->failover_retry = (long)number(o, "--failover-retry",
							 optarg, 1, 86400);
			break;
		default:
			if (!cli_common_option(&o->cli, opt, optarg, print_help))
				cli_usage_error(&o->cli, "unknown option");
		}
	}
	if (optind < argc)
		cli_usage_error(&o->cli, "unexpected argument '%s'",
				argv[optind]);
	resolve_pools(o, &first);
	if (o->engine == BRAIN_ENGINE_AUTO)
		o->engine = brain_engine_best();
	else if (!brain_engine_available(o->engine))
		cli_usage_error(&o->cli, "engine '%s' needs CPU features this "
				"machine lacks", brain_engine_name(o->engine));
	if (o->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o->threads = n > 0 ? (int)n : 1;
	}
	if (!o->miner_id) {
		/* a seeded run is a repeatable one: its id (in every
		 * coinbase) comes from the seed, not the process */
		if (o->seed_given)
			snprintf(o->id_buf, sizeof(o->id_buf), "miner_seed_%llu",
				 (unsigned long long)o->seed);
		else
			snprintf(o->id_buf, sizeof(o->id_buf), "miner_%ld",
				 (long)getpid());
		o->miner_id = o->id_buf;
	}
	if ((why = miner_id_problem(o->miner_id)))
		cli_usage_error(&o->cli, "--miner-id %s", why);
}
