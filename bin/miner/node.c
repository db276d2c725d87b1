/*
 * bin/miner/node.c - staging and live mining: a Bitcoin node's templates.
 *
 * The main thread talks to the node; the scanning threads only hash.  The
 * main thread holds the current job (a parsed getblocktemplate answer),
 * polls the node's best block every --poll-seconds and fetches a new
 * template when the tip moved, when a block was found, or every few polls
 * when the template's transactions changed; the job it replaces is marked
 * stale, which stops every scan of it within 65,536 nonces.  So no thread
 * scans stale work for longer than one poll interval.
 *
 * A scanner that meets the target hands the block to the main thread,
 * which submits it and records the math proof, ledger entry and
 * submission with the node's answer.  Node failures (refused connection,
 * 401, RPC error, timeout) are logged to the error tree and retried with
 * back-off (1, 2, 4, 8 s); with no reachable node there is no job, so the
 * scanners wait.  The session ends only on --rounds, --max-blocks, a
 * signal, or --max-retries failures in a row.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "miner.h"

#define CATEGORY "miners"
#define CHUNK (1u << 20)    /* nonces per scan call */
#define REFRESH_POLLS 5     /* a fresh template every N polls */
#define BACKOFF_MAX 8.0     /* seconds between retries, at most */
#define SUBMIT_TRIES 3
#define PAYOUT_MAX 10000
#define MAX_PENDING 64

typedef struct found {
	miner_job *j; /* a reference */
	brain_work_t work;
	uint32_t nonce;
	uint8_t hash[32];
} found;

typedef struct nctx {
	session *s;
	brain_rpc_t *rpc;
	const char *url;
	uint8_t payout[PAYOUT_MAX];
	size_t payout_len;
	char tag[80];
	long max_retries;
	double poll;
	/* the scanners; crew.cur is NULL while there is no template (none
	 * yet, or the node is down) */
	miner_crew crew;
	found pend[MAX_PENDING]; /* under crew.mu */
	size_t npend;
	uint32_t round;
	uint64_t seq;
	/* the main thread's */
	long fails_in_row;
	double backoff, next_try;
	int polls_since_fetch, gave_up;
	long accepted, rejected;
} nctx;

static brain_template_t *tmpl(const miner_job *j)
{
	return j->work;
}

/* ---- settings ----------------------------------------------------------- */

/* A node setting: the CLI's, else config bitcoin_rpc.<mode>.<key>, else
 * bitcoin_rpc.<key>. */
static const json_t *setting(const session *s, const char *key)
{
	const json_t *rpc =
		json_object_get(brain_get_config(s->b), "bitcoin_rpc");
	const json_t *v =
		json_object_get(json_object_get(rpc, brain_mode(s->b)), key);

	return v ? v : json_object_get(rpc, key);
}

static const char *str_setting(const session *s, const char *cli,
			       const char *key)
{
	return cli ? cli : json_string_value(setting(s, key));
}

static long num_setting(const session *s, long cli, const char *key,
			long dflt)
{
	const json_t *v = setting(s, key);

	return cli >= 0 ? cli : v ? (long)json_integer_value(v) : dflt;
}

