/*
 * lib/rpc.c - JSON-RPC 1.0 over HTTP to a Bitcoin node, with libcurl, and
 * the three node calls a miner makes (getblocktemplate, submitblock,
 * getbestblockhash).
 *
 * One handle owns one curl easy handle, so its connection is kept alive
 * between calls (a miner polls every second or so).  Credentials are basic
 * auth: a user and password, or the node's cookie file, which a node
 * rewrites each time it starts, so after a 401 the file is read again and
 * the call retried once.  Errors are sorted for a caller that retries:
 * BRAIN_ENODE (not reached or not understood: try later), BRAIN_EAUTH
 * (credentials), BRAIN_ERPC (the node said no).  Cost of a call: one HTTP
 * round trip; the answer is held in memory once (at most 256 MiB).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <brainstem/brainstem.h>

#include "error.h"
#include "fsutil.h"
#include "node_internal.h"

#define ANSWER_MAX ((size_t)256 << 20)
#define COOKIE_MAX 4096

struct brain_rpc {
	CURL *curl;
	char *url, *user, *password, *cookie_file;
	char *userpwd; /* "user:password" in use; NULL: none */
	long timeout_ms, connect_timeout_ms;
	unsigned long id;
	long code;
	brain__err err;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void init_curl(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_or_null(const char *s, int *failed)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*failed = 1;
	return d;
}

/* Reads the cookie file into r->userpwd ("__cookie__:<hex>"). */
static int read_cookie(brain_rpc_t *r)
{
	const char *home = getenv("HOME");
	unsigned char *buf = NULL;
	char *path = NULL;
	size_t len = 0;
	int rc;

	if (!strncmp(r->cookie_file, "~/", 2) && home) {
		if (!(path = malloc(strlen(home) + strlen(r->cookie_file))))
			return brain__errf(&r->err, BRAIN_ENOMEM,
					   "out of memory");
		sprintf(path, "%s%s", home, r->cookie_file + 1);
	}
	rc = brain__read_file(path ? path : r->cookie_file, COOKIE_MAX, &buf,
			      &len);
	if (rc) {
		rc = brain__errno(&r->err, BRAIN_EAUTH,
				  "cannot read the node's cookie file %s",
				  path ? path : r->cookie_file);
		free(path);
		return rc;
	}
	free(path);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (!strchr((char *)buf, ':')) {
		free(buf);
		return brain__errf(&r->err, BRAIN_EAUTH,
				   "the cookie file %s does not hold "
				   "'user:password'", r->cookie_file);
	}
	free(r->userpwd);
	r->userpwd = (char *)buf;
	return 0;
}

int brain_rpc_open(brain_rpc_t **out, const brain_rpc_options_t *o)
{
	brain_rpc_t *r;
	int failed = 0;

	BRAIN__ARG(brain__thread_err(), out);
	*out = NULL;
	if (!o || !o->url || !*o->url)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "rpc: no url for the node");
	BRAIN__ARG(brain__thread_err(), o->timeout_ms >= 0);
	BRAIN__ARG(brain__thread_err(), o->connect_timeout_ms >= 0);
	pthread_once(&curl_once, init_curl);
	if (curl_init_rc != CURLE_OK)
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "rpc: libcurl did not initialise: %s",
				   curl_easy_strerror(curl_init_rc));
	if (!(r = calloc(1, sizeof(*r))))
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "out of memory");
	r->url = dup_or_null(o->url, &failed);
	r->user = dup_or_null(o->user, &failed);
	r->password = dup_or_null(o->password, &failed);
	r->cookie_file = dup_or_null(o->cookie_file, &failed);
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	r->connect_timeout_ms =
		o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
	if (r->user && !failed) {
		const char *pw = r->password ? r->password : "";
		if ((r->userpwd = malloc(strlen(r->user) + strlen(pw) + 2)))
			sprintf(r->userpwd, "%s:%s", r->user, pw);
		else
			failed = 1;
	}
	if (!failed && !(r->curl = curl_easy_init()))
		failed = 1;
	if (failed) {
		brain_rpc_close(r);
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "out of memory");
	}
	if (!r->userpwd && r->cookie_file)
		(void)read_cookie(r); /* read again on each call until it is there */
	*out = r;
	return 0;
}

