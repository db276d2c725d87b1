/*
 * bin/miner/pool.c - staging and live mining for pools, over Stratum.
 *
 * The sibling of node.c: the main thread runs the library's Stratum client
 * (brain_stratum_poll: connection, failover, the pool's jobs and verdicts)
 * and records what it says; the scanning threads only hash.  A job from
 * the pool replaces the current one at once (so a clean_jobs job stops the
 * old work within 65,536 nonces); each thread takes its own extranonce2
 * values (thread + threads * k, the ntime moving on by a second each time
 * the extranonce2 space wraps), so no two threads hash the same header.
 *
 * A scanner keeps every hash that meets the job's share target and hands
 * the shares to the main thread, then wakes its poll; the main thread
 * submits them.  When the pool answers, the share is a submission entry
 * (and a rejection entry when refused); a share that also meets the
 * network target is a block: math proof, ledger entry, then submission.
 *
 * Shares are counted in three disjoint kinds: accepted; stale, work lost
 * to time (refused as stale, sent but never answered because the
 * connection ended, or not sent at all because a clean job made theirs
 * stale or its connection ended); rejected, every other refusal.  Connection events are reports, what the pool did
 * wrong goes to the error tree.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "miner.h"

#define CATEGORY "miners"
#define CHUNK (1u << 20)   /* nonces per scan call: ~0.1 s at worst */
#define MAX_MATCHES 64     /* per scan call; more are scanned again */
#define MAX_PENDING 4096   /* shares waiting for the main thread */
#define LOG_SECONDS 10     /* a status line this often off a terminal */
#define VERDICT_WAIT 3.0   /* seconds, at the end, for the last answers */

typedef struct pshare {
	miner_job *j; /* a reference */
	uint64_t extranonce2;
	uint32_t ntime, nonce;
} pshare;

typedef struct tally {
	long accepted, rejected, stale, blocks;
} tally;

typedef struct pctx {
	session *s;
	brain_stratum_t *st;
	brain_stratum_pool_t pools[MINER_POOLS_MAX];
	size_t npools;
	miner_crew crew;
	pshare pend[MAX_PENDING]; /* under crew.mu */
	size_t npend;
	uint64_t dropped;          /* under crew.mu: the queue was full */
	/* the main thread's */
	brain_stratum_job_t *job; /* the current job (a reference) */
	uint64_t seq;
	long round;
	tally total, this_round;
	long outstanding; /* submitted, no verdict yet */
	int active;       /* the pool connected, or -1 */
	int error_pool;   /* the pool of the ERROR just handled, or -1 */
	double difficulty;
	double next_status, next_log;
	uint64_t hashes_before;   /* of the rounds before this one */
	struct sample {
		double t;
		uint64_t hashes;
	} beat, line;             /* the last heartbeat's, status line's */
} pctx;

static void unref_job(void *j)
{
	brain_stratum_job_unref(j);
}

static const char *pool_url(const pctx *c, int i)
{
	return i >= 0 && (size_t)i < c->npools ? c->pools[i].url : "";
}

/* The index of the pool at url in the session's list of pools' shares
 * (pool_shares), where it is from its first share on: a url given twice is
 * one pool. */
static int pool_tally(pctx *c, const char *url)
{
	session *s = c->s;
	size_t i = 0;
	int k;

	while (i + 1 < c->npools && strcmp(c->pools[i].url, url))
		i++; /* the client names only these pools */
	for (k = 0; k < s->npool_shares; k++)
		if (!strcmp(s->pool_shares[k].url, c->pools[i].url))
			return k;
	s->pool_shares[k].url = c->pools[i].url;
	s->npool_shares++;
	return k;
}

/* One more share of the pool at url, of kind k (0 accepted, 1 rejected,
 * 2 stale); returns the pool's index (pool_tally). */
static int count_share(pctx *c, const char *url, int k)
{
	int i = pool_tally(c, url);

	c->s->pool_shares[i].shares[k]++;
	return i;
}

/* ---- settings ----------------------------------------------------------- */

