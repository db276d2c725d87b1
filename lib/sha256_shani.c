/*
 * lib/sha256_shani.c - the SHA-NI engine: x86 SHA extensions, four nonces
 * interleaved.
 *
 * sha256rnds2 does two rounds on a state kept as two registers (ABEF and
 * CDGH); sha256msg1/msg2 extend the message schedule four words (a
 * "group") at a time.  One nonce's rounds form a single dependency chain,
 * and rnds2's latency is about four times its throughput, so four lanes
 * (independent nonces) interleaved keep the unit busy.  That only holds
 * when nothing lengthens the chains: compilers, short of registers with
 * rnds2's fixed xmm0 operand, spill the states, which cost a third of the
 * speed.  So the rounds are written in inline assembly with every lane's
 * state pinned in registers (8), the last message group of every lane in
 * registers (4: each group needs the one before it), and the groups
 * themselves in memory, computed four groups ahead of their use.
 *
 * Per nonce: 30 rnds2 for the header's second block (rounds 0-3 come
 * precomputed but for the nonce, which is added to A and E), 31 for the
 * second hash, whose last pair runs only when a lane's top word passes
 * the filter - that word (H) is F after round 61.  The schedule's groups
 * that are fixed or partly fixed by the padding are built from
 * precomputed parts (groups 4-7 of both blocks).
 * Compiled per function for SHA/SSE4.1 (target attribute); pow.c calls it
 * only when cpu.c has seen SHA-NI.
 */
#include "sha256.h"

#if BRAIN__X86_ENGINES
#include <immintrin.h>

#define SHANI_FN __attribute__((target("sha,sse4.1,ssse3")))

#if BRAIN__SHANI_LANES != 4
#error "the SHA-NI kernel is written for four lanes"
#endif
#define LANES 4

/* Runs its statements once per lane, with l the lane number as a
 * constant. */
#define LANE_(n, ...)                                                      \
	{                                                                  \
		enum { l = n };                                            \
		__VA_ARGS__;                                               \
	}
#define EACH(...)                                                          \
	do {                                                               \
		LANE_(0, __VA_ARGS__)                                      \
		LANE_(1, __VA_ARGS__)                                      \
		LANE_(2, __VA_ARGS__)                                      \
		LANE_(3, __VA_ARGS__)                                      \
	} while (0)

/* State a..h as the ABEF (x) and CDGH (y) registers; element 0 is F, H. */
#define ABEF(s)                                                            \
	_mm_set_epi32((int)(s)[0], (int)(s)[1], (int)(s)[4], (int)(s)[5])
#define CDGH(s)                                                            \
	_mm_set_epi32((int)(s)[2], (int)(s)[3], (int)(s)[6], (int)(s)[7])
#define K4(i) _mm_load_si128((const __m128i *)&brain__sha256_k[i])

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define SSIG0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))

/*
 * ---- the assembly ----
 * Operands: x0..x3, y0..y3 the lanes' ABEF and CDGH; p0..p3 each lane's
 * newest message group; t0, t1 scratch; g the groups, 16 per lane, 16
 * bytes each (g + 256 * lane + 16 * group); k the round constants; c the
 * constant K + W groups.  xmm0 is rnds2's implicit K + W operand.
 */
#define G_(l, i) "(256*" #l "+16*(" #i "))(%[g])"
#define K_(i) "(16*(" #i "))(%[k])"
#define C_(i) "(16*(" #i "))(%[c])"
#define R_(name, l) "%[" #name #l "]"

/* Lane l, four rounds with K + W already in xmm0. */
#define A_RNDS(l)                                                          \
	"sha256rnds2 %%xmm0, " R_(x, l) ", " R_(y, l) "\n\t"               \
	"pshufd $0x0e, %%xmm0, %%xmm0\n\t"                                 \
	"sha256rnds2 %%xmm0, " R_(y, l) ", " R_(x, l) "\n\t"
/* Lane l, rounds 4i..4i+3 from its message group i. */
#define A_QUAD(l, i)                                                       \
	"movdqa " G_(l, i) ", %%xmm0\n\t"                                  \
	"paddd " K_(i) ", %%xmm0\n\t" A_RNDS(l)
