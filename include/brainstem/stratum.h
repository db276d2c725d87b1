/*
 * brainstem/stratum.h - mining for a pool: a Stratum v1 client with
 * failover, and the pool's jobs turned into headers to scan.
 *
 * The pieces, in the order a miner uses them:
 *
 *   brain_stratum_open     a client for one or more pools (the first is
 *                          the primary, the others failover pools in order)
 *   brain_stratum_poll     runs the client for a while: connects,
 *                          subscribes and authorizes, reads the pool,
 *                          reconnects with back-off, fails over and goes
 *                          back to the primary; hands back one event at a
 *                          time (a new job, a share's verdict, a switch)
 *   brain_stratum_job_work a job and an extranonce2 -> the coinbase, its
 *                          merkle root and the header to scan, with the
 *                          job's share target
 *   brain_stratum_submit   mining.submit of a share found in a job
 *
 * The protocol, as pools speak it (and as cpuminer, the reference CPU
 * miner, expects): line-delimited JSON-RPC over TCP, url
 * "stratum+tcp://host:port".  The client sends mining.subscribe (user
 * agent "brainstem/VERSION"; the session id of the last connection to
 * that pool when reconnecting, so the pool may resume it),
 * mining.extranonce.subscribe, mining.authorize and mining.submit, and
 * takes mining.notify, mining.set_difficulty, mining.set_extranonce,
 * client.reconnect, client.show_message and client.get_version.  A
 * difficulty or extranonce1 applies from the next job on, as pools
 * expect.  Error replies 20-25 (other, job not found, duplicate share,
 * low difficulty share, unauthorized worker, not subscribed) are given
 * back with their code and the pool's text.
 *
 * Failover: when the active pool cannot be reached, does not answer
 * mining.subscribe and mining.authorize within connect_timeout_ms of the
 * connect, refuses the authorization, closes the connection, says nothing
 * (no job, no answer) for timeout_ms, or sends what is not Stratum (not
 * JSON, a line longer than max_line bytes, an extranonce of a wrong size,
 * a difficulty of 0 or less, a malformed job), the client drops it and
 * moves to the next pool at once (the last wraps to the first), waiting
 * with back-off (1, 2, 4 ... 30 s) only after every pool failed in a row.
 * While on a failover pool it tries the primary again every
 * failover_retry_ms and switches back when the primary authorizes.
 *
 * Byte order as in pow.h: hashes and targets are kept in internal order.
 * Difficulty 1 is the target of bits 0x1d00ffff; a share of difficulty d
 * meets that target divided by d.
 *
 * Threads: a brain_stratum_t is used by one thread at a time, except
 * brain_stratum_wake, which any thread (or a signal-waiting thread) may
 * call at any time.  A brain_stratum_job_t is immutable and reference
 * counted: any number of threads may build work from one job, and take
 * and drop references, at the same time.  Failures leave a one-line
 * message in brain_stratum_errmsg (client calls) or brain_errmsg(NULL)
 * (job calls, the calling thread's).
 *
 * The client never touches the filesystem; it records nothing itself.
 * The events say what happened, and the caller records them.
 */
#ifndef BRAINSTEM_STRATUM_H
#define BRAINSTEM_STRATUM_H

#include <stddef.h>
#include <stdint.h>
#include <brainstem/common.h>
#include <brainstem/pow.h>
#include <brainstem/work.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- jobs ------------------------------------------------------------- */

typedef struct brain_stratum_job brain_stratum_job_t;

/* The longest extranonce2 a job may ask for, in bytes. */
#define BRAIN_STRATUM_EXTRANONCE2_MAX 8

/* What a job says, as received (and the difficulty in force for it). */
typedef struct brain_stratum_job_info {
	const char *job_id;      /* the pool's id, as sent */
	const char *pool_url;    /* the pool that sent it */
	uint64_t connection;     /* which connection of the client it came on
				    (counts from 1); a job outlives its
				    connection only as stale work */
	uint8_t prev_hash[32];   /* internal order, as in the header */
	uint32_t version, bits, ntime;
	int clean_jobs;          /* 1: every earlier job is stale */
	double difficulty;       /* the share difficulty in force */
	uint8_t share_target[32];   /* from difficulty, internal order */
	uint8_t network_target[32]; /* from bits, internal order */
	size_t extranonce1_len;  /* bytes */
	size_t extranonce2_size; /* bytes, 1..BRAIN_STRATUM_EXTRANONCE2_MAX */
	size_t merkle_count;     /* branch hashes */
	size_t coinbase_len;     /* bytes, extranonces included */
} brain_stratum_job_info_t;