size_t miner_pools(const session *s, brain_stratum_pool_t *pools)
{
	const json_t *list = json_object_get(brain_get_config(s->b), "pools");
	size_t i, n = 0;

	if (s->o.npools) {
		for (i = 0; i < (size_t)s->o.npools; i++) {
			pools[i].url = s->o.pool[i].url;
			pools[i].user = s->o.pool[i].user;
			pools[i].password = s->o.pool[i].pass;
		}
		return (size_t)s->o.npools;
	}
	for (i = 0; i < json_array_size(list) && n < MINER_POOLS_MAX; i++) {
		const json_t *p = json_array_get(list, i);
		pools[n].url = json_string_value(json_object_get(p, "url"));
		pools[n].user = json_string_value(json_object_get(p, "user"));
		pools[n].password =
			json_string_value(json_object_get(p, "pass"));
		n++;
	}
	return n;
}

/* A timing in ms: the command line's seconds, else config's, else 0 (the
 * client's default). */
static long timing_ms(const session *s, long cli, const char *key)
{
	const json_t *v = json_object_get(brain_get_config(s->b), key);

	return 1000 * (cli > 0 ? cli : v ? (long)json_integer_value(v) : 0);
}

/* ---- scanning ----------------------------------------------------------- */

/* Folds a scan into the round and queues its shares for the main thread. */
static void hand_over(pctx *c, miner_job *j, uint64_t extranonce2,
		      uint32_t ntime, const brain_scan_t *r,
		      const brain_match_t *m, size_t nm, uint64_t claimed)
{
	int spent;
	size_t i;

	pthread_mutex_lock(&c->crew.mu);
	spent = miner_crew_count(&c->crew, r, claimed);
	for (i = 0; i < nm; i++) {
		pshare *p;
		if (c->npend == MAX_PENDING) {
			c->dropped += nm - i;
			break;
		}
		p = &c->pend[c->npend++];
		j->refs++;
		p->j = j;
		p->extranonce2 = extranonce2;
		p->ntime = ntime;
		p->nonce = m[i].nonce;
	}
	pthread_mutex_unlock(&c->crew.mu);
	if (nm || spent) /* shares to send, or the round to end */
		brain_stratum_wake(c->st);
}

static void scan_job(miner_crew *crew, int index, uint64_t *k, miner_job *j)
{
	pctx *c = crew->ctx;
	const brain_stratum_job_t *sj = j->work;
	const brain_stratum_job_info_t *in = brain_stratum_job_info(sj);
	uint64_t space = brain_stratum_job_extranonce2_space(sj);
	brain_match_t m[MAX_MATCHES];

	while (!flag_is_set(&j->stale)) {
		uint64_t mine = (uint64_t)index + (uint64_t)crew->nthreads * (*k)++;
		uint64_t en2 = mine % space, next = 0;
		/* past the end of the extranonce2 space, the next second */
		uint32_t ntime = in->ntime + (uint32_t)(mine / space);
		brain_work_t w;

		if (brain_stratum_job_work(sj, en2, ntime, &w) != 0) {
			crew->error = 1;
			return;
		}
		while (next < (1ull << 32) && !flag_is_set(&j->stale)) {
			brain_scan_t r;
			uint64_t n = miner_crew_claim(
				crew, j,
				(1ull << 32) - next < CHUNK ? (1ull << 32) - next
							    : CHUNK);
			size_t nm;
			if (n == 0)
				return; /* stale, or the crew stops */
			if (brain_scan(c->s->o.engine, &w.header,
				       (uint32_t)next, n, w.target, m,
				       MAX_MATCHES, &j->stale, &r) != 0) {
				crew->error = 1;
				return;
			}
			nm = r.nmatches;
			if (nm > MAX_MATCHES) {
				/* no room for them all: take up to the last
				 * kept, and scan on from there */
				nm = MAX_MATCHES;
				r.hashes = m[nm - 1].nonce + 1ull - next;
			}
			hand_over(c, j, en2, ntime, &r, m, nm, n);
			next += r.hashes;
		}
	}
}

