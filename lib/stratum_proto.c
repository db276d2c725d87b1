/*
 * lib/stratum_proto.c - Stratum v1 on one connection to one pool: the
 * handshake (mining.subscribe, mining.extranonce.subscribe,
 * mining.authorize), the pool's requests (mining.notify,
 * mining.set_difficulty, mining.set_extranonce, client.reconnect,
 * client.show_message, client.get_version) and the verdicts on
 * mining.submit.
 *
 * Everything the pool sends is checked before it is believed: a line that
 * is not a JSON object, a field of the wrong type, an extranonce of a
 * wrong size, a difficulty that is not a positive finite number or a job
 * that does not parse makes the connection HOSTILE, which the client
 * answers by dropping it.  A connection keeps the jobs that are not stale
 * (those after the last clean_jobs, at most BRAIN__SJOBS_MAX), so a share
 * of a stale job is refused before it is sent.  Events are made only once
 * the pool authorized us (the last job before that is kept and handed out
 * after CONNECTED) and not at all while the connection is being left
 * (quiet), verdicts excepted.  Cost: one JSON parse per line.
 */
#define _GNU_SOURCE
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <brainstem/brainstem.h>

#include "hex.h"
#include "stratum_internal.h"
#include "stratum_proto.h"

#define TEXT_MAX 300        /* a pool's text in a message or a reason */
#define SESSION_ID_MAX 64   /* longer session ids are not kept */

struct brain__spend {
	brain__spend *next;
	uint64_t rpc_id;
	int64_t sent_ms; /* when it was queued */
	brain_stratum_share_t share;
	brain_stratum_job_t *job; /* keeps share.job_id alive */
};

/* ---- events ------------------------------------------------------------ */

void brain__sev_free(brain__sev *e)
{
	if (!e)
		return;
	free(e->message);
	free(e->reason);
	brain_stratum_job_unref(e->ev.job);
	brain_stratum_job_unref(e->keep);
	free(e);
}

void brain__sevq_clear(brain__sevq *q)
{
	brain__sev *e;

	while ((e = brain__sevq_pop(q)))
		brain__sev_free(e);
}

brain__sev *brain__sevq_pop(brain__sevq *q)
{
	brain__sev *e = q->head;

	if (e) {
		q->head = e->next;
		if (!q->head)
			q->tail = NULL;
		e->next = NULL;
	}
	return e;
}

