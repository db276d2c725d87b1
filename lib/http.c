/*
 * lib/http.c - the status server (brainstem/http.h) on libmicrohttpd.
 *
 * One listening socket, made here (so a failed bind says which address
 * and why), handed to one libmicrohttpd daemon that runs its own polling
 * thread: every request is answered on that thread, which alone uses the
 * read-only tree handle of the dashboard.  The program's thread only
 * swaps the status under a mutex; a request renders /metrics, or copies
 * the status for the others, under the same mutex (microseconds: the
 * status is a few hundred bytes per miner) and does the rest outside it,
 * so neither ever waits for the other's real work (the dashboard's reads
 * of the tree).
 *
 * Bounds: HTTP_MAX_CONNECTIONS connections, HTTP_PER_IP_CONNECTIONS of
 * them from one address (more are closed as soon as accepted, so one
 * client cannot take every slot from a Prometheus elsewhere),
 * HTTP_CONN_MEMORY bytes for a connection's headers and buffers (a larger
 * request gets 431 and is closed), HTTP_TIMEOUT seconds of silence before
 * a connection is dropped.  A silent client holds one connection slot,
 * not the thread: the daemon polls every connection at once.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include <brainstem/brainstem.h>
#include <brainstem/http.h>

#include "dashboard.h"
#include "error.h"
#include "http_internal.h"
#include "jsonfile.h"

#define HTTP_MAX_CONNECTIONS 32
#define HTTP_PER_IP_CONNECTIONS 16
#define HTTP_CONN_MEMORY (16 * 1024) /* headers and buffers */
#define HTTP_TIMEOUT 10              /* seconds of silence */
#define HTTP_BACKLOG 16
#define HTTP_COMPONENT "HTTP-Status"

#define TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define TYPE_JSON "application/json"
#define TYPE_HTML "text/html; charset=utf-8"
#define TYPE_TEXT "text/plain; charset=utf-8"

struct brain_http {
	struct MHD_Daemon *d;
	int fd;   /* the listening socket (the daemon's once started) */
	int port;
	brain_t *ro; /* the dashboard's; server thread only */
	pthread_mutex_t mu;
	json_t *status; /* under mu; the server's own deep copy */
	time_t started; /* when the status has no "started" */
};

/* ---- the bind address ---------------------------------------------------- */

static int bad_bind(brain__err *e, const char *bind, const char *why)
{
	return brain__errf(e, BRAIN_EINVAL,
			   "http address '%s': %s (expected HOST:PORT, "
			   "[IPV6]:PORT or PORT)",
			   bind, why);
}

int brain__http_parse_bind(brain__err *e, const char *bind,
			   struct sockaddr_storage *sa, socklen_t *len)
{
	char host[64];
	const char *port_s, *colon;
	char *end;
	long port;

