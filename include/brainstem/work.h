/*
 * brainstem/work.h - where candidate blocks come from.
 *
 * A work unit is a block header to scan and the target its hash must meet.
 * The synthetic source builds one locally - a coinbase naming the miner,
 * its merkle root, a previous hash - so demo and test mining do real
 * double-SHA-256 work with no node.  With the same seed, miner id, round
 * and extranonce it builds the same header, so test runs are repeatable.
 */
#ifndef BRAINSTEM_WORK_H
#define BRAINSTEM_WORK_H

#include <stdint.h>
#include <brainstem/common.h>
#include <brainstem/pow.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct brain_work {
	brain_header_t header; /* nonce 0; scanners vary it */
	uint8_t target[32];    /* internal byte order, like hashes */
	uint64_t extranonce;   /* what makes this unit's merkle root unique */
	unsigned zeros;        /* the hex zeros the target asks for */
} brain_work_t;

/*
 * brain_work_synthetic - a locally built candidate block.
 *
 * seed:       the session's seed (a test fixes it; else anything)
 * miner_id:   written into the coinbase, so two miners never build the
 *             same header (their nonce spaces are disjoint)
 * round:      the round number (part of the previous-block hash)
 * extranonce: distinguishes units of one miner and round (e.g. thread
 *             index + threads * k); each unit has 2^32 nonces
 * zeros:      target 2^(256 - 4 * zeros) - 1; the header's bits hold the
 *             nearest compact form
 * time:       the header's time field
 * out:        receives the unit.
 *
 * Returns 0, or BRAIN_EINVAL (zeros over 64, miner_id NULL or longer
 * than 64 bytes).  Thread-safe.
 */
BRAIN_EXTERN(int)
brain_work_synthetic(uint64_t seed, const char *miner_id, uint32_t round,
		     uint64_t extranonce, unsigned zeros, uint32_t time,
		     brain_work_t *out) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