/* ---- records ------------------------------------------------------------ */

/* A pool's failure (or what it did wrong): stderr and the error tree. */
static void pool_error(pctx *c, const char *type, int pool, const char *msg)
{
	session *s = c->s;
	json_t *err;

	if (s->status_line && !s->o.cli.log_on_stderr)
		fputs("\r\033[K", stderr); /* off the status line */
	cli_say(&s->o.cli, BRAIN_LOG_ERROR, "%s: %s", pool_url(c, pool), msg);
	miner_error_noted(s, type, msg);
	err = json_pack("{s:s, s:s, s:{s:s, s:s, s:i, s:s}}", "error_type",
			type, "message", msg, "context", "pool",
			pool_url(c, pool), "miner_id", s->o.miner_id, "round",
			(int)c->round, "mode", brain_mode(s->b));
	if (!err || brain_save_system_error(s->b, CATEGORY, err) != 0) {
		s->failures++;
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "could not record the error: "
				"%s", brain_errmsg(s->b));
	}
	json_decref(err);
}

static json_t *number_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* A share that meets the network target: its math proof and ledger
 * entry (the submission follows), with the pool's verdict. */
static void record_block(pctx *c, const brain_stratum_event_t *ev,
			 const char *hash, json_t *result)
{
	session *s = c->s;
	const brain_stratum_share_t *sh = ev->share;
	brain_header_t h;
	uint8_t target[32];
	char target_hex[65], prev[65], bits[9];

	if (brain_header_from_hex(sh->header_hex, &h) != 0 ||
	    brain_bits_to_target(h.bits, target) != 0) {
		pool_error(c, "pool_share_invalid", ev->pool,
			   "the client gave a share with an unreadable header");
		return;
	}
	brain_hash_to_hex(target, target_hex);
	brain_hash_to_hex(h.prev_hash, prev);
	miner_bits_hex(h.bits, bits);
	miner_proof(s, &h, sh->hash, target, c->round,
		    json_pack("{s:s, s:O}", "pool", ev->url, "pool_result",
			      result));
	miner_save(s, "ledger",
		   json_pack("{s:s, s:n, s:s, s:i, s:s, s:s, s:s, s:I, s:i, "
			     "s:s, s:s, s:s, s:s, s:b, s:O}",
			     "block_hash", hash, "height", "previous_block",
			     prev, "leading_zeros",
			     (int)brain_hash_leading_zeros(sh->hash), "target",
			     target_hex, "bits_hex", bits, "miner_id",
			     s->o.miner_id, "nonce",
			     (json_int_t)sh->nonce, "round", (int)c->round,
			     "extranonce2", sh->extranonce2_hex, "job_id",
			     sh->job_id, "work_source", "pool", "pool",
			     ev->url, "accepted", ev->accepted, "pool_result",
			     result),
		   c->round);
	c->total.blocks++;
	c->this_round.blocks++;
	s->blocks++;
	miner_beat(s, "block %s\n", hash);
	brain_log_write(s->o.cli.log, BRAIN_LOG_INFO, "block %s via %s: %s",
			hash, ev->url,
			ev->accepted ? "share accepted" : "share rejected");
	if (s->o.cli.verbosity >= 0)
		printf("%sblock %s via %s: %s\n",
		       s->status_line ? "\r\033[K" : "", hash, ev->url,
		       ev->accepted ? "share accepted" : "share rejected");
}