/* Lane l, rounds 4i..4i+3 from the constant K + W group c[ci]. */
#define A_QUADC(l, ci) "movdqa " C_(ci) ", %%xmm0\n\t" A_RNDS(l)
/* Lane l, message group n from groups n-4..n-1 (n-1 in p). */
#define A_SCHED(l, n)                                                      \
	"movdqa " G_(l, (n) - 4) ", %[t0]\n\t"                             \
	"sha256msg1 " G_(l, (n) - 3) ", %[t0]\n\t"                         \
	"movdqa " R_(p, l) ", %[t1]\n\t"                                   \
	"palignr $4, " G_(l, (n) - 2) ", %[t1]\n\t"                        \
	"paddd %[t1], %[t0]\n\t"                                           \
	"sha256msg2 " R_(p, l) ", %[t0]\n\t"                               \
	"movdqa %[t0], " R_(p, l) "\n\t"                                   \
	"movdqa %[t0], " G_(l, n) "\n\t"
#define A_QUAD4(i) A_QUAD(0, i) A_QUAD(1, i) A_QUAD(2, i) A_QUAD(3, i)
#define A_QUADC4(ci)                                                       \
	A_QUADC(0, ci) A_QUADC(1, ci) A_QUADC(2, ci) A_QUADC(3, ci)
/* Rounds 4i..4i+3 of every lane, and group i + 4 four groups ahead. */
#define A_STEP(i)                                                          \
	A_QUAD(0, i) A_QUAD(1, i) A_QUAD(2, i) A_QUAD(3, i)                \
	A_SCHED(0, (i) + 4) A_SCHED(1, (i) + 4) A_SCHED(2, (i) + 4)        \
	A_SCHED(3, (i) + 4)
/* Rounds 16..47, computing groups 8..15. */
#define A_STEPS_4_TO_11                                                    \
	A_STEP(4) A_STEP(5) A_STEP(6) A_STEP(7) A_STEP(8) A_STEP(9)        \
	A_STEP(10) A_STEP(11)
#define A_OPERANDS                                                         \
	[x0] "+x"(x[0]), [x1] "+x"(x[1]), [x2] "+x"(x[2]), [x3] "+x"(x[3]), \
	[y0] "+x"(y[0]), [y1] "+x"(y[1]), [y2] "+x"(y[2]), [y3] "+x"(y[3]), \
	[p0] "+x"(p[0]), [p1] "+x"(p[1]), [p2] "+x"(p[2]), [p3] "+x"(p[3]), \
	[t0] "=&x"(t0), [t1] "=&x"(t1)
#define A_INPUTS [g] "r"(g), [k] "r"(brain__sha256_k), [c] "r"(c)

