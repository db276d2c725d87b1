/*
 * tests/check_stratum.c - the Stratum client (lib/stratum_client.c,
 * stratum_proto.c, stratum_conn.c) against a scripted peer: a thread of
 * the test process that listens on 127.0.0.1, reads the client's lines
 * and answers from a script.  The peer is for the protocol and for what
 * a real pool would never send; mining through a real pool is
 * tests/shell/test_pool.sh's.
 *
 * Nothing sleeps: a test waits for the client's events, or for the line
 * the peer expects.  The limits (PEER_WAIT_MS, EVENT_WAIT_MS) only end a
 * test that would otherwise hang.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "stratum_conn.h"

#define PEER_WAIT_MS 20000
#define EVENT_WAIT_MS 20000
#define USER "bcrt1qworker"
#define EASY "2.3283064365386963e-10" /* 2^-32: nearly every hash */

/* ---- the scripted peer ------------------------------------------------- */

enum peer_op {
	P_END = 0,
	P_ACCEPT, /* take the next connection (closing the last one) */
	P_EXPECT, /* read lines until one contains text; keep it and its id */
	P_SEND,   /* send text and '\n', "%ID%" replaced by the kept id */
	P_LONG,   /* send n bytes 'x' and '\n' (none if text is set) */
	P_CLOSE,  /* close the connection */
	P_GATE,   /* wait until the test calls peer_gate */
	P_HOLD,   /* wait until the client closes the connection */
	P_CHATTER, /* send text every 50 ms until the client closes */
};

typedef struct step {
	enum peer_op op;
	const char *text;
	size_t n;
} step;

typedef struct peer {
	int lfd, fd, port, stop[2];
	const step *script;
	pthread_t thread;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *got[64];  /* the lines P_EXPECT kept */
	int ngot, gates, done;
	char error[256];
	char buf[1 << 20];
	size_t blen;
	long long id;
} peer;

/* A peer bound to a port of 127.0.0.1, not listening yet: connecting to
 * it is refused until peer_run. */
static peer *peer_new(void)
{
	peer *p = calloc(1, sizeof(*p));
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	ck_assert_ptr_nonnull(p);
	p->fd = -1;
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(p->lfd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(p->lfd, (struct sockaddr *)&a, &len), 0);
	p->port = ntohs(a.sin_port);
	ck_assert_int_eq(pipe2(p->stop, O_CLOEXEC), 0);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return p;
}

static int peer_fail(peer *p, const char *what)
{
	pthread_mutex_lock(&p->mu);
	if (!p->error[0])
		snprintf(p->error, sizeof(p->error), "peer: %s", what);
	pthread_mutex_unlock(&p->mu);
	return -1;
}

/* Waits for fd to be readable; -1 on stop or time out. */
static int peer_wait(peer *p, int fd, const char *what)
{
	struct pollfd f[2] = {{fd, POLLIN, 0}, {p->stop[0], POLLIN, 0}};
	int n = poll(f, 2, PEER_WAIT_MS);

	if (n <= 0 || f[1].revents)
		return peer_fail(p, what);
	return 0;
}

