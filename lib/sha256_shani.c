/*
 * lib/sha256_shani.c - the SHA-NI engine: x86 SHA extensions, four nonces
 * in flight, each at a different point of its double hash.
 *
 * sha256rnds2 does two rounds on a state kept as two registers (ABEF and
 * CDGH); sha256msg1/msg2 extend the message schedule four words (a
 * "group") at a time.  One nonce's rounds form a single dependency chain
 * and rnds2's latency is four times its throughput, so four lanes
 * (independent nonces) keep the unit busy.
 *
 * What limits it.  On the AMD Zen 4 this was tuned on, the SHA
 * instructions occupy the vector pipes for more than their issue slot
 * (measured against a stream of paddd: rnds2 about 2 pipe-cycles, msg1
 * 2.7, msg2 4.8 with a register operand and 7.4 with a memory one), and
 * the four pipes are what runs out: a nonce needs 61 rnds2, 23 msg2 and
 * 22 msg1, about 300 pipe-cycles, before the palignr and paddd around
 * them.  So the code spends as few vector operations as it can: constant
 * groups are precomputed, K + W is loaded rather than shuffled (a load
 * uses no vector pipe), and every operand the SHA instructions read is
 * a register.
 *
 * Why the lanes are staggered.  A nonce's life has points where its chain
 * waits: its first rounds wait for the nonce to be set up, the second hash
 * waits for the first one's digest to become message words, and the last
 * rounds end in a test.  Lanes in lockstep wait together.  Here a nonce's
 * life is cut into 31 steps (one message group, four rounds, each) and
 * the lanes run 0, 8, 16 and 23 steps behind lane 0, so at every step
 * three lanes have plain rounds to give while the fourth crosses a
 * boundary, and all of it, glue included, is one block of assembly (about
 * 3% faster than lockstep lanes with the glue in C).  One pass of the loop
 * body is 31 steps: every lane finishes one nonce and starts the next,
 * lane 0 at step 0 and the others part way through, so the body starts
 * with lanes 1..3 finishing the nonces of the pass before.
 *
 * A lane's steps (its "phases"):
 *   0..14   first hash, second block: rounds 4..63 (rounds 0..3 come
 *           precomputed but for the nonce, which is added to A and E);
 *           phase 0 sets the lane up, phases 0..9 compute message groups
 *           4..15 (4..7 from precomputed parts: words 0..2 and 4..15 are
 *           fixed).
 *   15..30  second hash: its message is the first hash's digest (phase 15
 *           adds the midstate and shuffles the state into words), then
 *           padding, so groups 2 and 3 are constants and 4..7 partly so.
 *           Phase 30 runs rounds 60-61 only: the hash's top word is the
 *           final H, which is F after round 61, and is stored for the C
 *           side to test.  A lane that passes the filter is hashed again
 *           by the generic engine, which reports it: that is rare.
 * Message groups live in memory, each with its K + W beside it, so a round
 * pair is two loads and two rnds2; every lane's state (2 registers) and
 * newest group (1) stay in registers, in inline assembly so the compiler
 * cannot spill them.  Compiled per function for SHA/SSE4.1 (target
 * attribute); pow.c calls it only when cpu.c has seen SHA-NI.
 */
#include "sha256.h"

#if BRAIN__X86_ENGINES
#include <immintrin.h>
#include <string.h>

#define SHANI_FN __attribute__((target("sha,sse4.1,ssse3")))

#if BRAIN__SHANI_LANES != 4
#error "the SHA-NI kernel is written for four lanes"
#endif
#define LANES 4

/* State a..h as the ABEF (x) and CDGH (y) registers; element 0 is F, H. */
#define ABEF(s)                                                            \
	_mm_set_epi32((int)(s)[0], (int)(s)[1], (int)(s)[4], (int)(s)[5])
#define CDGH(s)                                                            \
	_mm_set_epi32((int)(s)[2], (int)(s)[3], (int)(s)[6], (int)(s)[7])

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define SSIG0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))

/* The constants of one scan, numbered for the assembly's offsets. */
#define C_KW1_1 0  /* K + W, first hash, groups 1..3 */
#define C_KW1_2 1
#define C_KW1_3 2
#define C_KW2_2 3  /* K + W, second hash, groups 2..3 */
#define C_KW2_3 4
#define C_S4_X 5   /* the state after round 3, less the nonce */
#define C_S4_Y 6
#define C_M0 7     /* first hash: words 0..2, 0 */
#define C_PAD1 8   /* 0x80000000, 0, 0, 0 (both blocks' padding) */
#define C_D1_4 9   /* the constant parts of first-hash groups 4, 5, 7 */
#define C_C1_5 10
#define C_C1_7 11
#define C_MID_X 12 /* the midstate */
#define C_MID_Y 13
#define C_IV_X 14  /* SHA-256's initial state */
#define C_IV_Y 15
#define C_PAD2_3 16 /* second hash: words 12..15 */
#define C_COUNT 17