static int settle_node(nctx *c, brain_rpc_options_t *ro)
{
	session *s = c->s;
	int staging = !strcmp(brain_mode(s->b), "staging");
	const char *script = str_setting(s, s->o.payout_script,
					 "payout_script");
	const char *address = str_setting(s, s->o.payout_address,
					  "payout_address");

	ro->url = str_setting(s, s->o.rpc_url, "url");
	if (!ro->url)
		ro->url = staging ? "http://127.0.0.1:18332/"
				  : "http://127.0.0.1:8332/";
	ro->user = str_setting(s, s->o.rpc_user, "user");
	ro->password = str_setting(s, s->o.rpc_password, "password");
	ro->cookie_file = str_setting(s, s->o.rpc_cookie, "cookie_file");
	if (!ro->user && !ro->cookie_file)
		ro->cookie_file = staging ? "~/.bitcoin/testnet3/.cookie"
					  : "~/.bitcoin/.cookie";
	ro->timeout_ms = 1000 * num_setting(s, s->o.rpc_timeout,
					    "timeout_seconds", 30);
	c->max_retries = num_setting(s, s->o.max_retries, "max_retries", 0);
	c->poll = (double)num_setting(s, s->o.poll_seconds, "poll_seconds", 1);
	c->url = ro->url;
	snprintf(c->tag, sizeof(c->tag), "/brainstem:%s/", s->o.miner_id);

	if (script && s->o.payout_address && !s->o.payout_script)
		script = NULL; /* the command line's address wins */
	if (script) {
		if (brain_hex_decode(script, c->payout, sizeof(c->payout),
				     &c->payout_len) != 0 ||
		    c->payout_len == 0) {
			cli_say(&s->o.cli, BRAIN_LOG_ERROR, "--payout-script: %s",
				c->payout_len ? brain_errmsg(NULL)
					      : "empty script");
			return 2;
		}
	} else if (address && *address) {
		brain_address_t a;
		if (brain_address_decode(address, &a) != 0) {
			cli_say(&s->o.cli, BRAIN_LOG_ERROR, "payout address %s: "
					"%s", address, brain_errmsg(NULL));
			return 2;
		}
		/* live pays real coins: only to a mainnet address; staging
		 * (testnet, regtest) never to one */
		if (staging == !strcmp(a.network, "main")) {
			cli_say(&s->o.cli, BRAIN_LOG_ERROR, "payout address %s is "
					"a %s address; %s mining pays to %s "
					"addresses only", address,
				!strcmp(a.network, "main") ? "mainnet"
							   : "testnet/regtest",
				brain_mode(s->b),
				staging ? "testnet or regtest" : "mainnet");
			return 2;
		}
		memcpy(c->payout, a.script, a.script_len);
		c->payout_len = a.script_len;
		if (s->o.cli.verbosity > 0)
			printf("payout: %s %s address (%s)\n", a.network,
			       a.kind, address);
	} else {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "%s mining needs a payout: "
				"--payout-address ADDR or --payout-script HEX "
				"(or bitcoin_rpc.%s.payout_address in "
				"config.json)", brain_mode(s->b),
			brain_mode(s->b));
		return 2;
	}
	return 0;
}

/* ---- errors ------------------------------------------------------------- */

static const char *error_type(int rc)
{
	switch (rc) {
	case BRAIN_EAUTH:
		return "node_auth_failed";
	case BRAIN_ERPC:
		return "node_rpc_error";
	case BRAIN_EINVAL:
		return "node_template_invalid";
	default:
		return "node_unreachable";
	}
}

/* A failed node call: to stderr and the error tree, then back off. */
static void node_error(nctx *c, const char *call, int rc)
{
	session *s = c->s;
	json_t *err;

	c->fails_in_row++;
	c->next_try = miner_now() + c->backoff;
	cli_say(&s->o.cli, BRAIN_LOG_ERROR, "%s (retry in %.0f s)",
		brain_rpc_errmsg(c->rpc), c->backoff);
	miner_error_noted(s, error_type(rc), brain_rpc_errmsg(c->rpc));
	err = json_pack("{s:s, s:s, s:{s:s, s:i, s:s, s:s, s:s, s:I, s:I, "
			"s:f}}",
			"error_type", error_type(rc), "message",
			brain_rpc_errmsg(c->rpc), "context", "miner_id",
			s->o.miner_id, "round", (int)c->round, "mode",
			brain_mode(s->b), "node", c->url, "call", call,
			"rpc_code", (json_int_t)brain_rpc_error_code(c->rpc),
			"failures_in_a_row", (json_int_t)c->fails_in_row,
			"retry_in_seconds", c->backoff);
	if (!err || brain_save_system_error(s->b, CATEGORY, err) != 0) {
		s->failures++;
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "could not record the error: "
				"%s", brain_errmsg(s->b));
	}
	json_decref(err);
	c->backoff = c->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX
						   : c->backoff * 2;
	if (c->max_retries > 0 && c->fails_in_row >= c->max_retries)
		c->gave_up = 1;
}

