/*
 * lib/stratum_client.c - the Stratum client of stratum.h: the pools, which
 * of them is in use, failover and the way back to the primary, and the
 * events handed to the caller one per brain_stratum_poll.
 *
 * At most three kinds of connection live at once: the active one (in use,
 * or being tried), a probe (the primary, tried again in the background
 * while a failover pool is in use) and connections being left, kept open
 * only until their shares have verdicts (at most DRAINING_MAX, each for
 * at most timeout_ms).  Failing pools are tried in order at once; only
 * after every pool failed in a row does the client wait, 1, 2, 4 ... 30 s.
 * The protocol of one connection is stratum_proto.c's; this file only
 * decides what to do with its outcomes.
 *
 * Cost of a poll: one poll() on at most 2 + DRAINING_MAX sockets and the
 * wake eventfd; no allocation but for what the pool sends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "stratum_proto.h"

#define POOLS_MAX 16
#define BACKOFF_MAX_MS 30000
#define DRAINING_MAX 8
#define URL_PREFIX "stratum+tcp://"

typedef struct pool_state {
	char *url, *host, *port, *user, *password;
	char *session_id; /* the pool's, from our last session with it */
	char *port_now;   /* client.reconnect's port; NULL: port */
} pool_state;

struct brain_stratum {
	pool_state pools[POOLS_MAX];
	size_t npools;
	char *agent;
	long timeout_ms, connect_ms, retry_ms;
	size_t max_line;
	int wake_fd;
	brain__sconn *active;   /* in use (READY) or being tried */
	brain__sconn *probe;    /* the primary, tried in the background */
	brain__sconn *draining; /* being left: waiting for verdicts */
	int cur;                /* the pool of active, or the one tried next */
	int last_pool;          /* the last pool that authorized us; -1 */
	unsigned fails;         /* connections failed in a row */
	int64_t connect_at;     /* when cur may be tried (back-off) */
	int64_t probe_at;       /* when the primary may be tried again */
	uint64_t nconn, nshares;
	brain__sevq q;
	brain__sev *handed;     /* the event given out last */
	brain__err err;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- opening and closing ------------------------------------------------ */

/* "stratum+tcp://host:port" (host may be "[v6]") into host and port. */
static int parse_url(const char *url, char **host, char **port)
{
	const char *h, *end, *colon;
	size_t hl;
	long p;
	char *stop;

	if (strncmp(url, URL_PREFIX, strlen(URL_PREFIX)))
		return BRAIN_EINVAL;
	h = url + strlen(URL_PREFIX);
	end = h + strlen(h);
	if (end > h && end[-1] == '/')
		end--;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));
		if (!close || close[1] != ':')
			return BRAIN_EINVAL;
		colon = close + 1;
		h++;
		hl = (size_t)(close - h);
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		if (!colon || memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return BRAIN_EINVAL;
		hl = (size_t)(colon - h);
	}
	if (!hl || memchr(h, '/', hl) || colon + 1 >= end ||
	    strspn(colon + 1, "0123456789") != (size_t)(end - colon - 1))
		return BRAIN_EINVAL;
	p = strtol(colon + 1, &stop, 10);
	if (p < 1 || p > 65535 || end - colon - 1 > 5)
		return BRAIN_EINVAL;
	*host = strndup(h, hl);
	*port = strndup(colon + 1, (size_t)(end - colon - 1));
	return *host && *port ? 0 : BRAIN_ENOMEM;
}

static int check_options(const brain_stratum_options_t *o)
{
	brain__err *e = brain__thread_err();
	size_t i;

	BRAIN__ARG(e, o);
	if (o->npools < 1 || o->npools > POOLS_MAX)
		return brain__errf(e, BRAIN_EINVAL,
				   "stratum: %zu pools (1..%d expected)",
				   o->npools, POOLS_MAX);
	BRAIN__ARG(e, o->pools);
	BRAIN__ARG(e, o->timeout_ms >= 0);
	BRAIN__ARG(e, o->connect_timeout_ms >= 0);
	BRAIN__ARG(e, o->failover_retry_ms >= 0);
	for (i = 0; i < o->npools; i++) {
		const brain_stratum_pool_t *p = &o->pools[i];
		char *h = NULL, *port = NULL;
		int rc = p->url ? parse_url(p->url, &h, &port) : BRAIN_EINVAL;

		free(h);
		free(port);
		if (rc == BRAIN_ENOMEM)
			return brain__errf(e, rc, "out of memory");
		if (rc)
			return brain__errf(e, rc,
					   "stratum: pool %zu: url '%s' is not "
					   "stratum+tcp://host:port", i + 1,
					   p->url ? p->url : "");
		if (!p->user || !*p->user)
			return brain__errf(e, BRAIN_EINVAL,
					   "stratum: pool %zu (%s) has no user",
					   i + 1, p->url);
	}
	return 0;
}