	memset(sa, 0, sizeof(*sa));
	if (bind[0] == '[') {
		const char *close = strchr(bind, ']');
		if (!close || close[1] != ':')
			return bad_bind(e, bind, "no ']:' after an IPv6 address");
		if ((size_t)(close - bind - 1) >= sizeof(host))
			return bad_bind(e, bind, "address too long");
		memcpy(host, bind + 1, (size_t)(close - bind - 1));
		host[close - bind - 1] = '\0';
		port_s = close + 2;
	} else if ((colon = strrchr(bind, ':'))) {
		if (strchr(bind, ':') != colon)
			return bad_bind(e, bind, "an IPv6 address needs brackets");
		if ((size_t)(colon - bind) >= sizeof(host))
			return bad_bind(e, bind, "address too long");
		memcpy(host, bind, (size_t)(colon - bind));
		host[colon - bind] = '\0';
		port_s = colon + 1;
	} else {
		strcpy(host, "127.0.0.1");
		port_s = bind;
	}
	errno = 0;
	port = strtol(port_s, &end, 10);
	if (!*port_s || *end || errno || port < 0 || port > 65535 ||
	    *port_s == '-' || *port_s == '+' || *port_s == ' ')
		return bad_bind(e, bind, "the port must be 0 to 65535");
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (bind[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return bad_bind(e, bind, "not a numeric IPv6 address");
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return bad_bind(e, bind, "not a numeric IPv4 address "
						 "or localhost");
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
	}
	return 0;
}

/* The listening socket, bound and listening; its port in *port. */
static int listen_on(brain__err *e, const char *where, int *fd_out,
		     int *port)
{
	struct sockaddr_storage sa, got;
	socklen_t len, glen = sizeof(got);
	int fd, one = 1, rc;

	if ((rc = brain__http_parse_bind(e, where, &sa, &len)) != 0)
		return rc;
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return brain__errno(e, BRAIN_EIO, "http address '%s': socket",
				    where);
	/* a restarted program can take its port back from TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) != 0 ||
	    listen(fd, HTTP_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) != 0) {
		rc = brain__errno(e, BRAIN_EIO, "http address '%s': cannot "
						"listen there",
				  where);
		close(fd);
		return rc;
	}
	*port = ntohs(got.ss_family == AF_INET6
			      ? ((struct sockaddr_in6 *)&got)->sin6_port
			      : ((struct sockaddr_in *)&got)->sin_port);
	*fd_out = fd;
	return 0;
}

/* ---- answering ----------------------------------------------------------- */

/* A copy of the status with "version" and "uptime", under the lock. */
static json_t *status_copy(brain_http_t *h)
{
	json_t *st;
	time_t t0, now = time(NULL);
	double started;

	pthread_mutex_lock(&h->mu);
	st = h->status ? json_deep_copy(h->status) : json_object();
	pthread_mutex_unlock(&h->mu);
	if (!st)
		return NULL;
	/* a "started" outside the years 1970 to 9999 is not a time (and a
	 * double past time_t does not convert): the server's own start */
	started = json_is_number(json_object_get(st, "started"))
			  ? json_number_value(json_object_get(st, "started"))
			  : -1;
	if (started >= (double)BRAIN_TIME_MIN &&
	    started <= (double)BRAIN_TIME_MAX)
		t0 = (time_t)started;
	else
		t0 = h->started;
	if (json_object_set_new(st, "version",
				json_string(BRAIN_VERSION_STRING)) ||
	    json_object_set_new(st, "uptime",
				json_integer(now > t0 ? (json_int_t)(now - t0)
						      : 0))) {
		json_decref(st);
		return NULL;
	}
	return st;
}

static enum MHD_Result send_body(struct MHD_Connection *c, unsigned code,
				 const char *type, char *body, size_t len,
				 const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO; /* the daemon closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code,
				 const char *text, const char *allow)
{
	char *body = strdup(text);

	if (!body)
		return MHD_NO;
	return send_body(c, code, TYPE_TEXT, body, strlen(body), allow);
}

static enum MHD_Result send_error(struct MHD_Connection *c)
{
	return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			 "out of memory\n", NULL);
}

static enum MHD_Result serve_metrics(brain_http_t *h,
				     struct MHD_Connection *c)
{
	brain__buf out = {0};
	int rc;

	pthread_mutex_lock(&h->mu);
	rc = brain__http_metrics(h->status, &out);
	pthread_mutex_unlock(&h->mu);
	if (rc != 0 || !out.data) {
		brain__buf_free(&out);
		return send_error(c);
	}
	return send_body(c, MHD_HTTP_OK, TYPE_METRICS, out.data, out.len,
			 NULL);
}

static enum MHD_Result serve_status(brain_http_t *h,
				    struct MHD_Connection *c)
{
	json_t *st = status_copy(h);
	char *text;

	text = st ? json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER |
					   JSON_REAL_PRECISION(15))
		  : NULL;
	json_decref(st);
	if (!text)
		return send_error(c);
	return send_body(c, MHD_HTTP_OK, TYPE_JSON, text, strlen(text), NULL);
}

static enum MHD_Result serve_dashboard(brain_http_t *h,
				       struct MHD_Connection *c)
{
	json_t *st = status_copy(h);
	char *html = NULL;
	int rc;

	if (!st)
		return send_error(c);
	rc = brain__dashboard_html(h->ro, st, time(NULL), &html);
	json_decref(st);
	if (rc != 0 || !html) {
		free(html);
		return send_error(c);
	}
	return send_body(c, MHD_HTTP_OK, TYPE_HTML, html, strlen(html), NULL);
}

/* Every request is answered at its first call: none of ours reads a
 * body, and a body sent anyway ends with the connection. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	brain_http_t *h = cls;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				 "only GET and HEAD are served\n",
				 "GET, HEAD");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(h, c);
	if (!strcmp(url, "/api/status"))
		return serve_status(h, c);
	if (!strcmp(url, "/"))
		return serve_dashboard(h, c);
	return send_text(c, MHD_HTTP_NOT_FOUND,
			 "not found: try /, /metrics or /api/status\n", NULL);
}

/* ---- the public calls ---------------------------------------------------- */

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

/* The dashboard's own handle: read-only, on b's tree, silent. */
static int open_ro(brain__err *e, brain_t *b, brain_t **ro)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;

	o.root = brain_root_path(b);
	o.blueprint = brain_blueprint_path(b);
	o.flags = BRAIN_OPEN_READONLY;
	o.notice = quiet;
	if (brain_initialize_mode(ro, brain_mode(b), HTTP_COMPONENT, &o) != 0)
		return brain__errf(e, BRAIN_EIO,
				   "http: cannot open the tree for the "
				   "dashboard: %s",
				   brain_errmsg(NULL));
	return 0;
}

int brain_http_start(brain_http_t **out, const char *bind, brain_t *b)
{
	brain__err *e = brain__thread_err();
	brain_http_t *h;
	int rc;

	BRAIN__ARG(e, out);
	*out = NULL;
	BRAIN__ARG(e, bind);
	if (!(h = calloc(1, sizeof(*h))))
		return brain__errf(e, BRAIN_ENOMEM, "http: out of memory");
	h->fd = -1;
	h->started = time(NULL);
	if (pthread_mutex_init(&h->mu, NULL) != 0) {
		free(h);
		return brain__errf(e, BRAIN_ENOMEM, "http: no mutex");
	}
	if ((rc = listen_on(e, bind, &h->fd, &h->port)) != 0)
		goto fail;
	if (b && (rc = open_ro(e, b, &h->ro)) != 0)
		goto fail;
	/* no MHD_USE_ERROR_LOG: the library does not print */
	h->d = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, h,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)HTTP_PER_IP_CONNECTIONS,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT,
		MHD_OPTION_END);
	if (!h->d) {
		/* whether a daemon that failed to start closed the socket it
		 * was given is not documented: leaking it beats closing a
		 * descriptor another thread may have been given since */
		h->fd = -1;
		rc = brain__errf(e, BRAIN_EIO,
				 "http address '%s': the server did not start",
				 bind);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	if (h->fd >= 0)
		close(h->fd);
	if (h->ro)
		(void)brain_close(h->ro);
	pthread_mutex_destroy(&h->mu);
	free(h);
	return rc;
}

int brain_http_port(const brain_http_t *h)
{
	return h ? h->port : -1;
}

int brain_http_set_status(brain_http_t *h, const json_t *status)
{
	brain__err *e = brain__thread_err();
	json_t *copy, *old;

	BRAIN__ARG(e, h);
	BRAIN__ARG(e, json_is_object(status));
	/* the copy is the server's alone: no reference is shared with the
	 * caller, whose object may change on its own thread */
	if (!(copy = json_deep_copy(status)))
		return brain__errf(e, BRAIN_ENOMEM, "http: out of memory");
	pthread_mutex_lock(&h->mu);
	old = h->status;
	h->status = copy;
	pthread_mutex_unlock(&h->mu);
	json_decref(old);
	return 0;
}

void brain_http_stop(brain_http_t *h)
{
	if (!h)
		return;
	/* joins the thread, closes the connections and the listening
	 * socket (the daemon closes the one it was given) */
	MHD_stop_daemon(h->d);
	if (h->ro)
		(void)brain_close(h->ro);
	json_decref(h->status);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
