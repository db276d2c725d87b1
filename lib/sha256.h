/*
 * lib/sha256.h - SHA-256 inside the library: the portable compression
 * function, and the nonce scan shared by pow.c and the engines
 * (sha256_generic.c, sha256_shani.c, sha256_avx2.c, sha256_avx512.c).
 *
 * How a scan is split.  pow.c prepares a brain__scan_job_t once per
 * brain_scan call: the midstate (the header's first 64 bytes compressed),
 * the rounds and message words of the second block that do not depend on
 * the nonce, and the constant parts of the second hash.  An engine's
 * kernel then hashes nonces in groups of its lane count and calls
 * brain__scan_hit() for every nonce whose hash *might* matter, in nonce
 * order; pow.c decides what the hit means (a match, a new best).  Because
 * only that one function interprets hashes, every engine gives the same
 * matches and the same best hash.
 *
 * The filter.  A hash matters when its top 32 bits (as a number: the last
 * four bytes of the internal-order hash, i.e. bswap32 of state word 7) are
 * <= job->threshold = max(top of target, top of best so far).  The
 * threshold only ever falls, so a kernel may test a whole group against
 * the value it read at the start and let brain__scan_hit re-check.
 *
 * The second half of this header (below the include guard) is the
 * double hash written once over an abstract lane type; the generic,
 * AVX2 and AVX-512 engines instantiate it with their own operations.
 */
#ifndef BRAIN_LIB_SHA256_H
#define BRAIN_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <brainstem/pow.h>

/* The x86 engines are compiled where the compiler can target them per
 * function (x86-64: the SHA-NI kernel needs its sixteen xmm registers);
 * elsewhere only the generic engine exists. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BRAIN__X86_ENGINES 1
#else
#define BRAIN__X86_ENGINES 0
#endif

extern const uint32_t brain__sha256_k[64];
extern const uint32_t brain__sha256_iv[8];

/* One 64-byte block into state (portable C). */
void brain__sha256_compress(uint32_t state[8], const uint8_t block[64]);

/* SHA-256 of len bytes (portable C). */
void brain__sha256(const void *data, size_t len, uint8_t out[32]);

/*
 * Everything a kernel needs for one header.  Words are SHA-256 message
 * words (big-endian reads).  Filled by brain__scan_prepare; kernels read
 * all of it and write nothing (brain__scan_hit updates the tail).
 */
typedef struct brain__scan_job {
	/* first hash, block 2 (bytes 64..79 of the header and padding) */
	uint32_t mid[8];   /* the midstate: state after bytes 0..63 */
	uint32_t w[3];     /* message words 0..2; word 3 is the nonce */
	uint32_t s4[8];    /* state a..h after round 3 as if W3 were 0:
			      a and e lack W3, the others are exact */
	uint32_t kw1[18];  /* K[i] + W[i] for the constant words 4..17 */
	uint32_t w16, w17; /* the two schedule words fixed by words 0..2 */
	uint32_t w18p;     /* W18 less sigma0(W3) */
	uint32_t w19p;     /* W19 less W3 */
	uint32_t c31, c32; /* constant parts of W31, W32 */
	/* second hash (32 bytes of the first one, padded) */
	uint32_t r0a, r0e; /* a and e after its round 0, less W0 */
	uint32_t kw2[8];   /* K[i] + W[i] for the constant words 8..15 */

	/* the filter: read by kernels, lowered by brain__scan_hit */
	uint32_t threshold;

	/* pow.c's bookkeeping */
	uint32_t target_top, best_top;
	const uint8_t *target;
	brain_match_t *matches;
	size_t max_matches;
	brain_scan_t *result;
} brain__scan_job_t;

/* Fills the nonce-independent part of j from the 80 header bytes. */
void brain__scan_prepare(brain__scan_job_t *j, const uint8_t header[80]);

/*
 * brain__scan_hit - the kernels' report: state is the final SHA-256 state
 * of the second hash of nonce (the hash's bytes are its words,
 * big-endian).  Called in scan order for every nonce that passed the
 * filter; records matches and the best hash and lowers j->threshold.
 */
void brain__scan_hit(brain__scan_job_t *j, uint32_t nonce,
		     const uint32_t state[8]);

/*
 * brain__scan_hit_lanes - brain__scan_hit for every lane of a group that
 * still passes the filter, in lane order: words holds the group's final
 * states word-major (word k of lane l at words[k * lanes + l]), lane l
 * hashed nonce + l.
 */
void brain__scan_hit_lanes(brain__scan_job_t *j, uint32_t nonce,
			   const uint32_t *words, unsigned lanes);