static char *dup_or(const char *s, const char *dflt, int *failed)
{
	char *d = strdup(s ? s : dflt);

	if (!d)
		*failed = 1;
	return d;
}

int brain_stratum_open(brain_stratum_t **out, const brain_stratum_options_t *o)
{
	brain_stratum_t *s;
	int failed = 0, rc;
	size_t i;

	BRAIN__ARG(brain__thread_err(), out);
	*out = NULL;
	if ((rc = check_options(o)))
		return rc;
	if (!(s = calloc(1, sizeof(*s))))
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "out of memory");
	s->wake_fd = -1;
	s->npools = o->npools;
	for (i = 0; i < o->npools; i++) {
		pool_state *p = &s->pools[i];
		p->url = dup_or(o->pools[i].url, "", &failed);
		p->user = dup_or(o->pools[i].user, "", &failed);
		p->password = dup_or(o->pools[i].password, "x", &failed);
		if (!failed && parse_url(p->url, &p->host, &p->port))
			failed = 1;
	}
	s->agent = dup_or(o->user_agent, "brainstem/" BRAIN_VERSION_STRING,
			  &failed);
	s->timeout_ms = o->timeout_ms ? o->timeout_ms : 90000;
	s->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 5000;
	s->retry_ms = o->failover_retry_ms ? o->failover_retry_ms : 60000;
	s->max_line = o->max_line ? o->max_line : 131072;
	s->last_pool = -1;
	s->connect_at = now_ms();
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (failed || s->wake_fd < 0) {
		brain_stratum_close(s);
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   failed ? "out of memory"
					  : "stratum: no eventfd for waking");
	}
	*out = s;
	return 0;
}

void brain_stratum_close(brain_stratum_t *s)
{
	size_t i;

	if (!s)
		return;
	brain__sconn_free(s->active);
	brain__sconn_free(s->probe);
	while (s->draining) {
		brain__sconn *c = s->draining;
		s->draining = c->next;
		brain__sconn_free(c);
	}
	brain__sevq_clear(&s->q);
	brain__sev_free(s->handed);
	for (i = 0; i < s->npools; i++) {
		pool_state *p = &s->pools[i];
		free(p->url);
		free(p->host);
		free(p->port);
		free(p->user);
		free(p->password);
		free(p->session_id);
		free(p->port_now);
	}
	free(s->agent);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	free(s);
}

/* ---- connections -------------------------------------------------------- */

static brain__spool spool_of(const brain_stratum_t *s, int i)
{
	const pool_state *p = &s->pools[i];
	brain__spool sp;

	sp.index = i;
	sp.url = p->url;
	sp.host = p->host;
	sp.port = p->port_now ? p->port_now : p->port;
	sp.user = p->user;
	sp.password = p->password;
	sp.agent = s->agent;
	sp.session_id = p->session_id;
	sp.max_line = s->max_line;
	return sp;
}

static void push(brain_stratum_t *s, brain_stratum_event_kind_t kind, int pool,
		 const char *message)
{
	brain__spool sp;

	if (pool >= 0)
		sp = spool_of(s, pool);
	(void)brain__sev_push(&s->q, kind, pool >= 0 ? &sp : NULL, message);
}

/* The pool failed: the next one at once, or after a back-off once every
 * pool failed in a row. */
static void next_pool(brain_stratum_t *s, int64_t now)
{
	pool_state *p = &s->pools[s->cur];
	unsigned rounds;
	int64_t delay;

	free(p->port_now); /* a port given by client.reconnect that failed */
	p->port_now = NULL;
	s->fails++;
	s->cur = (s->cur + 1) % (int)s->npools;
	s->connect_at = now;
	if (s->fails % s->npools == 0) {
		rounds = s->fails / (unsigned)s->npools;
		delay = (int64_t)1000 << (rounds > 6 ? 6 : rounds - 1);
		s->connect_at = now + (delay > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
							      : delay);
	}
}

