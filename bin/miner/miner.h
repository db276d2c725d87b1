/*
 * bin/miner/miner.h - the Production Miner's parts: its settings, the
 * scanning threads of one round, and what it records.
 */
#ifndef BRAINSTEM_MINER_H
#define BRAINSTEM_MINER_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <brainstem/brainstem.h>

#include "../cli.h"

typedef struct miner_opts {
	cli_common cli;
	long rounds;           /* 0: until stopped */
	long round_seconds;    /* -1: config mining.round_duration_seconds */
	long long max_attempts; /* -1: config mining.max_attempts_per_round */
	int zeros;             /* -1: config mining.default_zeros */
	int threads;           /* 0: online CPUs */
	const char *miner_id;  /* NULL: miner_<pid> */
	char id_buf[64];
#define MINER_ID_MAX 64 /* bytes of --miner-id */
	uint64_t seed;
	int seed_given;
	brain_engine_t engine;
	int benchmark, json;
	double bench_seconds;
	int heartbeat_fd; /* -1: none; else "hb"/"block"/"round" lines */
	long max_blocks;  /* 0: no limit; else end the session after N */
	/* staging and live: the node (NULL/-1: config.json bitcoin_rpc) */
	const char *rpc_url, *rpc_user, *rpc_password, *rpc_cookie;
	const char *payout_address, *payout_script;
	long max_retries;    /* -1: config, else 0 = retry forever */
	long poll_seconds;   /* -1: config, else tip polling interval */
	long rpc_timeout;    /* -1: config, else seconds per call */
} miner_opts;

/* Parses argv; exits 2 on a usage error, 0 after --help/--version. */
void miner_parse(miner_opts *o, int argc, char **argv);

/* One block found: the unit it was found in and its nonce and hash. */
typedef struct miner_block {
	brain_work_t work;
	uint32_t nonce;
	uint8_t hash[32];
} miner_block;

/* What one round did. */
typedef struct round_result {
	uint64_t attempts;
	unsigned best_zeros;
	uint8_t best_hash[32];
	miner_block *blocks;
	size_t nblocks;
	double seconds;
	int interrupted; /* stopped by a signal */
} round_result;

/*
 * Flags one thread raises and others poll (a round's stop, a job gone
 * stale, the signal thread's stop request): relaxed atomic loads and
 * stores, so that polling them is not a data race.  brain_scan reads its
 * stop flag the same way.
 */
static inline int flag_is_set(volatile int *f)
{
	return __atomic_load_n(f, __ATOMIC_RELAXED);
}
static inline void flag_raise(volatile int *f)
{
	__atomic_store_n(f, 1, __ATOMIC_RELAXED);
}

/* The stop flag raised on SIGINT/SIGTERM by the signal thread (which
 * takes them with sigwait, so no signal handler touches it). */
extern volatile int miner_stop_requested;
#define MINER_STOPPING() flag_is_set(&miner_stop_requested)

/* Folds a scan's best hash into a round's (best_zeros, best_hash); first:
 * the round has hashed nothing yet.  Caller holds the round's lock. */
void miner_keep_best(unsigned *best_zeros, uint8_t best_hash[32], int first,
		     const brain_scan_t *s);

/* Seconds on the monotonic clock. */
double miner_now(void);

/* The absolute CLOCK_MONOTONIC time `seconds` from now (0 when negative),
 * for pthread_cond_timedwait on a condition made by miner_cond_init. */
void miner_deadline_in(struct timespec *ts, double seconds);

/* A condition variable whose timed waits use the monotonic clock. */
void miner_cond_init(pthread_cond_t *cv);

/* Blocks SIGINT/SIGTERM in every thread and starts the thread that waits
 * for them. */
int miner_signals_start(void);

/*
 * Runs one round: `threads` scanners until `max_attempts` hashes, the
 * round's seconds, or a stop request; `status` (if not NULL) is called
 * about once a second with the hashes so far.
 */
int miner_round(const miner_opts *o, uint32_t round, unsigned zeros,
		double seconds, uint64_t max_attempts, uint32_t header_time,
		void (*status)(uint64_t hashes, double seconds, void *ctx),
		void *ctx, round_result *out);

void miner_round_free(round_result *r);

/* The session, shared by the synthetic (main.c) and node (node.c) loops. */
typedef struct session {
	miner_opts o;
	brain_t *b;
	unsigned zeros;
	double round_seconds;
	uint64_t max_attempts;
	long blocks, failures;
	int status_line;
} session;

/* Logs a failure to stderr and to the error tree, with context. */
void miner_fail(session *s, const char *what, long round);
/* Saves a system report and frees it (NULL: a failed json_pack). */
void miner_report(session *s, json_t *r, long round);
/* A line for the supervisor, if there is one. */
void miner_beat(const session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The once-a-second status callback of a round. */
void miner_status(uint64_t hashes, double seconds, void *ctx);

/* Registers the condition variable the signal thread wakes on SIGINT or
 * SIGTERM (NULL: none). */
void miner_signal_cv(pthread_cond_t *cv);

/*
 * Mines a Bitcoin node's templates (staging and live): rounds until
 * --rounds, --max-blocks, a signal, or --max-retries failed node calls in
 * a row.  Returns the exit status: 0, 1 (gave up on the node, or
 * records failed) or 2 (bad settings, said on stderr).
 */
int miner_node_session(session *s);

/* Hashes for `seconds` with the options' engine and threads. */
int miner_benchmark(const miner_opts *o, uint64_t *hashes, double *seconds);

#endif
