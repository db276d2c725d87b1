/*
 * lib/pow.c - block headers, targets, engines and the nonce scan.
 *
 * Hashes and targets are 256-bit numbers kept as SHA-256 writes them
 * (least significant byte first); they are only reversed for display.
 *
 * The scan hashes the header's first 64 bytes once per call (the
 * midstate) and precomputes every part of the second block and of the
 * second hash that does not depend on the nonce (brain__scan_prepare);
 * an engine's kernel does the rest, a group of nonces at a time.  Only
 * hashes whose top 32 bits could beat the best so far or meet the target
 * reach brain__scan_hit (lib/scan_hit.c), the one place that compares
 * whole hashes, so
 * every engine reports the same matches and the same best.  *stop is read
 * every CHUNK nonces.
 */
#include <pthread.h>
#include <time.h>
#include <math.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "error.h"
#include "hex.h"
#include "sha256.h"

/* Nonces between two reads of *stop; a multiple of every lane count. */
#define CHUNK 65536u

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

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- headers and hex ---- */

void brain_header_serialize(const brain_header_t *h, uint8_t out[80])
{
	BRAIN__ARG_VOID(h);
	BRAIN__ARG_VOID(out);
	put_le32(out, h->version);
	memcpy(out + 4, h->prev_hash, 32);
	memcpy(out + 36, h->merkle_root, 32);
	put_le32(out + 68, h->time);
	put_le32(out + 72, h->bits);
	put_le32(out + 76, h->nonce);
}

void brain_header_parse(const uint8_t in[80], brain_header_t *h)
{
	BRAIN__ARG_VOID(in);
	BRAIN__ARG_VOID(h);
	h->version = le32(in);
	memcpy(h->prev_hash, in + 4, 32);
	memcpy(h->merkle_root, in + 36, 32);
	h->time = le32(in + 68);
	h->bits = le32(in + 72);
	h->nonce = le32(in + 76);
}

/* Exactly 2n hex digits into n bytes; out is untouched on failure. */
static int from_hex(const char *what, const char *hex, uint8_t *out,
		    size_t n)
{
	uint8_t buf[80];
	size_t i, len;

	if (n > sizeof(buf) || !hex)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "%s: expected %zu hex digits, got NULL",
				   what, 2 * n);
	len = strlen(hex);
	if (len != 2 * n)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "%s: expected %zu hex digits, got %zu", what,
				   2 * n, len);
	for (i = 0; i < n; i++) {
		int hi = brain__hexval(hex[2 * i]);
		int lo = brain__hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return brain__errf(
				brain__thread_err(), BRAIN_EINVAL,
				"%s: '%c' at offset %zu is not a hex digit",
				what, hi < 0 ? hex[2 * i] : hex[2 * i + 1],
				hi < 0 ? 2 * i : 2 * i + 1);
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, buf, n);
	return 0;
}

int brain_header_from_hex(const char *hex160, brain_header_t *h)
{
	uint8_t raw[80];
	int rc;

	BRAIN__ARG(brain__thread_err(), h);
	if ((rc = from_hex("block header", hex160, raw, sizeof(raw))) != 0)
		return rc;
	brain_header_parse(raw, h);
	return 0;
}

void brain_header_to_hex(const brain_header_t *h, char out[161])
{
	uint8_t raw[80];

	BRAIN__ARG_VOID(h);
	BRAIN__ARG_VOID(out);
	brain_header_serialize(h, raw);
	brain__hex_write(raw, sizeof(raw), 0, out);
}

void brain_hash_to_hex(const uint8_t hash[32], char out[65])
{
	BRAIN__ARG_VOID(hash);
	BRAIN__ARG_VOID(out);
	brain__hex_write(hash, 32, 1, out);
}

int brain_hash_from_hex(const char *hex64, uint8_t hash[32])
{
	uint8_t shown[32];
	int i, rc;

	BRAIN__ARG(brain__thread_err(), hash);
	if ((rc = from_hex("hash", hex64, shown, sizeof(shown))) != 0)
		return rc;
	for (i = 0; i < 32; i++)
		hash[i] = shown[31 - i];
	return 0;
}

/* ---- hashing ---- */