void brain_rpc_close(brain_rpc_t *r)
{
	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	free(r->url);
	free(r->user);
	free(r->password);
	free(r->cookie_file);
	free(r->userpwd);
	free(r);
}

const char *brain_rpc_errmsg(const brain_rpc_t *r)
{
	return r ? r->err.msg : brain__thread_err()->msg;
}

long brain_rpc_error_code(const brain_rpc_t *r)
{
	BRAIN__ARG_OR(0, r);
	return r->code;
}

const char *brain_rpc_url(const brain_rpc_t *r)
{
	BRAIN__ARG_OR(NULL, r);
	return r->url;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	brain__bytes *b = ctx;

	if (b->len + size * n > ANSWER_MAX)
		return 0; /* makes curl fail the transfer */
	brain__bytes_put(b, p, size * n);
	return b->failed ? 0 : size * n;
}

/* One HTTP POST; the body in *b and the HTTP status in *status. */
static int post(brain_rpc_t *r, const char *method, const char *body,
		brain__bytes *b, long *status)
{
	struct curl_slist *hdrs;
	CURLcode cc;

	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_reset(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_URL, r->url);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 r->connect_timeout_ms);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, b);
	if (r->userpwd) {
		curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(r->curl, CURLOPT_USERPWD, r->userpwd);
	}
	cc = curl_easy_perform(r->curl);
	curl_slist_free_all(hdrs);
	if (b->failed)
		return brain__errf(&r->err, BRAIN_ENOMEM, "out of memory");
	if (cc != CURLE_OK)
		return brain__errf(&r->err, BRAIN_ENODE, "%s: cannot reach the "
				   "node at %s: %s", method, r->url,
				   curl_easy_strerror(cc));
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* The answer's body to result or a sorted error. */
static int answer(brain_rpc_t *r, const char *method, const brain__bytes *b,
		  long status, json_t **result)
{
	json_error_t je;
	json_t *doc = b->len ? json_loadb((const char *)b->data, b->len, 0,
					  &je)
			     : NULL;
	json_t *err = json_object_get(doc, "error");
	int rc;

	if (json_is_object(err)) {
		const char *msg =
			json_string_value(json_object_get(err, "message"));
		r->code = (long)json_integer_value(json_object_get(err, "code"));
		rc = brain__errf(&r->err, BRAIN_ERPC, "%s: the node says: %s "
				 "(code %ld)", method, msg ? msg : "?",
				 r->code);
	} else if (status != 200 || !json_is_object(doc) ||
		   !json_object_get(doc, "result")) {
		r->code = status;
		rc = brain__errf(&r->err, BRAIN_ENODE, "%s: %s answered HTTP "
				 "%ld%s", method, r->url, status,
				 doc ? " without a JSON-RPC result"
				     : " with no JSON");
	} else {
		*result = json_incref(json_object_get(doc, "result"));
		rc = 0;
	}
	json_decref(doc);
	return rc;
}

