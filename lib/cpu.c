/*
 * lib/cpu.c - which SHA-256 engines this CPU can run, asked once.
 *
 * CPUID says what the processor implements; XGETBV says whether the
 * operating system saves the wider registers (YMM for AVX2, ZMM and the
 * mask registers for AVX-512) - both are needed.  The answer is computed
 * on first use under pthread_once and never changes, so every later call
 * is a load.
 */
#include <pthread.h>

#include "sha256.h"

#if BRAIN__X86_ENGINES
#include <cpuid.h>

/* CPUID.1:ECX */
#define ECX1_SSSE3 (1u << 9)
#define ECX1_SSE41 (1u << 19)
#define ECX1_OSXSAVE (1u << 27)
#define ECX1_AVX (1u << 28)
/* CPUID.(7,0):EBX */
#define EBX7_AVX2 (1u << 5)
#define EBX7_AVX512F (1u << 16)
#define EBX7_SHA (1u << 29)
#define EBX7_AVX512BW (1u << 30)
/* XCR0: SSE, AVX (upper YMM), opmask, upper ZMM0-15, ZMM16-31 */
#define XCR0_YMM 0x06u
#define XCR0_ZMM 0xe6u

static unsigned detect(void)
{
	unsigned a, b, c, d, ecx1, ebx7 = 0, xcr0 = 0, f = 0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	ecx1 = c;
	if (__get_cpuid_max(0, 0) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		ebx7 = b;
	}
	if (ecx1 & ECX1_OSXSAVE) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		(void)hi;
		xcr0 = lo;
	}
	if ((ebx7 & EBX7_SHA) && (ecx1 & ECX1_SSE41) && (ecx1 & ECX1_SSSE3))
		f |= BRAIN__CPU_SHANI;
	if ((ecx1 & ECX1_AVX) && (ebx7 & EBX7_AVX2) &&
	    (xcr0 & XCR0_YMM) == XCR0_YMM)
		f |= BRAIN__CPU_AVX2;
	if ((ebx7 & EBX7_AVX512F) && (ebx7 & EBX7_AVX512BW) &&
	    (xcr0 & XCR0_ZMM) == XCR0_ZMM)
		f |= BRAIN__CPU_AVX512;
	return f;
}
#else
static unsigned detect(void)
{
	return 0;
}
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static unsigned features;

static void detect_once(void)
{
	features = detect();
}

unsigned brain__cpu_features(void)
{
	pthread_once(&once, detect_once);
	return features;
}
