/*
 * bench/sha_pipes.c - how much of the vector pipes each instruction of the
 * SHA-NI kernel holds on this CPU, and the hash rate that allows.
 *
 * Why.  The SHA-NI engine (lib/sha256_shani.c) is limited by the vector
 * pipes, not by sha256rnds2's issue rate: on some CPUs the SHA
 * instructions hold the pipes for several cycles each.  This measures
 * that, so the ceiling of any SHA-NI kernel on the machine is a number,
 * not a guess.
 *
 * How.  A block of 24 independent paddd runs at the pipes' full rate
 * (paddd runs on every vector pipe).  Adding four independent copies of an
 * instruction to the block slows it by what the four take from the pipes;
 * that, times the pipes' paddd rate, is the instruction's cost in
 * pipe-cycles.  The clock rate comes from a chain of dependent multiplies
 * (three cycles each, see clock_hz).  The ceiling is the kernel's
 * instruction mix per nonce (counted from its phases) times those costs,
 * over the pipes; the measured rate of the SHA-NI engine is printed beside
 * it.  Every rate here is a ratio to the paddd block timed in the same
 * run: the clock cancels out of the costs, the ceiling and the percentage,
 * and only names the cycles ("paddd per cycle", "cycles a nonce").
 *
 *   build/bench/sha_pipes
 */
#include <stdio.h>

#include <brainstem/brainstem.h>

#include "bench.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#define SHA_FN __attribute__((target("sha,sse4.1,ssse3"), noinline))
#define REPS 2000000L

/* 24 paddd into seven registers, none reading another's result. */
#define PAD4(a, b, c, d)                                                   \
	"paddd %%xmm15, %%xmm" #a "\n\tpaddd %%xmm15, %%xmm" #b "\n\t"       \
	"paddd %%xmm15, %%xmm" #c "\n\tpaddd %%xmm15, %%xmm" #d "\n\t"
#define PAD24                                                              \
	PAD4(8, 9, 10, 11) PAD4(12, 13, 14, 8) PAD4(9, 10, 11, 12)         \
	PAD4(13, 14, 8, 9) PAD4(10, 11, 12, 13) PAD4(14, 8, 9, 10)
#define BLOCK(op) op(1) op(2) op(3) op(4) PAD24
#define BLOCK8(op)                                                         \
	BLOCK(op) BLOCK(op) BLOCK(op) BLOCK(op) BLOCK(op) BLOCK(op)        \
	BLOCK(op) BLOCK(op)
#define CLOBBERS                                                           \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm8", "xmm9", "xmm10",   \
	"xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

#define NONE(r) ""
#define RNDS2(r) "sha256rnds2 %%xmm0, %%xmm15, %%xmm" #r "\n\t"
#define MSG1(r) "sha256msg1 %%xmm15, %%xmm" #r "\n\t"
#define MSG2(r) "sha256msg2 %%xmm15, %%xmm" #r "\n\t"
#define PALIGNR(r) "palignr $4, %%xmm15, %%xmm" #r "\n\t"
#define PSHUFD(r) "pshufd $0x0e, %%xmm15, %%xmm" #r "\n\t"

/* Seconds per block of four op and 24 paddd. */
#define TIMER(name, op)                                                    \
	SHA_FN static double block_##name(void)                            \
	{                                                                  \
		double t = now_s();                                        \
		long i;                                                    \
		for (i = 0; i < REPS; i++)                                 \
			__asm__ volatile(BLOCK8(op)::: CLOBBERS);          \
		return (now_s() - t) / (REPS * 8.0);                       \
	}
TIMER(none, NONE)
TIMER(rnds2, RNDS2)
TIMER(msg1, MSG1)
TIMER(msg2, MSG2)
TIMER(palignr, PALIGNR)
TIMER(pshufd, PSHUFD)

/* Cycles per second, from a chain of dependent 32-bit imul.
 *
 * imul r32, r32 has a latency of 3 cycles on Intel's cores since Nehalem
 * and on AMD's since K10, Zen included (Agner Fog's instruction tables,
 * uops.info), and a multiply cannot be fused, eliminated or run ahead of
 * its operand, so the chain runs one multiply per 3 cycles whatever the
 * width of the core.  (A chain of dependent adds does not: on recent Intel
 * cores it ran about 3.8 adds a cycle, and the clock read 10-11 GHz.)
 * The factor is odd, so the product never settles on 0 or 1, which a
 * multiplier might shortcut.  The best of three runs, after the core has
 * left its idle clock. */
