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
	P_LONG,   /* send n bytes 'x' and '\n' */
	P_CLOSE,  /* close the connection */
	P_GATE,   /* wait until the test calls peer_gate */
	P_HOLD,   /* wait until the client closes the connection */
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
		rc = peer_send(p, big, s->n + 1);
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
	case P_HOLD:
		while (p->fd >= 0 && !peer_wait(p, p->fd, "hold")) {
			char junk[4096];
			if (recv(p->fd, junk, sizeof(junk), 0) <= 0)
				break;
		}
		pthread_mutex_lock(&p->mu);
		p->error[0] = '\0'; /* the end of a hold is no failure */
		pthread_mutex_unlock(&p->mu);
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

Suite *stratum_suite(void)
{
	Suite *su = suite_create("stratum");
	TCase *tc = tcase_create("client");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, handshake_subscribes_authorizes_and_reports_connected);
	tcase_add_test(tc, notify_becomes_a_job_with_the_session_in_force);
	tcase_add_test(tc, set_difficulty_applies_to_the_jobs_after_it_only);
	tcase_add_test(tc, set_extranonce_applies_from_the_next_job);
	tcase_add_test(tc, submit_sends_what_cpuminer_sends_and_reports_acceptance);
	tcase_add_loop_test(tc, each_rejection_gives_its_code_text_and_staleness,
			    0, (int)(sizeof(rejects) / sizeof(rejects[0])));
	tcase_add_test(tc, stale_and_weak_shares_are_refused_without_sending);
	tcase_add_test(tc, a_share_pending_when_the_connection_drops_is_rejected);
	suite_add_tcase(su, tc);
	return su;
}
