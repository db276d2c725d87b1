/*
 * tests/check_http.c - the status server (brainstem/http.h) as a client
 * sees it: a server on port 0 of the loopback, and plain sockets that
 * send requests by hand, so every byte of the answer is the server's.
 * The routes and their types, 404 and 405, a huge header refused without
 * harm, a silent client that does not hold the others up, the status
 * replaced from another thread while requests run, the bind addresses it
 * takes and refuses, and the Prometheus text's conventions (HELP and TYPE
 * before each family's samples, label values escaped).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/http.h>

#include "http_internal.h"
#include "testutil.h"

#define WAIT_MS 10000 /* the longest any answer may take: a deadline */

/* ---- a client ------------------------------------------------------------ */

static int connect_to(int port)
{
	struct sockaddr_in sa = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		      "connect to port %d: %s", port, strerror(errno));
	return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the server may close on a request it refuses */
		s += w;
		n -= (size_t)w;
	}
}

/* Everything the server sends until it closes (the requests say
 * "Connection: close"), within WAIT_MS.  Caller frees. */
static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	struct timespec t0, t;

	ck_assert_ptr_nonnull(buf);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		long waited;
		ssize_t n;
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (t.tv_sec - t0.tv_sec) * 1000 +
			 (t.tv_nsec - t0.tv_nsec) / 1000000;
		ck_assert_msg(waited < WAIT_MS, "no answer within %d ms",
			      WAIT_MS);
		if (poll(&p, 1, (int)(WAIT_MS - waited)) <= 0)
			continue;
		if (len + 1024 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

typedef struct reply {
	int status;
	char *raw;        /* the whole answer */
	const char *body; /* into raw */
} reply;

static reply request(int port, const char *text)
{
	int fd = connect_to(port);
	reply r = {0};
	char *end;

	send_all(fd, text, strlen(text));
	r.raw = read_all(fd);
	close(fd);
	ck_assert_msg(sscanf(r.raw, "HTTP/1.%*d %d", &r.status) == 1,
		      "not an HTTP answer: '%.80s'", r.raw);
	end = strstr(r.raw, "\r\n\r\n");
	r.body = end ? end + 4 : "";
	return r;
}

static reply get(int port, const char *method, const char *path)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: "
		 "close\r\n\r\n",
		 method, path);
	return request(port, text);
}

/* The value of header name (case-insensitive) in r, or NULL; caller
 * frees. */
static char *header(const reply *r, const char *name)
{
	const char *line = strstr(r->raw, "\r\n");
	size_t n = strlen(name);

	while (line && line + 2 < r->body) {
		line += 2;
		if (!strncasecmp(line, name, n) && line[n] == ':') {
			const char *v = line + n + 1, *e = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			return strndup(v, (size_t)(e - v));
		}
		line = strstr(line, "\r\n");
	}
	return NULL;
}

/* ---- a server ------------------------------------------------------------ */

static json_t *status_of(const char *id, double rate, long long hashes)
{
	json_t *st = json_pack(
		"{s:s, s:s, s:s, s:i, s:I, s:f, s:I, s:I, s:I, "
		"s:{s:I, s:I, s:I}, s:s, "
		"s:[{s:s, s:b, s:I, s:I, s:I}], s:{s:I}, s:n, "
		"s:[{s:s, s:i, s:s, s:b, s:f, s:I, s:I, s:I, s:I}]}",
		"program", "brainstem-looper", "mode", "test", "engine",
		"generic", "threads", 2, "started", (json_int_t)1764400000,
		"hashrate", rate, "hashes", (json_int_t)hashes, "blocks",
		(json_int_t)3, "restarts", (json_int_t)1, "shares", "accepted",
		(json_int_t)5, "rejected", (json_int_t)1, "stale", (json_int_t)2,
		"pool", "stratum+tcp://127.0.0.1:3333", "pools", "url",
		"stratum+tcp://127.0.0.1:3333", "active", 1, "accepted",
		(json_int_t)5, "rejected", (json_int_t)1, "stale", (json_int_t)2,
		"errors", "looping", (json_int_t)4, "last_error", "miners", "id",
		id, "pid", 123, "state", "running", "up", 1, "hashrate", rate,
		"hashes", (json_int_t)hashes, "blocks", (json_int_t)3,
		"restarts", (json_int_t)1, "last_heartbeat",
		(json_int_t)1764400100);

	ck_assert_ptr_nonnull(st);
	return st;
}