void brain_sha256(const void *data, size_t len, uint8_t out[32])
{
	BRAIN__ARG_VOID(data || len == 0);
	BRAIN__ARG_VOID(out);
	brain__sha256(data, len, out);
}

void brain_sha256d(const void *data, size_t len, uint8_t out[32])
{
	uint8_t once[32];

	BRAIN__ARG_VOID(data || len == 0);
	BRAIN__ARG_VOID(out);
	brain__sha256(data, len, once);
	brain__sha256(once, 32, out);
}

void brain_header_hash(const brain_header_t *h, uint8_t hash[32])
{
	uint8_t raw[80];

	BRAIN__ARG_VOID(h);
	BRAIN__ARG_VOID(hash);
	brain_header_serialize(h, raw);
	brain_sha256d(raw, sizeof(raw), hash);
}

/* ---- targets ---- */

int brain_bits_to_target(uint32_t bits, uint8_t target[32])
{
	unsigned size = bits >> 24, i;
	uint32_t word = bits & 0x007fffff;

	BRAIN__ARG(brain__thread_err(), target);
	memset(target, 0, 32);
	/* as Bitcoin Core's arith_uint256::SetCompact */
	if (size <= 3)
		word >>= 8 * (3 - size);
	if (word != 0 && (bits & 0x00800000))
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "bits 0x%08x: the target is negative",
				   (unsigned)bits);
	if (word != 0 && (size > 34 || (word > 0xff && size > 33) ||
			  (word > 0xffff && size > 32)))
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "bits 0x%08x: the target is over 2^256",
				   (unsigned)bits);
	for (i = 0; i < 3; i++) {
		unsigned at = (size <= 3 ? 0 : size - 3) + i;
		if (at < 32)
			target[at] = (uint8_t)(word >> (8 * i));
	}
	return 0;
}

uint32_t brain_target_to_bits(const uint8_t target[32])
{
	int size = 32;
	uint32_t word;

	BRAIN__ARG_OR(0, target);
	while (size > 0 && target[size - 1] == 0)
		size--;
	if (size == 0)
		return 0;
	/* the top three bytes, as Bitcoin Core's GetCompact */
	word = (uint32_t)target[size - 1] << 16 |
	       (uint32_t)(size >= 2 ? target[size - 2] : 0) << 8 |
	       (uint32_t)(size >= 3 ? target[size - 3] : 0);
	if (word & 0x00800000) { /* would read as negative: one more byte */
		word >>= 8;
		size++;
	}
	return (uint32_t)size << 24 | word;
}

void brain_zeros_to_target(unsigned zeros, uint8_t target[32])
{
	int z = (int)(zeros > 64 ? 64 : zeros), i;

	BRAIN__ARG_VOID(target);
	for (i = 0; i < 32; i++) {
		/* byte i holds bits 8i..8i+7; bits from 256-4z up are clear */
		int clear = 8 * i + 8 - (256 - 4 * z);
		target[i] = clear >= 8	 ? 0
			    : clear <= 0 ? 0xff
					 : (uint8_t)(0xff >> clear);
	}
}

unsigned brain_hash_leading_zeros(const uint8_t hash[32])
{
	unsigned z = 0;
	int i;

	BRAIN__ARG_OR(0, hash);
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
	/* 0xffff * 2^208, the target of bits 0x1d00ffff */
	static const double one = 65535.0 * 0x1p208;
	double t;

	BRAIN__ARG_OR(0.0, target);
	t = as_double(target);
	return t == 0 ? INFINITY : one / t;
}

/* ---- engines ---- */

static const char *const engine_names[] = {"auto", "generic", "shani",
					   "avx2", "avx512"};
#define NENGINES (sizeof(engine_names) / sizeof(engine_names[0]))

const char *brain_engine_name(brain_engine_t e)
{
	return (unsigned)e < NENGINES ? engine_names[e] : "unknown";
}

int brain_engine_from_name(const char *name, brain_engine_t *out)
{
	unsigned i;

	BRAIN__ARG(brain__thread_err(), out);
	for (i = 0; name && i < NENGINES; i++)
		if (!strcmp(name, engine_names[i])) {
			*out = (brain_engine_t)i;
			return 0;
		}
	return brain__errf(brain__thread_err(), BRAIN_EINVAL,
			   "unknown engine '%s' (expected auto, generic, "
			   "shani, avx2 or avx512)",
			   name ? name : "(null)");
}

