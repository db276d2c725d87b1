/*
 * lib/sha256_shani.c - the SHA-NI engine: x86 SHA extensions, with
 * BRAIN__SHANI_LANES nonces interleaved.
 *
 * sha256rnds2 does two rounds on a state kept as two registers (ABEF and
 * CDGH); sha256msg1/msg2 extend the message schedule four words at a
 * time.  One nonce's two compressions depend on each other and each
 * rnds2 waits for the one before, so the lanes are independent nonces
 * whose instructions are interleaved (EACH below) to fill the pipeline.
 *
 * Per nonce: 31 rnds2 for the header's second block (rounds 0-1 come
 * precomputed), 31 for the second hash, whose last pair runs only when a
 * lane's top word passes the filter - that word (H) is F after round 61.
 * Two lanes keep every lane's state in the 16 XMM registers; four
 * measured only 2-3% faster on a Sapphire Rapids core, where the rnds2
 * throughput (about one per 0.7 ns), not its latency, is the limit.
 * Compiled per function for SHA/SSE4.1 (target attribute); pow.c calls it
 * only when cpu.c has seen SHA-NI.
 */
#include "sha256.h"

#if BRAIN__X86_ENGINES
#include <immintrin.h>

#define SHANI_FN __attribute__((target("sha,sse4.1,ssse3")))

/* Runs its statements once per lane, with l the lane number as a
 * constant, so the lanes' arrays below are scalarised into registers. */
#if BRAIN__SHANI_LANES == 2
#define EACH(...)                                                          \
	do {                                                               \
		{                                                          \
			enum { l = 0 };                                    \
			__VA_ARGS__;                                       \
		}                                                          \
		{                                                          \
			enum { l = 1 };                                    \
			__VA_ARGS__;                                       \
		}                                                          \
	} while (0)
#elif BRAIN__SHANI_LANES == 4
#define EACH(...)                                                          \
	do {                                                               \
		{                                                          \
			enum { l = 0 };                                    \
			__VA_ARGS__;                                       \
		}                                                          \
		{                                                          \
			enum { l = 1 };                                    \
			__VA_ARGS__;                                       \
		}                                                          \
		{                                                          \
			enum { l = 2 };                                    \
			__VA_ARGS__;                                       \
		}                                                          \
		{                                                          \
			enum { l = 3 };                                    \
			__VA_ARGS__;                                       \
		}                                                          \
	} while (0)
#else
#error "BRAIN__SHANI_LANES must be 2 or 4"
#endif
#define LANES BRAIN__SHANI_LANES

/* State a..h as the ABEF (x) and CDGH (y) registers; element 0 is F, H. */
#define ABEF(s)                                                            \
	_mm_set_epi32((int)(s)[0], (int)(s)[1], (int)(s)[4], (int)(s)[5])
#define CDGH(s)                                                            \
	_mm_set_epi32((int)(s)[2], (int)(s)[3], (int)(s)[6], (int)(s)[7])
#define K4(i) _mm_loadu_si128((const __m128i *)&brain__sha256_k[i])

/* Four rounds on every lane: x = ABEF, y = CDGH; kw[l] = K + W. */
#define QUAD(kw)                                                           \
	EACH(y[l] = _mm_sha256rnds2_epu32(y[l], x[l], kw);                 \
	     x[l] = _mm_sha256rnds2_epu32(x[l], y[l],                      \
					  _mm_shuffle_epi32(kw, 0x0e)))
/* The next four message words into m0 from m0..m3 (W[i-16..i-1]). */
#define SCHED(m0, m1, m2, m3)                                              \
	EACH(m0[l] = _mm_sha256msg2_epu32(                                 \
		     _mm_add_epi32(_mm_sha256msg1_epu32(m0[l], m1[l]),     \
				   _mm_alignr_epi8(m3[l], m2[l], 4)),      \
		     m3[l]))
/* Rounds 16..63 of a block: message groups 4..15 */
#define ROUNDS_16_TO_59()                                                  \
	do {                                                               \
		int g_;                                                    \
		for (g_ = 4; g_ < 15; g_ += 4) {                           \
			SCHED(m0, m1, m2, m3);                             \
			QUAD(_mm_add_epi32(m0[l], K4(4 * g_)));            \
			SCHED(m1, m2, m3, m0);                             \
			QUAD(_mm_add_epi32(m1[l], K4(4 * g_ + 4)));        \
			SCHED(m2, m3, m0, m1);                             \
			QUAD(_mm_add_epi32(m2[l], K4(4 * g_ + 8)));        \
			if (g_ == 12)                                      \
				break;                                     \
			SCHED(m3, m0, m1, m2);                             \
			QUAD(_mm_add_epi32(m3[l], K4(4 * g_ + 12)));       \
		}                                                          \
	} while (0)