typedef struct server {
	char *dir;
	time_t now;
	brain_t *b;
	brain_http_t *h;
	int port;
} server;

/* A server on 127.0.0.1:0 over a fresh test tree, with a status. */
static server *server_new(void)
{
	server *s = calloc(1, sizeof(*s));
	brain_options_t o;
	json_t *st = status_of("looper1_miner_001", 2500000.5, 1000000);

	ck_assert_ptr_nonnull(s);
	s->dir = tu_tmpdir();
	s->now = T_SEED_EXAMPLE;
	o = tu_options(s->dir, NULL, &s->now);
	ck_assert_msg(brain_initialize_mode(&s->b, "test", "Tester", &o) == 0,
		      "%s", brain_errmsg(NULL));
	ck_assert_msg(brain_http_start(&s->h, "127.0.0.1:0", s->b) == 0, "%s",
		      brain_errmsg(NULL));
	s->port = brain_http_port(s->h);
	ck_assert_int_gt(s->port, 0);
	ck_assert_int_eq(brain_http_set_status(s->h, st), 0);
	json_decref(st);
	return s;
}

static void server_free(server *s)
{
	brain_http_stop(s->h);
	ck_assert_int_eq(brain_close(s->b), 0);
	tu_rmrf(s->dir);
	free(s->dir);
	free(s);
}

/* ---- the routes ---------------------------------------------------------- */

START_TEST(metrics_are_prometheus_text_of_the_last_status)
{
	server *s = server_new();
	reply r = get(s->port, "GET", "/metrics");
	char *type = header(&r, "Content-Type");

	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(type);
	ck_assert_msg(!strncmp(type, "text/plain; version=0.0.4", 25),
		      "content type '%s'", type);
	ck_assert_ptr_nonnull(strstr(
		r.body, "\nbrainstem_hashrate_hashes_per_second{miner="
			"\"looper1_miner_001\"} 2500000.5\n"));
	ck_assert_ptr_nonnull(strstr(
		r.body,
		"\nbrainstem_hashes_total{miner=\"looper1_miner_001\"} 1000000\n"));
	ck_assert_ptr_nonnull(strstr(
		r.body, "\nbrainstem_shares_total{pool=\"stratum+tcp://"
			"127.0.0.1:3333\",result=\"stale\"} 2\n"));
	ck_assert_ptr_nonnull(
		strstr(r.body, "\nbrainstem_errors_total{category=\"looping\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(
		r.body, "\nbrainstem_miner_up{miner=\"looper1_miner_001\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "\nbrainstem_start_time_seconds "
					     "1764400000\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "brainstem_build_info{version=\""
					     BRAIN_VERSION_STRING
					     "\",engine=\"generic\""));
	free(type);
	free(r.raw);
	server_free(s);
}
END_TEST

START_TEST(api_status_is_the_status_with_version_and_uptime)
{
	server *s = server_new();
	reply r = get(s->port, "GET", "/api/status");
	char *type = header(&r, "Content-Type");
	json_error_t je;
	json_t *st = json_loads(r.body, 0, &je);

	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(type, "application/json");
	ck_assert_msg(st != NULL, "not JSON: %s (%s)", je.text, r.body);
	ck_assert_str_eq(json_string_value(json_object_get(st, "version")),
			 BRAIN_VERSION_STRING);
	ck_assert_int_ge(json_integer_value(json_object_get(st, "uptime")),
			 0);
	ck_assert_int_eq(json_array_size(json_object_get(st, "miners")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "hashes")),
			 1000000);
	ck_assert(json_is_null(json_object_get(st, "last_error")));
	json_decref(st);
	free(type);
	free(r.raw);
	server_free(s);
}
END_TEST

