/*
 * lib/sha256_avx512.c - the AVX-512 engine: sixteen nonces at once, one
 * per 32-bit lane of a ZMM register.
 *
 * The lane template of sha256.h again, with AVX-512's own rotate and
 * three-input logic (vpternlogd): each Sigma, Ch and Maj is one or three
 * instructions instead of five to eight, which makes a round about half
 * as long as AVX2's on twice the lanes.  Compiled per function for
 * AVX-512F/BW; pow.c calls it only when cpu.c has seen both and the OS
 * saving ZMM and mask registers.
 */
#include "sha256.h"

#if BRAIN__X86_ENGINES
#include <immintrin.h>

#define LANE_V __m512i
#define LANE_FN __attribute__((target("avx512f,avx512bw")))
#define LANE_SET1(c) _mm512_set1_epi32((int)(c))
#define LANE_ADD(a, b) _mm512_add_epi32(a, b)
#define LANE_XOR(a, b) _mm512_xor_si512(a, b)
#define LANE_AND(a, b) _mm512_and_si512(a, b)
#define LANE_OR(a, b) _mm512_or_si512(a, b)
#define LANE_SHR(x, n) _mm512_srli_epi32(x, n)
#define LANE_ROR(x, n) _mm512_ror_epi32(x, n)
/* ternary logic: 0x96 = a ^ b ^ c, 0xca = a ? b : c, 0xe8 = majority */
#define XOR3(a, b, c) _mm512_ternarylogic_epi32(a, b, c, 0x96)
#define LANE_BSIG0(x) XOR3(LANE_ROR(x, 2), LANE_ROR(x, 13), LANE_ROR(x, 22))
#define LANE_BSIG1(x) XOR3(LANE_ROR(x, 6), LANE_ROR(x, 11), LANE_ROR(x, 25))
#define LANE_SSIG0(x) XOR3(LANE_ROR(x, 7), LANE_ROR(x, 18), LANE_SHR(x, 3))
#define LANE_SSIG1(x) XOR3(LANE_ROR(x, 17), LANE_ROR(x, 19), LANE_SHR(x, 10))
#define LANE_CH(e, f, g) _mm512_ternarylogic_epi32(e, f, g, 0xca)
#define LANE_MAJ(a, b, c) _mm512_ternarylogic_epi32(a, b, c, 0xe8)
#define LANE_TOP_LE_ANY(h7, thr) top_le_mask(h7, thr)

static const uint8_t bswap_bytes[64] = {
	3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
	3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
	3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
	3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12};

/* The lanes whose bswap32(h7) <= thr, unsigned, as a bit mask. */
LANE_FN static inline __mmask16 top_le_mask(__m512i h7, __m512i thr)
{
	__m512i top = _mm512_shuffle_epi8(
		h7, _mm512_loadu_si512((const void *)bswap_bytes));

	return _mm512_cmple_epu32_mask(top, thr);
}

#include "sha256.h"

LANE_FN void brain__scan_avx512(brain__scan_job_t *j, uint32_t nonce,
				uint32_t n)
{
	const __m512i bswap = _mm512_loadu_si512((const void *)bswap_bytes);
	const __m512i step = _mm512_set1_epi32(16);
	__m512i nonces = _mm512_add_epi32(
		_mm512_set1_epi32((int)nonce),
		_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
				  14, 15));
	uint32_t done;

	for (done = 0; done < n; done += 16) {
		__m512i out[8];
		_Alignas(64) uint32_t words[8][16];
		int k;

		if (lanes_sha256d(j, _mm512_shuffle_epi8(nonces, bswap),
				  _mm512_set1_epi32((int)j->threshold), out)) {
			for (k = 0; k < 8; k++)
				_mm512_store_si512((void *)words[k], out[k]);
			brain__scan_hit_lanes(j, nonce + done, words[0], 16);
		}
		nonces = _mm512_add_epi32(nonces, step);
	}
}
#else
typedef int brain__no_avx512; /* a translation unit may not be empty */
#endif
