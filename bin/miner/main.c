/*
 * brainstem-miner - the Production Miner.
 *
 * It initialises the Brain infrastructure for its mode, reports the
 * session's start, mines round after round - scanning real 80-byte block
 * headers with double SHA-256 - records a ledger entry, a math proof and a
 * submission for every block found, reports each round and finally the
 * session's end.  SIGINT/SIGTERM finish the round being mined.  In
 * staging and live modes the work comes from a Bitcoin node (node.c) and
 * every block found is submitted to it.  Every
 * file is written by libbrainstem; this program only decides what to
 * record.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "miner.h"

#define COMPONENT "Production-Miner"
#define CATEGORY "miners"
#define SEED_EXAMPLE_TIME 1766022461u /* 2025-12-18T01:47:41Z */

/* Logs a failure (the log, else stderr) and to the error tree, with
 * context. */
void miner_fail(session *s, const char *what, long round)
{
	json_t *err;

	s->failures++;
	cli_say(&s->o.cli, BRAIN_LOG_ERROR, "%s: %s", what, brain_errmsg(s->b));
	miner_error_noted(s, what, brain_errmsg(s->b));
	err = json_pack("{s:s, s:s, s:{s:s, s:i, s:s}}", "error_type", what,
			"message", brain_errmsg(s->b), "context", "miner_id",
			s->o.miner_id, "round", (int)round, "mode",
			brain_mode(s->b));
	if (err && brain_save_system_error(s->b, CATEGORY, err) != 0)
		cli_say(&s->o.cli, BRAIN_LOG_ERROR,
			"could not record the error: %s", brain_errmsg(s->b));
	json_decref(err);
}

void miner_error_noted(session *s, const char *what, const char *message)
{
	s->errors++;
	s->last_error_time = (long long)time(NULL);
	snprintf(s->last_error, sizeof(s->last_error), "%s: %s", what,
		 message);
	miner_beat(s, "error %s\n", what);
}

void miner_report(session *s, json_t *r, long round)
{
	if (!r || brain_save_system_report(s->b, CATEGORY, r) != 0)
		miner_fail(s, "report_failed", round);
	json_decref(r);
}

void miner_save(session *s, const char *stream, json_t *r, long round)
{
	char what[64];

	if (!r || brain_save_record(s->b, stream, r) != 0) {
		snprintf(what, sizeof(what), "%s_failed", stream);
		miner_fail(s, what, round);
	}
	json_decref(r);
}

void miner_proof(session *s, const brain_header_t *h, const uint8_t hash[32],
		 const uint8_t target[32], long round, json_t *extra)
{
	char hash_hex[65], target_hex[65], header[161], bits[9];
	json_t *r;

	brain_hash_to_hex(hash, hash_hex);
	brain_hash_to_hex(target, target_hex);
	brain_header_to_hex(h, header);
	miner_bits_hex(h->bits, bits);
	r = json_pack("{s:s, s:I, s:s, s:s, s:i, s:I, s:s, s:s, s:s}",
		      "header_hex", header, "nonce", (json_int_t)h->nonce,
		      "hash", hash_hex, "target", target_hex, "leading_zeros",
		      (int)brain_hash_leading_zeros(hash), "bits",
		      (json_int_t)h->bits, "bits_hex", bits, "engine",
		      brain_engine_name(s->o.engine), "miner_id",
		      s->o.miner_id);
	if (r && extra && json_object_update(r, extra)) {
		json_decref(r);
		r = NULL;
	}
	json_decref(extra);
	miner_save(s, "math_proof", r, round);
}

/* A line for the supervisor, if there is one; a lost line is harmless. */
void miner_beat(const session *s, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (s->o.heartbeat_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(s->o.heartbeat_fd, line,
			   (size_t)n < sizeof(line) ? (size_t)n
						    : sizeof(line) - 1) < 0)
		return;
}

/* The math proof, ledger entry and submission of one block, in that
 * order: a miner killed in between leaves proofs >= ledger >= submissions,
 * which is what brain_validate's agreement check expects. */
