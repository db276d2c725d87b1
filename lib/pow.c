/*
 * lib/pow.c - block headers, targets and the nonce scan.
 *
 * The scan hashes the header's first 64 bytes once (the midstate); for
 * each nonce only the second block (the last 16 header bytes and the
 * padding) and the 32-byte second hash remain.  A hash is compared with
 * the target in full only when its top 32 bits could meet it.
 */
#include <stdio.h>
#include <string.h>

#include <brainstem/brainstem.h>
#include <brainstem/pow.h>

#include "sha256.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void brain_header_serialize(const brain_header_t *h, uint8_t out[80])
{
	put_le32(out, h->version);
	memcpy(out + 4, h->prev_hash, 32);
	memcpy(out + 36, h->merkle_root, 32);
	put_le32(out + 68, h->time);
	put_le32(out + 72, h->bits);
	put_le32(out + 76, h->nonce);
}

void brain_header_parse(const uint8_t in[80], brain_header_t *h)
{
	h->version = le32(in);
	memcpy(h->prev_hash, in + 4, 32);
	memcpy(h->merkle_root, in + 36, 32);
	h->time = le32(in + 68);
	h->bits = le32(in + 72);
	h->nonce = le32(in + 76);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int from_hex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;

	if (!hex || strlen(hex) != 2 * n)
		return BRAIN_EINVAL;
	for (i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return BRAIN_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int brain_header_from_hex(const char *hex160, brain_header_t *h)
{
	uint8_t raw[80];

	if (from_hex(hex160, raw, sizeof(raw)))
		return BRAIN_EINVAL;
	brain_header_parse(raw, h);
	return 0;
}

void brain_header_to_hex(const brain_header_t *h, char out[161])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t raw[80];
	int i;

	brain_header_serialize(h, raw);
	for (i = 0; i < 80; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[160] = '\0';
}

void brain_sha256(const void *data, size_t len, uint8_t out[32])
{
	brain__sha256(data, len, out);
}

void brain_sha256d(const void *data, size_t len, uint8_t out[32])
{
	uint8_t once[32];

	brain__sha256(data, len, once);
	brain__sha256(once, 32, out);
}

void brain_header_hash(const brain_header_t *h, uint8_t hash[32])
{
	uint8_t raw[80];

	brain_header_serialize(h, raw);
	brain_sha256d(raw, sizeof(raw), hash);
}

void brain_hash_to_hex(const uint8_t hash[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[hash[31 - i] >> 4];
		out[2 * i + 1] = digits[hash[31 - i] & 15];
	}
	out[64] = '\0';
}

int brain_hash_from_hex(const char *hex64, uint8_t hash[32])
{
	uint8_t shown[32];
	int i;

	if (from_hex(hex64, shown, 32))
		return BRAIN_EINVAL;
	for (i = 0; i < 32; i++)
		hash[i] = shown[31 - i];
	return 0;
}

int brain_bits_to_target(uint32_t bits, uint8_t target[32])
{
	unsigned size = bits >> 24;
	uint32_t word = bits & 0x007fffff;
	int i;

	memset(target, 0, 32);
	if (bits & 0x00800000)
		return BRAIN_EINVAL; /* negative */
	if (word == 0)
		return 0;
	if (size <= 3) {
		word >>= 8 * (3 - size);
		for (i = 0; i < 3; i++)
			target[i] = (uint8_t)(word >> (8 * i));
		return 0;
	}
	/* word * 256^(size-3): its bytes start at index size-3 */
	for (i = 0; i < 3; i++) {
		unsigned at = size - 3 + (unsigned)i;
		uint8_t byte = (uint8_t)(word >> (8 * i));
		if (at >= 32) {
			if (byte)
				return BRAIN_EINVAL; /* overflow */
			continue;
		}
		target[at] = byte;
	}
	return 0;
}

uint32_t brain_target_to_bits(const uint8_t target[32])
{
	int size = 32;
	uint32_t word;

	while (size > 0 && target[size - 1] == 0)
		size--;
	if (size == 0)
		return 0;
	word = (uint32_t)target[size - 1] << 16 |
	       (uint32_t)(size >= 2 ? target[size - 2] : 0) << 8 |
	       (uint32_t)(size >= 3 ? target[size - 3] : 0);
	if (word & 0x00800000) { /* keep it positive: one more byte */
		word >>= 8;
		size++;
	}
	return (uint32_t)size << 24 | word;
}

void brain_zeros_to_target(unsigned zeros, uint8_t target[32])
{
	int z = (int)(zeros > 64 ? 64 : zeros), i;

	for (i = 0; i < 32; i++) {
		/* byte i holds bits 8i..8i+7; bits from 256-4z up are clear */
		int clear = 8 * i + 8 - 256 + 4 * z;
		target[i] = clear >= 8 ? 0 : clear <= 0 ? 0xff
							: (uint8_t)(0xff >> clear);
	}
}

unsigned brain_hash_leading_zeros(const uint8_t hash[32])
{
	unsigned z = 0;
	int i;

	for (i = 31; i >= 0; i--) {
		if (hash[i] == 0) {
			z += 2;
			continue;
		}
		if (hash[i] < 0x10)
			z++;
		break;
	}
	return z;
}

int brain_hash_meets_target(const uint8_t hash[32], const uint8_t target[32])
{
	int i;

	for (i = 31; i >= 0; i--)
		if (hash[i] != target[i])
			return hash[i] < target[i];
	return 1;
}

static double as_double(const uint8_t n[32])
{
	double v = 0;
	int i;

	for (i = 31; i >= 0; i--)
		v = v * 256.0 + n[i];
	return v;
}

double brain_target_difficulty(const uint8_t target[32])
{
	uint8_t one[32];
	double t = as_double(target);

	if (brain_bits_to_target(0x1d00ffff, one) != 0 || t == 0)
		return 0;
	return as_double(one) / t;
}

/* ---- engines ---- */

static const char *const engine_names[] = {"auto", "generic", "shani",
					   "avx2", "avx512"};

const char *brain_engine_name(brain_engine_t e)
{
	return (unsigned)e < 5 ? engine_names[e] : "unknown";
}

int brain_engine_from_name(const char *name, brain_engine_t *out)
{
	int i;

	for (i = 0; name && i < 5; i++)
		if (!strcmp(name, engine_names[i])) {
			*out = (brain_engine_t)i;
			return 0;
		}
	return BRAIN_EINVAL;
}

int brain_engine_available(brain_engine_t e)
{
	return e == BRAIN_ENGINE_GENERIC || e == BRAIN_ENGINE_AUTO;
}

brain_engine_t brain_engine_best(void)
{
	return BRAIN_ENGINE_GENERIC;
}

/* The top 32 bits of a 256-bit number in internal order. */
static uint32_t top32(const uint8_t n[32])
{
	return (uint32_t)n[31] << 24 | (uint32_t)n[30] << 16 |
	       (uint32_t)n[29] << 8 | n[28];
}

static void digest_out(const uint32_t s[8], uint8_t out[32])
{
	int i;

	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s[i] >> 8);
		out[4 * i + 3] = (uint8_t)s[i];
	}
}