START_TEST(the_dashboard_is_html_and_head_has_no_body)
{
	server *s = server_new();
	reply r = get(s->port, "GET", "/"), h = get(s->port, "HEAD", "/");
	char *type = header(&r, "Content-Type");

	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(type);
	ck_assert_msg(!strncmp(type, "text/html", 9), "type '%s'", type);
	ck_assert_ptr_nonnull(strcasestr(r.body, "html"));
	ck_assert_int_eq(h.status, 200);
	ck_assert_str_eq(h.body, "");
	free(type);
	free(r.raw);
	free(h.raw);
	server_free(s);
}
END_TEST

START_TEST(unknown_paths_are_404_and_other_methods_405)
{
	server *s = server_new();
	reply nf = get(s->port, "GET", "/nothing/here");
	reply post = request(s->port, "POST /metrics HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 5\r\nConnection: "
				      "close\r\n\r\nhello");
	reply del = get(s->port, "DELETE", "/api/status");
	char *allow = header(&post, "Allow");

	ck_assert_int_eq(nf.status, 404);
	ck_assert_int_eq(post.status, 405);
	ck_assert_int_eq(del.status, 405);
	ck_assert_str_eq(allow, "GET, HEAD");
	free(allow);
	free(nf.raw);
	free(post.raw);
	free(del.raw);
	server_free(s);
}
END_TEST

/* ---- bounds -------------------------------------------------------------- */

START_TEST(a_huge_header_is_refused_and_the_server_goes_on)
{
	server *s = server_new();
	size_t big = 256 * 1024;
	char *text = malloc(big + 256), *p = text;
	reply r, after;

	ck_assert_ptr_nonnull(text);
	p += sprintf(p, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(p, 'a', big);
	p += big;
	strcpy(p, "\r\nConnection: close\r\n\r\n");
	r = request(s->port, text);
	ck_assert_msg(r.status >= 400 && r.status < 500,
		      "a 256 KiB header got %d", r.status);
	after = get(s->port, "GET", "/metrics");
	ck_assert_int_eq(after.status, 200);
	free(text);
	free(r.raw);
	free(after.raw);
	server_free(s);
}
END_TEST

START_TEST(a_silent_client_does_not_hold_up_another)
{
	server *s = server_new();
	int silent = connect_to(s->port), half = connect_to(s->port);
	reply r;

	/* one says nothing, one stops in the middle of its request line */
	send_all(half, "GET /met", 8);
	r = get(s->port, "GET", "/metrics");
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "brainstem_build_info"));
	close(silent);
	close(half);
	free(r.raw);
	server_free(s);
}
END_TEST

/* A connection the server closed (0 from recv, or a reset) without a
 * byte, within WAIT_MS. */
static int closed_unanswered(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char c;

	if (poll(&p, 1, WAIT_MS) != 1)
		return 0;
	return recv(fd, &c, 1, 0) <= 0;
}

START_TEST(connections_beyond_the_limit_are_closed_at_once)
{
	server *s = server_new();
	int held[16], extra, i, code = 0;

	/* the limit from one address is 16: the 17th is closed at once */
	for (i = 0; i < 16; i++)
		held[i] = connect_to(s->port);
	extra = connect_to(s->port);
	ck_assert_msg(closed_unanswered(extra),
		      "a 17th connection from one address was kept open");
	close(extra);
	for (i = 0; i < 16; i++)
		close(held[i]);
	/* and once they are gone, requests are answered again (the server
	 * may see the closes just after the next connection: a deadline) */
	for (i = 0; i < WAIT_MS && code != 200; i++) {
		int fd = connect_to(s->port);
		const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
				  "Connection: close\r\n\r\n";
		char *raw;
		send_all(fd, req, strlen(req));
		raw = read_all(fd);
		close(fd);
		if (sscanf(raw, "HTTP/1.%*d %d", &code) != 1)
			poll(NULL, 0, 1);
		free(raw);
	}
	ck_assert_int_eq(code, 200);
	server_free(s);
}
END_TEST

