/*
 * brainstem/pow.h - Bitcoin proof of work: the 80-byte block header, its
 * double SHA-256, targets and compact bits, and scanning nonces with the
 * fastest engine the CPU has.
 *
 * Byte order: hashes and targets are 256-bit numbers kept as SHA-256
 * writes them ("internal order": the number's least significant byte
 * first, as they sit in a serialised header), and shown byte-reversed,
 * as block explorers show them.  "Leading zeros" are hex zeros of that
 * shown form.
 *
 * Engines: portable C ("generic": four nonces at a time in GNU C vector
 * types, which compile to the target's baseline SIMD or to plain code;
 * no CPU feature assumed), x86 SHA extensions ("shani", four
 * nonces interleaved), AVX2 (8 nonces per instruction) and AVX-512 (16).
 * CPU features are detected once, on first use; BRAIN_ENGINE_AUTO is the
 * fastest this machine has.  Every engine gives bit-identical scan
 * results.
 *
 * Threads: every function here is safe to call from any thread at any
 * time.  Nothing here keeps state between calls except the CPU-feature
 * answer, computed once under pthread_once.  Failures also leave a
 * one-line message in brain_errmsg(NULL) (the calling thread's).
 * Arguments: a NULL pointer argument (data with len > 0) is refused as
 * errors.h says: the int functions return BRAIN_EINVAL, the void ones do
 * nothing, brain_target_to_bits, brain_hash_leading_zeros,
 * brain_hash_meets_target and brain_target_difficulty return 0.
 * Ownership: every pointer argument is borrowed for the call only;
 * nothing is allocated.
 */
#ifndef BRAINSTEM_POW_H
#define BRAINSTEM_POW_H

#include <stddef.h>
#include <stdint.h>
#include <brainstem/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BRAIN_HEADER_SIZE 80

/* A block header, field by field.  Serialised, integers are
 * little-endian and the hashes are copied as they are. */
typedef struct brain_header {
	uint32_t version;
	uint8_t prev_hash[32];   /* as serialised (internal order) */
	uint8_t merkle_root[32]; /* as serialised */
	uint32_t time, bits, nonce;
} brain_header_t;

/*
 * brain_header_serialize - the 80 bytes that are hashed and sent.
 *
 * h: the header (not NULL).  out: receives exactly 80 bytes.
 */
BRAIN_EXTERN(void)
brain_header_serialize(const brain_header_t *h, uint8_t out[80]);

/*
 * brain_header_parse - the inverse of brain_header_serialize.
 *
 * in: 80 bytes.  h: receives every field (not NULL).
 */
BRAIN_EXTERN(void) brain_header_parse(const uint8_t in[80], brain_header_t *h);

/*
 * brain_header_from_hex - parse a header written as 160 hex digits (the
 * serialised bytes in order, upper or lower case), as getblockheader
 * with verbose=false prints it.
 *
 * hex160: a NUL-terminated string of exactly 160 hex digits.
 * h: receives the header; untouched on failure.
 * Returns 0, or BRAIN_EINVAL (NULL, wrong length, a non-hex character;
 * brain_errmsg(NULL) says which).
 */
BRAIN_EXTERN(int)
brain_header_from_hex(const char *hex160, brain_header_t *h) BRAIN_WARN_UNUSED;

/*
 * brain_header_to_hex - the serialised header as 160 lower-case hex
 * digits and a NUL, into out (161 bytes).
 */
BRAIN_EXTERN(void) brain_header_to_hex(const brain_header_t *h, char out[161]);

/*
 * brain_sha256 - SHA-256 (FIPS 180-4) of len bytes, portable code.
 * brain_sha256d - SHA-256 of that SHA-256, Bitcoin's hash.
 *
 * data: len bytes; may be NULL when len is 0.  out: 32 bytes, as the
 * standard writes the digest (which is Bitcoin's internal order).
 */
