/*
 * bench/hash.c - how fast brain_scan hashes block headers: every engine
 * this machine has, on one thread and on every online CPU, against the
 * targets of the issue (best engine >= 40 MH/s per core, >= 1.9x that on
 * two threads, the portable engine >= 3 MH/s per core).
 *
 * Each thread scans its own share of the nonce space (thread t of n
 * starts at t * 2^32 / n) of one header, in brain_scan calls of 2^18
 * nonces, until SECONDS have passed; the rate is every thread's hashes
 * over the wall time from the common start to the last thread's end.
 * The target is zero, so nothing matches and only hashing is measured.
 * Total run time: about 2 * SECONDS per engine (24 s with four engines).
 *
 *   build/bench/hash [seconds]        default: 3
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "bench.h"

#define CHUNK (1u << 18)

typedef struct run {
	brain_engine_t engine;
	brain_header_t header;
	double seconds;
	int nthreads;
	pthread_barrier_t start;
	double t0;
} run_t;

typedef struct worker {
	run_t *run;
	int index;
	uint64_t hashes;
	int failed;
} worker_t;

static void *scan_thread(void *arg)
{
	worker_t *w = arg;
	run_t *r = w->run;
	uint8_t target[32] = {0}; /* nothing but a zero hash meets it */
	uint32_t nonce = (uint32_t)(((uint64_t)w->index << 32) /
				    (uint64_t)r->nthreads);

	if (pthread_barrier_wait(&r->start) == PTHREAD_BARRIER_SERIAL_THREAD)
		r->t0 = now_s();
	pthread_barrier_wait(&r->start); /* t0 is set */
	do {
		brain_scan_t s;
		if (brain_scan(r->engine, &r->header, nonce, CHUNK, target,
			       NULL, 0, NULL, &s) != 0) {
			w->failed = 1;
			break;
		}
		w->hashes += s.hashes;
		nonce += CHUNK;
	} while (now_s() - r->t0 < r->seconds);
	return NULL;
}

/* MH/s of engine e on nthreads threads, or a negative value on failure. */
static double measure(brain_engine_t e, int nthreads, double seconds)
{
	run_t r;
	worker_t *w = calloc((size_t)nthreads, sizeof(*w));
	pthread_t *tid = calloc((size_t)nthreads, sizeof(*tid));
	uint64_t total = 0;
	double mhs = -1;
	int i, started = 0, failed = 0;

	if (!w || !tid)
		goto out;
	memset(&r, 0, sizeof(r));
	r.engine = e;
	r.seconds = seconds;
	r.nthreads = nthreads;
	/* a fixed header; only its nonce changes */
	r.header.version = 0x2a000000u;
	memset(r.header.prev_hash, 0x5a, 32);
	memset(r.header.merkle_root, 0xa5, 32);
	r.header.time = 1713571767u;
	r.header.bits = 0x17034219u;
	if (pthread_barrier_init(&r.start, NULL, (unsigned)nthreads) != 0)
		goto out;
	for (i = 0; i < nthreads; i++) {
		w[i].run = &r;
		w[i].index = i;
		if (pthread_create(&tid[i], NULL, scan_thread, &w[i]) != 0)
			break;
		started++;
	}
	if (started < nthreads) {
		/* the barrier would never open; no way to unblock it */
		fprintf(stderr, "hash bench: cannot start %d threads\n",
			nthreads);
		exit(1);
	}
	for (i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		total += w[i].hashes;
		failed |= w[i].failed;
	}
	if (!failed)
		mhs = (double)total / (now_s() - r.t0) / 1e6;
	pthread_barrier_destroy(&r.start);
out:
	free(w);
	free(tid);
	return mhs;
}

int main(int argc, char **argv)
{
	static const brain_engine_t all[] = {
		BRAIN_ENGINE_GENERIC, BRAIN_ENGINE_SHANI, BRAIN_ENGINE_AVX2,
		BRAIN_ENGINE_AVX512};
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double one[4] = {0}, many[4] = {0}, best = 0, generic = 0;
	double best_ratio = 0;
	brain_engine_t best_e = BRAIN_ENGINE_GENERIC;
	size_t i;

	if (seconds <= 0 || seconds > 60) {
		fprintf(stderr, "usage: %s [seconds per measurement, "
				"0-60]\n",
			argv[0]);
		return 2;
	}
	if (ncpu < 1)
		ncpu = 1;
	printf("brain_scan, %.1f s per measurement, %ld online CPU%s, "
	       "auto = %s\n\n",
	       seconds, ncpu, ncpu == 1 ? "" : "s",
	       brain_engine_name(brain_engine_best()));
	printf("%-8s %12s %12s %8s\n", "engine", "1 thread", "", "ratio");
	printf("%-8s %12s %9ld thr %8s\n", "", "MH/s", ncpu, "");
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!brain_engine_available(all[i]))
			continue;
		one[i] = measure(all[i], 1, seconds);
		many[i] = ncpu > 1 ? measure(all[i], (int)ncpu, seconds)
				   : one[i];
		if (one[i] < 0 || many[i] < 0) {
			fprintf(stderr, "hash bench: %s: %s\n",
				brain_engine_name(all[i]), brain_errmsg(NULL));
			return 1;
		}
		printf("%-8s %12.2f %12.2f %7.2fx\n", brain_engine_name(all[i]),
		       one[i], many[i], one[i] > 0 ? many[i] / one[i] : 0);
		fflush(stdout);
		if (one[i] > best) {
			best = one[i];
			best_e = all[i];
			best_ratio = many[i] / one[i];
		}
		if (all[i] == BRAIN_ENGINE_GENERIC)
			generic = one[i];
	}
	printf("\ntargets: best engine >= 40 MH/s per core: %s (%s, %.2f); "
	       ">= 1.9x at 2 threads: %s (%.2fx%s); generic >= 3 MH/s: "
	       "%s (%.2f)\n",
	       best >= 40 ? "met" : "NOT met", brain_engine_name(best_e),
	       best,
	       ncpu < 2 ? "NOT measurable"
			: best_ratio >= 1.9 ? "met"
					    : "NOT met",
	       best_ratio, ncpu == 2 ? "" : ncpu < 2 ? ", one CPU" : ", all CPUs",
	       generic >= 3 ? "met" : "NOT met", generic);
	return 0;
}