typedef struct churn {
	brain_http_t *h;
	volatile int stop;
	long sets;
} churn;

static void *set_status_loop(void *arg)
{
	churn *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		json_t *st = status_of("looper1_miner_001",
				       (double)(c->sets % 1000), c->sets);
		if (brain_http_set_status(c->h, st) != 0)
			abort();
		json_decref(st);
		__atomic_add_fetch(&c->sets, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

START_TEST(set_status_from_another_thread_while_requests_run)
{
	server *s = server_new();
	churn c = {s->h, 0, 0};
	pthread_t t;
	int i;

	ck_assert_int_eq(pthread_create(&t, NULL, set_status_loop, &c), 0);
	/* the requests start once the other thread is setting */
	for (i = 0; !__atomic_load_n(&c.sets, __ATOMIC_RELAXED); i++) {
		ck_assert_int_lt(i, WAIT_MS);
		poll(NULL, 0, 1);
	}
	for (i = 0; i < 30; i++) {
		const char *path = i % 3 == 0	? "/metrics"
				   : i % 3 == 1 ? "/api/status"
						: "/";
		reply r = get(s->port, "GET", path);
		ck_assert_msg(r.status == 200, "%s: %d", path, r.status);
		if (i % 3 == 1) {
			json_t *st = json_loads(r.body, 0, NULL);
			ck_assert_ptr_nonnull(st);
			ck_assert_int_eq(
				json_array_size(json_object_get(st, "miners")),
				1);
			json_decref(st);
		}
		free(r.raw);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	server_free(s);
}
END_TEST

START_TEST(a_stopped_server_closes_its_port)
{
	server *s = server_new();
	int port = s->port, fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {0};

	server_free(s);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(errno, ECONNREFUSED);
	close(fd);
}
END_TEST

/* ---- binding ------------------------------------------------------------- */

START_TEST(bind_addresses_are_loopback_unless_named)
{
	struct sockaddr_storage sa;
	socklen_t len;
	brain__err e;
	char host[64];

	ck_assert_int_eq(brain__http_parse_bind(&e, "9100", &sa, &len), 0);
	ck_assert_int_eq(sa.ss_family, AF_INET);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host,
		  sizeof(host));
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(ntohs(((struct sockaddr_in *)&sa)->sin_port), 9100);
	ck_assert_int_eq(brain__http_parse_bind(&e, "localhost:0", &sa, &len),
			 0);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host,
		  sizeof(host));
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(brain__http_parse_bind(&e, "0.0.0.0:80", &sa, &len),
			 0);
	ck_assert_int_eq(brain__http_parse_bind(&e, "[::1]:8080", &sa, &len),
			 0);
	ck_assert_int_eq(sa.ss_family, AF_INET6);
	ck_assert_int_eq(ntohs(((struct sockaddr_in6 *)&sa)->sin6_port), 8080);
}
END_TEST

/* 1 when this machine has an IPv6 loopback to bind (containers may not). */
static int have_ipv6_loopback(void)
{
	struct sockaddr_in6 sa = {0};
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

START_TEST(an_ipv6_loopback_address_is_served)
{
	struct sockaddr_in6 sa = {0};
	brain_http_t *h;
	const char *req = "GET /api/status HTTP/1.1\r\nHost: x\r\n"
			  "Connection: close\r\n\r\n";
	char *raw;
	int fd;

	if (!have_ipv6_loopback())
		return; /* nothing to serve on here */
	ck_assert_msg(brain_http_start(&h, "[::1]:0", NULL) == 0, "%s",
		      brain_errmsg(NULL));
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = in6addr_loopback;
	sa.sin6_port = htons((uint16_t)brain_http_port(h));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	send_all(fd, req, strlen(req));
	raw = read_all(fd);
	close(fd);
	ck_assert_msg(!strncmp(raw, "HTTP/1.1 200", 12), "answer '%.40s'", raw);
	free(raw);
	brain_http_stop(h);
}
END_TEST

START_TEST(bad_bind_addresses_are_einval_saying_why)
{
	static const struct {
		const char *bind, *why;
	} bad[] = {
		{"", "the port must be 0 to 65535"},
		{"abc", "the port must be 0 to 65535"},
		{"127.0.0.1:65536", "the port must be 0 to 65535"},
		{"127.0.0.1:-1", "the port must be 0 to 65535"},
		{"example.com:80", "not a numeric IPv4 address"},
		{"::1:80", "an IPv6 address needs brackets"},
		{"[::1]80", "no ']:' after"},
		{"[nope]:80", "not a numeric IPv6 address"},
	};
	brain_http_t *h = (brain_http_t *)&h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_int_eq(brain_http_start(&h, bad[i].bind, NULL),
				 BRAIN_EINVAL);
		ck_assert_ptr_null(h);
		ck_assert_msg(strstr(brain_errmsg(NULL), bad[i].why) &&
				      strstr(brain_errmsg(NULL), "expected "
								 "HOST:PORT"),
			      "'%s': message '%s'", bad[i].bind,
			      brain_errmsg(NULL));
	}
}
END_TEST

START_TEST(a_port_in_use_is_eio_naming_the_address)
{
	brain_http_t *a, *b = NULL;
	char where[64];

	ck_assert_int_eq(brain_http_start(&a, "127.0.0.1:0", NULL), 0);
	snprintf(where, sizeof(where), "127.0.0.1:%d", brain_http_port(a));
	ck_assert_int_eq(brain_http_start(&b, where, NULL), BRAIN_EIO);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(brain_errmsg(NULL), where) &&
			      strstr(brain_errmsg(NULL), strerror(EADDRINUSE)),
		      "message '%s'", brain_errmsg(NULL));
	brain_http_stop(a);
}
END_TEST