static void node_ok(nctx *c)
{
	c->fails_in_row = 0;
	c->backoff = 1;
}

/* ---- jobs --------------------------------------------------------------- */

static void free_template(void *t)
{
	brain_template_free(t);
}

/* Makes t the current job (NULL: none) and wakes the scanners. */
static void publish(nctx *c, brain_template_t *t)
{
	miner_crew_publish(&c->crew, t, free_template, ++c->seq);
}

static int same_work(const brain_template_t *a, const brain_template_t *b)
{
	const brain_template_info_t *x = brain_template_info(a),
				    *y = brain_template_info(b);

	return !memcmp(x->prev_hash, y->prev_hash, 32) && x->ntx == y->ntx &&
	       x->coinbase_value == y->coinbase_value &&
	       !strcmp(x->longpollid, y->longpollid);
}

static void fetch(nctx *c, const char *why)
{
	brain_template_t *t;
	const brain_template_info_t *in;
	char prev[65];
	int rc = brain_node_template(c->rpc, c->payout, c->payout_len, c->tag,
				     &t);

	c->polls_since_fetch = 0;
	if (rc) {
		node_error(c, "getblocktemplate", rc);
		publish(c, NULL); /* whatever we had may be stale by now */
		return;
	}
	node_ok(c);
	if (c->crew.cur && !strcmp(why, "refresh") &&
	    same_work(tmpl(c->crew.cur), t)) {
		brain_template_free(t);
		return;
	}
	in = brain_template_info(t);
	brain_hash_to_hex(in->prev_hash, prev);
	brain_log_write(c->s->o.cli.log, BRAIN_LOG_DEBUG,
			"work: height %lld on %s, %zu transactions, %s (%s)",
			(long long)in->height, prev, in->ntx,
			in->segwit ? "segwit" : "legacy", why);
	if (c->s->o.cli.verbosity > 0)
		printf("%swork: height %lld on %s, %zu transactions, %s (%s)\n",
		       c->s->status_line ? "\r\033[K" : "",
		       (long long)in->height, prev, in->ntx,
		       in->segwit ? "segwit" : "legacy", why);
	if (!strcmp(why, "tip changed"))
		miner_report(c->s,
			     json_pack("{s:s, s:s, s:s, s:I, s:s}", "event",
				       "node_tip_changed", "miner_id",
				       c->s->o.miner_id, "previous_block",
				       prev, "height",
				       (json_int_t)in->height, "node", c->url),
			     c->round);
	publish(c, t);
}

/* Called every poll interval: is the work still current? */
static void poll_node(nctx *c, int force)
{
	char best[65], prev[65];
	int rc;

	if (miner_now() < c->next_try)
		return; /* backing off */
	if (force || !c->crew.cur) {
		fetch(c, force ? "block found" : "start");
		return;
	}
	if ((rc = brain_node_best_hash(c->rpc, best)) != 0) {
		node_error(c, "getbestblockhash", rc);
		publish(c, NULL);
		return;
	}
	node_ok(c);
	brain_hash_to_hex(brain_template_info(tmpl(c->crew.cur))->prev_hash,
			  prev);
	if (strcmp(best, prev))
		fetch(c, "tip changed");
	else if (++c->polls_since_fetch >= REFRESH_POLLS)
		fetch(c, "refresh");
}

/* ---- scanning ----------------------------------------------------------- */

static void merge(nctx *c, miner_job *j, const brain_work_t *w,
		  const brain_scan_t *r, const brain_match_t *m,
		  uint64_t claimed)
{
	pthread_mutex_lock(&c->crew.mu);
	if (miner_crew_count(&c->crew, r, claimed))
		pthread_cond_broadcast(&c->crew.cv); /* the round is done */
	/* One block per job: once found, the job's tip is (about to be) gone,
	 * and a second block on the same parent would only fork. */
	if (r->nmatches && !j->found && c->npend < MAX_PENDING) {
		found *f = &c->pend[c->npend++];
		j->found = 1;
		flag_raise(&j->stale);
		j->refs++;
		f->j = j;
		f->work = *w;
		f->nonce = m->nonce;
		memcpy(f->hash, m->hash, 32);
		pthread_cond_broadcast(&c->crew.cv);
	}
	pthread_mutex_unlock(&c->crew.mu);
}