/* Leaves c: kept (quiet) until its pending shares have verdicts. */
static void leave(brain_stratum_t *s, brain__sconn *c, int64_t now)
{
	brain__sconn **at;
	size_t n = 0;

	if (!c->npending) {
		brain__sconn_free(c);
		return;
	}
	c->quiet = 1;
	c->started_ms = now;
	for (at = &s->draining; *at; at = &(*at)->next)
		n++;
	*at = c;
	if (n >= DRAINING_MAX) { /* the oldest gives up */
		brain__sconn *old = s->draining;
		s->draining = old->next;
		brain__sconn_lose_shares(old, &s->q);
		brain__sconn_free(old);
	}
}

static void drop_draining(brain_stratum_t *s, brain__sconn *c)
{
	brain__sconn **at = &s->draining;

	while (*at != c)
		at = &(*at)->next;
	*at = c->next;
	brain__sconn_lose_shares(c, &s->q);
	brain__sconn_free(c);
}

/* The active connection failed (outcome o, why in its msg). */
static void drop_active(brain_stratum_t *s, enum brain__soutcome o,
			int64_t now)
{
	brain__sconn *c = s->active;

	s->active = NULL;
	if (o == BRAIN__S_HOSTILE)
		push(s, BRAIN_STRATUM_ERROR, c->pool.index, c->msg);
	push(s, BRAIN_STRATUM_DISCONNECTED, c->pool.index, c->msg);
	brain__sconn_lose_shares(c, &s->q);
	brain__sconn_free(c);
	next_pool(s, now);
	if (s->probe && s->cur != 0) { /* the primary is being tried anyway */
		s->active = s->probe;
		s->probe = NULL;
		s->cur = 0;
	}
}

/* client.reconnect: the same pool again, maybe on another port, later. */
static void reconnect(brain_stratum_t *s, int64_t now)
{
	brain__sconn *c = s->active;
	pool_state *p = &s->pools[c->pool.index];

	s->active = NULL;
	push(s, BRAIN_STRATUM_DISCONNECTED, c->pool.index, c->msg);
	free(p->port_now);
	p->port_now = strcmp(c->reconnect_port, p->port)
			      ? strdup(c->reconnect_port)
			      : NULL;
	s->cur = c->pool.index;
	s->connect_at = now + c->reconnect_wait_ms;
	leave(s, c, now);
}

/* c (the active connection) was authorized. */
static void authorized(brain_stratum_t *s, int64_t now)
{
	brain__sconn *c = s->active;
	pool_state *p = &s->pools[c->pool.index];
	brain__sev *e;

	if (c->session_id) {
		free(p->session_id);
		p->session_id = strdup(c->session_id);
	}
	s->fails = 0;
	s->cur = c->pool.index;
	push(s, BRAIN_STRATUM_CONNECTED, c->pool.index, NULL);
	if (s->last_pool >= 0 && s->last_pool != c->pool.index) {
		push(s, BRAIN_STRATUM_SWITCHED, c->pool.index, NULL);
		if (s->q.tail && s->q.tail->ev.kind == BRAIN_STRATUM_SWITCHED)
			s->q.tail->ev.from_pool = s->last_pool;
	}
	s->last_pool = c->pool.index;
	if (c->difficulty_set &&
	    (e = brain__sev_push(&s->q, BRAIN_STRATUM_DIFFICULTY, &c->pool,
				 NULL)))
		e->ev.difficulty = c->difficulty;
	(void)brain__sconn_release_early(c, &s->q);
	s->probe_at = now + s->retry_ms;
}

/* The probe (the primary) authorized us: back to it. */
static void back_to_primary(brain_stratum_t *s, int64_t now)
{
	brain__sconn *old = s->active;

	s->active = s->probe;
	s->probe = NULL;
	if (old && old->state == BRAIN__S_READY) {
		push(s, BRAIN_STRATUM_DISCONNECTED, old->pool.index,
		     "left for the primary pool, which answers again");
		leave(s, old, now);
	} else {
		brain__sconn_free(old);
	}
	authorized(s, now);
}

