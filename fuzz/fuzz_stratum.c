/*
 * fuzz/fuzz_stratum.c - libFuzzer target for what a pool sends, through
 * the public Stratum client (brain_stratum_open/poll/submit/close).
 *
 * One loopback listener is made once; the harness is the pool.  Per
 * input a client connects to it; the harness accepts, answers the
 * handshake (unless the first byte says the input does it) and writes
 * the rest of the input to the client, a round at a time: a round ends
 * after an empty line (which the client ignores), and after each round
 * the harness polls the client until it has nothing more to say.  A JOB
 * is answered with a share: found by trying a few nonces when the job's
 * share target lets a few hashes meet it, else nonce 0, which the client
 * must refuse (BRAIN_EINVAL) unless it happens to meet the target.  The
 * share ids are 4, 5 ... on each connection, so an input can give
 * verdicts.  The first byte's bits: 1, the input answers the handshake
 * itself; 2, the pool hangs up at the end (else the client is closed
 * first); 4, a second pool (the same listener), so a dropped pool fails
 * over and the client switches; 8, the primary is tried again after 1 ms.
 *
 * Checked: every call returns 0 or a documented code; every event kind is
 * known and its strings are there where stratum.h promises them, one
 * line each; a share gets at most one SHARE event, and exactly one once
 * the pool hung up; nothing leaks (LSan), crashes or reads out of bounds.
 *
 * The client may be told (client.reconnect) to go to another port: the
 * harness's connect() refuses every address but its listener, so fuzzing
 * never reaches another program on the machine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONNS_MAX 8      /* pool-side connections of one input */
#define SHARES_MAX 256   /* shares submitted by one input */
#define EVENTS_MAX 20000 /* events of one round: more is a loop */

/* What the handshake of stratum-pool (NOMP) sends: the subscribe answer
 * (id 1) and the authorize answer (id 3; id 2 is
 * mining.extranonce.subscribe, which it does not answer). */
static const char handshake[] =
	"{\"id\":1,\"result\":[[[\"mining.set_difficulty\","
	"\"deadbeefcafebabe0100000000000000\"],[\"mining.notify\","
	"\"deadbeefcafebabe0100000000000000\"]],\"08000002\",4],"
	"\"error\":null}\n"
	"{\"id\":3,\"result\":true,\"error\":null}\n";

static int lfd = -1;
static uint16_t lport;

/* The only address the client may reach is the listener. */
int connect(int fd, const struct sockaddr *a, socklen_t len)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)a;

	if (lfd < 0 || a->sa_family != AF_INET || len < sizeof(*in) ||
	    in->sin_port != htons(lport) ||
	    in->sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
		errno = ECONNREFUSED;
		return -1;
	}
	return (int)syscall(SYS_connect, fd, a, len);
}

static void listener(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) || listen(fd, 64))
		abort();
	lport = ntohs(a.sin_port);
	lfd = fd;
}

typedef struct run {
	brain_stratum_t *s;
	int npools;
	int conns[CONNS_MAX], nconns;
	int handshake; /* the harness answers each connection's handshake */
	uint64_t shares[SHARES_MAX]; /* submitted, no SHARE event yet */
	size_t nshares, submitted;
} run;

/* Takes the connections the client made; drops what the client sent. */
static void pool_side(run *r)
{
	char junk[65536];
	int fd, i;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >=
	       0) {
		if (r->nconns == CONNS_MAX) {
			close(fd);
			continue;
		}
		r->conns[r->nconns++] = fd;
		if (r->handshake)
			(void)!send(fd, handshake, sizeof(handshake) - 1,
				    MSG_NOSIGNAL);
	}
	for (i = 0; i < r->nconns; i++)
		while (recv(r->conns[i], junk, sizeof(junk), 0) > 0)
			;
}

/* A message the header promises: there, and one line. */
static void one_line(const char *m)
{
	if (!m)
		abort();
	for (; *m; m++)
		if ((unsigned char)*m < 0x20)
			abort();
}

static void submit(run *r, brain_stratum_job_t *j)
{
	const brain_stratum_job_info_t *in = brain_stratum_job_info(j);
	uint8_t hash[32];
	brain_work_t w;
	uint32_t nonce = 0, n, tries;
	int meets = 0, rc;
	uint64_t id = 0;

	if (!in || !in->job_id || !in->pool_url || in->extranonce2_size < 1 ||
	    in->extranonce2_size > BRAIN_STRATUM_EXTRANONCE2_MAX ||
	    !isfinite(in->difficulty) || in->difficulty <= 0)
		abort();
	if (brain_stratum_job_work(j, 0, in->ntime, &w))
		abort();
	if (memcmp(w.target, in->share_target, 32))
		abort();
	/* a few hashes only when about one in four meets the target */
	tries = in->difficulty * 4294967296.0 <= 4 ? 32 : 1;
	for (n = 0; n < tries && !meets; n++) {
		w.header.nonce = n;
		brain_header_hash(&w.header, hash);
		if (brain_hash_meets_target(hash, w.target)) {
			meets = 1;
			nonce = n;
		}
	}
	if (r->nshares == SHARES_MAX)
		return;
	rc = brain_stratum_submit(r->s, j, 0, in->ntime, nonce, &id);
	if (rc == 0) {
		if (!meets)
			abort(); /* a share that misses the target was sent */
		r->shares[r->nshares++] = id;
		r->submitted++;
		return;
	}
	if (!*brain_stratum_errmsg(r->s))
		abort();
	if (rc == BRAIN_ESTALE || rc == BRAIN_EPOOL ||
	    (rc == BRAIN_EINVAL && !meets))
		return;
	abort();
}