static void scan_job(miner_crew *crew, int index, uint64_t *k, miner_job *j)
{
	nctx *c = crew->ctx;
	const brain_template_info_t *in = brain_template_info(tmpl(j));

	while (!flag_is_set(&j->stale)) {
		brain_work_t w;
		uint64_t next = 0;
		uint64_t en = ((uint64_t)c->round << 40) |
			      ((uint64_t)index + (uint64_t)crew->nthreads * (*k)++);
		uint32_t t = in->curtime + (uint32_t)(miner_now() - j->published);
		if (brain_template_work(tmpl(j), en, t, &w) != 0) {
			crew->error = 1;
			return;
		}
		while (next < (1ull << 32) && !flag_is_set(&j->stale)) {
			brain_match_t m;
			brain_scan_t r;
			uint64_t n = miner_crew_claim(
				crew, j,
				(1ull << 32) - next < CHUNK ? (1ull << 32) - next
							    : CHUNK);
			if (n == 0)
				return; /* stale, or the round is over */
			if (brain_scan(c->s->o.engine, &w.header,
				       (uint32_t)next, n, w.target, &m, 1,
				       &j->stale, &r) != 0) {
				crew->error = 1;
				return;
			}
			merge(c, j, &w, &r, &m, n);
			next += r.hashes;
		}
	}
}

/* ---- blocks ------------------------------------------------------------- */

/* Submits one block and records it: math proof, ledger entry and
 * submission, each with the node's answer. */
static void submit_and_record(nctx *c, found *f)
{
	session *s = c->s;
	const brain_template_info_t *in = brain_template_info(tmpl(f->j));
	brain_header_t h = f->work.header;
	char hash[65], target[65], prev[65], bits[9], *block = NULL;
	char *reason = NULL, *why_not = NULL;
	unsigned zeros = brain_hash_leading_zeros(f->hash);
	int rc = 0, tries, submitted = 0;
	json_t *r, *answer;

	h.nonce = f->nonce;
	brain_hash_to_hex(f->hash, hash);
	brain_hash_to_hex(f->work.target, target);
	brain_hash_to_hex(h.prev_hash, prev);
	miner_bits_hex(h.bits, bits);
	if (brain_template_block_hex(tmpl(f->j), f->work.extranonce, &h,
				     &block) != 0) {
		why_not = strdup("out of memory building the block");
	} else {
		for (tries = 0; tries < SUBMIT_TRIES; tries++) {
			if ((rc = brain_node_submit(c->rpc, block,
						    &reason)) == 0)
				break;
			node_error(c, "submitblock", rc);
			if (tries + 1 < SUBMIT_TRIES)
				sleep(1);
		}
		if (rc == 0) {
			submitted = 1;
			node_ok(c);
		} else {
			why_not = strdup(brain_rpc_errmsg(c->rpc));
		}
	}
	if (submitted && !reason)
		c->accepted++;
	else
		c->rejected++;
	answer = submitted ? (reason ? json_string(reason) : json_null())
			   : json_string(why_not ? why_not : "not submitted");

	miner_proof(s, &h, f->hash, f->work.target, c->round,
		    json_pack("{s:O}", "node_result", answer));
	r = json_pack("{s:s, s:I, s:s, s:i, s:s, s:s, s:s, s:I, s:i, s:I, "
		      "s:s, s:s, s:I, s:I, s:b, s:O}",
		      "block_hash", hash, "height", (json_int_t)in->height,
		      "previous_block", prev, "leading_zeros", (int)zeros,
		      "target", target, "bits_hex", bits, "miner_id",
		      s->o.miner_id, "nonce",
		      (json_int_t)f->nonce, "round", (int)c->round,
		      "extranonce", (json_int_t)f->work.extranonce,
		      "work_source", "node", "node", c->url, "transactions",
		      (json_int_t)in->ntx, "coinbase_value",
		      (json_int_t)in->coinbase_value, "accepted",
		      submitted && !reason, "node_result", answer);
	miner_save(s, "ledger", r, c->round);
	r = json_pack("{s:s, s:b, s:b, s:O, s:s, s:s, s:I, s:I}", "block_hash",
		      hash, "submitted", submitted, "accepted",
		      submitted && !reason, "result", answer, "miner_id",
		      s->o.miner_id, "node", c->url, "height",
		      (json_int_t)in->height, "block_bytes",
		      (json_int_t)(block ? strlen(block) / 2 : 0));
	miner_save(s, "submission", r, c->round);
	json_decref(answer);
	s->blocks++;
	miner_beat(s, "block %s\n", hash);
	brain_log_write(s->o.cli.log, submitted && !reason ? BRAIN_LOG_INFO
							   : BRAIN_LOG_WARN,
			"block %s at height %lld: %s%s", hash,
			(long long)in->height,
			!submitted ? "not submitted: "
			: reason   ? "rejected: "
				   : "accepted",
			!submitted ? (why_not ? why_not : "")
			: reason   ? reason
				   : "");
	if (s->o.cli.verbosity >= 0)
		printf("%sblock %s at height %lld: %s%s\n",
		       s->status_line ? "\r\033[K" : "", hash,
		       (long long)in->height,
		       !submitted ? "not submitted: "
		       : reason   ? "rejected: "
				  : "accepted",
		       !submitted ? (why_not ? why_not : "")
		       : reason   ? reason
				  : "");
	brain_free(reason);
	brain_free(block);
	free(why_not);
}