/* brain_stratum_job_info - the job's fields.  Owned by j. */
BRAIN_EXTERN(const brain_stratum_job_info_t *)
brain_stratum_job_info(const brain_stratum_job_t *j);

/*
 * brain_stratum_job_work - a unit of work from a job: the coinbase
 * coinb1 + extranonce1 + extranonce2 + coinb2, its txid folded with the
 * merkle branch into the merkle root, and the header (the job's version,
 * previous hash and bits, ntime, nonce 0).  out->target is the job's
 * share target, out->extranonce the extranonce2, out->zeros 0.
 *
 * extranonce2: a number below brain_stratum_job_extranonce2_space(j),
 *   written little-endian into extranonce2_size bytes (so 1 is "01000000"
 *   for 4 bytes).  Give every thread its own values (thread + threads * k):
 *   no two then hash the same header.
 * ntime: the header's time (the job's ntime, or later; pools accept
 *   ntime up to about two hours ahead).
 * Cost: one double hash of the coinbase and merkle_count of 64 bytes.
 * Returns 0, or BRAIN_EINVAL (extranonce2 out of range; j or out NULL).
 * Thread-safe.
 */
BRAIN_EXTERN(int)
brain_stratum_job_work(const brain_stratum_job_t *j, uint64_t extranonce2,
		       uint32_t ntime, brain_work_t *out) BRAIN_WARN_UNUSED;

/*
 * brain_stratum_job_extranonce2_space - how many extranonce2 values j
 * allows: 2^(8 * extranonce2_size), UINT64_MAX for 8 bytes.
 */
BRAIN_EXTERN(uint64_t)
brain_stratum_job_extranonce2_space(const brain_stratum_job_t *j);

/*
 * brain_stratum_job_extranonce2_hex - extranonce2 as mining.submit sends
 * it: extranonce2_size bytes, little-endian, in lower-case hex.
 * out: room for 2 * BRAIN_STRATUM_EXTRANONCE2_MAX + 1 characters.
 * Returns 0 or BRAIN_EINVAL (out of range).  Thread-safe.
 */
BRAIN_EXTERN(int)
brain_stratum_job_extranonce2_hex(const brain_stratum_job_t *j,
				  uint64_t extranonce2,
				  char out[2 * BRAIN_STRATUM_EXTRANONCE2_MAX + 1])
	BRAIN_WARN_UNUSED;

/* brain_stratum_job_ref - takes a reference; returns j.  Thread-safe. */
BRAIN_EXTERN(brain_stratum_job_t *)
brain_stratum_job_ref(brain_stratum_job_t *j);

/* brain_stratum_job_unref - drops a reference; the last frees j.  NULL is
 * a no-op.  Thread-safe. */
BRAIN_EXTERN(void) brain_stratum_job_unref(brain_stratum_job_t *j);

/*
 * brain_stratum_difficulty_target - the target of a share difficulty:
 * the difficulty-1 target (bits 0x1d00ffff) divided by difficulty,
 * rounded down; difficulties below 2^-32 give the largest target.
 * Returns 0, or BRAIN_EINVAL (difficulty not finite or <= 0).
 * Thread-safe.
 */
BRAIN_EXTERN(int)
brain_stratum_difficulty_target(double difficulty, uint8_t target[32])
	BRAIN_WARN_UNUSED;

/*
 * brain_stratum_hash_difficulty - the difficulty a hash (internal order)
 * meets: difficulty-1 target / hash, as pools compute "share difficulty".
 * A zero hash gives HUGE_VAL.  Thread-safe.
 */
BRAIN_EXTERN(double) brain_stratum_hash_difficulty(const uint8_t hash[32]);

/* ---- the client ------------------------------------------------------- */

typedef struct brain_stratum brain_stratum_t;

