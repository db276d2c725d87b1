/*
 * bin/miner/status.c - the session's figures for whoever watches: the
 * supervisor's heartbeat lines that carry counters ("total", "shares"),
 * and, with --http, the status a lone miner serves (see brainstem/http.h):
 * the session's totals, and the miner itself as the one entry of
 * "miners".  Called once a second and at each round's end, on the main
 * thread; building the status costs well under a millisecond.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "miner.h"

static void publish(session *s, uint64_t hashes, double rate);

int miner_http_start(session *s)
{
	s->started = (long long)time(NULL);
	if (!s->o.http)
		return 0;
	s->http = cli_http_start(&s->o.cli, s->o.http, s->b);
	if (!s->http)
		return -1;
	publish(s, 0, 0); /* the figures are there from the first request */
	return 0;
}

void miner_http_stop(session *s)
{
	brain_http_stop(s->http);
	s->http = NULL;
}

static json_t *shares_json(const session *s)
{
	return json_pack("{s:I, s:I, s:I}", "accepted",
			 (json_int_t)s->shares[0], "rejected",
			 (json_int_t)s->shares[1], "stale",
			 (json_int_t)s->shares[2]);
}

static json_t *pool_json(const struct miner_pool_shares *p, int active)
{
	return json_pack("{s:s, s:b, s:I, s:I, s:I}", "url", p->url, "active",
			 active, "accepted", (json_int_t)p->shares[0],
			 "rejected", (json_int_t)p->shares[1], "stale",
			 (json_int_t)p->shares[2]);
}

static json_t *status_json(const session *s, uint64_t hashes, double rate)
{
	long long now = (long long)time(NULL);
	json_t *pools = json_array();
	int i;

	for (i = 0; pools && i < s->npool_shares; i++) {
		const struct miner_pool_shares *p = &s->pool_shares[i];
		int active = s->pool && !strcmp(s->pool, p->url);
		if (json_array_append_new(pools, pool_json(p, active))) {
			json_decref(pools);
			pools = NULL;
		}
	}
	return json_pack(
		"{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:i, s:o, s:o, s:o, "
		"s:{s:I}, s:o, s:[{s:s, s:i, s:s, s:b, s:I, s:I, s:I, s:i, "
		"s:I, s:o}]}",
		"program", "brainstem-miner", "mode", brain_mode(s->b),
		"engine", brain_engine_name(s->o.engine), "threads",
		s->o.threads, "started", (json_int_t)s->started, "hashrate",
		(json_int_t)rate, "hashes", (json_int_t)hashes, "blocks",
		(json_int_t)s->blocks, "restarts", 0, "shares", shares_json(s),
		"pool",
		s->pool && s->pool[0] ? json_string(s->pool) : json_null(),
		"pools",
		pools, "errors", "miners", (json_int_t)s->errors,
		"last_error",
		s->last_error_time ? json_pack("{s:I, s:s}", "time",
					       (json_int_t)s->last_error_time,
					       "message", s->last_error)
				   : json_null(),
		"miners", "id", s->o.miner_id, "pid", (int)getpid(), "state",
		"running", "up", 1, "hashrate", (json_int_t)rate, "hashes",
		(json_int_t)hashes, "blocks", (json_int_t)s->blocks,
		"restarts", 0, "last_heartbeat", (json_int_t)now, "shares",
		shares_json(s));
}

static void publish(session *s, uint64_t hashes, double rate)
{
	json_t *st = status_json(s, hashes, rate);

	if (!st || brain_http_set_status(s->http, st) != 0)
		fprintf(stderr, "brainstem-miner: the http status was not "
				"updated: %s\n",
			st ? brain_errmsg(NULL) : "out of memory");
	json_decref(st);
}

void miner_totals(session *s, uint64_t hashes, double rate)
{
	int i;

	miner_beat(s, "total %llu\n", (unsigned long long)hashes);
	if (s->pool)
		miner_beat(s, "pool %s\n", s->pool[0] ? s->pool : "-");
	for (i = 0; i < s->npool_shares; i++)
		miner_beat(s, "shares %ld %ld %ld %s\n",
			   s->pool_shares[i].shares[0],
			   s->pool_shares[i].shares[1],
			   s->pool_shares[i].shares[2], s->pool_shares[i].url);
	if (s->http)
		publish(s, hashes, rate);
}
