/*
 * lib/sha256_avx2.c - the AVX2 engine: eight nonces at once, one per
 * 32-bit lane of a YMM register.
 *
 * The double hash is the lane template of sha256.h; AVX2 has no rotate,
 * so a rotation is two shifts and an or.  Per group of eight nonces: about
 * 120 rounds of ~30 vector operations, and one compare of the eight top
 * words with the threshold; the lanes are taken apart only when one of
 * them passes it.  Compiled for AVX2 per function (target attribute), so
 * the library still loads and runs on CPUs without it; pow.c calls this
 * only when cpu.c has seen AVX2 and the OS saving YMM registers.
 */
#include "sha256.h"

#if BRAIN__X86_ENGINES
#include <immintrin.h>

#define LANE_V __m256i
#define LANE_FN __attribute__((target("avx2")))
#define LANE_SET1(c) _mm256_set1_epi32((int)(c))
#define LANE_ADD(a, b) _mm256_add_epi32(a, b)
#define LANE_XOR(a, b) _mm256_xor_si256(a, b)
#define LANE_AND(a, b) _mm256_and_si256(a, b)
#define LANE_OR(a, b) _mm256_or_si256(a, b)
#define LANE_SHR(x, n) _mm256_srli_epi32(x, n)
#define LANE_ROR(x, n)                                                     \
	_mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - (n)))
#define LANE_TOP_LE_ANY(h7, thr) top_le_any(h7, thr)

LANE_FN static inline int top_le_any(__m256i h7, __m256i thr)
{
	const __m256i bswap = _mm256_setr_epi8(
		3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1,
		0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
	__m256i top = _mm256_shuffle_epi8(h7, bswap);

	/* unsigned top <= thr  <=>  min(top, thr) == top */
	return !_mm256_testz_si256(
		_mm256_cmpeq_epi32(_mm256_min_epu32(top, thr), top),
		_mm256_set1_epi32(-1));
}

#include "sha256.h"

LANE_FN void brain__scan_avx2(brain__scan_job_t *j, uint32_t nonce,
			      uint32_t n)
{
	const __m256i step = _mm256_set1_epi32(8);
	const __m256i bswap = _mm256_setr_epi8(
		3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1,
		0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
	__m256i nonces = _mm256_add_epi32(_mm256_set1_epi32((int)nonce),
					  _mm256_setr_epi32(0, 1, 2, 3, 4, 5,
							    6, 7));
	uint32_t done;

	for (done = 0; done < n; done += 8) {
		__m256i out[8];
		_Alignas(32) uint32_t words[8][8];
		int k;

		if (lanes_sha256d(j, _mm256_shuffle_epi8(nonces, bswap),
				  _mm256_set1_epi32((int)j->threshold), out)) {
			for (k = 0; k < 8; k++)
				_mm256_store_si256((__m256i *)words[k], out[k]);
			brain__scan_hit_lanes(j, nonce + done, words[0], 8);
		}
		nonces = _mm256_add_epi32(nonces, step);
	}
}
#else
typedef int brain__no_avx2; /* a translation unit may not be empty */
#endif
