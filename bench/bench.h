/*
 * bench/bench.h - what every benchmark measures with: a monotonic clock
 * and this process's peak resident size.
 */
#ifndef BRAIN_BENCH_H
#define BRAIN_BENCH_H

#include <sys/resource.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* This process's peak resident set, in KiB. */
static inline long peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#endif