/* A copy of the n first bytes of text as one printable line. */
static char *one_line(const char *text, size_t n)
{
	char *out = malloc(n + 1);
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[i];
		out[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	out[n] = '\0';
	return out;
}

brain__sev *brain__sev_push(brain__sevq *q, brain_stratum_event_kind_t kind,
			    const brain__spool *p, const char *message)
{
	brain__sev *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (message) {
		size_t n = strlen(message);
		if (!(e->message = one_line(message, n > 1000 ? 1000 : n))) {
			free(e);
			return NULL;
		}
	}
	e->ev.kind = kind;
	e->ev.pool = p ? p->index : -1;
	e->ev.from_pool = -1;
	e->ev.url = p ? p->url : "";
	e->ev.user = p ? p->user : "";
	e->ev.message = e->message;
	e->ev.reject_code = -1;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	return e;
}

/* Events are made only on a connection in use. */
static int speaks(const brain__sconn *c)
{
	return c->state == BRAIN__S_READY && !c->quiet;
}

static enum brain__soutcome say(brain__sconn *c, enum brain__soutcome o,
				const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum brain__soutcome say(brain__sconn *c, enum brain__soutcome o,
				const char *fmt, ...)
{
	va_list ap;
	char *clean;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	if ((clean = one_line(c->msg, strlen(c->msg)))) {
		strcpy(c->msg, clean);
		free(clean);
	}
	return o;
}

/* A pool's text (a string of JSON) made safe to print: at most TEXT_MAX
 * bytes; "" when s is not a string. */
static const char *text_of(const json_t *s, char buf[TEXT_MAX + 1])
{
	size_t n;

	if (!json_is_string(s))
		return "";
	n = json_string_length(s);
	if (n > TEXT_MAX)
		n = TEXT_MAX;
	memcpy(buf, json_string_value(s), n);
	buf[n] = '\0';
	return buf;
}

/* ---- sending ----------------------------------------------------------- */

static int send_json(brain__sconn *c, json_t *msg)
{
	char *text;
	int rc;

	if (!msg)
		return BRAIN_ENOMEM;
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return BRAIN_ENOMEM;
	rc = brain__conn_send(&c->io, text, strlen(text));
	free(text);
	return rc;
}

/* Sends a request; returns its id, 0 when out of memory.  Steals params. */
static uint64_t request(brain__sconn *c, const char *method, json_t *params)
{
	uint64_t id = c->next_id++;

	if (!params)
		return 0;
	if (send_json(c, json_pack("{sIsssO}", "id", (json_int_t)id, "method",
				   method, "params", params))) {
		json_decref(params);
		return 0;
	}
	json_decref(params);
	return id;
}

static int subscribe(brain__sconn *c)
{
	json_t *params = c->resume ? json_pack("[ss]", c->pool.agent, c->resume)
				   : json_pack("[s]", c->pool.agent);

	c->state = BRAIN__S_SUBSCRIBING;
	c->sub_id = request(c, "mining.subscribe", params);
	return c->sub_id ? 0 : BRAIN_ENOMEM;
}

/* ---- the pool's requests ----------------------------------------------- */

static enum brain__soutcome out_of_memory(brain__sconn *c)
{
	return say(c, BRAIN__S_FAILED, "out of memory");
}

/* Keeps j as a current job of c (takes the reference). */
static void keep_job(brain__sconn *c, brain_stratum_job_t *j)
{
	size_t i;

	if (brain_stratum_job_info(j)->clean_jobs) {
		for (i = 0; i < c->njobs; i++)
			brain_stratum_job_unref(c->jobs[i]);
		c->njobs = 0;
	}
	if (c->njobs == BRAIN__SJOBS_MAX) {
		brain_stratum_job_unref(c->jobs[0]);
		memmove(c->jobs, c->jobs + 1, sizeof(c->jobs[0]) * --c->njobs);
	}
	c->jobs[c->njobs++] = j;
}

static enum brain__soutcome on_notify(brain__sconn *c, const json_t *params,
				      brain__sevq *q)
{
	brain__stratum_session sess;
	brain_stratum_job_t *j;
	brain__sev *e;
	char why[256];
	int rc;

	if (c->quiet || c->state == BRAIN__S_SUBSCRIBING)
		return BRAIN__S_OK; /* work for a connection being left, or
				       before there is an extranonce */
	sess.pool_url = c->pool.url;
	sess.connection = c->number;
	sess.extranonce1 = c->extranonce1;
	sess.extranonce1_len = c->extranonce1_len;
	sess.extranonce2_size = c->extranonce2_size;
	sess.difficulty = c->difficulty;
	rc = brain__stratum_job_parse(params, &sess, &j, why, sizeof(why));
	if (rc == BRAIN_ENOMEM)
		return out_of_memory(c);
	if (rc)
		return say(c, BRAIN__S_HOSTILE, "%s", why);
	keep_job(c, j);
	if (!speaks(c)) {
		brain_stratum_job_unref(c->early);
		c->early = brain_stratum_job_ref(j);
		return BRAIN__S_OK;
	}
	if (!(e = brain__sev_push(q, BRAIN_STRATUM_JOB, &c->pool, NULL)))
		return out_of_memory(c);
	e->ev.job = brain_stratum_job_ref(j);
	return BRAIN__S_OK;
}

static enum brain__soutcome on_difficulty(brain__sconn *c,
					  const json_t *params, brain__sevq *q)
{
	const json_t *d = json_array_get(params, 0);
	brain__sev *e;
	double v;

	if (!json_is_number(d))
		return say(c, BRAIN__S_HOSTILE,
			   "mining.set_difficulty: the difficulty is not a "
			   "number");
	v = json_number_value(d);
	if (!isfinite(v) || v <= 0)
		return say(c, BRAIN__S_HOSTILE,
			   "mining.set_difficulty: difficulty %g is not "
			   "above 0",
			   v);
	c->difficulty = v;
	c->difficulty_set = 1;
	if (speaks(c)) {
		if (!(e = brain__sev_push(q, BRAIN_STRATUM_DIFFICULTY,
					  &c->pool, NULL)))
			return out_of_memory(c);
		e->ev.difficulty = v;
	}
	return BRAIN__S_OK;
}

/* extranonce1 (hex, at most 32 bytes) and extranonce2_size (1..8), from
 * mining.subscribe or mining.set_extranonce (what). */
static enum brain__soutcome take_extranonce(brain__sconn *c,
					    const json_t *en1,
					    const json_t *size,
					    const char *what)
{
	const char *hex;
	size_t n, i;
	json_int_t s;

	if (!json_is_string(en1))
		return say(c, BRAIN__S_HOSTILE,
			   "%s: extranonce1 is not a string", what);
	hex = json_string_value(en1);
	n = json_string_length(en1);
	if (n % 2 || n > 2 * sizeof(c->extranonce1))
		return say(c, BRAIN__S_HOSTILE,
			   "%s: extranonce1 is %zu hex digits (an even number "
			   "up to %zu expected)", what, n,
			   2 * sizeof(c->extranonce1));
	for (i = 0; i < n; i++)
		if (brain__hexval(hex[i]) < 0)
			return say(c, BRAIN__S_HOSTILE,
				   "%s: extranonce1 is not hex", what);
	if (!json_is_integer(size))
		return say(c, BRAIN__S_HOSTILE,
			   "%s: extranonce2_size is not a number", what);
	s = json_integer_value(size);
	if (s < 1 || s > BRAIN_STRATUM_EXTRANONCE2_MAX)
		return say(c, BRAIN__S_HOSTILE,
			   "%s: extranonce2_size %lld is not 1..%d", what,
			   (long long)s, BRAIN_STRATUM_EXTRANONCE2_MAX);
	for (i = 0; i < n / 2; i++)
		c->extranonce1[i] = (uint8_t)(brain__hexval(hex[2 * i]) << 4 |
					      brain__hexval(hex[2 * i + 1]));
	c->extranonce1_len = n / 2;
	c->extranonce2_size = (size_t)s;
	return BRAIN__S_OK;
}

/* client.reconnect [host, port, wait]: the same host only (another host
 * is refused as hostile: a pool must not send its miners elsewhere); the
 * port may change; the wait is capped at a minute. */
static enum brain__soutcome on_reconnect(brain__sconn *c,
					 const json_t *params)
{
	const json_t *h = json_array_get(params, 0),
		     *p = json_array_get(params, 1),
		     *w = json_array_get(params, 2);
	char buf[TEXT_MAX + 1];
	json_int_t port = 0;
	double wait = 0;

	if (!speaks(c))
		return BRAIN__S_OK;
	if (h && !json_is_null(h) && !json_is_string(h))
		return say(c, BRAIN__S_HOSTILE,
			   "client.reconnect: the host is not a string");
	if (json_is_string(h) && json_string_length(h) &&
	    strcasecmp(json_string_value(h), c->pool.host))
		return say(c, BRAIN__S_HOSTILE,
			   "client.reconnect to another host (%s) refused",
			   text_of(h, buf));
	if (json_is_integer(p))
		port = json_integer_value(p);
	else if (json_is_string(p) && json_string_length(p) <= 5 &&
		 json_string_length(p) > 0 &&
		 strspn(json_string_value(p), "0123456789") ==
			 json_string_length(p))
		port = atoi(json_string_value(p));
	else if (p && !json_is_null(p))
		return say(c, BRAIN__S_HOSTILE,
			   "client.reconnect: the port is not a number");
	if (p && !json_is_null(p) && (port < 1 || port > 65535))
		return say(c, BRAIN__S_HOSTILE,
			   "client.reconnect: port %lld is out of range",
			   (long long)port);
	if (w && !json_is_null(w) && !json_is_number(w))
		return say(c, BRAIN__S_HOSTILE,
			   "client.reconnect: the wait is not a number");
	if (json_is_number(w))
		wait = json_number_value(w);
	if (!(wait >= 0))
		wait = 0;
	if (wait > 60)
		wait = 60;
	if (port)
		snprintf(c->reconnect_port, sizeof(c->reconnect_port), "%d",
			 (int)port);
	else
		snprintf(c->reconnect_port, sizeof(c->reconnect_port), "%s",
			 c->pool.port);
	c->reconnect_wait_ms = (long)(wait * 1000);
	return say(c, BRAIN__S_RECONNECT,
		   "the pool asked to reconnect (port %s) in %ld ms",
		   c->reconnect_port, c->reconnect_wait_ms);
}

static enum brain__soutcome on_show_message(brain__sconn *c,
					    const json_t *params,
					    brain__sevq *q)
{
	const json_t *m = json_array_get(params, 0);

	if (!json_is_string(m))
		return say(c, BRAIN__S_HOSTILE,
			   "client.show_message: the message is not a string");
	if (speaks(c) && !brain__sev_push(q, BRAIN_STRATUM_MESSAGE, &c->pool,
					  json_string_value(m)))
		return out_of_memory(c);
	return BRAIN__S_OK;
}

static enum brain__soutcome answer(brain__sconn *c, json_t *id,
				   json_t *result, json_t *error)
{
	if (send_json(c, json_pack("{sOsoso}", "id", id, "result",
				   result ? result : json_null(), "error",
				   error ? error : json_null())))
		return out_of_memory(c);
	return BRAIN__S_OK;
}

static enum brain__soutcome on_request(brain__sconn *c, json_t *m,
				       const json_t *method, brain__sevq *q)
{
	json_t *id = json_object_get(m, "id");
	const json_t *params = json_object_get(m, "params");
	char buf[TEXT_MAX + 1], line[TEXT_MAX + 64];
	const char *name;

	if (!json_is_string(method))
		return say(c, BRAIN__S_HOSTILE,
			   "a method that is not a string");
	if (params && !json_is_null(params) && !json_is_array(params))
		return say(c, BRAIN__S_HOSTILE, "%s: params is not an array",
			   text_of(method, buf));
	name = json_string_value(method);
	if (!strcmp(name, "mining.notify"))
		return on_notify(c, params, q);
	if (!strcmp(name, "mining.set_difficulty"))
		return on_difficulty(c, params, q);
	if (!strcmp(name, "mining.set_extranonce"))
		return c->quiet ? BRAIN__S_OK
				: take_extranonce(c, json_array_get(params, 0),
						  json_array_get(params, 1),
						  "mining.set_extranonce");
	if (!strcmp(name, "client.reconnect"))
		return on_reconnect(c, params);
	if (!strcmp(name, "client.show_message"))
		return on_show_message(c, params, q);
	if (!id || json_is_null(id))
		return BRAIN__S_OK; /* an unknown notification: ignored */
	if (!strcmp(name, "client.get_version"))
		return answer(c, id, json_string(c->pool.agent), NULL);
	if (answer(c, id, NULL, json_pack("[isn]", -32601, "unknown method")))
		return out_of_memory(c);
	snprintf(line, sizeof(line),
		 "the pool sent an unknown method '%s' (answered with an "
		 "error)", text_of(method, buf));
	if (speaks(c) && !brain__sev_push(q, BRAIN_STRATUM_ERROR, &c->pool,
					  line))
		return out_of_memory(c);
	return BRAIN__S_OK;
}

/* ---- replies ----------------------------------------------------------- */

/* The session id: the id of the mining.notify subscription. */
static void take_session_id(brain__sconn *c, const json_t *subs)
{
	const json_t *pair;
	size_t i;

	if (json_is_string(json_array_get(subs, 0)))
		subs = json_pack("[O]", subs); /* one pair, not a list */
	else
		json_incref((json_t *)subs);
	json_array_foreach(subs, i, pair) {
		const json_t *id = json_array_get(pair, 1);
		if (!json_is_string(json_array_get(pair, 0)) ||
		    strcmp(json_string_value(json_array_get(pair, 0)),
			   "mining.notify") ||
		    !json_is_string(id) ||
		    json_string_length(id) > SESSION_ID_MAX ||
		    !json_string_length(id))
			continue;
		free(c->session_id);
		c->session_id = strdup(json_string_value(id));
		break;
	}
	json_decref((json_t *)subs);
}

/* The text of an error in any of the forms pools use: [code, "text",
 * data], {"code": n, "message": "text"}, "text". */
static const char *error_text(const json_t *err, int *code,
			      char buf[TEXT_MAX + 1])
{
	const json_t *c = NULL, *t = NULL;

	if (json_is_array(err)) {
		c = json_array_get(err, 0);
		t = json_array_get(err, 1);
	} else if (json_is_object(err)) {
		c = json_object_get(err, "code");
		t = json_object_get(err, "message");
	} else if (json_is_string(err)) {
		t = err;
	}
	*code = json_is_integer(c) && json_integer_value(c) > -1000000 &&
			json_integer_value(c) < 1000000
		? (int)json_integer_value(c)
		: -1;
	return text_of(t, buf);
}

static enum brain__soutcome on_subscribed(brain__sconn *c,
					  const json_t *result,
					  const json_t *error)
{
	char buf[TEXT_MAX + 1];
	enum brain__soutcome o;
	int code;

	c->sub_id = 0;
	if (error && !json_is_null(error)) {
		if (c->resume) { /* the pool will not resume: a new session */
			free(c->resume);
			c->resume = NULL;
			return subscribe(c) ? out_of_memory(c) : BRAIN__S_OK;
		}
		return say(c, BRAIN__S_HOSTILE,
			   "the pool refused mining.subscribe: %s",
			   error_text(error, &code, buf));
	}
	if (!json_is_array(result) || json_array_size(result) < 3)
		return say(c, BRAIN__S_HOSTILE,
			   "mining.subscribe: the result is not "
			   "[subscriptions, extranonce1, extranonce2_size]");
	o = take_extranonce(c, json_array_get(result, 1),
			    json_array_get(result, 2), "mining.subscribe");
	if (o)
		return o;
	take_session_id(c, json_array_get(result, 0));
	c->xsub_id = request(c, "mining.extranonce.subscribe", json_array());
	c->auth_id = request(c, "mining.authorize",
			     json_pack("[ss]", c->pool.user,
				       c->pool.password));
	if (!c->xsub_id || !c->auth_id)
		return out_of_memory(c);
	c->state = BRAIN__S_AUTHORIZING;
	return BRAIN__S_OK;
}

static enum brain__soutcome on_authorized(brain__sconn *c,
					  const json_t *result,
					  const json_t *error)
{
	char buf[TEXT_MAX + 1];
	const char *why;
	int code;

	c->auth_id = 0;
	if (json_is_true(result) && (!error || json_is_null(error))) {
		c->state = BRAIN__S_READY;
		return BRAIN__S_AUTHORIZED;
	}
	why = error_text(error, &code, buf);
	return say(c, BRAIN__S_HOSTILE,
		   "the pool refused to authorize %s%s%s", c->pool.user,
		   *why ? ": " : "", why);
}

static void unlink_pending(brain__sconn *c, brain__spend *p)
{
	brain__spend **at = &c->pending;

	while (*at != p)
		at = &(*at)->next;
	*at = p->next;
	c->npending--;
}

/* The SHARE event of p (accepted or not, reason may be NULL); frees p. */
static int verdict(brain__sconn *c, brain__spend *p, int accepted, int code,
		   const char *reason, brain__sevq *q)
{
	brain__sev *e = brain__sev_push(q, BRAIN_STRATUM_SHARE, &c->pool,
					NULL);

	unlink_pending(c, p);
	if (!e || (reason && !(e->reason = strdup(reason)))) {
		brain_stratum_job_unref(p->job);
		free(p);
		return BRAIN_ENOMEM;
	}
	e->share = p->share;
	e->keep = p->job;
	e->ev.share = &e->share;
	e->ev.accepted = accepted;
	e->ev.reject_code = accepted ? 0 : code;
	e->ev.reason = e->reason;
	e->ev.stale = !accepted &&
		      (code == 21 ||
		       (reason && (strcasestr(reason, "stale") ||
				   strcasestr(reason, "job not found") ||
				   strcasestr(reason, "unknown job"))));
	free(p);
	return 0;
}

static enum brain__soutcome on_verdict(brain__sconn *c, brain__spend *p,
				       const json_t *result,
				       const json_t *error, brain__sevq *q)
{
	char buf[TEXT_MAX + 1];
	const char *why;
	int code = -1;

	if (json_is_true(result) && (!error || json_is_null(error)))
		return verdict(c, p, 1, 0, NULL, q) ? out_of_memory(c)
						    : BRAIN__S_OK;
	why = error_text(error, &code, buf);
	return verdict(c, p, 0, code, *why ? why : "rejected", q)
		       ? out_of_memory(c)
		       : BRAIN__S_OK;
}

static enum brain__soutcome on_reply(brain__sconn *c, json_t *m,
				     brain__sevq *q)
{
	const json_t *id = json_object_get(m, "id"),
		     *result = json_object_get(m, "result"),
		     *error = json_object_get(m, "error");
	brain__spend *p;
	uint64_t v;

	if (!id || json_is_null(id)) {
		if (result || error)
			return BRAIN__S_OK; /* an answer to nothing we sent */
		return say(c, BRAIN__S_HOSTILE,
			   "a message with neither a method nor an id");
	}
	if (!json_is_integer(id))
		return say(c, BRAIN__S_HOSTILE,
			   "a reply whose id is not a number");
	v = (uint64_t)json_integer_value(id);
	if (v && v == c->sub_id)
		return on_subscribed(c, result, error);
	if (v && v == c->auth_id)
		return on_authorized(c, result, error);
	if (v && v == c->xsub_id) {
		c->xsub_id = 0; /* an error is fine: not every pool has it */
		return BRAIN__S_OK;
	}
	for (p = c->pending; p; p = p->next)
		if (p->rpc_id == v)
			return on_verdict(c, p, result, error, q);
	return BRAIN__S_OK;
}

static enum brain__soutcome on_line(brain__sconn *c, const char *line,
				    size_t len, brain__sevq *q)
{
	json_error_t je;
	json_t *m = json_loadb(line, len, 0, &je), *method;
	enum brain__soutcome o;

	if (!m)
		return say(c, BRAIN__S_HOSTILE, "not JSON: %s", je.text);
	if (!json_is_object(m)) {
		json_decref(m);
		return say(c, BRAIN__S_HOSTILE,
			   "a JSON line that is not an object");
	}
	method = json_object_get(m, "method");
	if (method && !json_is_null(method))
		o = on_request(c, m, method, q);
	else
		o = on_reply(c, m, q);
	json_decref(m);
	return o;
}

/* ---- the connection ---------------------------------------------------- */

int brain__sconn_open(brain__sconn **out, const brain__spool *p,
		      uint64_t number, int64_t now_ms, brain__err *e)
{
	brain__sconn *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	c->pool = *p;
	c->pool.session_id = NULL;
	c->number = number;
	c->next_id = 1;
	c->difficulty = 1;
	c->started_ms = c->last_rx_ms = now_ms;
	c->io.fd = -1;
	if (p->session_id && !(c->resume = strdup(p->session_id))) {
		free(c);
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	}
	rc = brain__conn_open(&c->io, p->host, p->port, p->max_line, e);
	if (!rc && !c->io.connecting && subscribe(c))
		rc = brain__errf(e, BRAIN_ENOMEM, "out of memory");
	if (rc) {
		brain__sconn_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void brain__sconn_free(brain__sconn *c)
{
	size_t i;

	if (!c)
		return;
	while (c->pending) {
		brain__spend *p = c->pending;
		c->pending = p->next;
		brain_stratum_job_unref(p->job);
		free(p);
	}
	for (i = 0; i < c->njobs; i++)
		brain_stratum_job_unref(c->jobs[i]);
	brain_stratum_job_unref(c->early);
	brain__conn_close(&c->io);
	free(c->session_id);
	free(c->resume);
	free(c);
}

short brain__sconn_events(const brain__sconn *c)
{
	return brain__conn_events(&c->io);
}

enum brain__soutcome brain__sconn_step(brain__sconn *c, short revents,
				       int64_t now_ms, brain__sevq *q)
{
	enum brain__soutcome o;
	brain__err e = {{0}};
	size_t len;
	char *line;
	long n;
	int rc;

	if (revents) {
		int was_connecting = c->io.connecting;
		if ((n = brain__conn_io(&c->io, revents, &e)) < 0)
			return say(c, BRAIN__S_FAILED, "%s", e.msg);
		if (n > 0 || (was_connecting && !c->io.connecting))
			c->last_rx_ms = now_ms;
		if (was_connecting && !c->io.connecting && subscribe(c))
			return out_of_memory(c);
	}
	while ((rc = brain__conn_line(&c->io, &line, &len, &e)) != 0) {
		if (rc < 0)
			return say(c, BRAIN__S_HOSTILE, "%s", e.msg);
		if (strspn(line, " \t") == len)
			continue; /* an empty line is no message */
		if ((o = on_line(c, line, len, q)))
			return o;
	}
	if (c->io.eof)
		return say(c, BRAIN__S_FAILED,
			   "the pool closed the connection");
	if (!c->io.connecting && brain__conn_io(&c->io, 0, &e) < 0)
		return say(c, BRAIN__S_FAILED, "%s", e.msg);
	return BRAIN__S_OK;
}

enum brain__soutcome brain__sconn_timer(brain__sconn *c, int64_t now_ms,
					long connect_ms, long silence_ms)
{
	if (c->io.connecting) {
		if (now_ms - c->started_ms >= connect_ms)
			return say(c, BRAIN__S_FAILED,
				   "cannot connect: no answer within %ld ms",
				   connect_ms);
		return BRAIN__S_OK;
	}
	if (c->state != BRAIN__S_READY && now_ms - c->started_ms >= connect_ms)
		return say(c, BRAIN__S_FAILED,
			   "the pool did not answer %s within %ld ms",
			   c->state == BRAIN__S_AUTHORIZING ? "mining.authorize"
							   : "mining.subscribe",
			   connect_ms);
	if (now_ms - c->last_rx_ms >= silence_ms)
		return say(c, BRAIN__S_FAILED,
			   "the pool said nothing for %ld ms", silence_ms);
	if (c->pending && now_ms - c->pending->sent_ms >= silence_ms)
		return say(c, BRAIN__S_FAILED,
			   "the pool left a share unanswered for %ld ms",
			   silence_ms);
	return BRAIN__S_OK;
}

int64_t brain__sconn_deadline(const brain__sconn *c, long connect_ms,
			      long silence_ms)
{
	int64_t t;

	if (c->io.connecting)
		return c->started_ms + connect_ms;
	t = c->last_rx_ms + silence_ms;
	if (c->state != BRAIN__S_READY && c->started_ms + connect_ms < t)
		t = c->started_ms + connect_ms;
	if (c->pending && c->pending->sent_ms + silence_ms < t)
		t = c->pending->sent_ms + silence_ms;
	return t;
}

int brain__sconn_release_early(brain__sconn *c, brain__sevq *q)
{
	brain__sev *e;

	if (!c->early)
		return 0;
	if (!(e = brain__sev_push(q, BRAIN_STRATUM_JOB, &c->pool, NULL)))
		return BRAIN_ENOMEM;
	e->ev.job = c->early;
	c->early = NULL;
	return 0;
}

void brain__sconn_lose_shares(brain__sconn *c, brain__sevq *q)
{
	while (c->pending)
		(void)verdict(c, c->pending, 0, -1,
			      "no answer: connection lost", q);
}

/* j is one of c's current jobs. */
static int is_current(const brain__sconn *c, const brain_stratum_job_t *j)
{
	size_t i;

	for (i = 0; i < c->njobs; i++)
		if (c->jobs[i] == j)
			return 1;
	return 0;
}

int brain__sconn_submit(brain__sconn *c, const brain_stratum_job_t *j,
			uint64_t extranonce2, uint32_t ntime, uint32_t nonce,
			uint64_t id, int64_t now_ms, brain__err *e)
{
	const brain_stratum_job_info_t *info = brain_stratum_job_info(j);
	char why[256], ntime_hex[9], nonce_hex[9];
	brain__spend *p, **at;

	if (info->connection != c->number)
		return brain__errf(e, BRAIN_ESTALE,
				   "job %s came on an earlier connection",
				   info->job_id);
	if (!is_current(c, j))
		return brain__errf(e, BRAIN_ESTALE,
				   "job %s is stale: a job with clean_jobs "
				   "came after it", info->job_id);
	if (!(p = calloc(1, sizeof(*p))))
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	if (brain__stratum_share_check(j, extranonce2, ntime, nonce,
				       &p->share, why, sizeof(why))) {
		free(p);
		return brain__errf(e, BRAIN_EINVAL, "share refused: %s", why);
	}
	p->share.id = id;
	p->sent_ms = now_ms;
	snprintf(ntime_hex, sizeof(ntime_hex), "%08x", (unsigned)ntime);
	snprintf(nonce_hex, sizeof(nonce_hex), "%08x", (unsigned)nonce);
	p->rpc_id = request(c, "mining.submit",
			    json_pack("[sssss]", c->pool.user, info->job_id,
				      p->share.extranonce2_hex, ntime_hex,
				      nonce_hex));
	if (!p->rpc_id) {
		free(p);
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	}
	p->job = brain_stratum_job_ref((brain_stratum_job_t *)j);
	for (at = &c->pending; *at; at = &(*at)->next)
		;
	*at = p;
	c->npending++;
	return 0;
}
