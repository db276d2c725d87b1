/*
 * bin/miner/round.c - one mining round: N threads scan synthetic work
 * units until the round's attempts, its time or a stop request run out.
 *
 * Each thread owns its units (extranonce = thread + threads * k), so no
 * two threads hash the same header; the miner id in the coinbase keeps
 * miners apart the same way.  The main thread sleeps on a condition
 * variable and is woken by the scanners (budget spent), the signal thread
 * (stop) or its once-a-second status deadline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "miner.h"

#define CHUNK (1u << 20) /* nonces per scan call: ~10 ms at worst */
#define MAX_MATCHES 64

volatile int miner_stop_requested;

typedef struct round_ctx {
	const miner_opts *o;
	uint32_t round;
	unsigned zeros;
	uint32_t header_time;
	uint64_t max_attempts;
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	volatile int stop;
	uint64_t hashes; /* under mu */
	int running;     /* scanners still going, under mu */
	round_result *res;
	int error;
} round_ctx;

static pthread_mutex_t signal_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t *signal_cv;  /* the round waiting, if any */
static brain_stratum_t *signal_pool; /* the pool client polling, if any */

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		pthread_mutex_lock(&signal_mu);
		flag_raise(&miner_stop_requested);
		if (signal_cv)
			pthread_cond_broadcast(signal_cv);
		if (signal_pool)
			brain_stratum_wake(signal_pool);
		pthread_mutex_unlock(&signal_mu);
	}
	return NULL;
}

void miner_signal_wake(pthread_cond_t *cv, brain_stratum_t *pool)
{
	pthread_mutex_lock(&signal_mu);
	signal_cv = cv;
	signal_pool = pool;
	pthread_mutex_unlock(&signal_mu);
}

int miner_signals_start(void)
{
	static sigset_t set;
	pthread_t t;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    pthread_create(&t, NULL, signal_thread, &set) != 0)
		return -1;
	pthread_detach(t);
	return 0;
}

void miner_keep_best(unsigned *best_zeros, uint8_t best_hash[32], int first,
		     const brain_scan_t *s)
{
	unsigned z = brain_hash_leading_zeros(s->best_hash);

	if (s->hashes && (first || z > *best_zeros ||
			  (z == *best_zeros &&
			   memcmp(s->best_hash, best_hash, 32) < 0))) {
		*best_zeros = z;
		memcpy(best_hash, s->best_hash, 32);
	}
}

double miner_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void miner_deadline_in(struct timespec *ts, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)seconds;
	ts->tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void miner_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

static void record_block(round_ctx *c, const brain_work_t *w,
			 const brain_match_t *m)
{
	round_result *r = c->res;
	miner_block *nb = realloc(r->blocks, (r->nblocks + 1) * sizeof(*nb));

	if (!nb) {
		c->error = 1;
		return;
	}
	r->blocks = nb;
	nb[r->nblocks].work = *w;
	nb[r->nblocks].nonce = m->nonce;
	memcpy(nb[r->nblocks].hash, m->hash, 32);
	r->nblocks++;
}