START_TEST(a_server_without_a_tree_serves_the_status)
{
	brain_http_t *h;
	json_t *st = status_of("m", 1, 2);
	reply r;

	ck_assert_int_eq(brain_http_start(&h, "127.0.0.1:0", NULL), 0);
	/* before any status: the build info alone */
	r = get(brain_http_port(h), "GET", "/metrics");
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "brainstem_build_info{"));
	ck_assert_ptr_null(strstr(r.body, "brainstem_hashes_total{"));
	free(r.raw);
	ck_assert_int_eq(brain_http_set_status(h, st), 0);
	r = get(brain_http_port(h), "GET", "/");
	ck_assert_int_eq(r.status, 200);
	free(r.raw);
	json_decref(st);
	brain_http_stop(h);
}
END_TEST

/* ---- the text format ----------------------------------------------------- */

START_TEST(label_values_and_help_are_escaped)
{
	json_t *st = json_pack("{s:[{s:s, s:i}], s:{s:i}}", "miners", "id",
			       "a\"b\\c\nd", "hashes", 7, "errors",
			       "we\"ird\n", 1);
	brain__buf b = {0};

	ck_assert_int_eq(brain__http_metrics(st, &b), 0);
	ck_assert_ptr_nonnull(strstr(
		b.data, "\nbrainstem_hashes_total{miner=\"a\\\"b\\\\c\\nd\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(
		b.data, "\nbrainstem_errors_total{category=\"we\\\"ird\\n\"} 1\n"));
	brain__buf_free(&b);
	json_decref(st);
}
END_TEST

/* Two samples of one series make Prometheus refuse the whole scrape: a
 * miner id or pool url given twice counts once, the first (found by
 * fuzz/fuzz_status.c). */