/* The pool's verdict on a share: the records, the counts, the -v line. */
static void record_share(pctx *c, const brain_stratum_event_t *ev)
{
	session *s = c->s;
	const brain_stratum_share_t *sh = ev->share;
	json_t *result = json_string(ev->accepted ? "accepted"
				     : ev->reason ? ev->reason
						  : "rejected");
	json_t *code = ev->accepted || ev->reject_code < 0
			       ? json_null()
			       : json_integer(ev->reject_code);
	char hash[65];
	json_t *r;

	brain_hash_to_hex(sh->hash, hash);
	if (sh->is_block)
		record_block(c, ev, hash, result);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:f, s:o, s:b, "
		      "s:O, s:O, s:b, s:s, s:s, s:b}",
		      "share_hash", hash, "pool", ev->url, "worker", ev->user,
		      "job_id", sh->job_id, "extranonce2", sh->extranonce2_hex,
		      "ntime", (json_int_t)sh->ntime, "nonce",
		      (json_int_t)sh->nonce, "share_difficulty",
		      sh->difficulty, "hash_difficulty",
		      number_or_null(sh->hash_difficulty), "accepted",
		      ev->accepted, "result", result, "reject_code", code,
		      "stale", ev->stale, "miner_id", s->o.miner_id,
		      "work_source", "pool", "submitted", 1);
	if (r && sh->is_block &&
	    json_object_set_new(r, "block_hash", json_string(hash))) {
		json_decref(r);
		r = NULL;
	}
	miner_save(s, "submission", r, c->round);
	if (!ev->accepted)
		miner_save(s, "rejection",
			   json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:b, "
				     "s:f, s:s}",
				     "share_hash", hash, "pool", ev->url,
				     "worker", ev->user, "job_id", sh->job_id,
				     "reason", result, "reject_code", code,
				     "stale", ev->stale, "share_difficulty",
				     sh->difficulty, "miner_id",
				     s->o.miner_id),
			   c->round);
	if (ev->accepted) {
		c->total.accepted++;
		c->this_round.accepted++;
		count_share(c, ev->url, 0);
	} else if (ev->stale || ev->reject_code < 0) {
		c->total.stale++;
		c->this_round.stale++;
		count_share(c, ev->url, 2);
	} else {
		c->total.rejected++;
		c->this_round.rejected++;
		count_share(c, ev->url, 1);
	}
	brain_log_write(s->o.cli.log,
			ev->accepted ? BRAIN_LOG_INFO : BRAIN_LOG_WARN,
			"share %s (difficulty %g of %g, job %s) to %s: %s", hash,
			sh->hash_difficulty, sh->difficulty, sh->job_id, ev->url,
			ev->accepted ? "accepted" : json_string_value(result));
	if (s->o.cli.verbosity > 0)
		printf("%sshare %s (difficulty %g of %g, job %s): %s\n",
		       s->status_line ? "\r\033[K" : "", hash,
		       sh->hash_difficulty, sh->difficulty, sh->job_id,
		       ev->accepted ? "accepted" : json_string_value(result));
	json_decref(result);
	json_decref(code);
}

/* ---- the main thread ---------------------------------------------------- */

/* Submits what the scanners handed over.  Returns the round's hashes as
 * of then: read under the lock the scanners hand their shares over with,
 * so every share found in those hashes has been sent or counted stale. */
static uint64_t drain(pctx *c)
{
	long stale = 0, invalid = 0, stale_at[MINER_POOLS_MAX] = {0};
	char why[256] = "";
	uint64_t dropped, hashes;
	size_t i;
	int k;

	pthread_mutex_lock(&c->crew.mu);
	for (i = 0; i < c->npend; i++) {
		pshare *p = &c->pend[i];
		uint64_t id;
		int rc = brain_stratum_submit(c->st, p->j->work,
					      p->extranonce2, p->ntime,
					      p->nonce, &id);
		if (rc == 0) {
			c->outstanding++;
		} else if (rc == BRAIN_ESTALE || rc == BRAIN_EPOOL) {
			stale++; /* its job or its connection is gone */
			stale_at[count_share(
				c, brain_stratum_job_info(p->j->work)->pool_url,
				2)]++;
		} else if (invalid++ == 0) {
			snprintf(why, sizeof(why), "%s",
				 brain_stratum_errmsg(c->st));
		}
		miner_job_release(p->j);
	}
	c->npend = 0;
	dropped = c->dropped;
	c->dropped = 0;
	hashes = c->crew.hashes;
	pthread_mutex_unlock(&c->crew.mu);
	c->total.stale += stale;
	c->this_round.stale += stale;
	for (k = 0; stale && k < c->s->npool_shares; k++) {
		const char *url = c->s->pool_shares[k].url;
		if (!stale_at[k])
			continue;
		brain_log_write(c->s->o.cli.log, BRAIN_LOG_WARN,
				"%ld stale shares not sent to %s", stale_at[k],
				url);
		if (c->s->o.cli.verbosity > 0)
			printf("%s%ld stale shares not sent to %s\n",
			       c->s->status_line ? "\r\033[K" : "",
			       stale_at[k], url);
	}
	if (invalid)
		pool_error(c, "pool_share_invalid", c->active, why);
	if (dropped) {
		snprintf(why, sizeof(why), "%llu shares lost: more than %d "
			 "waiting to be sent", (unsigned long long)dropped,
			 MAX_PENDING);
		pool_error(c, "pool_shares_dropped", c->active, why);
	}
	return hashes;
}