static void verdict(run *r, const brain_stratum_event_t *ev)
{
	size_t i;

	if (!ev->share || !ev->share->job_id || (ev->accepted != 0 &&
						 ev->accepted != 1))
		abort();
	if (ev->accepted ? ev->reject_code != 0 || ev->reason || ev->stale
			 : !ev->reason)
		abort();
	for (i = 0; i < r->nshares && r->shares[i] != ev->share->id; i++)
		;
	if (i == r->nshares)
		abort(); /* a second verdict, or one for a share never sent */
	r->shares[i] = r->shares[--r->nshares];
}

static void check(run *r, brain_stratum_event_t *ev)
{
	if (!ev->url || !ev->user || ev->pool < -1 || ev->pool >= r->npools ||
	    (ev->pool == -1) != !*ev->url)
		abort();
	if (ev->kind != BRAIN_STRATUM_SWITCHED && ev->from_pool != -1)
		abort();
	if (ev->kind == BRAIN_STRATUM_SWITCHED &&
	    (ev->pool < 0 || ev->from_pool < 0 ||
	     ev->from_pool >= r->npools || ev->from_pool == ev->pool))
		abort();
	if (ev->kind != BRAIN_STRATUM_JOB && ev->job)
		abort();
	switch (ev->kind) {
	case BRAIN_STRATUM_NONE:
		break;
	case BRAIN_STRATUM_CONNECTED:
	case BRAIN_STRATUM_SWITCHED:
		if (ev->pool < 0)
			abort();
		break;
	case BRAIN_STRATUM_DISCONNECTED:
	case BRAIN_STRATUM_MESSAGE:
	case BRAIN_STRATUM_ERROR:
		one_line(ev->message);
		break;
	case BRAIN_STRATUM_JOB:
		if (!ev->job)
			abort();
		submit(r, ev->job);
		brain_stratum_job_unref(ev->job);
		break;
	case BRAIN_STRATUM_DIFFICULTY:
		if (!isfinite(ev->difficulty) || ev->difficulty <= 0)
			abort();
		break;
	case BRAIN_STRATUM_SHARE:
		verdict(r, ev);
		break;
	default:
		abort();
	}
}

/* Polls the client until it has nothing more to say. */
static void pump(run *r)
{
	brain_stratum_event_t ev;
	int n;

	for (n = 0; n < EVENTS_MAX; n++) {
		pool_side(r);
		if (brain_stratum_poll(r->s, 0, &ev))
			abort();
		check(r, &ev);
		if (ev.kind == BRAIN_STRATUM_NONE)
			return;
	}
	abort();
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		struct pollfd f = {fd, POLLOUT, 0};
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EAGAIN && poll(&f, 1, 1000) > 0)
			continue;
		if (k <= 0)
			return; /* the client hung up: allowed */
		p += k;
		n -= (size_t)k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_pool_t p[2] = {{NULL, "fuzzworker", "x"},
				     {NULL, "backup.worker", NULL}};
	char url[64];
	run r;
	const uint8_t *end, *at;
	int i, flags;

	if (size == 0)
		return 0;
	if (lfd < 0)
		listener();
	flags = data[0];
	data++;
	size--;
	memset(&r, 0, sizeof(r));
	r.handshake = !(flags & 1);
	snprintf(url, sizeof(url), "stratum+tcp://127.0.0.1:%u", lport);
	p[0].url = p[1].url = url;
	r.npools = flags & 4 ? 2 : 1;
	o.pools = p;
	o.npools = (size_t)r.npools;
	if (flags & 8)
		o.failover_retry_ms = 1;
	o.max_line = 2048;
	o.timeout_ms = 600000;         /* no time-outs within an input */
	o.connect_timeout_ms = 600000;
	if (brain_stratum_open(&r.s, &o))
		abort();
	pump(&r); /* connects */
	pump(&r);
	for (at = data, end = data + size; at < end;) {
		const uint8_t *cut = at;
		while (cut < end && !(cut + 1 < end && cut[0] == '\n' &&
				      cut[1] == '\n'))
			cut++;
		cut = cut < end ? cut + 2 : end;
		if (r.nconns)
			write_all(r.conns[r.nconns - 1], at, (size_t)(cut - at));
		at = cut;
		pump(&r);
	}
	if (flags & 2) { /* the pool hangs up: every share gets a verdict */
		for (i = 0; i < r.nconns; i++)
			shutdown(r.conns[i], SHUT_RDWR);
		pump(&r);
		pump(&r);
		if (r.nshares)
			abort();
	}
	brain_stratum_close(r.s);
	for (i = 0; i < r.nconns; i++)
		close(r.conns[i]);
	while ((i = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(i);
	return 0;
}