int brain_engine_available(brain_engine_t e)
{
	unsigned cpu = brain__cpu_features();

	switch (e) {
	case BRAIN_ENGINE_AUTO:
	case BRAIN_ENGINE_GENERIC:
		return 1;
	case BRAIN_ENGINE_SHANI:
		return !!(cpu & BRAIN__CPU_SHANI);
	case BRAIN_ENGINE_AVX2:
		return !!(cpu & BRAIN__CPU_AVX2);
	case BRAIN_ENGINE_AVX512:
		return !!(cpu & BRAIN__CPU_AVX512);
	}
	return 0;
}

/* Nonces per second of engine e on one thread: the best of three short
 * scans (about 2^15 nonces each; a few ms in all). */
static double engine_rate(brain_engine_t e)
{
	static const uint8_t zero_target[32]; /* nothing matches */
	brain_header_t h;
	brain_scan_t r;
	double best = 0;
	int i;

	memset(&h, 0, sizeof(h));
	h.version = 0x20000000;
	h.time = 1700000000;
	h.bits = 0x1d00ffff;
	for (i = 0; i < 3; i++) {
		struct timespec t0, t1;
		double secs;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (brain_scan(e, &h, (uint32_t)i << 16, 1u << 15, zero_target,
			       NULL, 0, NULL, &r) != 0)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (secs > 0 && (double)r.hashes / secs > best)
			best = (double)r.hashes / secs;
	}
	return best;
}

static brain_engine_t fastest = BRAIN_ENGINE_GENERIC;
static pthread_once_t fastest_once = PTHREAD_ONCE_INIT;

/* Which engine is fastest depends on the chip (AVX-512 leads on Intel's
 * Sapphire Rapids, SHA-NI on AMD's Zen): measure them once. */
static void find_fastest(void)
{
	static const brain_engine_t candidates[] = {
		BRAIN_ENGINE_AVX512, BRAIN_ENGINE_SHANI, BRAIN_ENGINE_AVX2,
		BRAIN_ENGINE_GENERIC};
	double best = 0;
	size_t i;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		double rate;
		if (!brain_engine_available(candidates[i]))
			continue;
		rate = engine_rate(candidates[i]);
		if (rate > best) {
			best = rate;
			fastest = candidates[i];
		}
	}
}

brain_engine_t brain_engine_best(void)
{
	pthread_once(&fastest_once, find_fastest);
	return fastest;
}

/* The kernel and lane count of an available engine (not AUTO). */
static brain__scan_kernel_t *engine_kernel(brain_engine_t e, uint32_t *lanes)
{
	*lanes = 1;
	switch (e) {
#if BRAIN__X86_ENGINES
	case BRAIN_ENGINE_SHANI:
		*lanes = BRAIN__SHANI_LANES;
		return brain__scan_shani;
	case BRAIN_ENGINE_AVX2:
		*lanes = 8;
		return brain__scan_avx2;
	case BRAIN_ENGINE_AVX512:
		*lanes = 16;
		return brain__scan_avx512;
#endif
	default:
#ifdef BRAIN__VECTOR_LANES
		*lanes = BRAIN__VECTOR_LANES;
		return brain__scan_vector;
#else
		return brain__scan_generic;
#endif
	}
}

/* ---- the scan ---- */

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define BSIG1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define SSIG0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* Round i of SHA-256 on s[0..7] = a..h with message word w. */
static void round_of(uint32_t s[8], int i, uint32_t w)
{
	uint32_t t1 = s[7] + BSIG1(s[4]) + CH(s[4], s[5], s[6]) +
		      brain__sha256_k[i] + w;
	uint32_t t2 = BSIG0(s[0]) + MAJ(s[0], s[1], s[2]);

	memmove(s + 1, s, 7 * sizeof(s[0]));
	s[4] += t1;
	s[0] = t1 + t2;
}