/*
 * Everything the assembly reads and writes, at fixed offsets from one
 * pointer: each lane's message groups (lane l at 512 * l: W at 16 * group,
 * K + W at 256 + 16 * group), the lanes' tops, the scan's constants and
 * the round constants in groups.
 */
typedef struct shani_area {
	_Alignas(16) uint8_t groups[LANES][512];
	uint32_t tops[LANES];
	__m128i c[C_COUNT];
	uint32_t k[64];
} shani_area_t;
_Static_assert(__builtin_offsetof(shani_area_t, tops) == 2048, "tops");
_Static_assert(__builtin_offsetof(shani_area_t, c) == 2064, "c");
_Static_assert(__builtin_offsetof(shani_area_t, k) == 2064 + 16 * C_COUNT,
	       "k");

/*
 * ---- the assembly ----
 * Operands: x0..x3, y0..y3 the lanes' ABEF and CDGH; p0..p3 each lane's
 * newest message group; t0, t1 scratch xmm, r scratch GPR; n the nonce of
 * lane 0 in this pass; g the shani_area_t.  xmm0 is rnds2's implicit
 * K + W.
 */
#define W_(l, i) "(512*" #l "+16*(" #i "))(%[g])"
#define KW_(l, i) "(512*" #l "+256+16*(" #i "))(%[g])"
#define KWHI_(l, i) "(512*" #l "+264+16*(" #i "))(%[g])"
#define TOP_(l) "(2048+4*" #l ")(%[g])"
#define C_(i) C__(i)
#define C__(i) "(2064+16*(" #i "))(%[g])"
#define CHI_(i) CHI__(i)
#define CHI__(i) "(2072+16*(" #i "))(%[g])"
#define K_(i) "(2064+16*" STR_(C_COUNT) "+16*(" #i "))(%[g])"
#define STR_(x) XSTR_(x)
#define XSTR_(x) #x
#define X(l) "%[x" #l "]"
#define Y(l) "%[y" #l "]"
#define P(l) "%[p" #l "]"

/* Four rounds of lane l with K + W at lo (words 0, 1) and hi (2, 3). */
#define RNDS(l, lo, hi)                                                    \
	"movdqa " lo ", %%xmm0\n\t"                                        \
	"sha256rnds2 %%xmm0, " X(l) ", " Y(l) "\n\t"                       \
	"movq " hi ", %%xmm0\n\t"                                          \
	"sha256rnds2 %%xmm0, " Y(l) ", " X(l) "\n\t"
#define RNDS_W(l, i) RNDS(l, KW_(l, i), KWHI_(l, i))
#define RNDS_C(l, ci) RNDS(l, C_(ci), CHI_(ci))

/* Group i of lane l is in reg: keep it as the newest, store W, K + W. */
#define KEEP(l, i, reg)                                                    \
	"movdqa " reg ", " P(l) "\n\t"                                     \
	"movdqa " reg ", " W_(l, i) "\n\t"                                 \
	"paddd " K_(i) ", " reg "\n\t"                                     \
	"movdqa " reg ", " KW_(l, i) "\n\t"
/* Group i of lane l from groups i-4..i-1 (i-1 in p). */
#define SCHED(l, i)                                                        \
	"movdqa " W_(l, (i) - 4) ", %[t0]\n\t"                             \
	"sha256msg1 " W_(l, (i) - 3) ", %[t0]\n\t"                         \
	"movdqa " P(l) ", %[t1]\n\t"                                       \
	"palignr $4, " W_(l, (i) - 2) ", %[t1]\n\t"                        \
	"paddd %[t1], %[t0]\n\t"                                           \
	"sha256msg2 " P(l) ", %[t0]\n\t" KEEP(l, i, "%[t0]")

/* ---- the phases of one lane ---- */

