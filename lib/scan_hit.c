/*
 * lib/scan_hit.c - where every engine's kernel reports a nonce whose hash
 * might matter: the one place that compares whole hashes with the best
 * so far and the target (see lib/sha256.h).  Below the engines and
 * lib/pow.c, which drives them.
 */
#include <string.h>

#include <brainstem/brainstem.h>

#include "error.h"
#include "sha256.h"

static uint32_t bswap32(uint32_t x)
{
	return x >> 24 | (x >> 8 & 0xff00) | (x << 8 & 0xff0000) | x << 24;
}

int brain_hash_meets_target(const uint8_t hash[32], const uint8_t target[32])
{
	int i;

	BRAIN__ARG_OR(0, hash);
	BRAIN__ARG_OR(0, target);
	for (i = 31; i >= 0; i--)
		if (hash[i] != target[i])
			return hash[i] < target[i];
	return 1;
}

void brain__scan_hit(brain__scan_job_t *j, uint32_t nonce,
		     const uint32_t state[8])
{
	brain_scan_t *r = j->result;
	uint32_t top = bswap32(state[7]);
	uint8_t hash[32];
	int i;

	for (i = 0; i < 8; i++) {
		hash[4 * i] = (uint8_t)(state[i] >> 24);
		hash[4 * i + 1] = (uint8_t)(state[i] >> 16);
		hash[4 * i + 2] = (uint8_t)(state[i] >> 8);
		hash[4 * i + 3] = (uint8_t)state[i];
	}
	/* strictly lower: of two equal hashes the first scanned stays */
	if (top <= j->best_top &&
	    !brain_hash_meets_target(r->best_hash, hash)) {
		memcpy(r->best_hash, hash, 32);
		r->best_nonce = nonce;
		j->best_top = top;
	}
	if (top <= j->target_top && brain_hash_meets_target(hash, j->target)) {
		if (r->nmatches < j->max_matches) {
			j->matches[r->nmatches].nonce = nonce;
			memcpy(j->matches[r->nmatches].hash, hash, 32);
		}
		r->nmatches++;
	}
	j->threshold = j->best_top > j->target_top ? j->best_top
						   : j->target_top;
}

void brain__scan_hit_lanes(brain__scan_job_t *j, uint32_t nonce,
			   const uint32_t *words, unsigned lanes)
{
	unsigned k, l;

	for (l = 0; l < lanes; l++) {
		uint32_t s[8];

		/* the threshold may have dropped since the kernel's filter */
		if (bswap32(words[7 * lanes + l]) > j->threshold)
			continue;
		for (k = 0; k < 8; k++)
			s[k] = words[k * lanes + l];
		brain__scan_hit(j, nonce + l, s);
	}
}
