/*
 * lib/stratum_proto.h - one connection to one pool, as Stratum v1 sees it
 * (stratum_proto.c), and the events it hands to the client
 * (stratum_client.c), which decides what to do with the connection.
 *
 * A connection goes: connecting -> subscribing -> authorizing -> ready.
 * It reports back by return values and by appending events to a queue,
 * never by calling the client.
 */
#ifndef BRAIN_LIB_STRATUM_PROTO_H
#define BRAIN_LIB_STRATUM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <brainstem/stratum.h>

#include "error.h"
#include "stratum_conn.h"

/* ---- the event queue --------------------------------------------------- */

typedef struct brain__sev {
	struct brain__sev *next;
	brain_stratum_event_t ev;  /* its strings point into this node */
	char *message;             /* ev.message */
	char *reason;              /* ev.reason */
	brain_stratum_share_t share;
	brain_stratum_job_t *keep; /* keeps share.job_id alive */
} brain__sev;

typedef struct brain__sevq {
	brain__sev *head, *tail;
} brain__sevq;

/* Frees one event with what it holds (ev.job too: a JOB event never
 * handed out). */
void brain__sev_free(brain__sev *e);
/* Frees every event in q. */
void brain__sevq_clear(brain__sevq *q);
/* Takes the first event off q (NULL when empty). */
brain__sev *brain__sevq_pop(brain__sevq *q);

struct brain__spool;
/* A new event at the end of q for pool p (NULL: no pool), message copied
 * as one line (may be NULL).  Returns it, or NULL when out of memory (the
 * event is lost). */
brain__sev *brain__sev_push(brain__sevq *q, brain_stratum_event_kind_t kind,
			    const struct brain__spool *p, const char *message);

/* ---- one pool connection ----------------------------------------------- */

/* What a pool is, for a connection to it (strings owned by the client). */
typedef struct brain__spool {
	int index;
	const char *url, *host, *port, *user, *password;
	const char *agent;
	const char *session_id;   /* NULL: a fresh session (copied) */
	size_t max_line;
} brain__spool;

enum brain__sstate {
	BRAIN__S_CONNECTING,
	BRAIN__S_SUBSCRIBING,
	BRAIN__S_AUTHORIZING,
	BRAIN__S_READY,
};

/* What a step of a connection came to. */
enum brain__soutcome {
	BRAIN__S_OK = 0,     /* keep going */
	BRAIN__S_AUTHORIZED, /* the pool took us: the client makes it active */
	BRAIN__S_FAILED,     /* drop it; why in msg */
	BRAIN__S_HOSTILE,    /* drop it: what it sent is not Stratum, or it
				refused us; what in msg (an ERROR event) */
	BRAIN__S_RECONNECT,  /* client.reconnect: port and wait_ms set */
};

typedef struct brain__spend brain__spend; /* a share waiting for a verdict */

#define BRAIN__SJOBS_MAX 16

typedef struct brain__sconn {
	struct brain__sconn *next; /* the client's list of draining ones */
	brain__spool pool;
	uint64_t number;           /* the client's connection count */
	brain__conn io;
	enum brain__sstate state;
	int quiet;     /* no events but verdicts (a connection being left) */
	int64_t started_ms, last_rx_ms;
	uint64_t next_id, sub_id, xsub_id, auth_id;
	char *resume;              /* the session id subscribe offers */
	char *session_id;          /* the pool's, from mining.subscribe */
	uint8_t extranonce1[32];
	size_t extranonce1_len, extranonce2_size;
	double difficulty;
	int difficulty_set;
	brain_stratum_job_t *early; /* the last job before authorization */
	brain_stratum_job_t *jobs[BRAIN__SJOBS_MAX]; /* not stale, oldest
							first */
	size_t njobs;
	brain__spend *pending;
	size_t npending;
	char reconnect_port[8];
	long reconnect_wait_ms;
	char msg[512];             /* why, for FAILED/HOSTILE */
} brain__sconn;

/* A new connection to pool p, connect started.  Returns 0, or an error
 * (BRAIN_EPOOL: cannot connect; BRAIN_ENOMEM) with the message in e and
 * *out NULL. */
int brain__sconn_open(brain__sconn **out, const brain__spool *p,
		      uint64_t number, int64_t now_ms, brain__err *e);

/* Frees c; its pending shares must have been given up first. */
void brain__sconn_free(brain__sconn *c);

/* The poll() events c waits for. */
short brain__sconn_events(const brain__sconn *c);

/*
 * Does c's I/O for revents (0: none), then takes the lines read, one at a
 * time, until one gives an outcome other than OK; appends the events
 * they make to q.  Call it again with revents 0 after an outcome other
 * than OK (and other than FAILED/HOSTILE) to take the remaining lines.
 */
enum brain__soutcome brain__sconn_step(brain__sconn *c, short revents,
				       int64_t now_ms, brain__sevq *q);

/* The handshake or the pool's silence timed out (FAILED, msg set) or not
 * (OK).  connect_ms bounds the whole handshake from the connect to the
 * answer to mining.authorize, silence_ms any silence and the wait for a
 * share's verdict. */
enum brain__soutcome brain__sconn_timer(brain__sconn *c, int64_t now_ms,
					long connect_ms, long silence_ms);

/* When brain__sconn_timer must run next. */
int64_t brain__sconn_deadline(const brain__sconn *c, long connect_ms,
			      long silence_ms);

/* The job the pool sent before it authorized us, as a JOB event on q (if
 * there is one). */
int brain__sconn_release_early(brain__sconn *c, brain__sevq *q);


/* Every pending share of c as a SHARE event "no answer: connection
 * lost" (reject_code -1) on q. */
void brain__sconn_lose_shares(brain__sconn *c, brain__sevq *q);

/*
 * Queues mining.submit of a share of job j on c (at now_ms), with the
 * share id id.  Returns 0, BRAIN_ESTALE (j is not a current job of c),
 * BRAIN_EINVAL (the hash misses the share target), BRAIN_ENOMEM; message
 * in e.
 */
int brain__sconn_submit(brain__sconn *c, const brain_stratum_job_t *j,
			uint64_t extranonce2, uint32_t ntime, uint32_t nonce,
			uint64_t id, int64_t now_ms, brain__err *e);

#endif
