/*
 * bin/looper/status.c - what brainstem-looper --http serves: one status
 * object (see brainstem/http.h) made from the miners it runs.
 *
 * A miner's heartbeat lines carry its session's figures (its hash count,
 * its shares of each pool, the pool in use); a restarted miner starts a
 * new session from zero, so each miner keeps what its earlier runs
 * reported, and the status adds the two: a counter never goes back while
 * the looper lives.  A pool's shares are its own, whichever pool the
 * miners mine for now (a failover does not move them to the new pool).
 * The hash rate is the looper's own reading of each miner
 * (miner_proc.hashrate, main.c).  Building the object costs a few hundred
 * bytes per miner, once a second.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "looper.h"

#define STATUS_EVERY 1.0 /* seconds */

static const char *const share_kinds[3] = {"accepted", "rejected", "stale"};

int looper_status_start(looper_status *st, const looper_opts *o,
			brain_t *b)
{
	memset(st, 0, sizeof(*st));
	st->started = (long long)time(NULL);
	if (!o->http)
		return 0;
	st->http = cli_http_start(&o->cli, o->http, b);
	return st->http ? 0 : -1;
}

/* The miner's counts for the pool at url (NULL when it has too many). */
static struct looper_pool_shares *pool_of(miner_proc *m, const char *url)
{
	int i;

	for (i = 0; i < m->npools; i++)
		if (!strcmp(m->pools[i].url, url))
			return &m->pools[i];
	if (m->npools == LOOPER_POOLS_MAX)
		return NULL;
	snprintf(m->pools[i].url, sizeof(m->pools[i].url), "%s", url);
	m->npools++;
	return &m->pools[i];
}

void looper_status_line(looper_status *st, miner_proc *m, const char *line)
{
	unsigned long long hashes;
	long acc, rej, stale;
	char name[32], pool[256];
	struct looper_pool_shares *p;
	int threads, at;

	if (sscanf(line, "engine %31s %d", name, &threads) == 2) {
		snprintf(st->engine, sizeof(st->engine), "%s", name);
		m->threads = threads;
	} else if (sscanf(line, "total %llu", &hashes) == 1) {
		m->hashes_run = hashes;
		m->hashes = m->hashes_before + m->hashes_run;
	} else if (sscanf(line, "pool %255s", pool) == 1) {
		snprintf(m->pool, sizeof(m->pool), "%s",
			 strcmp(pool, "-") ? pool : "");
	} else if (sscanf(line, "shares %ld %ld %ld %n", &acc, &rej, &stale,
			  &at) == 3 &&
		   sscanf(line + at, "%255s", pool) == 1 &&
		   (p = pool_of(m, pool))) {
		p->run[0] = acc;
		p->run[1] = rej;
		p->run[2] = stale;
	} else if (!strncmp(line, "error ", 6)) {
		st->errors_miners++;
		st->last_error_time = (long long)time(NULL);
		snprintf(st->last_error, sizeof(st->last_error), "%s: %s",
			 m->id, line + 6);
	}
}

void looper_status_run_start(miner_proc *m)
{
	int i, k;

	m->hashes_before += m->hashes_run;
	m->hashes_run = 0;
	for (i = 0; i < m->npools; i++)
		for (k = 0; k < 3; k++) {
			m->pools[i].before[k] += m->pools[i].run[k];
			m->pools[i].run[k] = 0;
		}
	m->pool[0] = '\0'; /* until it says */
}

void looper_status_error(looper_status *st, const char *message)
{
	st->errors_looping++;
	st->last_error_time = (long long)time(NULL);
	snprintf(st->last_error, sizeof(st->last_error), "%s",
		 message ? message : "");
}

static const char *state_name(miner_state s)
{
	switch (s) {
	case M_RUNNING:
		return "running";
	case M_STOPPING:
		return "stopping";
	case M_DONE:
		return "done";
	default:
		return "down";
	}
}

static json_t *shares_json(const long counts[3])
{
	return json_pack("{s:I, s:I, s:I}", share_kinds[0],
			 (json_int_t)counts[0], share_kinds[1],
			 (json_int_t)counts[1], share_kinds[2],
			 (json_int_t)counts[2]);
}

/* Adds the miner's shares (of the pool at url; NULL: of every pool) to
 * counts. */
static void add_shares(const miner_proc *m, const char *url, long counts[3])
{
	int i, k;

	for (i = 0; i < m->npools; i++)
		if (!url || !strcmp(url, m->pools[i].url))
			for (k = 0; k < 3; k++)
				counts[k] += m->pools[i].before[k] +
					     m->pools[i].run[k];
}

static json_t *miner_json(const miner_proc *m, double now, long long wall)
{
	long shares[3] = {0, 0, 0};
	int up = m->state == M_RUNNING;

	add_shares(m, NULL, shares);
	return json_pack(
		"{s:s, s:o, s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:o}", "id",
		m->id, "pid", m->pid ? json_integer(m->pid) : json_null(),
		"state", state_name(m->state), "up", up, "hashrate",
		(json_int_t)(up ? m->hashrate : 0), "hashes",
		(json_int_t)m->hashes, "blocks",
		(json_int_t)m->blocks, "restarts", (json_int_t)m->restarts_total,
		"last_heartbeat",
		m->last_beat > 0
			? json_integer((json_int_t)(wall - (long long)(now -
								       m->last_beat)))
			: json_null(),
		"shares", shares_json(shares));
}

