/*
 * lib/sha256_generic.c - SHA-256 in portable C (FIPS 180-4): the hash
 * behind brain_sha256, and the one-lane nonce scan that runs everywhere:
 * the path for the nonces the portable four-lane kernel
 * (sha256_vector.c) leaves over, and the reference it is tested against.
 *
 * The scan kernel is the shared lane template of sha256.h with a plain
 * uint32_t as its lane: one nonce costs about 120 rounds (three rounds
 * and the constant message words come precomputed, the last three rounds
 * run only for hashes that pass the filter).
 */
#include <string.h>

#include "sha256.h"

_Alignas(16) const uint32_t brain__sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

const uint32_t brain__sha256_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
				      0xa54ff53a, 0x510e527f, 0x9b05688c,
				      0x1f83d9ab, 0x5be0cd19};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void brain__sha256_compress(uint32_t s[8], const uint8_t block[64])
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = be32(block + 4 * i);
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s[0], b = s[1], c = s[2], d = s[3];
	e = s[4], f = s[5], g = s[6], h = s[7];
	for (i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
			      ((e & f) ^ (~e & g)) + brain__sha256_k[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s[0] += a, s[1] += b, s[2] += c, s[3] += d;
	s[4] += e, s[5] += f, s[6] += g, s[7] += h;
}

void brain__sha256(const void *data, size_t len, uint8_t out[32])
{
	const uint8_t *p = data;
	uint32_t s[8];
	uint8_t block[64];
	uint64_t bits = (uint64_t)len * 8;
	int i;

	memcpy(s, brain__sha256_iv, sizeof(s));
	for (; len >= 64; p += 64, len -= 64)
		brain__sha256_compress(s, p);
	/* the tail, the 0x80 byte and the 64-bit length: one or two blocks */
	memset(block, 0, sizeof(block));
	if (len)
		memcpy(block, p, len);
	block[len] = 0x80;
	if (len + 1 > 56) {
		brain__sha256_compress(s, block);
		memset(block, 0, sizeof(block));
	}
	for (i = 0; i < 8; i++)
		block[63 - i] = (uint8_t)(bits >> (8 * i));
	brain__sha256_compress(s, block);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s[i] >> 8);
		out[4 * i + 3] = (uint8_t)s[i];
	}
}

/* ---- the one-lane scan ---- */

static uint32_t bswap32(uint32_t x)
{
	return x >> 24 | (x >> 8 & 0xff00) | (x << 8 & 0xff0000) | x << 24;
}

#define LANE_V uint32_t
#define LANE_FN
#define LANE_SET1(c) ((uint32_t)(c))
#define LANE_ADD(a, b) ((uint32_t)((a) + (b)))
#define LANE_XOR(a, b) ((a) ^ (b))
#define LANE_AND(a, b) ((a) & (b))
#define LANE_OR(a, b) ((a) | (b))
#define LANE_SHR(x, n) ((x) >> (n))
#define LANE_ROR(x, n) ROR(x, n)
#define LANE_TOP_LE_ANY(h7, thr) (bswap32(h7) <= (thr))
#include "sha256.h"

void brain__scan_generic(brain__scan_job_t *j, uint32_t nonce, uint32_t n)
{
	uint32_t i, out[8];

	for (i = 0; i < n; i++, nonce++)
		if (lanes_sha256d(j, bswap32(nonce), j->threshold, out))
			brain__scan_hit(j, nonce, out);
}