static void record_block(session *s, const miner_block *blk, long round)
{
	brain_header_t h = blk->work.header;
	char hash[65], target[65];
	unsigned zeros = brain_hash_leading_zeros(blk->hash);

	h.nonce = blk->nonce;
	brain_hash_to_hex(blk->hash, hash);
	brain_hash_to_hex(blk->work.target, target);
	miner_proof(s, &h, blk->hash, blk->work.target, round,
		    json_pack("{s:i}", "zeros_required", (int)blk->work.zeros));
	miner_save(s, "ledger",
		   json_pack("{s:s, s:n, s:i, s:s, s:s, s:I, s:i, s:I, s:s}",
			     "block_hash", hash, "height", "leading_zeros",
			     (int)zeros, "target", target, "miner_id",
			     s->o.miner_id, "nonce", (json_int_t)blk->nonce,
			     "round", (int)round, "extranonce",
			     (json_int_t)blk->work.extranonce, "work_source",
			     "synthetic"),
		   round);
	miner_save(s, "submission",
		   json_pack("{s:s, s:b, s:s, s:s}", "block_hash", hash,
			     "submitted", 0, "result",
			     "not submitted: synthetic work has no node",
			     "miner_id", s->o.miner_id),
		   round);
	s->blocks++;
	miner_beat(s, "block %s\n", hash);
	brain_log_write(s->o.cli.log, BRAIN_LOG_INFO,
			"block found: %s (%u zeros) in round %ld", hash, zeros,
			round);
	if (s->o.cli.verbosity >= 0)
		printf("%sblock found: %s (%u zeros)\n",
		       s->status_line ? "\r\033[K" : "", hash, zeros);
}

void miner_status(uint64_t hashes, double seconds, void *ctx)
{
	session *s = ctx;

	miner_beat(s, "hb %llu %.0f %ld\n", (unsigned long long)hashes,
	     seconds > 0 ? (double)hashes / seconds : 0.0, s->blocks);
	miner_totals(s, s->hashes_done + hashes,
		     seconds > 0 ? (double)hashes / seconds : 0.0);
	if (!s->status_line)
		return;
	printf("\r\033[K%.2f MH/s  %llu hashes  %ld blocks",
	       seconds > 0 ? (double)hashes / seconds / 1e6 : 0.0,
	       (unsigned long long)hashes, s->blocks);
	fflush(stdout);
}

void miner_bits_hex(uint32_t bits, char out[9])
{
	snprintf(out, 9, "%08x", (unsigned)bits);
}

void miner_round_end(session *s, long round, uint64_t hashes,
		     unsigned best_zeros, long blocks, double seconds,
		     json_t *extra)
{
	double rate = seconds > 0 ? (double)hashes / seconds : 0;
	char rate_text[32];
	/* what a person reads: whole hashes a second, whole milliseconds
	 * (the store writes a real with 17 digits: 29.963280370999996) */
	json_t *r = json_pack("{s:s, s:s, s:i, s:I, s:i, s:i, s:f, s:I, s:b}",
			      "event", "mining_round_complete", "miner_id",
			      s->o.miner_id, "round_number", (int)round,
			      "attempts_this_round", (json_int_t)hashes,
			      "best_difficulty", (int)best_zeros,
			      "blocks_found", (int)blocks, "hashrate",
			      (double)(uint64_t)(rate + 0.5), "duration_ms",
			      (json_int_t)(seconds * 1000 + 0.5),
			      "interrupted", MINER_STOPPING());

	if (r && extra && json_object_update(r, extra)) {
		json_decref(r);
		r = NULL;
	}
	json_decref(extra);
	miner_report(s, r, round);
	miner_beat(s, "round %ld %llu %.0f %ld\n", round,
		   (unsigned long long)hashes, rate, blocks);
	cli_rate_text(rate, rate_text, sizeof(rate_text));
	brain_log_write(s->o.cli.log, BRAIN_LOG_INFO,
			"round %ld: %llu hashes in %.2f s (%s), best %u zeros, "
			"%ld blocks%s",
			round, (unsigned long long)hashes, seconds, rate_text,
			best_zeros, blocks,
			MINER_STOPPING() ? " (interrupted)" : "");
	s->hashes_done += hashes;
	miner_totals(s, s->hashes_done, rate);
	if (s->o.cli.verbosity >= 0)
		printf("%sround %ld: %llu hashes in %.2f s (%.2f MH/s), best "
		       "%u zeros, %ld blocks\n",
		       s->status_line ? "\r\033[K" : "", round,
		       (unsigned long long)hashes, seconds, rate / 1e6,
		       best_zeros, blocks);
}

