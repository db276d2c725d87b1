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
	/* -1: none; else lines for the supervisor: "hb H RATE BLOCKS" about
	 * once a second (H: this round's hashes so far, RATE: H/s),
	 * "round N H RATE BLOCKS" at a round's end, "block HASH" */
	int heartbeat_fd;
	long max_blocks;  /* 0: no limit; else end the session after N */
	const char *http; /* --http ADDR:PORT; NULL: no server */
	/* staging and live: the node (NULL/-1: config.json bitcoin_rpc) */
	const char *rpc_url, *rpc_user, *rpc_password, *rpc_cookie;
	const char *payout_address, *payout_script;
	long max_retries;    /* -1: config, else 0 = retry forever */
	long poll_seconds;   /* -1: config, else tip polling interval */
	long rpc_timeout;    /* -1: config, else seconds per call */
	/* pools (-o, -u, -p, -O): in order, the first the primary; a pool's
	 * user and pass are resolved by miner_parse (a url without its own
	 * takes the first given) */
#define MINER_POOLS_MAX 16
#define MINER_USERPASS_MAX 512 /* bytes of one -O */
	struct miner_pool_opt {
		const char *url, *user, *pass;
	} pool[MINER_POOLS_MAX];
	int npools;
	char userpass[MINER_POOLS_MAX + 1][MINER_USERPASS_MAX];
	long pool_timeout;   /* -1: config, else seconds of silence */
	long failover_retry; /* -1: config, else seconds */
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
	uint64_t max_attempts; /* 0: no cap, rounds end by their time */
	long blocks, failures;
	int status_line;
	/* the session's figures (status.c): hashes of the rounds ended, and
	 * in pool mining the shares so far, in all and by pool (each pool's
	 * own, in the order first used; a url given twice is one pool), and
	 * the pool in use ("" when none) */
	uint64_t hashes_done;
	long shares[3]; /* accepted, rejected, stale */
	struct miner_pool_shares {
		const char *url;
		long shares[3];
	} pool_shares[MINER_POOLS_MAX];
	int npool_shares;
	const char *pool;
	brain_http_t *http; /* --http; NULL: none */
	long long started, last_error_time;
	char last_error[256];
	long errors; /* errors for the error tree (miner_error_noted) */
} session;

/*
 * status.c - the session's figures once a second (and at each round's
 * end): the supervisor's "total HASHES" line (and in pool mining "pool
 * URL" for the pool in use, "-" when none, then "shares ACC REJ STALE
 * URL" for each pool the session has shares of: that pool's own counts),
 * and the status --http serves.  hashes: the session's so far; rate: the
 * current hash rate.
 */
void miner_totals(session *s, uint64_t hashes, double rate);
/* Starts the server when --http was given.  Returns 0, or -1 (said on
 * stderr: the miner exits 2). */
int miner_http_start(session *s);
void miner_http_stop(session *s);

/* Logs a failure to stderr and to the error tree, with context. */
void miner_fail(session *s, const char *what, long round);
/* An error of type `what` goes to the error tree (every one does, a
 * failure, a node's, a pool's): counted for the status, the last error,
 * and the supervisor's "error WHAT" line. */
void miner_error_noted(session *s, const char *what, const char *message);
/* Saves a system report and frees it (NULL: a failed json_pack). */
void miner_report(session *s, json_t *r, long round);
/* Saves a record into stream (a record kind: "ledger", "submission" ...)
 * and frees it; a failure (or r NULL: a failed json_pack) is logged as
 * "<stream>_failed". */
void miner_save(session *s, const char *stream, json_t *r, long round);
/* Saves the math proof of a block: header h (its nonce set) hashes to
 * hash, which meets target; extra's members are added (stolen). */
void miner_proof(session *s, const brain_header_t *h, const uint8_t hash[32],
		 const uint8_t target[32], long round, json_t *extra);