/* Hashes per second since *last, which becomes now. */
static double rate_since(struct sample *last, double now, uint64_t hashes)
{
	double secs = now - last->t, rate = 0;

	if (secs > 0 && hashes >= last->hashes)
		rate = (double)(hashes - last->hashes) / secs;
	last->t = now;
	last->hashes = hashes;
	return rate;
}

/* The status: a line kept up to date on a terminal, else a log line every
 * LOG_SECONDS; and the supervisor's heartbeat every second.  Each rate is
 * over the time since the one before.  Its figures are of one moment: the
 * shares in its hashes were all sent or counted stale (drain), so once
 * the verdicts are in, the hashes and the shares agree. */
static void status(pctx *c, int force)
{
	session *s = c->s;
	double now = miner_now();
	uint64_t hashes;
	long answered;
	double beat_rate;
	char rate[32];

	if (!force && now < c->next_status)
		return;
	c->next_status = now + 1;
	hashes = c->hashes_before + drain(c);
	answered = c->total.accepted + c->total.rejected + c->total.stale;
	beat_rate = rate_since(&c->beat, now, hashes);
	/* "hb": this round's hashes, as in the other modes */
	miner_beat(s, "hb %llu %.0f %ld\n",
		   (unsigned long long)(hashes - c->hashes_before), beat_rate,
		   s->blocks);
	s->shares[0] = c->total.accepted;
	s->shares[1] = c->total.rejected;
	s->shares[2] = c->total.stale;
	s->pool = pool_url(c, c->active);
	miner_totals(s, hashes, beat_rate);
	if (s->o.cli.verbosity < 0)
		return;
	if (!s->status_line) {
		if (!force && now < c->next_log)
			return;
		c->next_log = now + LOG_SECONDS;
	}
	miner_rate_text(rate_since(&c->line, now, hashes), rate, sizeof(rate));
	printf("%s%s, accepted %ld/%ld (%.1f%%), rejected %ld, stale %ld, "
	       "diff %g, pool %s%s",
	       s->status_line ? "\r\033[K" : "", rate, c->total.accepted,
	       answered,
	       answered ? 100.0 * (double)c->total.accepted / (double)answered
			: 100.0,
	       c->total.rejected, c->total.stale, c->difficulty,
	       c->active >= 0 ? pool_url(c, c->active) : "(none)",
	       s->status_line ? "" : "\n");
	fflush(stdout);
}

/* A pool event: a log line, and a line on stdout unless -q. */
static void say(const pctx *c, const char *fmt, const char *a,
		const char *b)
{
	brain_log_write(c->s->o.cli.log, BRAIN_LOG_INFO, fmt, a, b);
	if (c->s->o.cli.verbosity < 0)
		return;
	printf("%s", c->s->status_line ? "\r\033[K" : "");
	printf(fmt, a, b);
	putchar('\n');
}

/* A report of the pool's doing: event, miner_id and two strings. */
static void report(pctx *c, const char *event, const char *k1,
		   const char *v1, const char *k2, const char *v2)
{
	miner_report(c->s,
		     json_pack("{s:s, s:s, s:s, s:s}", "event", event,
			       "miner_id", c->s->o.miner_id, k1, v1, k2, v2),
		     c->round);
}