BRAIN_EXTERN(void) brain_sha256(const void *data, size_t len, uint8_t out[32]);
BRAIN_EXTERN(void) brain_sha256d(const void *data, size_t len, uint8_t out[32]);

/*
 * brain_header_hash - the block hash: double SHA-256 of the 80 serialised
 * bytes, in internal order (brain_hash_to_hex shows it).
 */
BRAIN_EXTERN(void) brain_header_hash(const brain_header_t *h, uint8_t hash[32]);

/*
 * brain_hash_to_hex - a hash or target as block explorers show it: 64
 * lower-case hex digits, most significant byte first, and a NUL.
 */
BRAIN_EXTERN(void) brain_hash_to_hex(const uint8_t hash[32], char out[65]);

/*
 * brain_hash_from_hex - the inverse of brain_hash_to_hex.
 *
 * hex64: exactly 64 hex digits, most significant first.
 * hash: receives 32 bytes in internal order; untouched on failure.
 * Returns 0, or BRAIN_EINVAL (NULL, wrong length, a non-hex character).
 */
BRAIN_EXTERN(int)
brain_hash_from_hex(const char *hex64, uint8_t hash[32]) BRAIN_WARN_UNUSED;

/*
 * brain_bits_to_target - expand a header's compact "bits" into its
 * 256-bit target, exactly as Bitcoin Core's SetCompact: mantissa
 * bits & 0x7fffff times 256^(exponent - 3), exponent = bits >> 24.
 *
 * target: receives 32 bytes, internal order (all zero on failure).
 * Returns 0, or BRAIN_EINVAL when the value would be negative (sign bit
 * 0x00800000 with a non-zero mantissa) or does not fit in 256 bits.
 * A zero target is valid here (nothing but a zero hash meets it);
 * chain rules such as the proof-of-work limit are the caller's.
 */
BRAIN_EXTERN(int)
brain_bits_to_target(uint32_t bits, uint8_t target[32]) BRAIN_WARN_UNUSED;

/*
 * brain_target_to_bits - the compact form of a target (Bitcoin Core's
 * GetCompact): the top three significant bytes, shifted down one byte
 * when the top bit would read as a sign.  Precision below those bytes is
 * dropped, so bits -> target -> bits is exact but target -> bits ->
 * target rounds down.  A zero target gives 0.
 */
BRAIN_EXTERN(uint32_t) brain_target_to_bits(const uint8_t target[32]);

/*
 * brain_zeros_to_target - the target 2^(256 - 4 * zeros) - 1: a hash
 * meets it exactly when its shown hex starts with at least `zeros` zeros.
 *
 * zeros: 0..64; larger values count as 64 (target zero).
 */
BRAIN_EXTERN(void) brain_zeros_to_target(unsigned zeros, uint8_t target[32]);

/*
 * brain_hash_leading_zeros - leading hex zeros of the shown hash, 0..64.
 */
BRAIN_EXTERN(unsigned) brain_hash_leading_zeros(const uint8_t hash[32]);

/*
 * brain_hash_meets_target - 1 when hash <= target as 256-bit numbers
 * (both internal order), else 0.  This is the proof-of-work test.
 */
BRAIN_EXTERN(int)
brain_hash_meets_target(const uint8_t hash[32], const uint8_t target[32]);

/*
 * brain_target_difficulty - the difficulty of a target: the
 * difficulty-1 target (bits 0x1d00ffff, 0xffff * 2^208) divided by it,
 * as a double (so 1.0 for 0x1d00ffff).  A zero target gives INFINITY.
 * Also works on a hash: the difficulty that hash would have met.
 */
BRAIN_EXTERN(double) brain_target_difficulty(const uint8_t target[32]);

typedef enum brain_engine {
	BRAIN_ENGINE_AUTO = 0, /* the fastest available: brain_engine_best */
	BRAIN_ENGINE_GENERIC,  /* portable C; always available */
	BRAIN_ENGINE_SHANI,    /* x86 SHA extensions */
	BRAIN_ENGINE_AVX2,     /* 8 nonces per instruction */
	BRAIN_ENGINE_AVX512,   /* 16 nonces per instruction (F and BW) */
} brain_engine_t;