void brain__scan_prepare(brain__scan_job_t *j, const uint8_t header[80])
{
	static const uint32_t pad1[16] = {[4] = 0x80000000u, [15] = 0x280u};
	static const uint32_t pad2[16] = {[8] = 0x80000000u, [15] = 0x100u};
	uint32_t s[8], w[18];
	int i;

	memcpy(j->mid, brain__sha256_iv, sizeof(j->mid));
	brain__sha256_compress(j->mid, header);

	/* first hash, block 2: w[3] (the nonce) counts as 0 here */
	memcpy(w, pad1, sizeof(pad1));
	for (i = 0; i < 3; i++)
		j->w[i] = w[i] = be32(header + 64 + 4 * i);
	w[16] = SSIG0(w[1]) + w[0];
	w[17] = SSIG1(w[15]) + SSIG0(w[2]) + w[1];
	j->w16 = w[16];
	j->w17 = w[17];
	j->w18p = SSIG1(w[16]) + w[2];
	j->w19p = SSIG1(w[17]) + SSIG0(w[4]);
	j->c31 = SSIG0(w[16]) + w[15];
	j->c32 = SSIG0(w[17]) + w[16];
	for (i = 4; i < 18; i++)
		j->kw1[i] = brain__sha256_k[i] + w[i];
	j->kw1[0] = j->kw1[1] = j->kw1[2] = j->kw1[3] = 0; /* unused */

	memcpy(s, j->mid, sizeof(s));
	for (i = 0; i < 4; i++)
		round_of(s, i, w[i]);
	memcpy(j->s4, s, sizeof(s));

	/* second hash: round 0 on the IV, less its first word */
	memcpy(s, brain__sha256_iv, sizeof(s));
	round_of(s, 0, 0);
	j->r0a = s[0];
	j->r0e = s[4];
	for (i = 8; i < 16; i++)
		j->kw2[i - 8] = brain__sha256_k[i] + pad2[i];
}

static uint32_t top32(const uint8_t n[32])
{
	return (uint32_t)n[31] << 24 | (uint32_t)n[30] << 16 |
	       (uint32_t)n[29] << 8 | n[28];
}

int brain_scan(brain_engine_t e, const brain_header_t *h, uint32_t nonce_start,
	       uint64_t count, const uint8_t target[32], brain_match_t *matches,
	       size_t max_matches, volatile int *stop, brain_scan_t *result)
{
	brain__scan_kernel_t *kernel;
	brain__scan_job_t j;
	uint8_t raw[80];
	uint32_t lanes;
	uint64_t done = 0;

	BRAIN__ARG(brain__thread_err(), result);
	memset(result, 0, sizeof(*result));
	memset(result->best_hash, 0xff, 32);
	result->best_nonce = nonce_start;
	if ((unsigned)e >= NENGINES || !brain_engine_available(e))
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "engine '%s' is not available on this "
				   "machine",
				   brain_engine_name(e));
	BRAIN__ARG(brain__thread_err(), h);
	BRAIN__ARG(brain__thread_err(), target);
	if (count > (1ull << 32))
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "scan of %llu nonces: at most 2^32",
				   (unsigned long long)count);
	if (!matches && max_matches)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "no room for %zu matches (matches is NULL)",
				   max_matches);
	if (e == BRAIN_ENGINE_AUTO)
		e = brain_engine_best();
	kernel = engine_kernel(e, &lanes);

	brain_header_serialize(h, raw);
	brain__scan_prepare(&j, raw);
	j.target = target;
	j.target_top = top32(target);
	j.best_top = 0xffffffffu;
	j.threshold = 0xffffffffu;
	j.matches = matches;
	j.max_matches = max_matches;
	j.result = result;

	while (done < count &&
	       !(stop && __atomic_load_n(stop, __ATOMIC_RELAXED))) {
		uint32_t n = count - done < CHUNK ? (uint32_t)(count - done)
						  : CHUNK;
		uint32_t bulk = n - n % lanes;
		uint32_t nonce = nonce_start + (uint32_t)done;
		if (bulk)
			kernel(&j, nonce, bulk);
		if (n > bulk) /* the last few nonces, one lane at a time */
			brain__scan_generic(&j, nonce + bulk, n - bulk);
		done += n;
		result->hashes = done;
	}
	return 0;
}