/* Set up nonce n + l: the state, and groups 4 and 5 from group 0. */
#define PHASE_0(l)                                                         \
	"leal " #l "(%[n]), %k[r]\n\t"                                     \
	"bswap %k[r]\n\t"                                                  \
	"movd %k[r], %[t0]\n\t"                                            \
	"pshufd $0x11, %[t0], %[t1]\n\t"                                   \
	"movdqa " C_(C_S4_X) ", " X(l) "\n\t"                              \
	"paddd %[t1], " X(l) "\n\t"                                        \
	"movdqa " C_(C_S4_Y) ", " Y(l) "\n\t" RNDS_C(l, C_KW1_1)            \
	"pshufd $0x15, %[t0], %[t0]\n\t"                                   \
	"paddd " C_(C_M0) ", %[t0]\n\t"                                    \
	"sha256msg1 " C_(C_PAD1) ", %[t0]\n\t"                             \
	"paddd " C_(C_D1_4) ", %[t0]\n\t" KEEP(l, 4, "%[t0]")               \
	"movdqa " C_(C_C1_5) ", %[t1]\n\t"                                 \
	"sha256msg2 " P(l) ", %[t1]\n\t" KEEP(l, 5, "%[t1]")
/* Groups 6 and 7: word 7 and words 8..14 are constant or zero. */
#define PHASE_1(l)                                                         \
	RNDS_C(l, C_KW1_2)                                                 \
	"movdqa " P(l) ", %[t1]\n\t"                                       \
	"palignr $4, " W_(l, 4) ", %[t1]\n\t"                              \
	"sha256msg2 " P(l) ", %[t1]\n\t" KEEP(l, 6, "%[t1]")               \
	"movdqa " P(l) ", %[t1]\n\t"                                       \
	"palignr $4, " W_(l, 5) ", %[t1]\n\t"                              \
	"paddd " C_(C_C1_7) ", %[t1]\n\t"                                  \
	"sha256msg2 " P(l) ", %[t1]\n\t" KEEP(l, 7, "%[t1]")
#define PHASE_2(l) RNDS_C(l, C_KW1_3) SCHED(l, 8)
#define PHASE_3(l) RNDS_W(l, 4) SCHED(l, 9)
#define PHASE_4(l) RNDS_W(l, 5) SCHED(l, 10)
#define PHASE_5(l) RNDS_W(l, 6) SCHED(l, 11)
#define PHASE_6(l) RNDS_W(l, 7) SCHED(l, 12)
#define PHASE_7(l) RNDS_W(l, 8) SCHED(l, 13)
#define PHASE_8(l) RNDS_W(l, 9) SCHED(l, 14)
#define PHASE_9(l) RNDS_W(l, 10) SCHED(l, 15)
#define PHASE_10(l) RNDS_W(l, 11)
#define PHASE_11(l) RNDS_W(l, 12)
#define PHASE_12(l) RNDS_W(l, 13)
#define PHASE_13(l) RNDS_W(l, 14)
#define PHASE_14(l) RNDS_W(l, 15)
/*
 * The first hash's digest becomes the second hash's words 0..7: A B C D
 * (group 0, used at once from xmm0) and E F G H (group 1).
 */
#define PHASE_15(l)                                                        \
	"paddd " C_(C_MID_X) ", " X(l) "\n\t"                              \
	"paddd " C_(C_MID_Y) ", " Y(l) "\n\t"                              \
	"pshufd $0x1b, " X(l) ", %[t0]\n\t" /* A B E F */                  \
	"pshufd $0xb1, " Y(l) ", %[t1]\n\t" /* G H C D */                  \
	"movdqa %[t0], %%xmm0\n\t"                                         \
	"pblendw $0xf0, %[t1], %%xmm0\n\t" /* A B C D */                   \
	"palignr $8, %[t0], %[t1]\n\t"     /* E F G H */                   \
	"movdqa %%xmm0, " W_(l, 0) "\n\t"                                  \
	"movdqa %[t1], " W_(l, 1) "\n\t"                                   \
	"paddd " K_(1) ", %[t1]\n\t"                                       \
	"movdqa %[t1], " KW_(l, 1) "\n\t"                                  \
	"movdqa " C_(C_IV_X) ", " X(l) "\n\t"                              \
	"movdqa " C_(C_IV_Y) ", " Y(l) "\n\t"                              \
	"paddd " K_(0) ", %%xmm0\n\t"                                      \
	"sha256rnds2 %%xmm0, " X(l) ", " Y(l) "\n\t"                       \
	"pshufd $0x0e, %%xmm0, %%xmm0\n\t"                                 \
	"sha256rnds2 %%xmm0, " Y(l) ", " X(l) "\n\t"