/* Submits what the scanners handed over. Returns how many. */
static size_t drain(nctx *c)
{
	found batch[MAX_PENDING];
	size_t n, i;

	pthread_mutex_lock(&c->crew.mu);
	n = c->npend;
	memcpy(batch, c->pend, n * sizeof(*batch));
	c->npend = 0;
	pthread_mutex_unlock(&c->crew.mu);
	for (i = 0; i < n; i++) {
		submit_and_record(c, &batch[i]);
		pthread_mutex_lock(&c->crew.mu);
		miner_job_release(batch[i].j);
		pthread_mutex_unlock(&c->crew.mu);
	}
	return n;
}

/* ---- rounds ------------------------------------------------------------- */

static int done(const nctx *c)
{
	const session *s = c->s;

	return MINER_STOPPING() || c->gave_up ||
	       (s->o.max_blocks && s->blocks >= s->o.max_blocks);
}

static void node_round(nctx *c, long round)
{
	session *s = c->s;
	miner_crew *crew = &c->crew;
	double t0 = miner_now(), end = t0 + s->round_seconds, next_poll = t0,
	       next_status = t0 + 1;
	uint64_t blocks0 = (uint64_t)s->blocks;
	int started;

	c->round = (uint32_t)round;
	if ((started = miner_crew_start(crew)) < s->o.threads)
		s->failures++;
	while (started && !done(c)) {
		double now = miner_now();
		struct timespec ts;
		int force = drain(c) > 0;
		uint64_t so_far = miner_crew_hashes(crew);

		if (done(c) || now >= end ||
		    (s->max_attempts && so_far >= s->max_attempts))
			break;
		if (force || now >= next_poll) {
			poll_node(c, force);
			next_poll = miner_now() + c->poll;
			continue; /* found blocks may have piled up meanwhile */
		}
		if (now >= next_status) {
			miner_status(so_far, now - t0, s);
			next_status = now + 1;
		}
		miner_deadline_in(&ts, (next_poll < next_status ? next_poll
								: next_status) -
					       miner_now());
		pthread_mutex_lock(&crew->mu);
		if (!c->npend && !MINER_STOPPING())
			pthread_cond_timedwait(&crew->cv, &crew->mu, &ts);
		pthread_mutex_unlock(&crew->mu);
	}
	miner_crew_stop(crew);
	drain(c); /* blocks found in the last moments are submitted too */
	publish(c, NULL); /* the next round starts from a fresh template */
	if (crew->error) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "a scanning thread failed");
		s->failures++;
		crew->error = 0;
	}
	miner_round_end(s, round, crew->hashes, crew->best_zeros,
			(long)((uint64_t)s->blocks - blocks0),
			miner_now() - t0,
			json_pack("{s:s, s:I, s:I}", "work_source", "node",
				  "blocks_accepted", (json_int_t)c->accepted,
				  "node_failures_in_a_row",
				  (json_int_t)c->fails_in_row));
}