static int is_draining(const brain_stratum_t *s, const brain__sconn *c)
{
	const brain__sconn *d;

	for (d = s->draining; d; d = d->next)
		if (d == c)
			return 1;
	return 0;
}

/* Runs c's I/O and lines, and acts on what they come to. */
static void run(brain_stratum_t *s, brain__sconn *c, short revents,
		int64_t now)
{
	enum brain__soutcome o;

	for (;;) {
		o = brain__sconn_step(c, revents, now, &s->q);
		revents = 0;
		if (o == BRAIN__S_OK)
			break;
		if (c == s->active) {
			if (o == BRAIN__S_AUTHORIZED) {
				authorized(s, now);
				continue;
			}
			if (o == BRAIN__S_RECONNECT)
				reconnect(s, now);
			else
				drop_active(s, o, now);
			return;
		}
		if (c == s->probe) {
			if (o == BRAIN__S_AUTHORIZED) {
				back_to_primary(s, now);
				continue;
			}
			s->probe = NULL; /* the primary is still not fit */
			brain__sconn_free(c);
			return;
		}
		drop_draining(s, c);
		return;
	}
	if (is_draining(s, c) && !c->npending) {
		brain__sconn **at = &s->draining;
		while (*at != c)
			at = &(*at)->next;
		*at = c->next;
		brain__sconn_free(c);
	}
}

/* ---- timers -------------------------------------------------------------- */

static void start_active(brain_stratum_t *s, int64_t now)
{
	brain__spool sp = spool_of(s, s->cur);
	brain__err e = {{0}};

	if (brain__sconn_open(&s->active, &sp, ++s->nconn, now, &e)) {
		push(s, BRAIN_STRATUM_DISCONNECTED, s->cur, e.msg);
		next_pool(s, now);
	}
}

static void timers(brain_stratum_t *s, int64_t now)
{
	brain__sconn *c, *next;
	enum brain__soutcome o;

	if (!s->active && now >= s->connect_at)
		start_active(s, now);
	if (s->active && (o = brain__sconn_timer(s->active, now, s->connect_ms,
						 s->timeout_ms)))
		drop_active(s, o, now);
	if (s->probe && brain__sconn_timer(s->probe, now, s->connect_ms,
					   s->timeout_ms)) {
		brain__sconn_free(s->probe);
		s->probe = NULL;
	}
	if (s->active && s->active->state == BRAIN__S_READY &&
	    s->active->pool.index != 0 && !s->probe && now >= s->probe_at) {
		brain__spool sp = spool_of(s, 0);
		brain__err e = {{0}};
		s->probe_at = now + s->retry_ms;
		(void)brain__sconn_open(&s->probe, &sp, ++s->nconn, now, &e);
	}
	for (c = s->draining; c; c = next) {
		next = c->next;
		if (now - c->started_ms >= s->timeout_ms)
			drop_draining(s, c);
	}
}

static int64_t next_timer(const brain_stratum_t *s)
{
	int64_t t = INT64_MAX, d;
	const brain__sconn *c;

	if (!s->active)
		t = s->connect_at;
	if (s->active) {
		d = brain__sconn_deadline(s->active, s->connect_ms,
					  s->timeout_ms);
		t = d < t ? d : t;
		if (s->active->state == BRAIN__S_READY &&
		    s->active->pool.index != 0 && !s->probe)
			t = s->probe_at < t ? s->probe_at : t;
	}
	if (s->probe) {
		d = brain__sconn_deadline(s->probe, s->connect_ms,
					  s->timeout_ms);
		t = d < t ? d : t;
	}
	for (c = s->draining; c; c = c->next) {
		d = c->started_ms + s->timeout_ms;
		t = d < t ? d : t;
	}
	return t;
}

/* ---- polling ------------------------------------------------------------- */

static void hand_out(brain_stratum_t *s, brain_stratum_event_t *ev)
{
	brain__sev *e = brain__sevq_pop(&s->q);

	*ev = e->ev;
	e->ev.job = NULL; /* the caller's reference now */
	s->handed = e;
}

static int drain_wake(brain_stratum_t *s)
{
	uint64_t n;

	return read(s->wake_fd, &n, sizeof(n)) == (ssize_t)sizeof(n);
}

/* One poll() until `end` or the next timer; runs what is ready.
 * Returns 1 when woken, 0 otherwise, BRAIN_ENOMEM. */
