/*
 * brainstem/pow.h - Bitcoin proof of work: the 80-byte block header, its
 * double SHA-256, targets, and scanning nonces with the fastest engine the
 * CPU has.
 *
 * Byte order: hashes and targets are kept as SHA-256 produces them
 * ("internal order", the number's least significant byte first), and shown
 * byte-reversed, as block explorers show them.
 *
 * Threads: every function here is safe from any thread; brain_scan uses
 * only its arguments.
 */
#ifndef BRAINSTEM_POW_H
#define BRAINSTEM_POW_H

#include <stddef.h>
#include <stdint.h>
#include <brainstem/common.h>

#define BRAIN_HEADER_SIZE 80

typedef struct brain_header {
	uint32_t version;
	uint8_t prev_hash[32];   /* as serialised (internal order) */
	uint8_t merkle_root[32]; /* as serialised */
	uint32_t time, bits, nonce;
} brain_header_t;

/* The 80 serialised bytes (little-endian integers). */
BRAIN_EXTERN(void)
brain_header_serialize(const brain_header_t *h, uint8_t out[80]);
BRAIN_EXTERN(void) brain_header_parse(const uint8_t in[80], brain_header_t *h);

/* 160 hex digits <-> header.  Returns 0 or BRAIN_EINVAL. */
BRAIN_EXTERN(int)
brain_header_from_hex(const char *hex160, brain_header_t *h) BRAIN_WARN_UNUSED;
BRAIN_EXTERN(void) brain_header_to_hex(const brain_header_t *h, char out[161]);

/* SHA-256 and double SHA-256 (portable code). */
BRAIN_EXTERN(void) brain_sha256(const void *data, size_t len, uint8_t out[32]);
BRAIN_EXTERN(void) brain_sha256d(const void *data, size_t len, uint8_t out[32]);

/* The header's hash: double SHA-256 of its 80 bytes, internal order. */
BRAIN_EXTERN(void) brain_header_hash(const brain_header_t *h, uint8_t hash[32]);

/* Hash <-> the usual byte-reversed hex.  from_hex: 0 or BRAIN_EINVAL. */
BRAIN_EXTERN(void) brain_hash_to_hex(const uint8_t hash[32], char out[65]);
BRAIN_EXTERN(int)
brain_hash_from_hex(const char *hex64, uint8_t hash[32]) BRAIN_WARN_UNUSED;

/* Compact bits <-> 256-bit target.  to_target: 0, or BRAIN_EINVAL for a
 * negative or overflowing compact value. */
BRAIN_EXTERN(int)
brain_bits_to_target(uint32_t bits, uint8_t target[32]) BRAIN_WARN_UNUSED;
BRAIN_EXTERN(uint32_t) brain_target_to_bits(const uint8_t target[32]);

/* Target 2^(256 - 4 * zeros) - 1: a hash meets it when its shown hex
 * starts with `zeros` zeros.  zeros is 0..64. */
BRAIN_EXTERN(void) brain_zeros_to_target(unsigned zeros, uint8_t target[32]);

/* Leading hex zeros of the shown hash. */
BRAIN_EXTERN(unsigned) brain_hash_leading_zeros(const uint8_t hash[32]);

/* 1 when hash <= target as 256-bit numbers. */
BRAIN_EXTERN(int)
brain_hash_meets_target(const uint8_t hash[32], const uint8_t target[32]);

/* Difficulty: the difficulty-1 target (bits 0x1d00ffff) over target. */
BRAIN_EXTERN(double) brain_target_difficulty(const uint8_t target[32]);

typedef enum brain_engine {
	BRAIN_ENGINE_AUTO = 0,
	BRAIN_ENGINE_GENERIC,
	BRAIN_ENGINE_SHANI,
	BRAIN_ENGINE_AVX2,
	BRAIN_ENGINE_AVX512,
} brain_engine_t;

/* "auto", "generic", "shani", "avx2", "avx512". */
BRAIN_EXTERN(const char *) brain_engine_name(brain_engine_t e);
/* Returns 0 or BRAIN_EINVAL for an unknown name. */
BRAIN_EXTERN(int)
brain_engine_from_name(const char *name, brain_engine_t *out) BRAIN_WARN_UNUSED;
/* 1 when this CPU and build can run e (generic always). */
BRAIN_EXTERN(int) brain_engine_available(brain_engine_t e);
/* The fastest available engine. */
BRAIN_EXTERN(brain_engine_t) brain_engine_best(void);

typedef struct brain_match {
	uint32_t nonce;
	uint8_t hash[32];
} brain_match_t;

typedef struct brain_scan {
	uint64_t hashes;       /* nonces tried */
	uint8_t best_hash[32]; /* the lowest hash seen */
	uint32_t best_nonce;
	size_t nmatches;       /* matches found, even past max_matches */
} brain_scan_t;

/*
 * brain_scan - hash nonces [nonce_start, nonce_start + count) of h (its
 * own nonce is ignored) with engine e.  Every hash <= target is a match;
 * the first max_matches are stored in matches.  The first 64 bytes of the
 * header are hashed once per call (midstate).  When *stop becomes
 * non-zero the scan returns early with what it did (stop may be NULL).
 *
 * Returns 0, or BRAIN_EINVAL (engine unavailable, count over 2^32).
 */
BRAIN_EXTERN(int)
brain_scan(brain_engine_t e, const brain_header_t *h, uint32_t nonce_start,
	   uint64_t count, const uint8_t target[32], brain_match_t *matches,
	   size_t max_matches, volatile int *stop,
	   brain_scan_t *result) BRAIN_WARN_UNUSED;

#endif