int brain_rpc_call(brain_rpc_t *r, const char *method, const json_t *params,
		   json_t **result)
{
	json_t *req;
	char *body = NULL;
	int rc, attempt;

	BRAIN__ARG(brain__thread_err(), r);
	BRAIN__ARG(&r->err, result);
	*result = NULL;
	r->code = 0;
	brain__err_clear(&r->err);
	BRAIN__ARG(&r->err, method);
	/* "o" steals: a reference of our own to the caller's params */
	req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "1.0", "id",
			(json_int_t)++r->id, "method", method, "params",
			params ? json_incref((json_t *)params) : json_array());
	if (!req || !(body = json_dumps(req, JSON_COMPACT))) {
		json_decref(req);
		return brain__errf(&r->err, BRAIN_ENOMEM, "out of memory");
	}
	json_decref(req);
	for (attempt = 0; attempt < 2; attempt++) {
		brain__bytes b = {0};
		long status = 0;
		if (!r->userpwd && r->cookie_file &&
		    (rc = read_cookie(r)) != 0)
			break;
		rc = post(r, method, body, &b, &status);
		if (!rc && status == 401) {
			r->code = 401;
			rc = brain__errf(&r->err, BRAIN_EAUTH,
					 "%s: the node at %s refused the "
					 "credentials (HTTP 401)", method,
					 r->url);
			free(b.data);
			if (r->cookie_file && !r->user && attempt == 0) {
				free(r->userpwd); /* a new cookie? */
				r->userpwd = NULL;
				continue;
			}
			break;
		}
		if (!rc)
			rc = answer(r, method, &b, status, result);
		free(b.data);
		break;
	}
	free(body);
	return rc;
}

/* ---- the miner's calls ---------------------------------------------- */

int brain_node_template(brain_rpc_t *r, const uint8_t *payout,
			size_t payout_len, const char *tag,
			brain_template_t **out)
{
	json_t *params, *gbt = NULL;
	int rc;

	BRAIN__ARG(brain__thread_err(), r);
	BRAIN__ARG(&r->err, out);
	*out = NULL;
	params = json_pack("[{s:[s]}]", "rules", "segwit");
	if (!params)
		return brain__errf(&r->err, BRAIN_ENOMEM, "out of memory");
	rc = brain_rpc_call(r, "getblocktemplate", params, &gbt);
	json_decref(params);
	if (rc)
		return rc;
	rc = brain_template_parse(out, gbt, payout, payout_len, tag);
	if (rc)
		brain__errf(&r->err, rc, "%s", brain__thread_err()->msg);
	json_decref(gbt);
	return rc;
}

int brain_node_submit(brain_rpc_t *r, const char *block_hex, char **reason)
{
	json_t *params, *res = NULL;
	int rc;

	BRAIN__ARG(brain__thread_err(), r);
	BRAIN__ARG(&r->err, reason);
	*reason = NULL;
	BRAIN__ARG(&r->err, block_hex);
	if (!(params = json_pack("[s]", block_hex)))
		return brain__errf(&r->err, BRAIN_ENOMEM, "out of memory");
	rc = brain_rpc_call(r, "submitblock", params, &res);
	json_decref(params);
	if (rc == BRAIN_ERPC) {
		/* The node looked at the block and refused it. */
		const char *m = strstr(r->err.msg, "the node says: ");
		*reason = strdup(m ? m + 15 : r->err.msg);
		rc = *reason ? 0 : BRAIN_ENOMEM;
	} else if (!rc && !json_is_null(res)) {
		const char *s = json_string_value(res);
		char *d = json_dumps(res, JSON_ENCODE_ANY);
		*reason = strdup(s ? s : d ? d : "?");
		free(d);
		rc = *reason ? 0 : BRAIN_ENOMEM;
	}
	json_decref(res);
	if (rc == BRAIN_ENOMEM)
		brain__errf(&r->err, rc, "out of memory");
	return rc;
}

int brain_node_best_hash(brain_rpc_t *r, char out[65])
{
	json_t *res = NULL;
	const char *s;
	int rc;

	BRAIN__ARG(brain__thread_err(), r);
	BRAIN__ARG(&r->err, out);
	if ((rc = brain_rpc_call(r, "getbestblockhash", NULL, &res)))
		return rc;
	s = json_string_value(res);
	if (!s || strlen(s) != 64)
		rc = brain__errf(&r->err, BRAIN_ENODE, "getbestblockhash: "
				 "not a block hash");
	else
		memcpy(out, s, 65);
	json_decref(res);
	return rc;
}
