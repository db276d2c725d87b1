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

#include <brainstem/brainstem.h>

#include "../cli.h"

#define LOOPER_MAX_MINERS 256

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
	 *                 started, over restarts: rounds ended plus the
	 *                 current round so far (a counter: never goes down)
	 *   round_hashes  of those, the current round's (its last "hb")
	 *   blocks        blocks found ("block" lines), over restarts
	 *   last_beat     (above) monotonic seconds of its latest line
	 *   restarts_total restarts since the looper started
	 */
	uint64_t hashrate;
	uint64_t hashes;
	uint64_t round_hashes;
	long blocks;
	long restarts_total;
	char buf[512];
	size_t buflen;
} miner_proc;

#endif