SHANI_FN void brain__scan_shani(brain__scan_job_t *j, uint32_t nonce,
				uint32_t n)
{
	/* nonce-independent registers, once per call */
	const __m128i pre_x = ABEF(j->pre2), pre_y = CDGH(j->pre2);
	const __m128i mid_x = ABEF(j->mid), mid_y = CDGH(j->mid);
	const __m128i iv_x = ABEF(brain__sha256_iv);
	const __m128i iv_y = CDGH(brain__sha256_iv);
	const __m128i kw1_1 = _mm_loadu_si128((const __m128i *)&j->kw1[4]);
	const __m128i kw1_2 = _mm_loadu_si128((const __m128i *)&j->kw1[8]);
	const __m128i kw1_3 = _mm_loadu_si128((const __m128i *)&j->kw1[12]);
	const __m128i kw2_2 = _mm_loadu_si128((const __m128i *)&j->kw2[0]);
	const __m128i kw2_3 = _mm_loadu_si128((const __m128i *)&j->kw2[4]);
	const __m128i pad1_1 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
	const __m128i pad1_3 = _mm_set_epi32(0x280, 0, 0, 0);
	const __m128i pad2_2 = pad1_1;
	const __m128i pad2_3 = _mm_set_epi32(0x100, 0, 0, 0);
	const __m128i zero = _mm_setzero_si128();
	const __m128i k0 = K4(0), k4 = K4(4);
	const uint32_t iv7 = brain__sha256_iv[7];
	uint32_t done;

	for (done = 0; done < n; done += LANES) {
		__m128i x[LANES], y[LANES], m0[LANES], m1[LANES], m2[LANES],
			m3[LANES], t[LANES];
		uint32_t top[LANES], pass = 0;

		/* first hash, block 2, from the state after round 1 */
		EACH(m0[l] = _mm_set_epi32(
			     (int)__builtin_bswap32(nonce + done + l),
			     (int)j->w[2], (int)j->w[1], (int)j->w[0]);
		     m1[l] = pad1_1; m2[l] = zero; m3[l] = pad1_3;
		     x[l] = pre_y; y[l] = pre_x;
		     x[l] = _mm_sha256rnds2_epu32(
			     x[l], y[l],
			     _mm_shuffle_epi32(_mm_add_epi32(m0[l], k0),
					       0x0e)));
		QUAD(kw1_1);
		QUAD(kw1_2);
		QUAD(kw1_3);
		ROUNDS_16_TO_59();
		SCHED(m3, m0, m1, m2);
		QUAD(_mm_add_epi32(m3[l], K4(60)));

		/* its digest, as the second hash's words 0..7 */
		EACH(x[l] = _mm_add_epi32(x[l], mid_x);
		     y[l] = _mm_add_epi32(y[l], mid_y);
		     t[l] = _mm_shuffle_epi32(x[l], 0x1b);     /* A B E F */
		     y[l] = _mm_shuffle_epi32(y[l], 0xb1);     /* G H C D */
		     m0[l] = _mm_blend_epi16(t[l], y[l], 0xf0); /* A B C D */
		     m1[l] = _mm_alignr_epi8(y[l], t[l], 8);    /* E F G H */
		     m2[l] = pad2_2; m3[l] = pad2_3;
		     x[l] = iv_x; y[l] = iv_y);
		QUAD(_mm_add_epi32(m0[l], k0));
		QUAD(_mm_add_epi32(m1[l], k4));
		QUAD(kw2_2);
		QUAD(kw2_3);
		ROUNDS_16_TO_59();
		/* rounds 60-61; then F is the final H less the IV's */
		SCHED(m3, m0, m1, m2);
		EACH(t[l] = _mm_add_epi32(m3[l], K4(60));
		     y[l] = _mm_sha256rnds2_epu32(y[l], x[l], t[l]);
		     top[l] = __builtin_bswap32(
			     (uint32_t)_mm_cvtsi128_si32(y[l]) + iv7);
		     pass |= top[l] <= j->threshold);
		if (!pass)
			continue;

		/* rare: finish the lanes and report them in nonce order */
		EACH(x[l] = _mm_sha256rnds2_epu32(
			     x[l], y[l], _mm_shuffle_epi32(t[l], 0x0e));
		     x[l] = _mm_add_epi32(x[l], iv_x);
		     y[l] = _mm_add_epi32(y[l], iv_y));
		EACH(if (top[l] <= j->threshold) {
			uint32_t s[8];
			s[0] = (uint32_t)_mm_extract_epi32(x[l], 3);
			s[1] = (uint32_t)_mm_extract_epi32(x[l], 2);
			s[2] = (uint32_t)_mm_extract_epi32(y[l], 3);
			s[3] = (uint32_t)_mm_extract_epi32(y[l], 2);
			s[4] = (uint32_t)_mm_extract_epi32(x[l], 1);
			s[5] = (uint32_t)_mm_extract_epi32(x[l], 0);
			s[6] = (uint32_t)_mm_extract_epi32(y[l], 1);
			s[7] = (uint32_t)_mm_extract_epi32(y[l], 0);
			brain__scan_hit(j, nonce + done + l, s);
		});
	}
}
#else
typedef int brain__no_shani; /* a translation unit may not be empty */
#endif
