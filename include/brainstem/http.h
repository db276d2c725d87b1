/*
 * brainstem/http.h - serving a program's live status over HTTP: /metrics
 * (Prometheus text format), /api/status (JSON) and / (a dashboard drawn
 * from the tree's roll-ups).  Built on libmicrohttpd.
 *
 * The program owns the figures: it hands the server a status object
 * whenever they change (brain_http_set_status); the server's one thread
 * answers every request from the last status it was given and, for the
 * dashboard, from the roll-ups it reads through a read-only handle of its
 * own on the same tree.  A request never waits for the program and the
 * program never waits for a request.
 *
 * The status object (every member optional; numbers are plain JSON
 * numbers, rates in hashes per second, times in Unix seconds):
 *
 *   {"program": "brainstem-looper", "mode": "test", "engine": "shani",
 *    "threads": 4, "started": 1764400000, "hashrate": 12345678.9,
 *    "hashes": N, "blocks": N, "restarts": N,
 *    "shares": {"accepted": N, "rejected": N, "stale": N},
 *    "pool": "stratum+tcp://host:port" | null,
 *    "pools": [{"url": "...", "active": true, "accepted": N,
 *               "rejected": N, "stale": N}],
 *    "errors": {"<category>": N},
 *    "last_error": {"time": T, "message": "..."} | null,
 *    "miners": [{"id": "miner_1", "pid": 123, "state": "running",
 *                "up": true, "hashrate": x, "hashes": N, "blocks": N,
 *                "restarts": N, "last_heartbeat": T,
 *                "shares": {"accepted": N, "rejected": N, "stale": N}}]}
 *
 * Counters (hashes, blocks, shares, restarts, errors) only ever grow
 * over the program's life: a looper adds up what its miners reported
 * across their restarts.  /api/status adds "version" and "uptime"
 * (seconds since "started") to it.
 *
 * /metrics (text/plain; version=0.0.4), each family with HELP and TYPE;
 * a member missing from the status gives no sample:
 *
 *   brainstem_build_info{version,engine,program,mode}         gauge, 1
 *   brainstem_start_time_seconds                              gauge
 *   brainstem_threads                                         gauge
 *   brainstem_program_hashrate_hashes_per_second              gauge
 *   brainstem_hashrate_hashes_per_second{miner}               gauge
 *   brainstem_hashes_total{miner}                             counter
 *   brainstem_blocks_total{miner}                             counter
 *   brainstem_miner_restarts_total{miner}                     counter
 *   brainstem_miner_up{miner}                                 gauge, 0|1
 *   brainstem_miner_last_heartbeat_timestamp_seconds{miner}   gauge
 *   brainstem_shares_total{pool,result="accepted|rejected|stale"} counter
 *   brainstem_errors_total{category}                          counter
 *   brainstem_last_error_timestamp_seconds                    gauge
 *
 * {miner} is a miner's "id"; {pool} a "pools" url (else "pool", with the
 * top-level "shares"); the program's hash rate is the status' "hashrate"
 * (sum the per-miner series rather than adding it to them).
 *
 * GET and HEAD only (405 with "Allow: GET, HEAD" otherwise); any other
 * path is 404.
 */
#ifndef BRAINSTEM_HTTP_H
#define BRAINSTEM_HTTP_H

#include <jansson.h>
#include <brainstem/common.h>
#include <brainstem/brain.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct brain_http brain_http_t; /* opaque */

/*
 * brain_http_start - start serving on `bind`.
 * bind: "HOST:PORT" or "[IPV6]:PORT" (numeric host, or "localhost");
 *       "PORT" alone is 127.0.0.1:PORT.  All interfaces only when asked
 *       for by name ("0.0.0.0:PORT", "[::]:PORT").  Port 0 picks a free
 *       port (see brain_http_port).
 * b:    the program's open tree: the server opens its own read-only
 *       handle on the same root, mode and blueprint for the dashboard
 *       (b itself is not used after the call).  NULL: the dashboard shows
 *       the live status only.
 * Returns 0, or BRAIN_EINVAL (out or bind NULL, a bind that does not
 * parse: the message says why), BRAIN_EIO (the address cannot be bound,
 * e.g. in use: the message names it and the system's reason; or b's tree
 * cannot be opened read-only),
 * BRAIN_ENOMEM.  On failure *out is NULL and brain_errmsg(NULL) says why.
 * Ownership: the caller stops and frees *out with brain_http_stop().
 * Threads: one server thread; at most a bounded number of connections,
 * each with a small memory limit and a timeout, so slow or hostile
 * clients cannot grow it or hold it.  The thread inherits the caller's
 * signal mask: block the signals the program waits for (sigwait,
 * signalfd) before the call, so the server never takes them.
 */
BRAIN_EXTERN(int)
brain_http_start(brain_http_t **out, const char *bind,
		 brain_t *b) BRAIN_WARN_UNUSED;

/*
 * brain_http_port - the port the server listens on (useful after port 0);
 * -1 when h is NULL.  Thread-safe.
 */
BRAIN_EXTERN(int) brain_http_port(const brain_http_t *h);

/*
 * brain_http_set_status - replace the status the server answers from.
 * status: an object as above; the server takes a deep copy, the caller
 *         keeps its own.
 * Returns 0, BRAIN_EINVAL (h NULL, status not an object), BRAIN_ENOMEM.
 * Thread-safe; cheap enough to call once a second.
 */
BRAIN_EXTERN(int)
brain_http_set_status(brain_http_t *h, const json_t *status) BRAIN_WARN_UNUSED;

/*
 * brain_http_stop - stop serving (open connections are closed), close the
 * server's tree handle and free h.  NULL is accepted.
 */
BRAIN_EXTERN(void) brain_http_stop(brain_http_t *h);

#ifdef __cplusplus
}
#endif

#endif