static int wait_once(brain_stratum_t *s, int64_t end)
{
	struct pollfd fds[3 + DRAINING_MAX];
	brain__sconn *conns[3 + DRAINING_MAX], *c;
	int64_t now = now_ms(), t = next_timer(s);
	int n = 1, i, woke;

	fds[0].fd = s->wake_fd;
	fds[0].events = POLLIN;
	conns[0] = NULL;
	if (s->active)
		conns[n++] = s->active;
	if (s->probe)
		conns[n++] = s->probe;
	for (c = s->draining; c && n < 3 + DRAINING_MAX; c = c->next)
		conns[n++] = c;
	for (i = 1; i < n; i++) {
		fds[i].fd = conns[i]->io.fd;
		fds[i].events = brain__sconn_events(conns[i]);
		fds[i].revents = 0;
	}
	t = (t < end ? t : end) - now;
	if (poll(fds, (nfds_t)n, t < 0 ? 0 : t > 60000 ? 60000 : (int)t) < 0) {
		if (errno == EINTR)
			return 0;
		return brain__errno(&s->err, BRAIN_ENOMEM, "stratum: poll");
	}
	woke = fds[0].revents ? drain_wake(s) : 0;
	now = now_ms();
	for (i = 1; i < n; i++)
		if (fds[i].revents &&
		    (conns[i] == s->active || conns[i] == s->probe ||
		     is_draining(s, conns[i])))
			run(s, conns[i], fds[i].revents, now);
	return woke;
}

int brain_stratum_poll(brain_stratum_t *s, long wait_ms,
		       brain_stratum_event_t *ev)
{
	int64_t end;
	int rc;

	BRAIN__ARG(brain__thread_err(), s);
	BRAIN__ARG(&s->err, ev);
	brain__sev_free(s->handed);
	s->handed = NULL;
	memset(ev, 0, sizeof(*ev));
	ev->kind = BRAIN_STRATUM_NONE;
	ev->pool = ev->from_pool = -1;
	ev->url = ev->user = "";
	ev->reject_code = -1;
	end = now_ms() + (wait_ms > 0 ? wait_ms : 0);
	for (;;) {
		if (!s->q.head)
			timers(s, now_ms());
		if (s->q.head) {
			hand_out(s, ev);
			return 0;
		}
		if ((rc = wait_once(s, end)) < 0)
			return rc;
		if (s->q.head) {
			hand_out(s, ev);
			return 0;
		}
		if (rc || now_ms() >= end)
			return 0;
	}
}

void brain_stratum_wake(brain_stratum_t *s)
{
	uint64_t one = 1;

	if (s && s->wake_fd >= 0)
		(void)!write(s->wake_fd, &one, sizeof(one));
}

/* ---- shares and state ---------------------------------------------------- */

int brain_stratum_submit(brain_stratum_t *s, const brain_stratum_job_t *j,
			 uint64_t extranonce2, uint32_t ntime, uint32_t nonce,
			 uint64_t *id)
{
	int rc;

	BRAIN__ARG(brain__thread_err(), s);
	BRAIN__ARG(&s->err, j);
	BRAIN__ARG(&s->err, id);
	if (!s->active || s->active->state != BRAIN__S_READY)
		return brain__errf(&s->err, BRAIN_EPOOL,
				   "no pool is connected: share of job %s not "
				   "sent", brain_stratum_job_info(j)->job_id);
	rc = brain__sconn_submit(s->active, j, extranonce2, ntime, nonce,
				 s->nshares + 1, &s->err);
	if (rc)
		return rc;
	*id = ++s->nshares;
	return 0;
}

int brain_stratum_active(const brain_stratum_t *s)
{
	return s && s->active && s->active->state == BRAIN__S_READY
		       ? s->active->pool.index
		       : -1;
}

const char *brain_stratum_pool_url(const brain_stratum_t *s, int i)
{
	if (!s || i < 0 || (size_t)i >= s->npools)
		return NULL;
	return s->pools[i].url;
}

double brain_stratum_current_difficulty(const brain_stratum_t *s)
{
	return brain_stratum_active(s) >= 0 ? s->active->difficulty : 1;
}

const char *brain_stratum_errmsg(const brain_stratum_t *s)
{
	return s ? s->err.msg : brain__thread_err()->msg;
}
