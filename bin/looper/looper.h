/*
 * bin/looper/looper.h - the Looping component: runs N brainstem-miner
 * processes, watches their heartbeats, restarts the ones that fail (with
 * back-off, at most K times a window), schedules how long they mine, and
 * stops them all cleanly.
 */
#ifndef BRAINSTEM_LOOPER_H
#define BRAINSTEM_LOOPER_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <brainstem/brainstem.h>

#include "../cli.h"

#define LOOPER_MAX_MINERS 256
#define LOOPER_POOLS_MAX 16 /* pools a miner's shares are counted by */

typedef struct looper_opts {
	cli_common cli;
	int miners;            /* 0: online CPUs */
	long rounds;           /* passed to each miner; 0: until stopped */
	long round_seconds;    /* passed on when > 0 */
	int max_restarts;      /* per window */
	double restart_window; /* seconds */
	double hang_seconds;   /* silence before a miner counts as hung */
	double grace_seconds;  /* SIGTERM to SIGKILL */
	double run_seconds;    /* --hours/--days; 0: until stopped */
	double summary_seconds; /* the log's summary line every; 0: at end */
	long blocks;           /* stop after this many blocks; 0: never */
	int on_demand;         /* a miner is restarted after each block */
	const char *miner_path;
	const char *http;      /* --http ADDR:PORT; NULL: no server */
	int no_hourly;         /* --no-hourly-report */
	char **extra;          /* options after "--" for every miner */
	int nextra;
	char path_buf[4096];
} looper_opts;

void looper_parse(looper_opts *o, int argc, char **argv);

typedef enum miner_state {
	M_DOWN,     /* not running; may be waiting for its restart time */
	M_RUNNING,
	M_STOPPING, /* SIGTERM sent; SIGKILL at kill_at */
	M_DONE,     /* finished its rounds (exit 0) or gave up */
} miner_state;

typedef struct miner_proc {
	char id[64];
	pid_t pid;
	int fd; /* its heartbeat pipe, -1 when none */
	miner_state state;
	double started, last_beat, restart_at, kill_at;
	int attempt;          /* restarts in the current back-off run */
	double delay;         /* the back-off before the coming restart */
	double restarts[64];  /* times of recent restarts (window) */
	int nrestarts;
	int restart_after_exit; /* stopped on purpose: start again */
	/*
	 * What it mines, from its heartbeat lines (bin/miner/miner.h); the
	 * status line, the log's summary and /metrics read these.  Only the
	 * looper's thread writes them.
	 *   hashrate      H/s of its latest line: the round so far ("hb"),
	 *                 the round just ended ("round"), so it is right
	 *                 whatever the round length; 0 while not running
	 *   hashes        done by this slot's miners since the looper
	 *                 started, over restarts: hashes_before plus the
	 *                 running miner's "total" (a counter: never goes down)
	 *   blocks        blocks found ("block" lines), over restarts
	 *   last_beat     (above) monotonic seconds of its latest line
	 *   restarts_total restarts since the looper started
	 */
	uint64_t hashrate;
	uint64_t hashes;
	long blocks;
	long restarts_total;
	char buf[512];
	size_t buflen;
	/* for the status (status.c): what this run of the miner said, and
	 * what its runs before said, so the counters grow across restarts;
	 * its shares by pool, as its "shares" lines count them */
	uint64_t hashes_run, hashes_before;
	struct looper_pool_shares {
		char url[256];
		long run[3], before[3]; /* accepted, rejected, stale */
	} pools[LOOPER_POOLS_MAX];
	int npools;
	int threads;    /* as its "engine" line said; 0: not yet */
	char pool[256]; /* the pool in use, as its "pool" line said; "":
			   none */
} miner_proc;

/*
 * status.c - the looper's figures for --http: a status object (see
 * brainstem/http.h) built from its miners, handed to the server once a
 * second and whenever a miner starts, stops or finds a block.
 */
typedef struct looper_status {
	brain_http_t *http; /* NULL: no --http */
	long long started;  /* Unix time */
	double next;        /* monotonic time of the next status */
	unsigned long seen; /* what the last status showed (its events) */
	char engine[32];    /* the miners' engine, as they said */
	long errors_looping, errors_miners;
	long long last_error_time;
	char last_error[256];
} looper_status;

/* Starts the server when --http was given.  Returns 0, or -1 when it
 * could not (said on stderr: the looper exits 2). */
int looper_status_start(looper_status *st, const looper_opts *o,
			brain_t *b);
/* The figures of a miner's heartbeat line that the status needs ("engine
 * NAME THREADS", "total HASHES", "pool URL", "shares ACC REJ STALE URL"
 * (one pool's), "error WHAT"); other lines are left alone. */
void looper_status_line(looper_status *st, miner_proc *m, const char *line);
/* A miner (re)started: its last run's counters are kept; restarted: the
 * start was a restart. */
void looper_status_run_start(miner_proc *m);
/* An error the looper recorded into its category. */
void looper_status_error(looper_status *st, const char *message);
/* Hands the server the status when a second has passed or something
 * changed; now is monotonic. */
void looper_status_publish(looper_status *st, brain_t *b,
			   const miner_proc *m, int n, double now);
void looper_status_stop(looper_status *st);

/*
 * hourly.c - the previous hour's report kept in the tree (see there).
 * looper_hourly_save saves the report of the hour before the one `ref`
 * lies in into `category` as {"event": LOOPER_HOURLY_EVENT, "scope",
 * "report"[, "trimmed"]}, unless the category already holds one for that
 * hour, the hour has not ended by b's clock, or (if_records) the hour
 * holds no record.  scope receives the hour's scope (32 bytes are
 * enough).  Returns 0 (nothing saved), 1 (the whole report saved), 2 to
 * 4 (a digest of that step saved), or a negative BRAIN_E* code with the
 * message in brain_errmsg(b) (not always for BRAIN_ENOMEM).
 */
#define LOOPER_HOURLY_EVENT "hourly_report"
int looper_hourly_save(brain_t *b, const char *category, time_t ref,
		       int if_records, char *scope, size_t size);

#endif