/* Groups 4 and 5: words 8..15 are the padding. */
#define PHASE_16(l)                                                        \
	RNDS_W(l, 1)                                                       \
	"movdqa " W_(l, 0) ", %[t0]\n\t"                                   \
	"sha256msg1 " W_(l, 1) ", %[t0]\n\t"                               \
	"movdqa " C_(C_PAD2_3) ", %[t1]\n\t"                               \
	"sha256msg2 %[t1], %[t0]\n\t" KEEP(l, 4, "%[t0]")                  \
	"movdqa " W_(l, 1) ", %[t0]\n\t"                                   \
	"sha256msg1 " C_(C_PAD1) ", %[t0]\n\t"                             \
	"movdqa " P(l) ", %[t1]\n\t"                                       \
	"palignr $4, " C_(C_PAD2_3) ", %[t1]\n\t"                          \
	"paddd %[t1], %[t0]\n\t"                                           \
	"sha256msg2 " P(l) ", %[t0]\n\t" KEEP(l, 5, "%[t0]")
/* Groups 6 and 7 (msg1 of the padding group 2 is the group itself). */
#define PHASE_17(l)                                                        \
	RNDS_C(l, C_KW2_2)                                                 \
	"movdqa " P(l) ", %[t1]\n\t"                                       \
	"palignr $4, " W_(l, 4) ", %[t1]\n\t"                              \
	"paddd " C_(C_PAD1) ", %[t1]\n\t"                                  \
	"sha256msg2 " P(l) ", %[t1]\n\t" KEEP(l, 6, "%[t1]")               \
	"movdqa " C_(C_PAD2_3) ", %[t0]\n\t"                               \
	"sha256msg1 " W_(l, 4) ", %[t0]\n\t"                               \
	"movdqa " P(l) ", %[t1]\n\t"                                       \
	"palignr $4, " W_(l, 5) ", %[t1]\n\t"                              \
	"paddd %[t1], %[t0]\n\t"                                           \
	"sha256msg2 " P(l) ", %[t0]\n\t" KEEP(l, 7, "%[t0]")
#define PHASE_18(l) RNDS_C(l, C_KW2_3) SCHED(l, 8)
#define PHASE_19(l) RNDS_W(l, 4) SCHED(l, 9)
#define PHASE_20(l) RNDS_W(l, 5) SCHED(l, 10)
#define PHASE_21(l) RNDS_W(l, 6) SCHED(l, 11)
#define PHASE_22(l) RNDS_W(l, 7) SCHED(l, 12)
#define PHASE_23(l) RNDS_W(l, 8) SCHED(l, 13)
#define PHASE_24(l) RNDS_W(l, 9) SCHED(l, 14)
#define PHASE_25(l) RNDS_W(l, 10) SCHED(l, 15)
#define PHASE_26(l) RNDS_W(l, 11)
#define PHASE_27(l) RNDS_W(l, 12)
#define PHASE_28(l) RNDS_W(l, 13)
#define PHASE_29(l) RNDS_W(l, 14)
/* Rounds 60-61; F is then the final H less the IV's. */
#define PHASE_30(l)                                                        \
	"movdqa " KW_(l, 15) ", %%xmm0\n\t"                                \
	"sha256rnds2 %%xmm0, " X(l) ", " Y(l) "\n\t"                       \
	"movd " Y(l) ", " TOP_(l) "\n\t"

/*
 * One step: the phase each lane is at.  Lanes 1, 2, 3 are 8, 16 and 23
 * steps behind lane 0, which keeps any two lanes' boundaries (phases 0,
 * 15, 30) apart.
 */
#define STEP(a, b, c, d) PHASE_##a(0) PHASE_##b(1) PHASE_##c(2) PHASE_##d(3)
#define ALL_STEPS                                                          \
	STEP(0, 23, 15, 8) STEP(1, 24, 16, 9) STEP(2, 25, 17, 10)          \
	STEP(3, 26, 18, 11) STEP(4, 27, 19, 12) STEP(5, 28, 20, 13)        \
	STEP(6, 29, 21, 14) STEP(7, 30, 22, 15) STEP(8, 0, 23, 16)         \
	STEP(9, 1, 24, 17) STEP(10, 2, 25, 18) STEP(11, 3, 26, 19)         \
	STEP(12, 4, 27, 20) STEP(13, 5, 28, 21) STEP(14, 6, 29, 22)        \
	STEP(15, 7, 30, 23) STEP(16, 8, 0, 24) STEP(17, 9, 1, 25)          \
	STEP(18, 10, 2, 26) STEP(19, 11, 3, 27) STEP(20, 12, 4, 28)        \
	STEP(21, 13, 5, 29) STEP(22, 14, 6, 30) STEP(23, 15, 7, 0)         \
	STEP(24, 16, 8, 1) STEP(25, 17, 9, 2) STEP(26, 18, 10, 3)          \
	STEP(27, 19, 11, 4) STEP(28, 20, 12, 5) STEP(29, 21, 13, 6)        \
	STEP(30, 22, 14, 7)