/*
 * A kernel hashes nonces nonce, nonce+1, ... nonce+n-1 (mod 2^32), n a
 * multiple of its lane count, reporting through brain__scan_hit.
 */
typedef void brain__scan_kernel_t(brain__scan_job_t *j, uint32_t nonce,
				  uint32_t n);

brain__scan_kernel_t brain__scan_generic; /* 1 lane */
#if defined(__GNUC__) || defined(__clang__)
brain__scan_kernel_t brain__scan_vector; /* 4 lanes, GNU C vectors */
#define BRAIN__VECTOR_LANES 4
#endif
#if BRAIN__X86_ENGINES
brain__scan_kernel_t brain__scan_shani;  /* BRAIN__SHANI_LANES */
brain__scan_kernel_t brain__scan_avx2;   /* 8 lanes */
brain__scan_kernel_t brain__scan_avx512; /* 16 lanes */
#endif
#define BRAIN__SHANI_LANES 4

/* CPU features, detected once (cpu.c). */
#define BRAIN__CPU_SHANI 1u
#define BRAIN__CPU_AVX2 2u
#define BRAIN__CPU_AVX512 4u
unsigned brain__cpu_features(void);

#endif /* BRAIN_LIB_SHA256_H */

/*
 * ---- The double hash of one group of nonces, for any lane type ----
 *
 * An engine defines, then includes this header a second time:
 *   LANE_V            the lane type (uint32_t, __m256i, ...)
 *   LANE_FN           attributes of the generated static functions
 *   LANE_SET1(c)      every lane = the uint32_t c
 *   LANE_ADD(a, b), LANE_XOR, LANE_AND, LANE_OR, LANE_SHR(x, n),
 *   LANE_ROR(x, n)    lane-wise 32-bit operations
 *   LANE_TOP_LE_ANY(h7, thr)  non-zero when bswap32(h7) <= thr (unsigned)
 *                     in any lane; thr is a LANE_V
 * and may define LANE_BSIG0/1, LANE_SSIG0/1, LANE_CH, LANE_MAJ with
 * faster forms (ternary logic).  It gets
 *   static int lanes_sha256d(const brain__scan_job_t *j, LANE_V w3,
 *                            LANE_V thr, LANE_V out[8]);
 * w3 is the nonce as message word 3 (bswap32 of the nonce).  It returns 0
 * when no lane passes the filter (out is then unset), else fills out with
 * the final state of every lane.  The last three rounds of the second
 * hash run only in that case: the hash's top word is known after round 60.
 */
#ifdef LANE_V

#ifndef LANE_BSIG0
#define LANE_BSIG0(x)                                                      \
	LANE_XOR(LANE_XOR(LANE_ROR(x, 2), LANE_ROR(x, 13)), LANE_ROR(x, 22))
#define LANE_BSIG1(x)                                                      \
	LANE_XOR(LANE_XOR(LANE_ROR(x, 6), LANE_ROR(x, 11)), LANE_ROR(x, 25))
#define LANE_SSIG0(x)                                                      \
	LANE_XOR(LANE_XOR(LANE_ROR(x, 7), LANE_ROR(x, 18)), LANE_SHR(x, 3))
#define LANE_SSIG1(x)                                                      \
	LANE_XOR(LANE_XOR(LANE_ROR(x, 17), LANE_ROR(x, 19)), LANE_SHR(x, 10))
#define LANE_CH(e, f, g) LANE_XOR(g, LANE_AND(e, LANE_XOR(f, g)))
#define LANE_MAJ(a, b, c) LANE_OR(LANE_AND(a, b), LANE_AND(c, LANE_OR(a, b)))
#endif

/* One round; the caller rotates the names instead of moving values. */
#define LANE_RND(a, b, c, d, e, f, g, h, kw)                               \
	do {                                                               \
		LANE_V t1_ = LANE_ADD(LANE_ADD(h, LANE_BSIG1(e)),          \
				      LANE_ADD(LANE_CH(e, f, g), kw));     \
		LANE_V t2_ = LANE_ADD(LANE_BSIG0(a), LANE_MAJ(a, b, c));   \
		d = LANE_ADD(d, t1_);                                      \
		h = LANE_ADD(t1_, t2_);                                    \
	} while (0)