int brain_scan(brain_engine_t e, const brain_header_t *h, uint32_t nonce_start,
	       uint64_t count, const uint8_t target[32], brain_match_t *matches,
	       size_t max_matches, volatile int *stop, brain_scan_t *result)
{
	uint8_t raw[80], tail[64], inner[64], hash[32];
	uint32_t mid[8], best_top = 0xffffffffu, target_top = top32(target);
	uint64_t i;

	memset(result, 0, sizeof(*result));
	memset(result->best_hash, 0xff, 32);
	if (!brain_engine_available(e) || count > (1ull << 32))
		return BRAIN_EINVAL;
	brain_header_serialize(h, raw);
	memcpy(mid, brain__sha256_iv, sizeof(mid));
	brain__sha256_compress(mid, raw); /* the midstate */
	memset(tail, 0, sizeof(tail));
	memcpy(tail, raw + 64, 16);
	tail[16] = 0x80;
	tail[62] = 0x02; /* 640 bits */
	tail[63] = 0x80;
	memset(inner, 0, sizeof(inner));
	inner[32] = 0x80;
	inner[62] = 0x01; /* 256 bits */
	for (i = 0; i < count; i++) {
		uint32_t nonce = nonce_start + (uint32_t)i, s[8], top;
		if ((i & 0xffff) == 0 && stop && *stop)
			break;
		put_le32(tail + 12, nonce);
		memcpy(s, mid, sizeof(s));
		brain__sha256_compress(s, tail);
		digest_out(s, inner);
		memcpy(s, brain__sha256_iv, sizeof(s));
		brain__sha256_compress(s, inner);
		/* the number's top 32 bits are the last word, byte-swapped */
		top = __builtin_bswap32(s[7]);
		result->hashes++;
		if (top > target_top && top > best_top)
			continue;
		digest_out(s, hash);
		if (top <= best_top && memcmp(hash, result->best_hash, 32) &&
		    !brain_hash_meets_target(result->best_hash, hash)) {
			memcpy(result->best_hash, hash, 32);
			result->best_nonce = nonce;
			best_top = top;
		}
		if (top <= target_top && brain_hash_meets_target(hash, target)) {
			if (result->nmatches < max_matches) {
				matches[result->nmatches].nonce = nonce;
				memcpy(matches[result->nmatches].hash, hash, 32);
			}
			result->nmatches++;
		}
	}
	return 0;
}