/* A line for the supervisor, if there is one. */
void miner_beat(const session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The once-a-second status callback of a round. */
void miner_status(uint64_t hashes, double seconds, void *ctx);

/* Registers what the signal thread wakes on SIGINT or SIGTERM: a
 * condition variable and a Stratum client's poll (each may be NULL). */
void miner_signal_wake(pthread_cond_t *cv, brain_stratum_t *pool);

/*
 * The scanners of a node or pool session: a crew of threads that hash the
 * job the main thread publishes until it goes stale, and wait while there
 * is none.  The main thread publishes a job, the scanners take it by
 * reference; a job replaced (or the crew stopped) is marked stale, which
 * ends every scan of it within 65,536 nonces.
 */
typedef struct miner_job {
	void *work;               /* a brain_template_t, a brain_stratum_job_t */
	void (*free_work)(void *);
	uint64_t seq;             /* same work, same seq: a scanner carries on
				     with its extranonces where it was */
	double published;         /* monotonic seconds */
	int refs;                 /* under the crew's mu */
	int found;                /* under mu: node mode's one block a job */
	volatile int stale;       /* read by brain_scan: stop scanning it */
} miner_job;

typedef struct miner_crew miner_crew;

/* Scans j until it is stale; *k is the scanner's count of extranonces
 * taken from this work (its own: thread + threads * k).  Runs on a
 * scanning thread, without the lock. */
typedef void (*miner_scan_fn)(miner_crew *c, int index, uint64_t *k,
			      miner_job *j);

typedef struct miner_slot {
	uint64_t seq, k;
} miner_slot;

struct miner_crew {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	miner_job *cur;          /* under mu; NULL: no work */
	int quit;                /* under mu */
	uint64_t hashes;         /* under mu: this round's */
	uint64_t budget;         /* under mu: a round's hashes; 0: no cap */
	uint64_t claimed;        /* under mu: hashes + those being scanned */
	unsigned best_zeros;     /* under mu: this round's */
	uint8_t best_hash[32];
	int nthreads, started;
	int error;               /* a scanner failed (read after the join) */
	miner_scan_fn scan;
	void *ctx;               /* the mode's, for scan */
	pthread_t *tids;
	struct crew_arg *args;
	miner_slot *slots;       /* per thread, kept across rounds */
};

/* Sets up a crew of n threads (none started).  Returns 0 or -1. */
int miner_crew_init(miner_crew *c, int n, miner_scan_fn scan, void *ctx);
void miner_crew_destroy(miner_crew *c);
/* Starts the scanners of a round (hash count and best reset).  Returns
 * how many started (all, or fewer: said on stderr). */
int miner_crew_start(miner_crew *c);
/* Stops the round's scanners and waits for them; the current job is
 * stale and gone. */
void miner_crew_stop(miner_crew *c);
/* Makes work the current job (NULL: none) and wakes the scanners; the
 * crew owns work from here (free_work frees it). */
void miner_crew_publish(miner_crew *c, void *work, void (*free_work)(void *),
			uint64_t seq);
/* Drops a reference to j; the caller holds mu. */
void miner_job_release(miner_job *j);
/* Caps every round at `budget` hashes (0: no cap), so that a round ended
 * by its attempts has exactly that many.  Call before miner_crew_start. */
void miner_crew_budget(miner_crew *c, uint64_t budget);
/* Takes up to `want` nonces of the round's budget for one scan of j,
 * waiting while the round's budget is all taken (until the next round).
 * Returns the count, or 0 when j went stale or the crew stops.  Runs on a
 * scanning thread, without mu. */
uint64_t miner_crew_claim(miner_crew *c, miner_job *j, uint64_t want);
/* Folds a scan of `claimed` nonces (r->hashes of them hashed, the rest
 * given back) and its best hash into the round; caller holds mu.
 * Returns 1 when that spent the round's budget: the caller wakes its
 * main thread to end the round. */
int miner_crew_count(miner_crew *c, const brain_scan_t *r, uint64_t claimed);
/* The round's hash count so far. */
uint64_t miner_crew_hashes(miner_crew *c);
/* Ends a round without stopping the scanners: gives its hash count and
 * best zeros and starts the next round's from zero (the scans under way
 * count in the next round, and take from its budget). */
void miner_crew_take(miner_crew *c, uint64_t *hashes, unsigned *best_zeros);

/*
 * The end of a round of a node or pool session: the mining_round_complete
 * report (the usual fields, then extra's: stolen), the supervisor's line,
 * and the line on stdout.
 */
void miner_round_end(session *s, long round, uint64_t hashes,
		     unsigned best_zeros, long blocks, double seconds,
		     json_t *extra);

/* A header's compact target as people and block explorers write it:
 * 8 lower-case hex digits, "207fffff". */
void miner_bits_hex(uint32_t bits, char out[9]);

/* A hash rate with its unit: "512.0 H/s", "12.34 MH/s", ... */
void miner_rate_text(double hashes_per_second, char *out, size_t size);

/*
 * Mines a Bitcoin node's templates (staging and live): rounds until
 * --rounds, --max-blocks, a signal, or --max-retries failed node calls in
 * a row.  Returns the exit status: 0, 1 (gave up on the node, or
 * records failed) or 2 (bad settings, said on stderr).
 */
int miner_node_session(session *s);

/*
 * Mines for pools over Stratum (staging and live, when pools are given on
 * the command line or in config.json): rounds until --rounds,
 * --max-blocks or a signal.  Returns the exit status: 0, 1 (records
 * failed) or 2 (bad settings, said on stderr).
 */
int miner_pool_session(session *s);

/* The pools to mine for: the command line's, else config.json's (0:
 * none, mine a node).  Fills pools (MINER_POOLS_MAX of room). */
size_t miner_pools(const session *s, brain_stratum_pool_t *pools);

/* Hashes for `seconds` with the options' engine and threads. */
int miner_benchmark(const miner_opts *o, uint64_t *hashes, double *seconds);

#endif