static int run_round(session *s, long round)
{
	round_result r;
	/* --seed: the same headers on every run, so the same blocks */
	uint32_t htime = s->o.seed_given ? SEED_EXAMPLE_TIME + (uint32_t)round
					 : (uint32_t)time(NULL);
	size_t i;
	int rc;

	rc = miner_round(&s->o, (uint32_t)round, s->zeros, s->round_seconds,
			 s->max_attempts ? s->max_attempts : UINT64_MAX, htime,
			 s->status_line || s->o.heartbeat_fd >= 0 || s->http
				 ? miner_status
				 : NULL,
			 s, &r);
	if (rc != 0)
		miner_fail(s, "round_failed", round);
	for (i = 0; i < r.nblocks; i++)
		record_block(s, &r.blocks[i], round);
	miner_round_end(s, round, r.attempts, r.best_zeros, (long)r.nblocks,
			r.seconds, NULL);
	miner_round_free(&r);
	return rc;
}

/* Settings from the command line, else config.json. */
static void settle(session *s)
{
	const json_t *m = json_object_get(brain_get_config(s->b), "mining");

	s->zeros = (unsigned)(s->o.zeros >= 0
				      ? s->o.zeros
				      : json_integer_value(json_object_get(
						m, "default_zeros")));
	s->round_seconds = (double)(s->o.round_seconds > 0
					    ? s->o.round_seconds
					    : json_integer_value(json_object_get(
						      m, "round_duration_seconds")));
	s->max_attempts = (uint64_t)(s->o.max_attempts >= 0
					     ? s->o.max_attempts
					     : json_integer_value(json_object_get(
						       m, "max_attempts_per_round")));
	if (!s->o.seed_given)
		s->o.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	s->status_line = isatty(STDOUT_FILENO) && s->o.cli.verbosity >= 0;
}

static int benchmark(session *s)
{
	uint64_t hashes;
	double secs, mhs;

	if (miner_benchmark(&s->o, &hashes, &secs) != 0) {
		cli_say(&s->o.cli, BRAIN_LOG_ERROR, "benchmark failed");
		return 1;
	}
	mhs = secs > 0 ? (double)hashes / secs / 1e6 : 0;
	if (s->o.json)
		printf("{\"engine\": \"%s\", \"threads\": %d, \"hashes\": %llu, "
		       "\"seconds\": %.3f, \"mhs\": %.3f}\n",
		       brain_engine_name(s->o.engine), s->o.threads,
		       (unsigned long long)hashes, secs, mhs);
	else
		printf("engine %s, %d threads: %llu hashes in %.2f s = %.2f "
		       "MH/s\n",
		       brain_engine_name(s->o.engine), s->o.threads,
		       (unsigned long long)hashes, secs, mhs);
	return 0;
}