#define LANE_R0(kw) LANE_RND(a, b, c, d, e, f, g, h, kw)
#define LANE_R1(kw) LANE_RND(h, a, b, c, d, e, f, g, kw)
#define LANE_R2(kw) LANE_RND(g, h, a, b, c, d, e, f, kw)
#define LANE_R3(kw) LANE_RND(f, g, h, a, b, c, d, e, kw)
#define LANE_R4(kw) LANE_RND(e, f, g, h, a, b, c, d, kw)
#define LANE_R5(kw) LANE_RND(d, e, f, g, h, a, b, c, kw)
#define LANE_R6(kw) LANE_RND(c, d, e, f, g, h, a, b, kw)
#define LANE_R7(kw) LANE_RND(b, c, d, e, f, g, h, a, kw)
#define LANE_R8(i, KW)                                                     \
	do {                                                               \
		LANE_R0(KW(i));                                            \
		LANE_R1(KW((i) + 1));                                      \
		LANE_R2(KW((i) + 2));                                      \
		LANE_R3(KW((i) + 3));                                      \
		LANE_R4(KW((i) + 4));                                      \
		LANE_R5(KW((i) + 5));                                      \
		LANE_R6(KW((i) + 6));                                      \
		LANE_R7(KW((i) + 7));                                      \
	} while (0)
/* K + W for a computed word, and for the precomputed constant ones */
#define LANE_KW(i) LANE_ADD(LANE_SET1(brain__sha256_k[i]), w[i])
#define LANE_KW1(i) LANE_SET1(j->kw1[i])
#define LANE_KW2(i) LANE_SET1(j->kw2[(i) - 8])
#define LANE_SCHED(i)                                                      \
	(w[i] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[(i) - 2]), w[(i) - 7]),     \
			 LANE_ADD(LANE_SSIG0(w[(i) - 15]), w[(i) - 16])))