int miner_node_session(session *s)
{
	brain_rpc_options_t ro = BRAIN_RPC_OPTIONS_INIT;
	nctx *c = calloc(1, sizeof(*c));
	long round;
	int rc;

	if (!c) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "out of memory");
		return 1;
	}
	c->s = s;
	c->backoff = 1;
	if ((rc = settle_node(c, &ro)) != 0) {
		free(c);
		return rc;
	}
	if (s->o.zeros >= 0)
		cli_say(&s->o.cli, BRAIN_LOG_WARN, "--zeros is ignored in %s "
				"mode: the node's template sets the target",
			brain_mode(s->b));
	if (brain_rpc_open(&c->rpc, &ro) != 0) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "%s", brain_errmsg(NULL));
		free(c);
		return 2;
	}
	c->url = brain_rpc_url(c->rpc);
	if (miner_crew_init(&c->crew, s->o.threads, scan_job, c) != 0) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "out of memory");
		brain_rpc_close(c->rpc);
		free(c);
		return 1;
	}
	miner_crew_budget(&c->crew, s->max_attempts);
	miner_signal_wake(&c->crew.cv, NULL);

	miner_report(s,
		     json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:f, s:s, "
			       "s:s}",
			       "event", "mining_session_start", "miner_id",
			       s->o.miner_id, "mode", brain_mode(s->b),
			       "work_source", "node", "engine",
			       brain_engine_name(s->o.engine), "threads",
			       s->o.threads, "max_attempts_per_round",
			       (json_int_t)s->max_attempts, "round_seconds",
			       s->round_seconds, "node", c->url, "coinbase_tag",
			       c->tag),
		     0);
	brain_log_write(s->o.cli.log, BRAIN_LOG_INFO,
			"session start: %s mode, mining the node at %s into %s "
			"(engine %s, %d threads)",
			brain_mode(s->b), c->url, brain_base_path(s->b),
			brain_engine_name(s->o.engine), s->o.threads);
	if (s->o.cli.verbosity >= 0)
		printf("%s mode: mining the node at %s into %s (engine %s, %d "
		       "threads)\n",
		       brain_mode(s->b), c->url, brain_base_path(s->b),
		       brain_engine_name(s->o.engine), s->o.threads);
	for (round = 1; !s->o.rounds || round <= s->o.rounds; round++) {
		node_round(c, round);
		if (done(c))
			break;
	}
	if (c->gave_up)
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "gave up after %ld failed "
				"node calls in a row (--max-retries)",
			c->fails_in_row);
	miner_report(s,
		     json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:b, s:b}",
			       "event", "mining_session_end", "miner_id",
			       s->o.miner_id, "rounds",
			       (int)(s->o.rounds && round > s->o.rounds
					     ? s->o.rounds
					     : round),
			       "blocks_found", (int)s->blocks,
			       "blocks_accepted", (json_int_t)c->accepted,
			       "blocks_rejected", (json_int_t)c->rejected,
			       "stopped_by_signal", MINER_STOPPING(),
			       "gave_up_on_node", c->gave_up),
		     round);
	brain_log_write(s->o.cli.log, BRAIN_LOG_INFO,
			"session end: %ld blocks (%ld accepted)%s", s->blocks,
			c->accepted,
			MINER_STOPPING() ? " (stopped by a signal)" : "");
	if (s->o.cli.verbosity >= 0)
		printf("session over: %ld blocks (%ld accepted); records in "
		       "%s\n",
		       s->blocks, c->accepted, brain_base_path(s->b));
	miner_signal_wake(NULL, NULL);
	miner_crew_destroy(&c->crew);
	brain_rpc_close(c->rpc);
	rc = c->gave_up || s->failures ? 1 : 0;
	free(c);
	return rc;
}