static void on_event(pctx *c, brain_stratum_event_t *ev)
{
	session *s = c->s;

	switch (ev->kind) {
	case BRAIN_STRATUM_JOB: {
		const brain_stratum_job_info_t *in =
			brain_stratum_job_info(ev->job);
		brain_stratum_job_unref(c->job);
		c->job = ev->job;
		c->difficulty = in->difficulty;
		miner_crew_publish(&c->crew, brain_stratum_job_ref(c->job),
				   unref_job, ++c->seq);
		brain_log_write(s->o.cli.log, BRAIN_LOG_DEBUG,
				"job %s from %s, difficulty %g%s", in->job_id,
				ev->url, in->difficulty,
				in->clean_jobs ? " (clean)" : "");
		if (s->o.cli.verbosity > 0)
			printf("%sjob %s from %s, difficulty %g%s\n",
			       s->status_line ? "\r\033[K" : "", in->job_id,
			       ev->url, in->difficulty,
			       in->clean_jobs ? " (clean)" : "");
		break;
	}
	case BRAIN_STRATUM_DIFFICULTY:
		brain_log_write(s->o.cli.log, BRAIN_LOG_DEBUG,
				"%s sets difficulty %g (from its next job)",
				ev->url, ev->difficulty);
		if (s->o.cli.verbosity > 0)
			printf("%s%s sets difficulty %g (from its next job)\n",
			       s->status_line ? "\r\033[K" : "", ev->url,
			       ev->difficulty);
		break;
	case BRAIN_STRATUM_SHARE:
		c->outstanding--;
		record_share(c, ev);
		break;
	case BRAIN_STRATUM_CONNECTED:
		c->active = ev->pool;
		pool_tally(c, ev->url); /* in the list from now on */
		miner_report(s,
			     json_pack("{s:s, s:s, s:s, s:s, s:i}", "event",
				       "pool_connected", "miner_id",
				       s->o.miner_id, "pool", ev->url,
				       "worker", ev->user, "pool_index",
				       ev->pool),
			     c->round);
		say(c, "connected to %s as %s", ev->url, ev->user);
		break;
	case BRAIN_STRATUM_DISCONNECTED: {
		int was = c->active == ev->pool;
		if (was)
			c->active = -1;
		else if (c->error_pool != ev->pool)
			/* never authorized, and no ERROR said why: it could
			 * not be reached (or closed at once) */
			pool_error(c, "pool_error", ev->pool, ev->message);
		c->error_pool = -1;
		/* its jobs' shares would be refused: no work until the next */
		brain_stratum_job_unref(c->job);
		c->job = NULL;
		miner_crew_publish(&c->crew, NULL, NULL, 0);
		report(c, "pool_disconnected", "pool", ev->url, "reason",
		       ev->message);
		if (was)
			say(c, "disconnected from %s: %s", ev->url,
			    ev->message);
		break;
	}
	case BRAIN_STRATUM_SWITCHED:
		report(c, "pool_switched", "from_pool",
		       pool_url(c, ev->from_pool), "to_pool", ev->url);
		say(c, "switched from %s to %s", pool_url(c, ev->from_pool),
		    ev->url);
		break;
	case BRAIN_STRATUM_MESSAGE:
		report(c, "pool_message", "pool", ev->url, "message",
		       ev->message);
		say(c, "%s says: %s", ev->url, ev->message);
		break;
	case BRAIN_STRATUM_ERROR:
		pool_error(c, "pool_protocol_error", ev->pool, ev->message);
		c->error_pool = ev->pool; /* its DISCONNECTED follows */
		break;
	case BRAIN_STRATUM_NONE:
		break;
	}
}

/* Runs the client for up to `seconds` (0: what is ready now), handling
 * every event; returns early on a signal or when shares are waiting.
 * Returns 0, or -1 when the client failed (out of memory). */