LANE_FN static int lanes_sha256d(const brain__scan_job_t *j, LANE_V w3,
				 LANE_V thr, LANE_V out[8])
{
	LANE_V w[64], a, b, c, d, e, f, g, h, h1[8];
	int i;

	/*
	 * First hash, second block: words 0..2 are fixed, 3 is the nonce,
	 * 4..15 padding.  Rounds 0..2 and most of 3 were done in
	 * brain__scan_prepare; the schedule's constant terms (zero words,
	 * W16, W17) are folded in.  The names start where round 3 leaves
	 * them (a..h rotated by four), so rounds 4..63 use LANE_R4...
	 */
	w[3] = w3;
	w[16] = LANE_SET1(j->w16);
	w[17] = LANE_SET1(j->w17);
	w[18] = LANE_ADD(LANE_SET1(j->w18p), LANE_SSIG0(w3));
	w[19] = LANE_ADD(LANE_SET1(j->w19p), w3);
	w[20] = LANE_ADD(LANE_SSIG1(w[18]), LANE_SET1(0x80000000u));
	w[21] = LANE_SSIG1(w[19]);
	w[22] = LANE_ADD(LANE_SSIG1(w[20]), LANE_SET1(0x280u));
	for (i = 23; i < 30; i++) /* words 8..14 are zero */
		w[i] = LANE_ADD(LANE_SSIG1(w[i - 2]), w[i - 7]);
	w[30] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[28]), w[23]),
			 LANE_SET1(0x00a00055u)); /* sigma0(0x280) */
	w[31] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[29]), w[24]),
			 LANE_SET1(j->c31));
	w[32] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[30]), w[25]),
			 LANE_SET1(j->c32));
	for (i = 33; i < 64; i++)
		LANE_SCHED(i);

	e = LANE_ADD(LANE_SET1(j->s4[0]), w3);
	f = LANE_SET1(j->s4[1]);
	g = LANE_SET1(j->s4[2]);
	h = LANE_SET1(j->s4[3]);
	a = LANE_ADD(LANE_SET1(j->s4[4]), w3);
	b = LANE_SET1(j->s4[5]);
	c = LANE_SET1(j->s4[6]);
	d = LANE_SET1(j->s4[7]);
	LANE_R4(LANE_KW1(4));
	LANE_R5(LANE_KW1(5));
	LANE_R6(LANE_KW1(6));
	LANE_R7(LANE_KW1(7));
	LANE_R8(8, LANE_KW1);
	LANE_R0(LANE_KW1(16));
	LANE_R1(LANE_KW1(17));
	LANE_R2(LANE_KW(18));
	LANE_R3(LANE_KW(19));
	LANE_R4(LANE_KW(20));
	LANE_R5(LANE_KW(21));
	LANE_R6(LANE_KW(22));
	LANE_R7(LANE_KW(23));
	for (i = 24; i < 64; i += 8)
		LANE_R8(i, LANE_KW);
	h1[0] = LANE_ADD(a, LANE_SET1(j->mid[0]));
	h1[1] = LANE_ADD(b, LANE_SET1(j->mid[1]));
	h1[2] = LANE_ADD(c, LANE_SET1(j->mid[2]));
	h1[3] = LANE_ADD(d, LANE_SET1(j->mid[3]));
	h1[4] = LANE_ADD(e, LANE_SET1(j->mid[4]));
	h1[5] = LANE_ADD(f, LANE_SET1(j->mid[5]));
	h1[6] = LANE_ADD(g, LANE_SET1(j->mid[6]));
	h1[7] = LANE_ADD(h, LANE_SET1(j->mid[7]));

	/*
	 * Second hash: one block, words 0..7 the first hash, 8 the padding
	 * bit, 15 the length (256).  Round 0 is half done.
	 */
	for (i = 0; i < 8; i++)
		w[i] = h1[i];
	w[16] = LANE_ADD(LANE_SSIG0(w[1]), w[0]);
	w[17] = LANE_ADD(LANE_ADD(LANE_SSIG0(w[2]), w[1]),
			 LANE_SET1(0x00a00000u)); /* sigma1(0x100) */
	for (i = 18; i < 22; i++)
		w[i] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[i - 2]), w[i - 16]),
				LANE_SSIG0(w[i - 15]));
	w[22] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[20]), w[6]),
			 LANE_ADD(LANE_SSIG0(w[7]), LANE_SET1(0x100u)));
	w[23] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[21]), w[16]),
			 LANE_ADD(w[7], LANE_SET1(0x11002000u))); /* sig0(W8) */
	w[24] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[22]), w[17]),
			 LANE_SET1(0x80000000u));
	for (i = 25; i < 30; i++) /* words 9..14 are zero */
		w[i] = LANE_ADD(LANE_SSIG1(w[i - 2]), w[i - 7]);
	w[30] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[28]), w[23]),
			 LANE_SET1(0x00400022u)); /* sigma0(0x100) */
	w[31] = LANE_ADD(LANE_ADD(LANE_SSIG1(w[29]), w[24]),
			 LANE_ADD(LANE_SSIG0(w[16]), LANE_SET1(0x100u)));
	for (i = 32; i < 61; i++)
		LANE_SCHED(i);

	a = LANE_SET1(brain__sha256_iv[0]);
	b = LANE_SET1(brain__sha256_iv[1]);
	c = LANE_SET1(brain__sha256_iv[2]);
	d = LANE_ADD(LANE_SET1(j->r0e), w[0]);
	e = LANE_SET1(brain__sha256_iv[4]);
	f = LANE_SET1(brain__sha256_iv[5]);
	g = LANE_SET1(brain__sha256_iv[6]);
	h = LANE_ADD(LANE_SET1(j->r0a), w[0]);
	LANE_R1(LANE_KW(1));
	LANE_R2(LANE_KW(2));
	LANE_R3(LANE_KW(3));
	LANE_R4(LANE_KW(4));
	LANE_R5(LANE_KW(5));
	LANE_R6(LANE_KW(6));
	LANE_R7(LANE_KW(7));
	LANE_R8(8, LANE_KW2);
	for (i = 16; i < 56; i += 8)
		LANE_R8(i, LANE_KW);
	LANE_R0(LANE_KW(56));
	LANE_R1(LANE_KW(57));
	LANE_R2(LANE_KW(58));
	LANE_R3(LANE_KW(59));
	LANE_R4(LANE_KW(60));
	/* h now holds e after round 60, which becomes the final h */
	if (!LANE_TOP_LE_ANY(LANE_ADD(h, LANE_SET1(brain__sha256_iv[7])), thr))
		return 0;
	for (i = 61; i < 64; i++)
		LANE_SCHED(i);
	LANE_R5(LANE_KW(61));
	LANE_R6(LANE_KW(62));
	LANE_R7(LANE_KW(63));
	out[0] = LANE_ADD(a, LANE_SET1(brain__sha256_iv[0]));
	out[1] = LANE_ADD(b, LANE_SET1(brain__sha256_iv[1]));
	out[2] = LANE_ADD(c, LANE_SET1(brain__sha256_iv[2]));
	out[3] = LANE_ADD(d, LANE_SET1(brain__sha256_iv[3]));
	out[4] = LANE_ADD(e, LANE_SET1(brain__sha256_iv[4]));
	out[5] = LANE_ADD(f, LANE_SET1(brain__sha256_iv[5]));
	out[6] = LANE_ADD(g, LANE_SET1(brain__sha256_iv[6]));
	out[7] = LANE_ADD(h, LANE_SET1(brain__sha256_iv[7]));
	return 1;
}

#endif /* LANE_V */