/*
 * brain_engine_name - "auto", "generic", "shani", "avx2" or "avx512";
 * "unknown" for a value outside the enum.
 *
 * Ownership: a static string; never free it.
 */
BRAIN_EXTERN(const char *) brain_engine_name(brain_engine_t e);

/*
 * brain_engine_from_name - the engine called name (one of the names
 * above, exactly, "auto" included), into *out.
 *
 * Returns 0, or BRAIN_EINVAL for NULL or an unknown name (*out is then
 * untouched).  A known name is accepted even if this CPU lacks the
 * engine; ask brain_engine_available.
 */
BRAIN_EXTERN(int)
brain_engine_from_name(const char *name, brain_engine_t *out) BRAIN_WARN_UNUSED;

/*
 * brain_engine_available - 1 when this CPU (and operating system, for
 * the wide registers) can run e, else 0.  Generic and auto always are.
 * The first call asks CPUID; the answer is kept for the process.
 */
BRAIN_EXTERN(int) brain_engine_available(brain_engine_t e);

/*
 * brain_engine_best - the fastest available engine, never AUTO: on first
 * use each available engine scans about 100,000 nonces on the calling
 * thread (a few milliseconds) and the fastest is kept for the process.
 * The order differs by chip: AVX-512 leads on Intel Sapphire Rapids,
 * SHA-NI on AMD Zen.  Thread-safe (pthread_once).
 */
BRAIN_EXTERN(brain_engine_t) brain_engine_best(void);

/* A nonce whose hash met the target, and that hash (internal order). */
typedef struct brain_match {
	uint32_t nonce;
	uint8_t hash[32];
} brain_match_t;

/* What a scan did. */
typedef struct brain_scan {
	uint64_t hashes;       /* nonces hashed */
	uint8_t best_hash[32]; /* the lowest hash seen, as a number; all
				  0xff when nothing was hashed */
	uint32_t best_nonce;   /* its nonce (the first, on a tie); nonce_start
				  when nothing was hashed */
	size_t nmatches;       /* every match found, even past max_matches */
} brain_scan_t;

/*
 * brain_scan - hash the nonces nonce_start, nonce_start + 1, ... (count
 * of them, wrapping past 2^32 - 1 to 0) of header h, whose own nonce is
 * ignored, and report every hash <= target and the lowest hash.
 *
 * e: the engine; BRAIN_ENGINE_AUTO for the best.
 * h: the header (copied; the first 64 bytes are hashed once per call).
 * count: 0..2^32 (the whole nonce space).
 * target: 32 bytes, internal order (brain_bits_to_target,
 *   brain_zeros_to_target).
 * matches, max_matches: room for the first max_matches matches, in scan
 *   order; later ones are only counted in result->nmatches.  matches may
 *   be NULL when max_matches is 0.
 * stop: NULL, or a flag read before every 65,536 nonces; once non-zero
 *   the scan returns 0 with what it did so far (result->hashes says how
 *   far it got: a multiple of 65,536).  It is read with a relaxed atomic
 *   load: set it from another thread with an atomic store
 *   (__atomic_store_n, or C11 atomic_store on an int) or from a signal
 *   handler, to end a long scan.
 * result: always filled (zeroed on failure).
 *
 * Every engine returns the same matches, the same best hash and best
 * nonce.  Returns 0, or BRAIN_EINVAL (e unknown or not available on this
 * CPU, count over 2^32, matches NULL with max_matches > 0).
 * Threads: uses only its arguments; run one per thread on disjoint nonce
 * ranges to use every core.
 */
BRAIN_EXTERN(int)
brain_scan(brain_engine_t e, const brain_header_t *h, uint32_t nonce_start,
	   uint64_t count, const uint8_t target[32], brain_match_t *matches,
	   size_t max_matches, volatile int *stop,
	   brain_scan_t *result) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