/* Folds one scan call's outcome into the round, under the lock. */
static void merge(round_ctx *c, const brain_work_t *w,
		  const brain_scan_t *s, const brain_match_t *m)
{
	round_result *r = c->res;
	size_t i;

	pthread_mutex_lock(&c->mu);
	c->hashes += s->hashes;
	miner_keep_best(&r->best_zeros, r->best_hash, r->attempts == 0, s);
	r->attempts = c->hashes;
	for (i = 0; i < s->nmatches && i < MAX_MATCHES; i++)
		record_block(c, w, &m[i]);
	if (c->hashes >= c->max_attempts) {
		flag_raise(&c->stop);
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

/* How many nonces a scanner takes next: its share of what is left of the
 * round's budget, at most CHUNK. */
static uint64_t next_share(round_ctx *c)
{
	uint64_t left, share;

	pthread_mutex_lock(&c->mu);
	left = c->max_attempts > c->hashes ? c->max_attempts - c->hashes : 0;
	pthread_mutex_unlock(&c->mu);
	/* left / nthreads rounded up, without overflow when the budget is
	 * unlimited (UINT64_MAX) */
	share = left / (uint64_t)c->nthreads +
		(left % (uint64_t)c->nthreads != 0);
	return share < CHUNK ? share : CHUNK;
}

typedef struct worker_arg {
	round_ctx *c;
	int index;
} worker_arg;

static void *worker(void *arg)
{
	worker_arg *a = arg;
	round_ctx *c = a->c;
	brain_match_t matches[MAX_MATCHES];
	uint64_t k;

	for (k = 0; !flag_is_set(&c->stop) && !MINER_STOPPING(); k++) {
		brain_work_t w;
		uint64_t next = 0;
		if (brain_work_synthetic(c->o->seed, c->o->miner_id, c->round,
					 (uint64_t)a->index +
						 (uint64_t)c->nthreads * k,
					 c->zeros, c->header_time, &w) != 0) {
			c->error = 1;
			break;
		}
		while (next < (1ull << 32) && !flag_is_set(&c->stop) &&
		       !MINER_STOPPING()) {
			brain_scan_t s;
			uint64_t n = next_share(c);
			if (n == 0) {
				flag_raise(&c->stop); /* the budget is spent */
				break;
			}
			if (n > (1ull << 32) - next)
				n = (1ull << 32) - next;
			if (brain_scan(c->o->engine, &w.header, (uint32_t)next,
				       n, w.target, matches, MAX_MATCHES,
				       &c->stop, &s) != 0) {
				c->error = 1;
				break;
			}
			merge(c, &w, &s, matches);
			next += n;
		}
	}
	pthread_mutex_lock(&c->mu);
	c->running--;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int miner_round(const miner_opts *o, uint32_t round, unsigned zeros,
		double seconds, uint64_t max_attempts, uint32_t header_time,
		void (*status)(uint64_t hashes, double seconds, void *ctx),
		void *ctx, round_result *out)
{
	round_ctx c = {.o = o, .round = round, .zeros = zeros,
		       .header_time = header_time,
		       .max_attempts = max_attempts, .nthreads = o->threads,
		       .res = out};
	pthread_t *tids = calloc((size_t)o->threads, sizeof(*tids));
	worker_arg *args = calloc((size_t)o->threads, sizeof(*args));
	double t0 = miner_now(), end = t0 + seconds;
	int i, started = 0;

	memset(out, 0, sizeof(*out));
	if (!tids || !args) {
		free(tids);
		free(args);
		return -1;
	}
	pthread_mutex_init(&c.mu, NULL);
	miner_cond_init(&c.cv);
	miner_signal_wake(&c.cv, NULL);
	/* counted before they start: a worker may finish (and count
	 * itself out) before the next one is created */
	c.running = o->threads;
	for (i = 0; i < o->threads; i++) {
		args[i].c = &c;
		args[i].index = i;
		if (pthread_create(&tids[i], NULL, worker, &args[i]) != 0)
			break;
		started++;
	}
	pthread_mutex_lock(&c.mu);
	c.running -= o->threads - started; /* those never started */
	while (c.running > 0) {
		struct timespec ts;
		double now = miner_now(), wait = end - now;
		if (MINER_STOPPING() || wait <= 0 || started < o->threads)
			flag_raise(&c.stop);
		if (flag_is_set(&c.stop)) {
			pthread_cond_wait(&c.cv, &c.mu);
			continue;
		}
		miner_deadline_in(&ts, wait < 1.0 ? wait : 1.0);
		if (pthread_cond_timedwait(&c.cv, &c.mu, &ts) == ETIMEDOUT &&
		    status) {
			uint64_t h = c.hashes;
			pthread_mutex_unlock(&c.mu);
			status(h, miner_now() - t0, ctx);
			pthread_mutex_lock(&c.mu);
		}
	}
	pthread_mutex_unlock(&c.mu);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	miner_signal_wake(NULL, NULL);
	out->seconds = miner_now() - t0;
	out->interrupted = MINER_STOPPING();
	pthread_cond_destroy(&c.cv);
	pthread_mutex_destroy(&c.mu);
	free(tids);
	free(args);
	return c.error || started < o->threads ? -1 : 0;
}

void miner_round_free(round_result *r)
{
	free(r->blocks);
	r->blocks = NULL;
	r->nblocks = 0;
}

int miner_benchmark(const miner_opts *o, uint64_t *hashes, double *seconds)
{
	round_result r;
	int rc;

	/* an unreachable target: nothing but hashing */
	rc = miner_round(o, 0, 64, o->bench_seconds, UINT64_MAX,
			 (uint32_t)time(NULL), NULL, NULL, &r);
	*hashes = r.attempts;
	*seconds = r.seconds;
	miner_round_free(&r);
	return rc;
}

/* ---- the crew of a node or pool session --------------------------------- */

typedef struct crew_arg {
	miner_crew *c;
	int index;
} crew_arg;

int miner_crew_init(miner_crew *c, int n, miner_scan_fn scan, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->nthreads = n;
	c->scan = scan;
	c->ctx = ctx;
	c->tids = calloc((size_t)n, sizeof(*c->tids));
	c->args = calloc((size_t)n, sizeof(*c->args));
	c->slots = calloc((size_t)n, sizeof(*c->slots));
	if (!c->tids || !c->args || !c->slots) {
		free(c->tids);
		free(c->args);
		free(c->slots);
		return -1;
	}
	pthread_mutex_init(&c->mu, NULL);
	miner_cond_init(&c->cv);
	return 0;
}

void miner_crew_destroy(miner_crew *c)
{
	miner_crew_publish(c, NULL, NULL, 0);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->tids);
	free(c->args);
	free(c->slots);
}

void miner_job_release(miner_job *j)
{
	if (j && --j->refs == 0) {
		if (j->free_work)
			j->free_work(j->work);
		free(j);
	}
}

void miner_crew_count(miner_crew *c, const brain_scan_t *r)
{
	miner_keep_best(&c->best_zeros, c->best_hash, c->hashes == 0, r);
	c->hashes += r->hashes;
}

void miner_crew_take(miner_crew *c, uint64_t *hashes, unsigned *best_zeros)
{
	pthread_mutex_lock(&c->mu);
	*hashes = c->hashes;
	*best_zeros = c->best_zeros;
	c->hashes = 0;
	c->best_zeros = 0;
	memset(c->best_hash, 0xff, 32);
	pthread_mutex_unlock(&c->mu);
}

uint64_t miner_crew_hashes(miner_crew *c)
{
	uint64_t hashes;

	pthread_mutex_lock(&c->mu);
	hashes = c->hashes;
	pthread_mutex_unlock(&c->mu);
	return hashes;
}

void miner_crew_publish(miner_crew *c, void *work, void (*free_work)(void *),
			uint64_t seq)
{
	miner_job *j = NULL, *old;

	if (work && !(j = calloc(1, sizeof(*j)))) {
		free_work(work); /* no job: the scanners wait for the next */
		work = NULL;
	}
	if (j) {
		j->work = work;
		j->free_work = free_work;
		j->seq = seq;
		j->published = miner_now();
		j->refs = 1; /* the crew's, while current */
	}
	pthread_mutex_lock(&c->mu);
	old = c->cur;
	c->cur = j;
	if (old) {
		flag_raise(&old->stale);
		miner_job_release(old);
	}
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static void *crew_worker(void *arg)
{
	crew_arg *a = arg;
	miner_crew *c = a->c;
	miner_slot *slot = &c->slots[a->index];

	pthread_mutex_lock(&c->mu);
	for (;;) {
		miner_job *j;
		while (!c->quit && (!c->cur || flag_is_set(&c->cur->stale)))
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->quit)
			break;
		j = c->cur;
		j->refs++;
		if (slot->seq != j->seq) {
			slot->seq = j->seq;
			slot->k = 0;
		}
		pthread_mutex_unlock(&c->mu);
		c->scan(c, a->index, &slot->k, j);
		pthread_mutex_lock(&c->mu);
		miner_job_release(j);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int miner_crew_start(miner_crew *c)
{
	int i;

	c->hashes = 0;
	c->best_zeros = 0;
	memset(c->best_hash, 0xff, 32);
	c->quit = 0;
	c->started = 0;
	for (i = 0; i < c->nthreads; i++) {
		c->args[i].c = c;
		c->args[i].index = i;
		if (pthread_create(&c->tids[i], NULL, crew_worker,
				   &c->args[i]) != 0)
			break;
		c->started++;
	}
	if (c->started < c->nthreads)
		fprintf(stderr, "brainstem-miner: could not start %d scanning "
				"threads\n", c->nthreads);
	return c->started;
}

void miner_crew_stop(miner_crew *c)
{
	int i;

	pthread_mutex_lock(&c->mu);
	c->quit = 1;
	if (c->cur)
		flag_raise(&c->cur->stale);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	for (i = 0; i < c->started; i++)
		pthread_join(c->tids[i], NULL);
	c->started = 0;
}

/* The programs' one formatter (bin/cli.c), under the miner's old name. */
void miner_rate_text(double rate, char *out, size_t size)
{
	cli_rate_text(rate, out, size);
}