/* One pool: where, and as whom. */
typedef struct brain_stratum_pool {
	const char *url;      /* "stratum+tcp://host:port" (required) */
	const char *user;     /* the worker name, often a payout address
				 (required) */
	const char *password; /* NULL: "x" */
} brain_stratum_pool_t;

typedef struct brain_stratum_options {
	const brain_stratum_pool_t *pools; /* in order of preference */
	size_t npools;                     /* 1..16 */
	const char *user_agent;  /* NULL: "brainstem/BRAIN_VERSION_STRING" */
	long timeout_ms;         /* silence that means a dead pool; 0: 90000 */
	long connect_timeout_ms; /* the whole handshake: connected,
				    subscribed and authorized within it, or
				    the pool is dropped (failover); 0: 5000 */
	long failover_retry_ms;  /* try the primary again; 0: 60000 */
	size_t max_line;         /* longest line taken; 0: 131072 */
} brain_stratum_options_t;

#define BRAIN_STRATUM_OPTIONS_INIT {NULL, 0, NULL, 0, 0, 0, 0}

/*
 * brain_stratum_open - a client for o->pools.  Nothing is connected yet:
 * the first brain_stratum_poll connects to the primary.
 *
 * out: receives the client (NULL on failure).  o: the settings (copied,
 *   strings included).
 * Returns 0, BRAIN_EINVAL (no pools, more than 16, a url that is not
 * stratum+tcp://host:port, a pool without a user, a negative timeout;
 * brain_errmsg(NULL) says which), or BRAIN_ENOMEM.
 * Ownership: the caller frees *out with brain_stratum_close().
 */
BRAIN_EXTERN(int)
brain_stratum_open(brain_stratum_t **out, const brain_stratum_options_t *o)
	BRAIN_WARN_UNUSED;

/* brain_stratum_close - disconnects and frees s; shares still waiting
 * for an answer are forgotten.  NULL is a no-op. */
BRAIN_EXTERN(void) brain_stratum_close(brain_stratum_t *s);

typedef enum brain_stratum_event_kind {
	BRAIN_STRATUM_NONE = 0,     /* nothing happened within the wait (or
				       brain_stratum_wake was called) */
	BRAIN_STRATUM_CONNECTED,    /* pool subscribed and authorized us */
	BRAIN_STRATUM_DISCONNECTED, /* the connection to pool ended (or was
				       never made); message says why */
	BRAIN_STRATUM_SWITCHED,     /* the active pool is now pool (was
				       from_pool; -1 at the first connection
				       is not a switch and is not reported) */
	BRAIN_STRATUM_JOB,          /* a new job: event.job */
	BRAIN_STRATUM_DIFFICULTY,   /* the share difficulty for later jobs */
	BRAIN_STRATUM_SHARE,        /* the pool's verdict on a share */
	BRAIN_STRATUM_MESSAGE,      /* client.show_message: message */
	BRAIN_STRATUM_ERROR,        /* the pool sent what is not Stratum, or
				       refused us: message says what.  The
				       client has dropped the connection,
				       except for a request with an unknown
				       method, which it answers with a
				       JSON-RPC error and stays */
} brain_stratum_event_kind_t;

/* A submitted share, as the client remembers it until its verdict. */
typedef struct brain_stratum_share {
	uint64_t id;               /* as brain_stratum_submit gave it */
	const char *job_id;
	uint64_t extranonce2;
	char extranonce2_hex[2 * BRAIN_STRATUM_EXTRANONCE2_MAX + 1];
	uint32_t ntime, nonce;
	uint8_t hash[32];          /* the header's double SHA-256 */
	double difficulty;         /* the job's share difficulty */
	double hash_difficulty;    /* what the hash itself meets */
	int is_block;              /* the hash also meets the network target */
	char header_hex[161];      /* the 80-byte header as hashed */
} brain_stratum_share_t;

