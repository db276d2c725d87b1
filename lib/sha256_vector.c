/*
 * lib/sha256_vector.c - the portable engine's bulk kernel: four nonces at
 * once in GNU C vector types, which gcc and clang turn into whatever SIMD
 * the target has as a baseline (SSE2 on every x86-64, NEON on arm64) or
 * into plain 32-bit code where it has none.  No CPU feature is assumed,
 * so "generic" stays the engine that runs everywhere.
 *
 * The double hash is the lane template of sha256.h.  The one-lane kernel
 * in sha256_generic.c handles the nonces left over and is the reference
 * the engines are tested against.
 */
#include <string.h>

#include "sha256.h"

#if defined(__GNUC__) || defined(__clang__)

typedef uint32_t v4u __attribute__((vector_size(16)));

#define LANE_V v4u
#define LANE_FN
#define LANE_SET1(c) ((v4u){(c), (c), (c), (c)})
#define LANE_ADD(a, b) ((a) + (b))
#define LANE_XOR(a, b) ((a) ^ (b))
#define LANE_AND(a, b) ((a) & (b))
#define LANE_OR(a, b) ((a) | (b))
#define LANE_SHR(x, n) ((x) >> (n))
#define LANE_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define LANE_TOP_LE_ANY(h7, thr) top_le_any(h7, thr)

static inline v4u bswap4(v4u x)
{
	return (x >> 24) | ((x >> 8) & LANE_SET1(0xff00u)) |
	       ((x << 8) & LANE_SET1(0xff0000u)) | (x << 24);
}

static inline int top_le_any(v4u h7, v4u thr)
{
	v4u le = (v4u)(bswap4(h7) <= thr);

	return (le[0] | le[1] | le[2] | le[3]) != 0;
}

#include "sha256.h"

void brain__scan_vector(brain__scan_job_t *j, uint32_t nonce, uint32_t n)
{
	v4u nonces = LANE_SET1(nonce) + (v4u){0, 1, 2, 3};
	uint32_t done;

	for (done = 0; done < n; done += 4) {
		v4u out[8];
		uint32_t words[8][4];

		if (lanes_sha256d(j, bswap4(nonces), LANE_SET1(j->threshold),
				  out)) {
			memcpy(words, out, sizeof(words));
			brain__scan_hit_lanes(j, nonce + done, words[0], 4);
		}
		nonces += LANE_SET1(4u);
	}
}

#else
typedef int brain__no_vector; /* a translation unit may not be empty */
#endif