#define IMUL_LATENCY 3.0
#define IMULS 30000000L
static double clock_hz(void)
{
	double best = 0;
	int run;

	for (run = 0; run < 3; run++) {
		unsigned int a = 3, m = 0x9e3779b1u;
		double t = now_s(), hz;
		long i;

		for (i = 0; i < IMULS / 4; i++)
			__asm__ volatile("imul %1, %0\n\timul %1, %0\n\t"
					 "imul %1, %0\n\timul %1, %0"
					 : "+r"(a)
					 : "r"(m));
		hz = IMUL_LATENCY * IMULS / (now_s() - t);
		if (hz > best)
			best = hz;
	}
	return best;
}

/* The best of three, against the noise of a shared machine. */
static double best_of_3(double (*f)(void))
{
	double best = f(), t;
	int i;

	for (i = 0; i < 2; i++)
		if ((t = f()) < best)
			best = t;
	return best;
}

/* The SHA-NI engine's rate on one thread, MH/s. */
static double shani_mhs(void)
{
	brain_header_t h = {.version = 0x20000000, .bits = 0x1d00ffff};
	uint8_t target[32] = {0};
	brain_scan_t r;
	double best = 0;
	uint32_t nonce = 0;
	int i;

	for (i = 0; i < 5; i++, nonce += 1u << 24) {
		double t0 = now_s(), rate;

		if (brain_scan(BRAIN_ENGINE_SHANI, &h, nonce, 1u << 24, target,
			       NULL, 0, NULL, &r) != 0)
			return 0;
		rate = (double)r.hashes / (now_s() - t0) / 1e6;
		if (rate > best)
			best = rate;
	}
	return best;
}

int main(void)
{
	/* per nonce in lib/sha256_shani.c: 30.5 rnds2 pairs, 23 msg2
	 * (groups 5..15 and 4..15), 20 msg1, 22 palignr, 51 paddd (K + W,
	 * the schedule's sums, the midstate and glue), 5 pshufd */
	static const struct {
		const char *name;
		double (*timer)(void);
		double per_nonce;
	} ops[] = {
		{"sha256rnds2", block_rnds2, 61},
		{"sha256msg2", block_msg2, 23},
		{"sha256msg1", block_msg1, 20},
		{"palignr", block_palignr, 22},
		{"pshufd", block_pshufd, 5},
	};
	double hz, base, pipes, cost, need = 0, mhs;
	size_t i;

	if (!brain_engine_available(BRAIN_ENGINE_SHANI)) {
		printf("no SHA-NI on this CPU: nothing to measure\n");
		return 0;
	}
	hz = clock_hz();
	base = best_of_3(block_none);
	pipes = 24.0 / (base * hz); /* paddd per cycle */
	printf("clock %.2f GHz; paddd per cycle (vector pipes): %.2f\n",
	       hz / 1e9, pipes);
	printf("%-12s %12s %14s %18s\n", "instruction", "pipe-cycles",
	       "per nonce", "pipe-cycles/nonce");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		cost = (best_of_3(ops[i].timer) - base) * hz * pipes / 4.0;
		need += cost * ops[i].per_nonce;
		printf("%-12s %12.2f %14.0f %18.0f\n", ops[i].name, cost,
		       ops[i].per_nonce, cost * ops[i].per_nonce);
	}
	need += 51; /* paddd: one pipe-cycle each */
	printf("%-12s %12.2f %14d %18d\n", "paddd", 1.0, 51, 51);
	mhs = shani_mhs();
	printf("kernel needs %.0f pipe-cycles a nonce: at least %.1f cycles "
	       "on %.2f pipes,\nso at most %.1f MH/s per core; the SHA-NI "
	       "engine measures %.2f MH/s (%.0f%% of that)\n",
	       need, need / pipes, pipes, hz / (need / pipes) / 1e6, mhs,
	       100.0 * mhs / (hz / (need / pipes) / 1e6));
	return 0;
}
#else
int main(void)
{
	printf("not x86-64: no SHA-NI kernel to measure\n");
	return 0;
}
#endif