typedef struct brain_stratum_event {
	brain_stratum_event_kind_t kind;
	int pool;             /* index into the options' pools; -1: none */
	int from_pool;        /* SWITCHED: the pool before; else -1 */
	const char *url;      /* pool's url ("" when pool is -1) */
	const char *user;     /* pool's worker name ("" when pool is -1) */
	brain_stratum_job_t *job; /* JOB: a reference the caller owns and
				     drops with brain_stratum_job_unref */
	double difficulty;    /* DIFFICULTY: the new one */
	/* SHARE: */
	const brain_stratum_share_t *share;
	int accepted;         /* 1: the pool took it */
	int reject_code;      /* the pool's error code (21 stale, 22
				 duplicate, 23 low difficulty ...); -1 when
				 the pool gave none or never answered (the
				 connection ended first); 0 when accepted */
	int stale;            /* rejected as stale: code 21, or a reason
				 naming a stale or unknown job */
	const char *reason;   /* rejected: the pool's text, or "no answer:
				 connection lost"; NULL when accepted */
	const char *message;  /* DISCONNECTED, MESSAGE, ERROR: one line */
} brain_stratum_event_t;

/*
 * brain_stratum_poll - runs the client for at most wait_ms (0: only what
 * is ready now) and gives back the first thing that happened.
 *
 * Connects when there is no connection and the back-off allows it,
 * sends what brain_stratum_submit queued, reads and answers the pool,
 * detects silence, fails over and returns to the primary.  Events are
 * handed back one per call, in the order they happened; call again at
 * once while kind is not BRAIN_STRATUM_NONE.  A pool that must be dropped
 * gives ERROR (what it did), then DISCONNECTED, then SWITCHED once
 * another pool authorizes.  Every submitted share gets exactly one SHARE
 * event: the pool's verdict, or a rejection with reject_code -1 when the
 * connection ended before the answer.
 *
 * ev: receives the event.  Its strings, share and the job's fields stay
 *   valid until the next call on s (take a job reference to keep a job).
 * Returns 0 (an event or NONE), BRAIN_EINVAL (s or ev NULL), or
 * BRAIN_ENOMEM.  Network failures are events, not return codes.
 */
BRAIN_EXTERN(int)
brain_stratum_poll(brain_stratum_t *s, long wait_ms, brain_stratum_event_t *ev)
	BRAIN_WARN_UNUSED;

/*
 * brain_stratum_wake - makes a brain_stratum_poll that is waiting (or the
 * next one) return at once with NONE.  Async-signal-safe and callable
 * from any thread: a scanner that found a share calls it.
 */
BRAIN_EXTERN(void) brain_stratum_wake(brain_stratum_t *s);

/*
 * brain_stratum_submit - queues mining.submit(user, job id, extranonce2,
 * ntime, nonce) for the active connection; brain_stratum_poll sends it
 * and, later, gives its verdict as a SHARE event.
 *
 * j: the job the share was found in.  extranonce2, ntime, nonce: as
 *   hashed (the header of brain_stratum_job_work(j, extranonce2, ntime)
 *   with this nonce).
 * id: receives the share's id (not NULL).
 * The client hashes the header again and refuses a share that does not
 * meet the job's share target, so a broken scanner never reaches the
 * pool.
 * Returns 0 (queued), BRAIN_ESTALE (nothing sent: j came on an earlier
 * connection, or a job with clean_jobs came after it), BRAIN_EINVAL (the
 * hash does not meet the share target; an argument NULL or out of range),
 * BRAIN_EPOOL (no pool is connected now), or BRAIN_ENOMEM.
 * brain_stratum_errmsg(s) says which.
 */
BRAIN_EXTERN(int)
brain_stratum_submit(brain_stratum_t *s, const brain_stratum_job_t *j,
		     uint64_t extranonce2, uint32_t ntime, uint32_t nonce,
		     uint64_t *id) BRAIN_WARN_UNUSED;

/* brain_stratum_active - the index of the pool now connected and
 * authorized, or -1. */
BRAIN_EXTERN(int) brain_stratum_active(const brain_stratum_t *s);

/* brain_stratum_pool_url - the url of pool i (NULL when out of range).
 * Owned by s. */
BRAIN_EXTERN(const char *) brain_stratum_pool_url(const brain_stratum_t *s,
						   int i);

/* brain_stratum_current_difficulty - the share difficulty the active pool
 * last set (1 until it sets one). */
BRAIN_EXTERN(double) brain_stratum_current_difficulty(const brain_stratum_t *s);

/* brain_stratum_errmsg - the last failure on s, one line ("" when none).
 * Owned by s until its next call. */
BRAIN_EXTERN(const char *) brain_stratum_errmsg(const brain_stratum_t *s);

#ifdef __cplusplus
}
#endif

#endif