static int pump(pctx *c, double seconds)
{
	brain_stratum_event_t ev;
	long wait = seconds > 0 ? (long)(seconds * 1000) + 1 : 0;

	for (;;) {
		if (brain_stratum_poll(c->st, wait, &ev) != 0) {
			pool_error(c, "pool_error", c->active,
				   brain_stratum_errmsg(c->st));
			return -1;
		}
		if (ev.kind == BRAIN_STRATUM_NONE)
			return 0;
		on_event(c, &ev);
		wait = 0; /* take what else is ready, then go back */
	}
}

static int done(const pctx *c)
{
	const session *s = c->s;

	return MINER_STOPPING() ||
	       (s->o.max_blocks && s->blocks >= s->o.max_blocks);
}

/* The last shares' verdicts, for at most VERDICT_WAIT seconds, so the
 * last round's report counts them.  Returns as pump. */
static int await_verdicts(pctx *c)
{
	double until = miner_now() + VERDICT_WAIT;
	int rc = 0;

	while (!rc && c->outstanding > 0 && miner_now() < until)
		rc = pump(c, until - miner_now());
	return rc;
}

/* Is this the session's last round?  Then its report waits for the
 * scanners to stop and for the verdicts of its last shares. */
static int last_round(const pctx *c, long round, int rc)
{
	const session *s = c->s;

	return rc || done(c) || (s->o.rounds && round >= s->o.rounds);
}

/*
 * One round: an accounting period of the session.  The scanners run
 * through the whole session (started before the first round, stopped in
 * the last), so writing a round's report never stops the hashing: with
 * rounds of a fraction of a second, stopping them for each report cost a
 * fifth of the hash rate.
 */
static int pool_round(pctx *c, long round)
{
	session *s = c->s;
	miner_crew *crew = &c->crew;
	double t0 = miner_now(), end = t0 + s->round_seconds;
	uint64_t hashes;
	unsigned best_zeros;
	int rc = 0;

	c->round = round;
	memset(&c->this_round, 0, sizeof(c->this_round));
	while (!done(c) && rc == 0) {
		double now = miner_now();
		if (now >= end || (s->max_attempts &&
				   miner_crew_hashes(crew) >= s->max_attempts))
			break;
		drain(c);
		status(c, 0);
		rc = pump(c, (end < c->next_status ? end : c->next_status) -
				     miner_now());
	}
	if (last_round(c, round, rc)) {
		miner_crew_stop(crew);
		drain(c); /* shares found in the last moments are sent too */
		if (rc == 0)
			rc = await_verdicts(c); /* the round counts them all */
		if (crew->error) {
			cli_say(&s->o.cli, BRAIN_LOG_ERROR, "a scanning thread "
					"failed");
			s->failures++;
			crew->error = 0;
		}
	}
	miner_crew_take(crew, &hashes, &best_zeros);
	c->hashes_before += hashes;
	miner_round_end(
		s, round, hashes, best_zeros, c->this_round.blocks,
		miner_now() - t0,
		json_pack("{s:s, s:I, s:I, s:I, s:s, s:f}", "work_source",
			  "pool", "shares_accepted",
			  (json_int_t)c->this_round.accepted, "shares_rejected",
			  (json_int_t)c->this_round.rejected, "shares_stale",
			  (json_int_t)c->this_round.stale, "pool",
			  pool_url(c, c->active), "pool_difficulty",
			  c->difficulty));
	return rc;
}

/* The pools, in order, for the session's start (never a password). */
static json_t *pool_list(const pctx *c)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < c->npools; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "url",
						   c->pools[i].url, "worker",
						   c->pools[i].user));
	return a;
}

static int open_client(pctx *c)
{
	session *s = c->s;
	brain_stratum_options_t so = BRAIN_STRATUM_OPTIONS_INIT;

	so.pools = c->pools;
	so.npools = c->npools;
	so.timeout_ms = timing_ms(s, s->o.pool_timeout, "pool_timeout_seconds");
	so.failover_retry_ms =
		timing_ms(s, s->o.failover_retry, "failover_retry_seconds");
	if (brain_stratum_open(&c->st, &so) != 0) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "%s", brain_errmsg(NULL));
		return 2;
	}
	return 0;
}