START_TEST(a_miner_or_pool_given_twice_is_one_series)
{
	json_t *st = json_pack(
		"{s:[{s:s, s:i}, {s:s, s:i}], s:[{s:s, s:i}, {s:s, s:i}]}",
		"miners", "id", "m", "hashes", 5, "id", "m", "hashes", 7,
		"pools", "url", "p", "accepted", 1, "url", "p", "accepted", 2);
	brain__buf b = {0};

	ck_assert_int_eq(brain__http_metrics(st, &b), 0);
	ck_assert_ptr_nonnull(
		strstr(b.data, "\nbrainstem_hashes_total{miner=\"m\"} 5\n"));
	ck_assert_ptr_null(strstr(b.data, "{miner=\"m\"} 7"));
	ck_assert_ptr_nonnull(strstr(
		b.data, "{pool=\"p\",result=\"accepted\"} 1\n"));
	ck_assert_ptr_null(strstr(b.data, "result=\"accepted\"} 2"));
	brain__buf_free(&b);
	json_decref(st);
}
END_TEST

/* Every sample's family was announced (HELP then TYPE) before it, only
 * once, and counters, and only counters, end in _total. */
START_TEST(every_family_has_help_and_type_before_its_samples)
{
	json_t *st = status_of("m1", 1.5, 10);
	brain__buf b = {0};
	char *text, *line, *save = NULL, last_help[128] = "";
	char typed[64][128];
	int ntyped = 0, i, samples = 0;

	ck_assert_int_eq(brain__http_metrics(st, &b), 0);
	text = b.data;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], type[32];
		if (sscanf(line, "# HELP %127s", name) == 1) {
			strcpy(last_help, name);
		} else if (sscanf(line, "# TYPE %127s %31s", name, type) == 2) {
			size_t n = strlen(name);
			int counter = n > 6 && !strcmp(name + n - 6, "_total");
			ck_assert_str_eq(name, last_help);
			for (i = 0; i < ntyped; i++)
				ck_assert_str_ne(typed[i], name);
			ck_assert_int_lt(ntyped, 64);
			strcpy(typed[ntyped++], name);
			ck_assert_msg(counter == !strcmp(type, "counter"),
				      "%s is a %s", name, type);
		} else {
			size_t n = strcspn(line, "{ ");
			ck_assert_int_gt(ntyped, 0);
			ck_assert_msg(strlen(typed[ntyped - 1]) == n &&
					      !strncmp(line, typed[ntyped - 1],
						       n),
				      "sample '%s' outside its family %s", line,
				      typed[ntyped - 1]);
			samples++;
		}
	}
	ck_assert_int_eq(samples, 14); /* last_error is null: no sample */
	brain__buf_free(&b);
	json_decref(st);
}
END_TEST

Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");

	tcase_add_test(tc, metrics_are_prometheus_text_of_the_last_status);
	tcase_add_test(tc, api_status_is_the_status_with_version_and_uptime);
	tcase_add_test(tc, the_dashboard_is_html_and_head_has_no_body);
	tcase_add_test(tc, unknown_paths_are_404_and_other_methods_405);
	tcase_add_test(tc, a_huge_header_is_refused_and_the_server_goes_on);
	tcase_add_test(tc, a_silent_client_does_not_hold_up_another);
	tcase_add_test(tc, connections_beyond_the_limit_are_closed_at_once);
	tcase_add_test(tc, set_status_from_another_thread_while_requests_run);
	tcase_add_test(tc, a_stopped_server_closes_its_port);
	tcase_add_test(tc, bind_addresses_are_loopback_unless_named);
	tcase_add_test(tc, an_ipv6_loopback_address_is_served);
	tcase_add_test(tc, bad_bind_addresses_are_einval_saying_why);
	tcase_add_test(tc, a_port_in_use_is_eio_naming_the_address);
	tcase_add_test(tc, a_server_without_a_tree_serves_the_status);
	tcase_add_test(tc, label_values_and_help_are_escaped);
	tcase_add_test(tc, every_family_has_help_and_type_before_its_samples);
	tcase_add_test(tc, a_miner_or_pool_given_twice_is_one_series);
	suite_add_tcase(s, tc);
	return s;
}