/* Fills c with the scan's constants (see the enum). */
SHANI_FN static void scan_constants(const brain__scan_job_t *j, __m128i *c)
{
	c[C_KW1_1] = _mm_loadu_si128((const __m128i *)&j->kw1[4]);
	c[C_KW1_2] = _mm_loadu_si128((const __m128i *)&j->kw1[8]);
	c[C_KW1_3] = _mm_loadu_si128((const __m128i *)&j->kw1[12]);
	c[C_KW2_2] = _mm_loadu_si128((const __m128i *)&j->kw2[0]);
	c[C_KW2_3] = _mm_loadu_si128((const __m128i *)&j->kw2[4]);
	c[C_S4_X] = ABEF(j->s4);
	c[C_S4_Y] = CDGH(j->s4);
	c[C_M0] = _mm_set_epi32(0, (int)j->w[2], (int)j->w[1], (int)j->w[0]);
	c[C_PAD1] = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
	/* group 4 (words 16..19) is msg1 of group 0 plus its sigma1 terms,
	 * all constant: sigma1 of words 14, 15 (0 and 0x280) and of words
	 * 16, 17; its words t-7 (9..12) are zero.  Groups 5 and 7 take the
	 * constant terms of theirs from C_C1_5 and C_C1_7. */
	c[C_D1_4] = _mm_set_epi32((int)SSIG1(j->w17), (int)SSIG1(j->w16),
				  (int)SSIG1(0x280u), 0);
	c[C_C1_5] = _mm_set_epi32((int)j->w16, 0x280, 0, (int)0x80000000u);
	c[C_C1_7] = _mm_set_epi32((int)(0x280u + SSIG0(j->w16)),
				  (int)SSIG0(0x280u), 0, 0);
	c[C_MID_X] = ABEF(j->mid);
	c[C_MID_Y] = CDGH(j->mid);
	c[C_IV_X] = ABEF(brain__sha256_iv);
	c[C_IV_Y] = CDGH(brain__sha256_iv);
	c[C_PAD2_3] = _mm_set_epi32(0x100, 0, 0, 0);
}

/* The lanes whose nonces a pass finished, in nonce order: lanes 1..3
 * finish the pass before's nonces early in the body, lane 0 its own at
 * the end. */
static const int finish_order[LANES] = {1, 2, 3, 0};

SHANI_FN void brain__scan_shani(brain__scan_job_t *j, uint32_t nonce,
				uint32_t n)
{
	shani_area_t g;
	const uint32_t iv7 = brain__sha256_iv[7];
	const uint32_t passes = n / LANES;
	__m128i x0, x1, x2, x3, y0, y1, y2, y3, p0, p1, p2, p3, t0, t1;
	uint32_t pass, r;

	if (passes == 0)
		return;
	memset(&g, 0, sizeof(g));
	scan_constants(j, g.c);
	memcpy(g.k, brain__sha256_k, sizeof(g.k));
	x0 = x1 = x2 = x3 = y0 = y1 = y2 = y3 = _mm_setzero_si128();
	p0 = p1 = p2 = p3 = _mm_setzero_si128();

	/* one pass more than the nonces need, to finish lanes 1..3 */
	for (pass = 0; pass <= passes; pass++) {
		const uint32_t base = nonce + LANES * pass;
		int i;

		__asm__ volatile(ALL_STEPS
				 : [x0] "+x"(x0), [x1] "+x"(x1),
				   [x2] "+x"(x2), [x3] "+x"(x3),
				   [y0] "+x"(y0), [y1] "+x"(y1),
				   [y2] "+x"(y2), [y3] "+x"(y3),
				   [p0] "+x"(p0), [p1] "+x"(p1),
				   [p2] "+x"(p2), [p3] "+x"(p3),
				   [t0] "=&x"(t0), [t1] "=&x"(t1),
				   [r] "=&r"(r)
				 : [n] "r"(base), [g] "r"(&g)
				 : "xmm0", "memory");
		for (i = 0; i < LANES; i++) {
			int l = finish_order[i];
			/* lanes 1..3 finished the nonce they started a
			 * pass ago, lane 0 the one of this pass */
			uint32_t started = l ? pass - 1 : pass;

			if (started >= passes) /* before the first, after
						  the last */
				continue;
			if (__builtin_bswap32(g.tops[l] + iv7) <= j->threshold)
				brain__scan_generic(
					j, nonce + LANES * started +
						   (uint32_t)l, 1);
		}
	}
}
#else
typedef int brain__no_shani; /* a translation unit may not be empty */
#endif