int miner_pool_session(session *s)
{
	pctx *c = calloc(1, sizeof(*c));
	long round;
	int rc;

	if (!c) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "out of memory");
		return 1;
	}
	c->s = s;
	c->active = -1;
	c->error_pool = -1;
	c->difficulty = 1;
	c->npools = miner_pools(s, c->pools);
	if ((rc = open_client(c)) != 0) {
		free(c);
		return rc;
	}
	if (miner_crew_init(&c->crew, s->o.threads, scan_job, c) != 0) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "out of memory");
		brain_stratum_close(c->st);
		free(c);
		return 1;
	}
	if (s->o.zeros >= 0)
		cli_say(&s->o.cli, BRAIN_LOG_WARN, "--zeros is ignored in pool "
				"mining: the pool sets the share target");
	miner_signal_wake(NULL, c->st);
	miner_report(s,
		     json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:i, s:I, s:f}",
			       "event", "mining_session_start", "miner_id",
			       s->o.miner_id, "mode", brain_mode(s->b),
			       "work_source", "pool", "pools", pool_list(c),
			       "engine", brain_engine_name(s->o.engine),
			       "threads", s->o.threads,
			       "max_attempts_per_round",
			       (json_int_t)s->max_attempts, "round_seconds",
			       s->round_seconds),
		     0);
	brain_log_write(s->o.cli.log, BRAIN_LOG_INFO,
			"session start: %s mode, mining for %s%s into %s "
			"(engine %s, %d threads)",
			brain_mode(s->b), c->pools[0].url,
			c->npools > 1 ? " (and failover pools)" : "",
			brain_base_path(s->b), brain_engine_name(s->o.engine),
			s->o.threads);
	if (s->o.cli.verbosity >= 0)
		printf("%s mode: mining for %s%s into %s (engine %s, %d "
		       "threads)\n",
		       brain_mode(s->b), c->pools[0].url,
		       c->npools > 1 ? " (and failover pools)" : "",
		       brain_base_path(s->b), brain_engine_name(s->o.engine),
		       s->o.threads);
	rc = 0;
	miner_crew_budget(&c->crew, s->max_attempts);
	if (miner_crew_start(&c->crew) < s->o.threads)
		s->failures++;
	for (round = 1; !s->o.rounds || round <= s->o.rounds; round++) {
		rc = pool_round(c, round);
		if (rc || done(c) || !c->crew.started)
			break;
	}
	miner_crew_stop(&c->crew); /* stopped already, but for a failed start */
	status(c, 1);
	if (s->status_line)
		putchar('\n');
	miner_report(s,
		     json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:b}",
			       "event", "mining_session_end", "miner_id",
			       s->o.miner_id, "rounds",
			       (int)(s->o.rounds && round > s->o.rounds
					     ? s->o.rounds
					     : round),
			       "blocks_found", (int)s->blocks,
			       "shares_accepted", (json_int_t)c->total.accepted,
			       "shares_rejected", (json_int_t)c->total.rejected,
			       "shares_stale", (json_int_t)c->total.stale,
			       "shares_unanswered",
			       (json_int_t)c->outstanding, "stopped_by_signal",
			       MINER_STOPPING()),
		     round);
	brain_log_write(s->o.cli.log, BRAIN_LOG_INFO,
			"session end: %ld shares accepted, %ld rejected, %ld "
			"stale, %ld blocks%s",
			c->total.accepted, c->total.rejected, c->total.stale,
			s->blocks,
			MINER_STOPPING() ? " (stopped by a signal)" : "");
	if (s->o.cli.verbosity >= 0)
		printf("session over: %ld shares accepted, %ld rejected, %ld "
		       "stale, %ld blocks; records in %s\n",
		       c->total.accepted, c->total.rejected, c->total.stale,
		       s->blocks, brain_base_path(s->b));
	miner_signal_wake(NULL, NULL);
	miner_crew_destroy(&c->crew);
	brain_stratum_job_unref(c->job);
	brain_stratum_close(c->st);
	rc = rc || s->failures ? 1 : 0;
	free(c);
	return rc;
}