static int peer_send(peer *p, const char *text, size_t len)
{
	while (len) {
		ssize_t n = send(p->fd, text, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0; /* the client may be gone: it is allowed to */
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The next line from the client into line (NUL-terminated, malloc'ed). */
static int peer_line(peer *p, char **line)
{
	char *nl;

	while (!(nl = memchr(p->buf, '\n', p->blen))) {
		ssize_t n;
		if (p->fd < 0 || peer_wait(p, p->fd, "no line from the client"))
			return -1;
		n = recv(p->fd, p->buf + p->blen, sizeof(p->buf) - p->blen, 0);
		if (n <= 0)
			return peer_fail(p, "the client closed the connection "
					    "before the line expected");
		p->blen += (size_t)n;
	}
	*line = strndup(p->buf, (size_t)(nl - p->buf));
	p->blen -= (size_t)(nl - p->buf) + 1;
	memmove(p->buf, nl + 1, p->blen);
	return 0;
}

static int peer_expect(peer *p, const char *text)
{
	char *line;

	for (;;) {
		if (peer_line(p, &line))
			return peer_fail(p, text);
		if (strstr(line, text))
			break;
		free(line);
	}
	json_t *m = json_loads(line, 0, NULL);
	p->id = json_integer_value(json_object_get(m, "id"));
	json_decref(m);
	pthread_mutex_lock(&p->mu);
	if (p->ngot < 64)
		p->got[p->ngot++] = line;
	else
		free(line);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int peer_say(peer *p, const char *text)
{
	char out[8192], id[32];
	const char *at;
	size_t n = 0;

	snprintf(id, sizeof(id), "%lld", p->id);
	while ((at = strstr(text, "%ID%")) && n < sizeof(out) - 64) {
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%.*s%s",
				      (int)(at - text), text, id);
		text = at + 4;
	}
	n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", text);
	return peer_send(p, out, n);
}

static void peer_close_conn(peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->blen = 0;
}

static int peer_step(peer *p, const step *s)
{
	char *big;
	int rc;

	switch (s->op) {
	case P_ACCEPT:
		peer_close_conn(p);
		if (peer_wait(p, p->lfd, "no connection from the client"))
			return -1;
		p->fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
		return p->fd < 0 ? peer_fail(p, "accept") : 0;
	case P_EXPECT:
		return peer_expect(p, s->text);
	case P_SEND:
		return peer_say(p, s->text);
	case P_LONG:
		big = malloc(s->n + 1);
		memset(big, 'x', s->n);
		big[s->n] = '\n';
		rc = peer_send(p, big, s->n + !s->text); /* text: no '\n' */
		free(big);
		return rc;
	case P_CLOSE:
		peer_close_conn(p);
		return 0;
	case P_GATE:
		pthread_mutex_lock(&p->mu);
		while (!p->gates)
			pthread_cond_wait(&p->cv, &p->mu);
		p->gates--;
		pthread_mutex_unlock(&p->mu);
		return 0;
	case P_HOLD: /* until the client closes (0) or the test ends (-1) */
		for (;;) {
			struct pollfd f[2] = {{p->fd, POLLIN, 0},
					      {p->stop[0], POLLIN, 0}};
			char junk[4096];
			if (poll(f, 2, -1) < 0 && errno == EINTR)
				continue;
			if (f[1].revents)
				return -1;
			if (recv(p->fd, junk, sizeof(junk), 0) <= 0)
				return 0;
		}
	case P_CHATTER: /* 50 ms is the pace of the talk, not a wait */
		while (!peer_say(p, s->text)) {
			struct pollfd f = {p->fd, POLLIN, 0};
			char junk[4096];
			if (poll(&f, 1, 50) > 0 &&
			    recv(p->fd, junk, sizeof(junk), 0) <= 0)
				return 0;
		}
		return -1;
	case P_END:
		break;
	}
	return -1;
}

static void *peer_main(void *arg)
{
	peer *p = arg;
	const step *s;

	for (s = p->script; s->op != P_END; s++)
		if (peer_step(p, s))
			break;
	peer_close_conn(p);
	pthread_mutex_lock(&p->mu);
	p->done = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Starts listening and playing script (which must outlive the peer). */
static void peer_run(peer *p, const step *script)
{
	ck_assert_int_eq(listen(p->lfd, 8), 0);
	p->script = script;
	ck_assert_int_eq(pthread_create(&p->thread, NULL, peer_main, p), 0);
	p->running = 1;
}

/* The i-th line the script expected, once it came (a copy, freed by the
 * caller). */
static char *peer_got(peer *p, int i)
{
	struct timespec until;
	char *line = NULL;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += PEER_WAIT_MS / 1000;
	pthread_mutex_lock(&p->mu);
	while (p->ngot <= i && !p->done &&
	       pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
		;
	if (p->ngot > i)
		line = strdup(p->got[i]);
	pthread_mutex_unlock(&p->mu);
	ck_assert_msg(line != NULL, "the peer never got line %d (%s)", i,
		      p->error);
	return line;
}

static void peer_gate(peer *p)
{
	pthread_mutex_lock(&p->mu);
	p->gates++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Ends the peer; asserts its script ran without a failure. */
static void peer_free(peer *p, int check)
{
	char error[256];
	int i;

	if (p->running) {
		(void)!write(p->stop[1], "x", 1);
		peer_gate(p);
		pthread_join(p->thread, NULL);
	}
	snprintf(error, sizeof(error), "%s", p->error);
	close(p->lfd);
	close(p->stop[0]);
	close(p->stop[1]);
	for (i = 0; i < p->ngot; i++)
		free(p->got[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
	if (check)
		ck_assert_msg(!error[0], "%s", error);
}

/* ---- the pool's lines --------------------------------------------------- */

#define SUBSCRIBED(session)                                                    \
	"{\"id\":%ID%,\"result\":[[[\"mining.set_difficulty\",\"d1\"],"       \
	"[\"mining.notify\",\"" session "\"]],\"f8002c90\",4],"               \
	"\"error\":null}"
#define OK_TRUE "{\"id\":%ID%,\"result\":true,\"error\":null}"
#define DIFFICULTY(d)                                                          \
	"{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[" d "]}"
#define PREV "5097d90b519cca17f7280d63c17a1b4a1b02d92c7903e17b0b1dc8fb95fb00df"
#define COINB1                                                                 \
	"01000000010000000000000000000000000000000000000000000000000000000" \
	"000000000ffffffff20020862062f503253482f04b8864e5008"
#define COINB2                                                                 \
	"072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a" \
	"64a7a9688ef9903327048ed988ac00000000"
#define NOTIFY(id, clean)                                                      \
	"{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"" id         \
	"\",\"" PREV "\",\"" COINB1 "\",\"" COINB2 "\",[],\"20000000\","      \
	"\"1d00ffff\",\"6560a1b2\"," clean "]}"

#define HANDSHAKE_AS(session)                                                  \
	{P_ACCEPT, NULL, 0}, {P_EXPECT, "mining.subscribe", 0},               \
		{P_SEND, SUBSCRIBED(session), 0},                             \
		{P_EXPECT, "mining.extranonce.subscribe", 0},                 \
		{P_EXPECT, "mining.authorize", 0}, {P_SEND, OK_TRUE, 0}
#define HANDSHAKE HANDSHAKE_AS("sess1")
#define EXPECT(t) {P_EXPECT, t, 0}
#define SEND(t) {P_SEND, t, 0}
#define HOLD {P_HOLD, NULL, 0}
#define GATE {P_GATE, NULL, 0}
#define CLOSE {P_CLOSE, NULL, 0}
#define END {P_END, NULL, 0}

/* ---- the client side ---------------------------------------------------- */

static char urls[4][64];

static brain_stratum_t *client_for(const int *ports, size_t n,
				   brain_stratum_options_t *o)
{
	static brain_stratum_pool_t pools[4];
	brain_stratum_t *s = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(urls[i], sizeof(urls[i]), "stratum+tcp://127.0.0.1:%d",
			 ports[i]);
		pools[i].url = urls[i];
		pools[i].user = USER;
		pools[i].password = i ? "p2" : "secret";
	}
	o->pools = pools;
	o->npools = n;
	ck_assert_msg(brain_stratum_open(&s, o) == 0, "%s",
		      brain_errmsg(NULL));
	return s;
}

static brain_stratum_t *client1(int port)
{
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;

	return client_for(&port, 1, &o);
}

static const char *kind_name(brain_stratum_event_kind_t k)
{
	static const char *names[] = {"NONE",    "CONNECTED", "DISCONNECTED",
				      "SWITCHED", "JOB",      "DIFFICULTY",
				      "SHARE",   "MESSAGE",   "ERROR"};
	return (unsigned)k < 9 ? names[k] : "?";
}

/* The next event (not NONE); fails the test after EVENT_WAIT_MS. */
static void next_event(brain_stratum_t *s, brain_stratum_event_t *ev)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ck_assert_int_eq(brain_stratum_poll(s, 200, ev), 0);
		if (ev->kind != BRAIN_STRATUM_NONE)
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ck_assert_msg(t.tv_sec - t0.tv_sec < EVENT_WAIT_MS / 1000,
			      "no event from the client");
	}
}

/* The next event, which must be of kind k. */
static void want(brain_stratum_t *s, brain_stratum_event_kind_t k,
		 brain_stratum_event_t *ev)
{
	next_event(s, ev);
	ck_assert_msg(ev->kind == k, "event %s (%s), expected %s",
		      kind_name(ev->kind), ev->message ? ev->message : "",
		      kind_name(k));
}

/* Events until one of kind k; JOB events on the way are dropped. */
static void until(brain_stratum_t *s, brain_stratum_event_kind_t k,
		  brain_stratum_event_t *ev)
{
	for (;;) {
		next_event(s, ev);
		if (ev->kind == k)
			return;
		brain_stratum_job_unref(ev->job);
	}
}

/* The next JOB event's job (the caller's reference). */
static brain_stratum_job_t *want_job(brain_stratum_t *s)
{
	brain_stratum_event_t ev;

	until(s, BRAIN_STRATUM_JOB, &ev);
	ck_assert_ptr_nonnull(ev.job);
	return ev.job;
}

/* A nonce of j (extranonce2 1) whose header meets the share target. */
static uint32_t find_share(const brain_stratum_job_t *j, uint32_t ntime)
{
	uint8_t hash[32];
	brain_work_t w;
	uint32_t n;

	ck_assert_int_eq(brain_stratum_job_work(j, 1, ntime, &w), 0);
	for (n = 0; n < 1000; n++) {
		w.header.nonce = n;
		brain_header_hash(&w.header, hash);
		if (brain_hash_meets_target(hash, w.target))
			return n;
	}
	ck_abort_msg("no share in 1000 nonces");
	return 0;
}

static json_t *params_of(const char *line)
{
	json_t *m = json_loads(line, 0, NULL), *p;

	ck_assert_msg(m != NULL, "not JSON: %s", line);
	p = json_incref(json_object_get(m, "params"));
	json_decref(m);
	return p;
}

/* ---- handshake, jobs, difficulty, extranonce ----------------------------- */

START_TEST(handshake_subscribes_authorizes_and_reports_connected)
{
	static const step script[] = {HANDSHAKE, HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	json_t *params;
	char *line;

	peer_run(p, script);
	ck_assert_int_eq(brain_stratum_active(s), -1);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	ck_assert_str_eq(ev.url, urls[0]);
	ck_assert_str_eq(ev.user, USER);
	ck_assert_int_eq(brain_stratum_active(s), 0);
	line = peer_got(p, 0);
	params = params_of(line);
	ck_assert_str_eq(json_string_value(json_array_get(params, 0)),
			 "brainstem/" BRAIN_VERSION_STRING);
	ck_assert_uint_eq(json_array_size(params), 1); /* no session yet */
	json_decref(params);
	free(line);
	line = peer_got(p, 2);
	params = params_of(line);
	ck_assert_str_eq(json_string_value(json_array_get(params, 0)), USER);
	ck_assert_str_eq(json_string_value(json_array_get(params, 1)),
			 "secret");
	json_decref(params);
	free(line);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(notify_becomes_a_job_with_the_session_in_force)
{
	static const step script[] = {HANDSHAKE, SEND(NOTIFY("j1", "true")),
				      HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	const brain_stratum_job_info_t *in;
	brain_stratum_job_t *j;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_JOB, &ev);
	j = ev.job;
	in = brain_stratum_job_info(j);
	ck_assert_int_eq(ev.pool, 0);
	ck_assert_str_eq(in->job_id, "j1");
	ck_assert_str_eq(in->pool_url, urls[0]);
	ck_assert_uint_eq(in->connection, 1);
	ck_assert_int_eq(in->clean_jobs, 1);
	ck_assert_uint_eq(in->extranonce1_len, 4);
	ck_assert_uint_eq(in->extranonce2_size, 4);
	ck_assert(in->difficulty == 1.0);
	ck_assert_uint_eq(in->bits, 0x1d00ffff);
	ck_assert_uint_eq(in->ntime, 0x6560a1b2);
	ck_assert(brain_stratum_current_difficulty(s) == 1.0);
	brain_stratum_job_unref(j);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(set_difficulty_applies_to_the_jobs_after_it_only)
{
	static const step script[] = {
		HANDSHAKE, SEND(NOTIFY("a", "true")), SEND(DIFFICULTY("0.5")),
		SEND(NOTIFY("b", "false")), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	brain_stratum_job_t *a, *b;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_JOB, &ev);
	a = ev.job;
	want(s, BRAIN_STRATUM_DIFFICULTY, &ev);
	ck_assert(ev.difficulty == 0.5);
	ck_assert(brain_stratum_current_difficulty(s) == 0.5);
	want(s, BRAIN_STRATUM_JOB, &ev);
	b = ev.job;
	ck_assert(brain_stratum_job_info(a)->difficulty == 1.0);
	ck_assert(brain_stratum_job_info(b)->difficulty == 0.5);
	brain_stratum_job_unref(a);
	brain_stratum_job_unref(b);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(set_extranonce_applies_from_the_next_job)
{
	static const step script[] = {
		HANDSHAKE, SEND(NOTIFY("a", "true")),
		SEND("{\"id\":null,\"method\":\"mining.set_extranonce\","
		     "\"params\":[\"0102030405\",8]}"),
		SEND(NOTIFY("b", "false")), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	brain_stratum_job_t *a, *b;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	a = want_job(s);
	b = want_job(s);
	ck_assert_uint_eq(brain_stratum_job_info(a)->extranonce1_len, 4);
	ck_assert_uint_eq(brain_stratum_job_info(a)->extranonce2_size, 4);
	ck_assert_uint_eq(brain_stratum_job_info(b)->extranonce1_len, 5);
	ck_assert_uint_eq(brain_stratum_job_info(b)->extranonce2_size, 8);
	brain_stratum_job_unref(a);
	brain_stratum_job_unref(b);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(difficulty_and_job_before_the_authorization_follow_connected)
{
	/* stratum-pool (NOMP) sends both right after the subscribe answer */
	static const step script[] = {
		{P_ACCEPT, NULL, 0}, EXPECT("mining.subscribe"),
		SEND(SUBSCRIBED("s")), SEND(DIFFICULTY("0.25")),
		SEND(NOTIFY("early", "true")), EXPECT("mining.authorize"),
		SEND(OK_TRUE), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_DIFFICULTY, &ev);
	ck_assert(ev.difficulty == 0.25);
	want(s, BRAIN_STRATUM_JOB, &ev);
	ck_assert_str_eq(brain_stratum_job_info(ev.job)->job_id, "early");
	ck_assert(brain_stratum_job_info(ev.job)->difficulty == 0.25);
	brain_stratum_job_unref(ev.job);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* ---- shares ------------------------------------------------------------- */

#define EASY_JOB SEND(DIFFICULTY(EASY)), SEND(NOTIFY("e1", "true"))

START_TEST(submit_sends_what_cpuminer_sends_and_reports_acceptance)
{
	static const step script[] = {HANDSHAKE, EASY_JOB,
				      EXPECT("mining.submit"), SEND(OK_TRUE),
				      HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	brain_stratum_job_t *j;
	uint32_t ntime = 0x6560a1b5, nonce;
	char want_nonce[9], *line;
	uint64_t id = 0;
	json_t *params;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	j = want_job(s);
	nonce = find_share(j, ntime);
	ck_assert_int_eq(brain_stratum_submit(s, j, 1, ntime, nonce, &id), 0);
	ck_assert_uint_eq(id, 1);
	want(s, BRAIN_STRATUM_SHARE, &ev);
	ck_assert_int_eq(ev.accepted, 1);
	ck_assert_int_eq(ev.reject_code, 0);
	ck_assert_int_eq(ev.stale, 0);
	ck_assert_ptr_null(ev.reason);
	ck_assert_uint_eq(ev.share->id, 1);
	ck_assert_str_eq(ev.share->job_id, "e1");
	ck_assert_uint_eq(ev.share->nonce, nonce);
	ck_assert_str_eq(ev.share->extranonce2_hex, "01000000");
	line = peer_got(p, 3);
	params = params_of(line);
	snprintf(want_nonce, sizeof(want_nonce), "%08x", nonce);
	ck_assert_uint_eq(json_array_size(params), 5);
	ck_assert_str_eq(json_string_value(json_array_get(params, 0)), USER);
	ck_assert_str_eq(json_string_value(json_array_get(params, 1)), "e1");
	ck_assert_str_eq(json_string_value(json_array_get(params, 2)),
			 "01000000");
	ck_assert_str_eq(json_string_value(json_array_get(params, 3)),
			 "6560a1b5");
	ck_assert_str_eq(json_string_value(json_array_get(params, 4)),
			 want_nonce);
	json_decref(params);
	free(line);
	brain_stratum_job_unref(j);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* The pool's rejections 20..25 as each arrives: code and text. */
static const char *const rejects[] = {
	"{\"id\":%ID%,\"result\":null,\"error\":[20,\"Other/Unknown\",null]}",
	"{\"id\":%ID%,\"result\":null,\"error\":[21,\"Job not found\",null]}",
	"{\"id\":%ID%,\"result\":null,\"error\":[22,\"Duplicate share\",null]}",
	"{\"id\":%ID%,\"result\":null,\"error\":[23,\"Low difficulty share\","
	"null]}",
	"{\"id\":%ID%,\"result\":null,\"error\":[24,\"Unauthorized worker\","
	"null]}",
	"{\"id\":%ID%,\"result\":null,\"error\":[25,\"Not subscribed\",null]}",
	/* the other forms pools use */
	"{\"id\":%ID%,\"result\":false,\"error\":{\"code\":23,\"message\":"
	"\"low difficulty\"}}",
	"{\"id\":%ID%,\"result\":false,\"error\":\"stale share\"}",
	"{\"id\":%ID%,\"result\":false,\"error\":null}",
};
static const int reject_codes[] = {20, 21, 22, 23, 24, 25, 23, -1, -1};
static const char *const reject_texts[] = {
	"Other/Unknown",   "Job not found", "Duplicate share",
	"Low difficulty share", "Unauthorized worker", "Not subscribed",
	"low difficulty",  "stale share",   "rejected"};
static const int reject_stale[] = {0, 1, 0, 0, 0, 0, 0, 1, 0};

START_TEST(each_rejection_gives_its_code_text_and_staleness)
{
	step script[] = {HANDSHAKE, EASY_JOB, EXPECT("mining.submit"),
			 SEND(rejects[_i]), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	brain_stratum_job_t *j;
	uint64_t id;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	j = want_job(s);
	ck_assert_int_eq(brain_stratum_submit(s, j, 1, 0x6560a1b2,
					      find_share(j, 0x6560a1b2), &id),
			 0);
	want(s, BRAIN_STRATUM_SHARE, &ev);
	ck_assert_int_eq(ev.accepted, 0);
	ck_assert_int_eq(ev.reject_code, reject_codes[_i]);
	ck_assert_str_eq(ev.reason, reject_texts[_i]);
	ck_assert_int_eq(ev.stale, reject_stale[_i]);
	ck_assert_uint_eq(ev.share->id, id);
	brain_stratum_job_unref(j);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(stale_and_weak_shares_are_refused_without_sending)
{
	static const step script[] = {
		HANDSHAKE, EASY_JOB, SEND(NOTIFY("e2", "true")),
		SEND(DIFFICULTY("1e15")), SEND(NOTIFY("hard", "false")),
		EXPECT("mining.submit"), SEND(OK_TRUE), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	brain_stratum_job_t *e1, *e2, *hard;
	uint64_t id = 0;
	char *line;

	peer_run(p, script);
	ck_assert_int_eq(brain_stratum_submit(s, NULL, 1, 0, 0, &id),
			 BRAIN_EINVAL);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	e1 = want_job(s);
	e2 = want_job(s);
	hard = want_job(s);
	ck_assert_int_eq(brain_stratum_submit(s, e1, 1, 0x6560a1b2,
					      find_share(e1, 0x6560a1b2), &id),
			 BRAIN_ESTALE);
	ck_assert_msg(strstr(brain_stratum_errmsg(s), "clean_jobs") != NULL,
		      "%s", brain_stratum_errmsg(s));
	ck_assert_int_eq(brain_stratum_submit(s, hard, 1, 0x6560a1b2, 0, &id),
			 BRAIN_EINVAL);
	ck_assert_int_eq(brain_stratum_submit(s, e2, 1, 0x6560a1b2,
					      find_share(e2, 0x6560a1b2), &id),
			 0);
	want(s, BRAIN_STRATUM_SHARE, &ev);
	ck_assert_int_eq(ev.accepted, 1);
	line = peer_got(p, 3); /* the first submit the pool saw is e2's */
	ck_assert_msg(strstr(line, "\"e2\"") != NULL, "%s", line);
	free(line);
	brain_stratum_job_unref(e1);
	brain_stratum_job_unref(e2);
	brain_stratum_job_unref(hard);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(a_share_pending_when_the_connection_drops_is_rejected)
{
	static const step script[] = {HANDSHAKE, EASY_JOB,
				      EXPECT("mining.submit"), CLOSE, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	brain_stratum_job_t *j;
	uint64_t id;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	j = want_job(s);
	ck_assert_int_eq(brain_stratum_submit(s, j, 1, 0x6560a1b2,
					      find_share(j, 0x6560a1b2), &id),
			 0);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(brain_stratum_active(s), -1);
	want(s, BRAIN_STRATUM_SHARE, &ev);
	ck_assert_int_eq(ev.accepted, 0);
	ck_assert_int_eq(ev.reject_code, -1);
	ck_assert_str_eq(ev.reason, "no answer: connection lost");
	ck_assert_uint_eq(ev.share->id, id);
	/* its job came on a connection that is gone */
	ck_assert_int_eq(brain_stratum_submit(s, j, 1, 0x6560a1b2, 0, &id),
			 BRAIN_EPOOL);
	brain_stratum_job_unref(j);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* Polls s (dropping what it hands out) until the peer got line i. */
static char *pump_until_got(brain_stratum_t *s, peer *p, int i)
{
	brain_stratum_event_t ev;
	struct timespec t0, t;
	int have;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		have = p->ngot > i;
		pthread_mutex_unlock(&p->mu);
		if (have)
			return peer_got(p, i);
		ck_assert_int_eq(brain_stratum_poll(s, 50, &ev), 0);
		brain_stratum_job_unref(ev.job);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ck_assert_msg(t.tv_sec - t0.tv_sec < PEER_WAIT_MS / 1000,
			      "the peer never got line %d (%s)", i, p->error);
	}
}

/* ---- failover ----------------------------------------------------------- */

START_TEST(a_dead_first_pool_fails_over_to_the_second_at_once)
{
	static const step script[] = {HANDSHAKE, HOLD, END};
	peer *dead = peer_new(), *p = peer_new();
	int ports[2] = {dead->port, p->port};
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s = client_for(ports, 2, &o);
	brain_stratum_event_t ev;
	char *line;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	ck_assert_msg(strstr(ev.message, "cannot connect") != NULL, "%s",
		      ev.message);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 1);
	ck_assert_str_eq(ev.url, urls[1]);
	ck_assert_int_eq(brain_stratum_active(s), 1);
	line = peer_got(p, 2);
	ck_assert_msg(strstr(line, "\"p2\"") != NULL, "%s", line);
	free(line);
	brain_stratum_close(s);
	peer_free(p, 1);
	peer_free(dead, 0);
}
END_TEST

START_TEST(a_refused_authorization_is_an_error_and_a_failover)
{
	static const step refuses[] = {
		{P_ACCEPT, NULL, 0}, EXPECT("mining.subscribe"),
		SEND(SUBSCRIBED("s")), EXPECT("mining.authorize"),
		SEND("{\"id\":%ID%,\"result\":false,\"error\":[24,"
		     "\"Unauthorized worker\",null]}"),
		HOLD, END};
	static const step takes[] = {HANDSHAKE, HOLD, END};
	peer *a = peer_new(), *b = peer_new();
	int ports[2] = {a->port, b->port};
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s = client_for(ports, 2, &o);
	brain_stratum_event_t ev;

	peer_run(a, refuses);
	peer_run(b, takes);
	want(s, BRAIN_STRATUM_ERROR, &ev);
	ck_assert_int_eq(ev.pool, 0);
	ck_assert_str_eq(ev.message, "the pool refused to authorize " USER
				     ": Unauthorized worker");
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 1);
	brain_stratum_close(s);
	peer_free(a, 1);
	peer_free(b, 1);
}
END_TEST

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

START_TEST(after_every_pool_failed_the_client_backs_off)
{
	peer *a = peer_new(), *b = peer_new();
	int ports[2] = {a->port, b->port};
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s = client_for(ports, 2, &o);
	brain_stratum_event_t ev;
	int64_t before;

	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	do { /* the second pool fails after `before` */
		before = mono_ms();
		ck_assert_int_eq(brain_stratum_poll(s, 200, &ev), 0);
	} while (ev.kind == BRAIN_STRATUM_NONE);
	ck_assert_int_eq(ev.kind, BRAIN_STRATUM_DISCONNECTED);
	ck_assert_int_eq(ev.pool, 1);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev); /* the primary again ... */
	ck_assert_int_eq(ev.pool, 0);
	/* ... not before the first back-off (a lower bound: load only adds) */
	ck_assert_int_ge(mono_ms() - before, 1000);
	brain_stratum_close(s);
	peer_free(a, 0);
	peer_free(b, 0);
}
END_TEST

START_TEST(returns_to_the_primary_keeping_the_backups_verdicts)
{
	static const step primary[] = {HANDSHAKE, HOLD, END};
	static const step backup[] = {HANDSHAKE, EASY_JOB,
				      EXPECT("mining.submit"), GATE,
				      SEND(OK_TRUE), HOLD, END};
	peer *a = peer_new(), *b = peer_new();
	int ports[2] = {a->port, b->port};
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s;
	brain_stratum_event_t ev;
	brain_stratum_job_t *j;
	uint64_t id;
	char *line;

	o.failover_retry_ms = 100;
	s = client_for(ports, 2, &o);
	peer_run(b, backup);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 1);
	j = want_job(s);
	ck_assert_int_eq(brain_stratum_submit(s, j, 1, 0x6560a1b2,
					      find_share(j, 0x6560a1b2), &id),
			 0);
	line = pump_until_got(s, b, 3);
	free(line);
	peer_run(a, primary); /* the primary comes up */
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 1);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	want(s, BRAIN_STRATUM_SWITCHED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	ck_assert_int_eq(ev.from_pool, 1);
	ck_assert_int_eq(brain_stratum_active(s), 0);
	/* the backup's job is stale now; its share still gets its verdict */
	ck_assert_int_eq(brain_stratum_submit(s, j, 1, 0x6560a1b2,
					      find_share(j, 0x6560a1b2), &id),
			 BRAIN_ESTALE);
	peer_gate(b);
	want(s, BRAIN_STRATUM_SHARE, &ev);
	ck_assert_int_eq(ev.pool, 1);
	ck_assert_int_eq(ev.accepted, 1);
	brain_stratum_job_unref(j);
	brain_stratum_close(s);
	peer_free(a, 1);
	peer_free(b, 1);
}
END_TEST

START_TEST(a_pool_that_talks_but_never_answers_a_share_is_dropped)
{
	static const step script[] = {HANDSHAKE, EASY_JOB,
				      EXPECT("mining.submit"),
				      {P_CHATTER, DIFFICULTY("1"), 0}, END};
	peer *p = peer_new();
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s;
	brain_stratum_event_t ev;
	brain_stratum_job_t *j;
	uint64_t id;

	o.timeout_ms = 2000;
	s = client_for(&p->port, 1, &o);
	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	j = want_job(s);
	ck_assert_int_eq(brain_stratum_submit(s, j, 1, 0x6560a1b2,
					      find_share(j, 0x6560a1b2), &id),
			 0);
	until(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_str_eq(ev.message,
			 "the pool left a share unanswered for 2000 ms");
	want(s, BRAIN_STRATUM_SHARE, &ev);
	ck_assert_int_eq(ev.reject_code, -1);
	ck_assert_uint_eq(ev.share->id, id);
	brain_stratum_job_unref(j);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(a_silent_pool_is_dropped_after_the_timeout)
{
	static const step script[] = {HANDSHAKE, HOLD, END};
	peer *p = peer_new();
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s;
	brain_stratum_event_t ev;

	o.timeout_ms = 2000;
	s = client_for(&p->port, 1, &o);
	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_str_eq(ev.message, "the pool said nothing for 2000 ms");
	ck_assert_int_eq(brain_stratum_active(s), -1);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* A pool that takes the connection and then never finishes the
 * handshake: silent from the start, or answering mining.subscribe and
 * then talking of anything but the authorization (so it is never
 * silent).  The handshake is bounded by connect_timeout_ms, not by the
 * silence timeout (10 minutes here, beyond the test's patience). */
static const step unfinished[][6] = {
	{{P_ACCEPT, NULL, 0}, HOLD, END},
	{{P_ACCEPT, NULL, 0}, EXPECT("mining.subscribe"),
	 SEND(SUBSCRIBED("s")), EXPECT("mining.authorize"),
	 {P_CHATTER, DIFFICULTY("1"), 0}, END},
};
static const char *const unfinished_says[] = {
	"the pool did not answer mining.subscribe within 2000 ms",
	"the pool did not answer mining.authorize within 2000 ms"};

START_TEST(a_pool_that_never_finishes_the_handshake_fails_over)
{
	static const step takes[] = {HANDSHAKE, HOLD, END};
	peer *a = peer_new(), *b = peer_new();
	int ports[2] = {a->port, b->port};
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s;
	brain_stratum_event_t ev;

	o.timeout_ms = 600000;
	o.connect_timeout_ms = 2000;
	s = client_for(ports, 2, &o);
	peer_run(a, unfinished[_i]);
	peer_run(b, takes);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	ck_assert_str_eq(ev.message, unfinished_says[_i]);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 1);
	ck_assert_int_eq(brain_stratum_active(s), 1);
	brain_stratum_close(s);
	peer_free(a, 1);
	peer_free(b, 1);
}
END_TEST

START_TEST(after_the_pool_closes_the_client_reconnects_with_its_session_id)
{
	static const step script[] = {HANDSHAKE_AS("sess9"),
				      HANDSHAKE_AS("sess10"), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	json_t *params;
	char *line;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_str_eq(ev.message, "the pool closed the connection");
	want(s, BRAIN_STRATUM_CONNECTED, &ev); /* the same pool: no switch */
	ck_assert_int_eq(ev.pool, 0);
	line = peer_got(p, 3);
	params = params_of(line);
	ck_assert_uint_eq(json_array_size(params), 2);
	ck_assert_str_eq(json_string_value(json_array_get(params, 1)),
			 "sess9");
	json_decref(params);
	free(line);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(a_session_the_pool_will_not_resume_is_started_afresh)
{
	static const step script[] = {
		HANDSHAKE_AS("old"), CLOSE, {P_ACCEPT, NULL, 0},
		EXPECT("mining.subscribe"),
		SEND("{\"id\":%ID%,\"result\":null,\"error\":[20,"
		     "\"unknown session\",null]}"),
		EXPECT("mining.subscribe"), SEND(SUBSCRIBED("new")),
		EXPECT("mining.authorize"), SEND(OK_TRUE), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	json_t *params;
	char *line;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	line = peer_got(p, 3); /* the second subscribe offered "old" */
	params = params_of(line);
	ck_assert_str_eq(json_string_value(json_array_get(params, 1)), "old");
	json_decref(params);
	free(line);
	line = peer_got(p, 4); /* the third offered nothing */
	params = params_of(line);
	ck_assert_uint_eq(json_array_size(params), 1);
	json_decref(params);
	free(line);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(client_reconnect_moves_to_the_port_given_on_the_same_host)
{
	peer *a = peer_new(), *b = peer_new();
	step first[] = {HANDSHAKE, SEND(NULL), HOLD, END};
	static const step second[] = {HANDSHAKE, HOLD, END};
	brain_stratum_t *s = client1(a->port);
	brain_stratum_event_t ev;
	char *line, *text;

	ck_assert_int_ge(asprintf(&text,
				  "{\"id\":null,\"method\":\"client.reconnect\","
				  "\"params\":[\"127.0.0.1\",%d,0]}",
				  b->port),
			 0);
	first[6].text = text;
	peer_run(a, first);
	peer_run(b, second);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_msg(strstr(ev.message, "asked to reconnect") != NULL, "%s",
		      ev.message);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	line = peer_got(b, 0);
	ck_assert_msg(strstr(line, "\"sess1\"") != NULL, "%s", line);
	free(line);
	brain_stratum_close(s);
	peer_free(a, 1);
	peer_free(b, 1);
	free(text);
}
END_TEST

START_TEST(client_reconnect_to_another_host_is_refused_as_hostile)
{
	static const step script[] = {
		HANDSHAKE,
		SEND("{\"id\":null,\"method\":\"client.reconnect\","
		     "\"params\":[\"pool.elsewhere.example\",3333,0]}"),
		HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_ERROR, &ev);
	ck_assert_str_eq(ev.message, "client.reconnect to another host "
				     "(pool.elsewhere.example) refused");
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* ---- what else pools send ------------------------------------------------ */

START_TEST(show_message_get_version_and_unknown_methods)
{
	static const step script[] = {
		HANDSHAKE,
		SEND("{\"id\":null,\"method\":\"client.show_message\","
		     "\"params\":[\"maintenance at noon\\nreally\"]}"),
		SEND("{\"id\":7,\"method\":\"client.get_version\","
		     "\"params\":[]}"),
		EXPECT("\"id\":7"),
		SEND("{\"id\":8,\"method\":\"mining.frobnicate\","
		     "\"params\":[]}"),
		EXPECT("\"id\":8"), SEND(NOTIFY("after", "true")), HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	json_t *m;
	char *line;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_MESSAGE, &ev);
	ck_assert_str_eq(ev.message, "maintenance at noon really");
	want(s, BRAIN_STRATUM_ERROR, &ev);
	ck_assert_str_eq(ev.message, "the pool sent an unknown method "
				     "'mining.frobnicate' (answered with an "
				     "error)");
	want(s, BRAIN_STRATUM_JOB, &ev); /* and the connection stays */
	ck_assert_str_eq(brain_stratum_job_info(ev.job)->job_id, "after");
	brain_stratum_job_unref(ev.job);
	ck_assert_int_eq(brain_stratum_active(s), 0);
	line = peer_got(p, 3);
	m = json_loads(line, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(m, "result")),
			 "brainstem/" BRAIN_VERSION_STRING);
	json_decref(m);
	free(line);
	line = peer_got(p, 4);
	m = json_loads(line, 0, NULL);
	ck_assert(json_is_null(json_object_get(m, "result")));
	ck_assert(json_is_array(json_object_get(m, "error")));
	json_decref(m);
	free(line);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

static void *wake_it(void *arg)
{
	brain_stratum_wake(arg);
	return NULL;
}

START_TEST(wake_from_another_thread_ends_a_long_poll)
{
	static const step script[] = {HANDSHAKE, HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;
	pthread_t t;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(pthread_create(&t, NULL, wake_it, s), 0);
	ck_assert_int_eq(brain_stratum_poll(s, 3600 * 1000L, &ev), 0);
	ck_assert_int_eq(ev.kind, BRAIN_STRATUM_NONE);
	pthread_join(t, NULL);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* ---- hostile input ---------------------------------------------------- */

static const struct hostile {
	step line;
	const char *says;
} hostile[] = {
	{SEND("this is not json"), "not JSON: "},
	{{P_LONG, NULL, 5000}, "a line longer than 1000 bytes"},
	{{P_LONG, "no end", 5000}, "a line longer than 1000 bytes"},
	{SEND("[1,2,3]"), "a JSON line that is not an object"},
	{SEND("{\"id\":null,\"method\":42,\"params\":[]}"),
	 "a method that is not a string"},
	{SEND("{\"id\":\"x\",\"result\":true,\"error\":null}"),
	 "a reply whose id is not a number"},
	{SEND("{\"id\":null,\"method\":\"mining.notify\",\"params\":{}}"),
	 "mining.notify: params is not an array"},
	{SEND(DIFFICULTY("0")), "mining.set_difficulty: difficulty 0 is not "
				"above 0"},
	{SEND(DIFFICULTY("-3")), "mining.set_difficulty: difficulty -3 is not "
				 "above 0"},
	{SEND(DIFFICULTY("\"1\"")), "mining.set_difficulty: the difficulty is "
				    "not a number"},
	{SEND("{\"id\":null,\"method\":\"mining.set_extranonce\","
	      "\"params\":[\"0102\",9]}"),
	 "mining.set_extranonce: extranonce2_size 9 is not 1..8"},
	{SEND("{\"id\":null,\"method\":\"mining.set_extranonce\","
	      "\"params\":[\"0102\",0]}"),
	 "mining.set_extranonce: extranonce2_size 0 is not 1..8"},
	{SEND("{\"id\":null,\"method\":\"mining.set_extranonce\",\"params\":"
	      "[\"" PREV "00\",4]}"),
	 "mining.set_extranonce: extranonce1 is 66 hex digits"},
	{SEND("{\"id\":null,\"method\":\"mining.notify\",\"params\":"
	      "[\"b\",\"" PREV "\",\"00\",\"00\",[],\"20000000\",\"zz\",\"6560a1b2\",true]}"),
	 "mining.notify: "},
	{SEND("{\"id\":null,\"method\":\"client.show_message\","
	      "\"params\":[5]}"),
	 "client.show_message: the message is not a string"},
};

START_TEST(hostile_input_is_an_error_a_disconnect_and_a_failover)
{
	const step script[] = {HANDSHAKE, SEND(NOTIFY("h1", "true")),
			       hostile[_i].line, HOLD, HANDSHAKE, HOLD, END};
	peer *p = peer_new();
	int ports[2] = {p->port, p->port};
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_t *s;
	brain_stratum_event_t ev;

	o.max_line = 1000;
	s = client_for(ports, 2, &o);
	peer_run(p, script);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	want(s, BRAIN_STRATUM_JOB, &ev);
	brain_stratum_job_unref(ev.job);
	want(s, BRAIN_STRATUM_ERROR, &ev);
	ck_assert_int_eq(ev.pool, 0);
	ck_assert_msg(!strncmp(ev.message, hostile[_i].says,
			       strlen(hostile[_i].says)),
		      "'%s' does not start with '%s'", ev.message,
		      hostile[_i].says);
	ck_assert_ptr_null(strchr(ev.message, '\n'));
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 0);
	want(s, BRAIN_STRATUM_CONNECTED, &ev);
	ck_assert_int_eq(ev.pool, 1);
	want(s, BRAIN_STRATUM_SWITCHED, &ev);
	ck_assert_int_eq(ev.from_pool, 0);
	ck_assert_int_eq(ev.pool, 1);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

START_TEST(a_hostile_subscribe_answer_is_refused)
{
	static const step script[] = {
		{P_ACCEPT, NULL, 0}, EXPECT("mining.subscribe"),
		SEND("{\"id\":%ID%,\"result\":[[],\"f8002c90\",9],"
		     "\"error\":null}"),
		HOLD, END};
	peer *p = peer_new();
	brain_stratum_t *s = client1(p->port);
	brain_stratum_event_t ev;

	peer_run(p, script);
	want(s, BRAIN_STRATUM_ERROR, &ev);
	ck_assert_str_eq(ev.message, "mining.subscribe: extranonce2_size 9 "
				     "is not 1..8");
	want(s, BRAIN_STRATUM_DISCONNECTED, &ev);
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* Valid lines of a pool with bytes changed at random (seeded): whatever
 * they become, the client survives them (run under SAN=1). */
START_TEST(mangled_pool_lines_never_crash_the_client)
{
	static const char *const good[] = {
		NOTIFY("m1", "true"), DIFFICULTY("0.5"),
		"{\"id\":null,\"method\":\"mining.set_extranonce\","
		"\"params\":[\"0102\",4]}",
		"{\"id\":null,\"method\":\"client.reconnect\","
		"\"params\":[\"127.0.0.1\",1,0]}",
		"{\"id\":3,\"result\":true,\"error\":null}"};
	enum { ROUNDS = 40, PER = 8 };
	static step script[ROUNDS * PER + 1];
	static char lines[ROUNDS][2048];
	static const step hs[] = {HANDSHAKE};
	unsigned long long seed = 12;
	peer *p = peer_new();
	int ports[2] = {p->port, p->port}, r, k, done = 0;
	brain_stratum_options_t o = BRAIN_STRATUM_OPTIONS_INIT;
	brain_stratum_event_t ev;
	brain_stratum_t *s;
	size_t n;

	for (r = 0; r < ROUNDS; r++) {
		snprintf(lines[r], sizeof(lines[r]), "%s", good[r % 5]);
		n = strlen(lines[r]);
		for (k = 0; k < 1 + r % 4; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			lines[r][(seed >> 33) % n] = (char)(32 + (seed >> 20) % 95);
		}
		memcpy(&script[r * PER], hs, sizeof(hs));
		script[r * PER + 6] = (step)SEND(lines[r]);
		script[r * PER + 7] = (step)CLOSE;
	}
	script[ROUNDS * PER] = (step)END;
	o.max_line = 1000;
	s = client_for(ports, 2, &o);
	peer_run(p, script);
	while (!done) {
		ck_assert_int_eq(brain_stratum_poll(s, 50, &ev), 0);
		brain_stratum_job_unref(ev.job);
		pthread_mutex_lock(&p->mu);
		done = p->done;
		pthread_mutex_unlock(&p->mu);
	}
	brain_stratum_close(s);
	peer_free(p, 1);
}
END_TEST

/* Found by fuzz/fuzz_stratum under clang's UBSan: the first step of a
 * connection (its connect completing, nothing read yet) looked for a line
 * at an offset of a NULL buffer.  Fails under make SAN=1 CC=clang. */
START_TEST(a_connection_that_read_nothing_has_no_line)
{
	brain__conn c;
	brain__err e = {{0}};
	char *line = NULL;
	size_t len = 0;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.max_line = 100;
	ck_assert_int_eq(brain__conn_line(&c, &line, &len, &e), 0);
	ck_assert_ptr_null(line);
	ck_assert_str_eq(e.msg, "");
}
END_TEST

Suite *stratum_suite(void)
{
	Suite *su = suite_create("stratum");
	TCase *tc = tcase_create("client");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, handshake_subscribes_authorizes_and_reports_connected);
	tcase_add_test(tc, notify_becomes_a_job_with_the_session_in_force);
	tcase_add_test(tc, set_difficulty_applies_to_the_jobs_after_it_only);
	tcase_add_test(tc, set_extranonce_applies_from_the_next_job);
	tcase_add_test(tc, difficulty_and_job_before_the_authorization_follow_connected);
	tcase_add_test(tc, submit_sends_what_cpuminer_sends_and_reports_acceptance);
	tcase_add_loop_test(tc, each_rejection_gives_its_code_text_and_staleness,
			    0, (int)(sizeof(rejects) / sizeof(rejects[0])));
	tcase_add_test(tc, stale_and_weak_shares_are_refused_without_sending);
	tcase_add_test(tc, a_share_pending_when_the_connection_drops_is_rejected);
	tcase_add_test(tc, show_message_get_version_and_unknown_methods);
	tcase_add_test(tc, wake_from_another_thread_ends_a_long_poll);
	suite_add_tcase(su, tc);
	tc = tcase_create("failover");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_dead_first_pool_fails_over_to_the_second_at_once);
	tcase_add_test(tc, a_refused_authorization_is_an_error_and_a_failover);
	tcase_add_test(tc, after_every_pool_failed_the_client_backs_off);
	tcase_add_test(tc, returns_to_the_primary_keeping_the_backups_verdicts);
	tcase_add_test(tc, a_silent_pool_is_dropped_after_the_timeout);
	tcase_add_loop_test(tc, a_pool_that_never_finishes_the_handshake_fails_over,
			    0, 2);
	tcase_add_test(tc, a_pool_that_talks_but_never_answers_a_share_is_dropped);
	tcase_add_test(tc, after_the_pool_closes_the_client_reconnects_with_its_session_id);
	tcase_add_test(tc, a_session_the_pool_will_not_resume_is_started_afresh);
	tcase_add_test(tc, client_reconnect_moves_to_the_port_given_on_the_same_host);
	tcase_add_test(tc, client_reconnect_to_another_host_is_refused_as_hostile);
	suite_add_tcase(su, tc);
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, hostile_input_is_an_error_a_disconnect_and_a_failover,
			    0, (int)(sizeof(hostile) / sizeof(hostile[0])));
	tcase_add_test(tc, a_hostile_subscribe_answer_is_refused);
	tcase_add_test(tc, mangled_pool_lines_never_crash_the_client);
	tcase_add_test(tc, a_connection_that_read_nothing_has_no_line);
	suite_add_tcase(su, tc);
	return su;
}