SHANI_FN void brain__scan_shani(brain__scan_job_t *j, uint32_t nonce,
				uint32_t n)
{
	/* nonce-independent values, once per call */
	const __m128i s4_x = ABEF(j->s4), s4_y = CDGH(j->s4);
	const __m128i mid_x = ABEF(j->mid), mid_y = CDGH(j->mid);
	const __m128i iv_x = ABEF(brain__sha256_iv);
	const __m128i iv_y = CDGH(brain__sha256_iv);
	/* first block: words 0..2, and the constant parts of groups 4..7 */
	const __m128i m0_1 = _mm_set_epi32(0, (int)j->w[2], (int)j->w[1],
					   (int)j->w[0]);
	const __m128i pad1_1 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
	const __m128i d1_4 = _mm_set_epi32((int)SSIG1(j->w17),
					   (int)SSIG1(j->w16),
					   (int)SSIG1(0x280u), 0);
	const __m128i c1_5 = _mm_set_epi32((int)j->w16, 0x280, 0,
					   (int)0x80000000u);
	const __m128i c1_7 = _mm_set_epi32((int)(0x280u + SSIG0(j->w16)),
					   (int)SSIG0(0x280u), 0, 0);
	/* second hash: padding words 8..15 */
	const __m128i pad2_2 = pad1_1;
	const __m128i pad2_3 = _mm_set_epi32(0x100, 0, 0, 0);
	const uint32_t iv7 = brain__sha256_iv[7];
	/* K + W of the constant groups: first block 1..3, second 2..3 */
	__m128i c[5], g[LANES][16];
	uint32_t done;

	c[0] = _mm_loadu_si128((const __m128i *)&j->kw1[4]);
	c[1] = _mm_loadu_si128((const __m128i *)&j->kw1[8]);
	c[2] = _mm_loadu_si128((const __m128i *)&j->kw1[12]);
	c[3] = _mm_loadu_si128((const __m128i *)&j->kw2[0]);
	c[4] = _mm_loadu_si128((const __m128i *)&j->kw2[4]);

	for (done = 0; done < n; done += LANES) {
		__m128i x[LANES], y[LANES], p[LANES], t[LANES], t0, t1;
		uint32_t top[LANES], pass = 0;

		/*
		 * First hash, second block: words 0..2 fixed, 3 the nonce,
		 * 4..15 padding.  Groups 4..7 from precomputed parts: 4 is
		 * msg1 of group 0 plus constants, 5..7 need no msg1.
		 */
		EACH(t[l] = _mm_cvtsi32_si128(
			     (int)__builtin_bswap32(nonce + done + l));
		     x[l] = _mm_add_epi32(s4_x, _mm_shuffle_epi32(t[l], 0x11));
		     y[l] = s4_y;
		     g[l][0] = _mm_add_epi32(m0_1,
					     _mm_shuffle_epi32(t[l], 0x15));
		     g[l][4] = _mm_add_epi32(
			     _mm_sha256msg1_epu32(g[l][0], pad1_1), d1_4);
		     g[l][5] = _mm_sha256msg2_epu32(c1_5, g[l][4]);
		     g[l][6] = _mm_sha256msg2_epu32(
			     _mm_alignr_epi8(g[l][5], g[l][4], 4), g[l][5]);
		     p[l] = g[l][7] = _mm_sha256msg2_epu32(
			     _mm_add_epi32(c1_7, _mm_alignr_epi8(g[l][6],
								 g[l][5], 4)),
			     g[l][6]));
		__asm__ volatile(A_QUADC4(0) A_QUADC4(1) A_QUADC4(2)
					 A_STEPS_4_TO_11 A_QUAD4(12)
						 A_QUAD4(13) A_QUAD4(14)
							 A_QUAD4(15)
				 : A_OPERANDS
				 : A_INPUTS
				 : "xmm0", "memory");

		/*
		 * Its digest is the second hash's words 0..7; 8..15 are
		 * padding, so groups 4..7 skip what is constant.
		 */
		EACH(x[l] = _mm_add_epi32(x[l], mid_x);
		     y[l] = _mm_add_epi32(y[l], mid_y);
		     t[l] = _mm_shuffle_epi32(x[l], 0x1b);     /* A B E F */
		     y[l] = _mm_shuffle_epi32(y[l], 0xb1);     /* G H C D */
		     g[l][0] = _mm_blend_epi16(t[l], y[l], 0xf0); /* A B C D */
		     g[l][1] = _mm_alignr_epi8(y[l], t[l], 8);    /* E F G H */
		     x[l] = iv_x; y[l] = iv_y;
		     g[l][4] = _mm_sha256msg2_epu32(
			     _mm_sha256msg1_epu32(g[l][0], g[l][1]), pad2_3);
		     g[l][5] = _mm_sha256msg2_epu32(
			     _mm_add_epi32(
				     _mm_sha256msg1_epu32(g[l][1], pad2_2),
				     _mm_alignr_epi8(g[l][4], pad2_3, 4)),
			     g[l][4]);
		     /* msg1 of the padding groups 2, 3 is group 1's pad */
		     g[l][6] = _mm_sha256msg2_epu32(
			     _mm_add_epi32(pad2_2,
					   _mm_alignr_epi8(g[l][5], g[l][4],
							   4)),
			     g[l][5]);
		     p[l] = g[l][7] = _mm_sha256msg2_epu32(
			     _mm_add_epi32(
				     _mm_sha256msg1_epu32(pad2_3, g[l][4]),
				     _mm_alignr_epi8(g[l][6], g[l][5], 4)),
			     g[l][6]));
		/* rounds 0..59, then 60-61: F is the final H less the IV's */
		__asm__ volatile(A_QUAD4(0) A_QUAD4(1) A_QUADC4(3)
					 A_QUADC4(4) A_STEPS_4_TO_11
						 A_QUAD4(12) A_QUAD4(13)
							 A_QUAD4(14)
				 : A_OPERANDS
				 : A_INPUTS
				 : "xmm0", "memory");
		EACH(t[l] = _mm_add_epi32(g[l][15], K4(60));
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