int main(int argc, char **argv)
{
	session s = {0};
	long round;
	char cap[48] = "";

	miner_parse(&s.o, argc, argv);
	cli_log_start(&s.o.cli, s.o.miner_id);
	if (miner_signals_start() != 0) {
		cli_say(&s.o.cli, BRAIN_LOG_ERROR, "cannot set up signals");
		return 1;
	}
	if (s.o.benchmark)
		return benchmark(&s); /* writes nothing to the tree */
	if (!(s.b = cli_open(&s.o.cli, COMPONENT)))
		return 2;
	settle(&s);
	miner_beat(&s, "engine %s %d\n", brain_engine_name(s.o.engine),
		   s.o.threads);
	if (miner_http_start(&s) != 0) {
		cli_close(&s.o.cli, s.b);
		return 2;
	}
	if (strcmp(brain_mode(s.b), "demo") && strcmp(brain_mode(s.b), "test")) {
		/* staging and live: pools', else a Bitcoin node's work */
		brain_stratum_pool_t pools[MINER_POOLS_MAX];
		int rc = miner_pools(&s, pools) ? miner_pool_session(&s)
						 : miner_node_session(&s);
		miner_http_stop(&s);
		if (cli_close(&s.o.cli, s.b) && !rc)
			rc = 1;
		return rc;
	}
	if (s.o.npools) {
		cli_say(&s.o.cli, BRAIN_LOG_ERROR,
			"-o: %s mode mines synthetic work; pool mining is for "
			"--staging and --live",
			brain_mode(s.b));
		miner_http_stop(&s);
		cli_close(&s.o.cli, s.b);
		return 2;
	}
	miner_report(&s,
	       json_pack("{s:s, s:s, s:i, s:s, s:s, s:i, s:I, s:I, s:f}",
			 "event", "mining_session_start", "miner_id",
			 s.o.miner_id, "target_zeros", (int)s.zeros, "mode",
			 brain_mode(s.b), "engine",
			 brain_engine_name(s.o.engine), "threads", s.o.threads,
			 "seed", (json_int_t)s.o.seed, "max_attempts_per_round",
			 (json_int_t)s.max_attempts, "round_seconds",
			 s.round_seconds),
	       0);
	if (s.max_attempts)
		snprintf(cap, sizeof(cap), "%llu hashes or ",
			 (unsigned long long)s.max_attempts);
	brain_log_write(s.o.cli.log, BRAIN_LOG_INFO,
			"session start: %s mode, mining into %s (engine %s, %d "
			"thread%s, %u zeros, rounds of %s%.0f s)",
			brain_mode(s.b), brain_base_path(s.b),
			brain_engine_name(s.o.engine), s.o.threads,
			s.o.threads == 1 ? "" : "s", s.zeros, cap,
			s.round_seconds);
	if (s.o.cli.verbosity >= 0)
		printf("%s mode: mining into %s (engine %s, %d threads, %u "
		       "zeros)\n",
		       brain_mode(s.b), brain_base_path(s.b),
		       brain_engine_name(s.o.engine), s.o.threads, s.zeros);
	for (round = 1; !s.o.rounds || round <= s.o.rounds; round++) {
		run_round(&s, round);
		if (MINER_STOPPING() ||
		    (s.o.max_blocks && s.blocks >= s.o.max_blocks))
			break;
	}
	miner_report(&s,
	       json_pack("{s:s, s:s, s:i, s:i, s:b}", "event",
			 "mining_session_end", "miner_id", s.o.miner_id,
			 "rounds", (int)(round > s.o.rounds && s.o.rounds
						 ? s.o.rounds
						 : round),
			 "blocks_found", (int)s.blocks, "stopped_by_signal",
			 MINER_STOPPING()),
	       round);
	brain_log_write(s.o.cli.log, BRAIN_LOG_INFO,
			"session end: %ld rounds, %ld blocks%s",
			round > s.o.rounds && s.o.rounds ? s.o.rounds : round,
			s.blocks, MINER_STOPPING() ? " (stopped by a signal)" : "");
	if (s.o.cli.verbosity >= 0)
		printf("session over: %ld blocks; records in %s\n", s.blocks,
		       brain_base_path(s.b));
	miner_http_stop(&s);
	if (cli_close(&s.o.cli, s.b))
		return 1;
	return s.failures ? 1 : 0;
}