/* Was the pool at url counted already: is it a pool of a miner before
 * m[i], or of m[i] before its pool j? */
static int counted(const miner_proc *m, int i, int j, const char *url)
{
	int h, k;

	for (h = 0; h <= i; h++)
		for (k = 0; k < (h < i ? m[h].npools : j); k++)
			if (!strcmp(m[h].pools[k].url, url))
				return 1;
	return 0;
}

/* Every pool the miners have shares of (or mine for), each with all their
 * shares of it; active when a running miner mines for it now. */
static json_t *pools_json(const miner_proc *m, int n)
{
	json_t *pools = json_array();
	int i, j, k;

	for (i = 0; pools && i < n; i++)
		for (j = 0; pools && j < m[i].npools; j++) {
			const char *url = m[i].pools[j].url;
			long counts[3] = {0, 0, 0};
			int active = 0;
			json_t *p;
			if (counted(m, i, j, url))
				continue;
			for (k = i; k < n; k++) {
				add_shares(&m[k], url, counts);
				active |= m[k].state == M_RUNNING &&
					  !strcmp(m[k].pool, url);
			}
			p = json_pack("{s:s, s:b, s:I, s:I, s:I}", "url", url,
				      "active", active, share_kinds[0],
				      (json_int_t)counts[0], share_kinds[1],
				      (json_int_t)counts[1], share_kinds[2],
				      (json_int_t)counts[2]);
			if (json_array_append_new(pools, p)) {
				json_decref(pools);
				pools = NULL;
			}
		}
	return pools;
}

static json_t *build(const looper_status *st, brain_t *b,
		     const miner_proc *m, int n, double now)
{
	long long wall = (long long)time(NULL);
	json_t *miners = json_array(), *s;
	uint64_t rate = 0, hashes = 0;
	long blocks = 0, restarts = 0, shares[3] = {0, 0, 0};
	int i, threads = 0;
	const char *pool = NULL;

	for (i = 0; miners && i < n; i++) {
		if (json_array_append_new(miners, miner_json(&m[i], now, wall))) {
			json_decref(miners);
			return NULL;
		}
		if (m[i].state == M_RUNNING)
			rate += m[i].hashrate;
		hashes += m[i].hashes;
		blocks += m[i].blocks;
		restarts += m[i].restarts_total;
		threads += m[i].threads ? m[i].threads : 1;
		add_shares(&m[i], NULL, shares);
		if (!pool && m[i].state == M_RUNNING && m[i].pool[0])
			pool = m[i].pool;
	}
	s = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:o, "
		      "s:o, s:o, s:{s:I, s:I}, s:o, s:o}",
		      "program", "brainstem-looper", "mode", brain_mode(b),
		      "engine", st->engine[0] ? st->engine : "", "threads",
		      threads, "started", (json_int_t)st->started, "hashrate",
		      (json_int_t)rate, "hashes", (json_int_t)hashes, "blocks",
		      (json_int_t)blocks, "restarts", (json_int_t)restarts,
		      "shares", shares_json(shares), "pool",
		      pool ? json_string(pool) : json_null(), "pools",
		      pools_json(m, n), "errors", "looping",
		      (json_int_t)st->errors_looping, "miners",
		      (json_int_t)st->errors_miners, "last_error",
		      st->last_error_time
			      ? json_pack("{s:I, s:s}", "time",
					  (json_int_t)st->last_error_time,
					  "message", st->last_error)
			      : json_null(),
		      "miners", miners);
	return s;
}

/* What a status shows that can change between seconds: a start, a stop,
 * a restart, a block. */
static unsigned long events(const miner_proc *m, int n)
{
	unsigned long h = 0;
	int i;

	for (i = 0; i < n; i++)
		h = h * 31 + (unsigned long)m[i].state * 7 +
		    (unsigned long)m[i].blocks * 1009 +
		    (unsigned long)m[i].restarts_total * 7919 +
		    (unsigned long)m[i].pid;
	return h;
}

void looper_status_publish(looper_status *st, brain_t *b,
			   const miner_proc *m, int n, double now)
{
	unsigned long seen;
	json_t *s;

	if (!st->http)
		return;
	seen = events(m, n);
	if (now < st->next && seen == st->seen)
		return;
	st->next = now + STATUS_EVERY;
	st->seen = seen;
	s = build(st, b, m, n, now);
	if (!s || brain_http_set_status(st->http, s) != 0)
		fprintf(stderr, "brainstem-looper: the http status was not "
				"updated: %s\n",
			s ? brain_errmsg(NULL) : "out of memory");
	json_decref(s);
}

void looper_status_stop(looper_status *st)
{
	brain_http_stop(st->http);
	st->http = NULL;
}
