/*
 * tests/check_pow.c - proof of work: SHA-256 against NIST and libsodium,
 * real mainnet headers (tests/data/mainnet_headers.txt), targets and
 * compact bits as Bitcoin Core reads them, and the nonce scan: every
 * engine this CPU has must find the real nonces and agree with the
 * generic engine hash for hash.
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAINNET_HEADERS TEST_DATA "/mainnet_headers.txt"
#define MAX_BLOCKS 16

static const char genesis_hex[] =
	"0100000000000000000000000000000000000000000000000000000000000000"
	"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
	"4b1e5e4a29ab5f49ffff001d1dac2b7c";
static const char genesis_hash[] =
	"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

typedef struct block {
	unsigned height;
	char header[161];
	char hash[65];
} block_t;

/* The blocks of tests/data/mainnet_headers.txt, in file order. */
static int load_blocks(block_t *b, int max)
{
	FILE *f = fopen(MAINNET_HEADERS, "r");
	char line[512];
	int n = 0;

	ck_assert_msg(f != NULL, "cannot open %s", MAINNET_HEADERS);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		ck_assert_int_lt(n, max);
		ck_assert_int_eq(sscanf(line, "%u %160s %64s", &b[n].height,
					b[n].header, b[n].hash),
				 3);
		n++;
	}
	fclose(f);
	ck_assert_int_ge(n, 5);
	return n;
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* A deterministic byte stream (xorshift64*), so failures reproduce. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void rng_fill(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rng();
}

static void random_header(brain_header_t *h)
{
	h->version = 0x20000000u | (rng() & 0x1fffe000u);
	rng_fill(h->prev_hash, 32);
	rng_fill(h->merkle_root, 32);
	h->time = 1700000000u + rng() % 100000000u;
	h->bits = 0x17034219u;
	h->nonce = rng();
}

/* Every engine this machine can run, generic first. */
static int available_engines(brain_engine_t *out)
{
	static const brain_engine_t all[] = {
		BRAIN_ENGINE_GENERIC, BRAIN_ENGINE_SHANI, BRAIN_ENGINE_AVX2,
		BRAIN_ENGINE_AVX512};
	int i, n = 0;

	for (i = 0; i < 4; i++)
		if (brain_engine_available(all[i]))
			out[n++] = all[i];
	return n;
}

/* ---- SHA-256 ---- */

static void assert_sha256(const void *data, size_t len, const char *want)
{
	uint8_t out[32];
	char hex[65];

	brain_sha256(data, len, out);
	hex_of(out, 32, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(sha256_matches_the_nist_vectors)
{
	static const char m448[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char *million = malloc(1000000);

	assert_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
			     "27ae41e4649b934ca495991b7852b855");
	assert_sha256(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb924"
			       "27ae41e4649b934ca495991b7852b855");
	assert_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
				"b00361a396177a9cb410ff61f20015ad");
	assert_sha256(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039"
					  "a33ce45964ff2167f6ecedd419db06c1");
	assert_sha256(m896, strlen(m896), "cf5b16a778af8380036ce59e7b049237"
					  "0b249b11e8f07a51afac45037afee9d1");
	ck_assert_ptr_nonnull(million);
	memset(million, 'a', 1000000);
	assert_sha256(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67"
					"f1809a48a497200e046d39ccc7112cd0");
	free(million);
}
END_TEST

START_TEST(sha256_agrees_with_libsodium_on_random_inputs)
{
	static uint8_t buf[4096];
	uint8_t ours[32], theirs[32];
	int i;

	ck_assert_int_ge(sodium_init(), 0);
	rng_seed(20240420);
	for (i = 0; i < 2000; i++) {
		/* mostly short, around the 55/56/64-byte padding edges */
		size_t len = i < 200 ? (size_t)i : rng() % sizeof(buf);
		rng_fill(buf, len);
		brain_sha256(buf, len, ours);
		crypto_hash_sha256(theirs, buf, len);
		ck_assert_msg(memcmp(ours, theirs, 32) == 0,
			      "sha256 differs at length %zu (input %d)", len,
			      i);
	}
}
END_TEST

START_TEST(sha256d_is_sha256_of_the_sha256)
{
	uint8_t buf[300], once[32], twice[32], ours[32];
	int i;

	ck_assert_int_ge(sodium_init(), 0);
	rng_seed(7);
	for (i = 0; i < 200; i++) {
		size_t len = rng() % sizeof(buf);
		rng_fill(buf, len);
		crypto_hash_sha256(once, buf, len);
		crypto_hash_sha256(twice, once, 32);
		brain_sha256d(buf, len, ours);
		ck_assert_mem_eq(ours, twice, 32);
	}
}
END_TEST

/* ---- headers ---- */

START_TEST(genesis_header_built_from_its_fields_hashes_to_the_genesis_hash)
{
	brain_header_t h;
	uint8_t hash[32];
	char hex[161], shown[65];

	memset(&h, 0, sizeof(h));
	h.version = 1;
	/* prev_hash stays zero; the merkle root as explorers show it: */
	ck_assert_int_eq(brain_hash_from_hex("4a5e1e4baab89f3a32518a88c31bc87f"
					     "618f76673e2cc77ab2127b7afdeda33b",
					     h.merkle_root),
			 0);
	h.time = 1231006505;
	h.bits = 0x1d00ffff;
	h.nonce = 2083236893;
	brain_header_to_hex(&h, hex);
	ck_assert_str_eq(hex, genesis_hex);
	brain_header_hash(&h, hash);
	brain_hash_to_hex(hash, shown);
	ck_assert_str_eq(shown, genesis_hash);
	ck_assert_uint_eq(brain_hash_leading_zeros(hash), 10);
}
END_TEST

START_TEST(mainnet_headers_hash_to_their_published_hashes)
{
	block_t b[MAX_BLOCKS];
	int i, n = load_blocks(b, MAX_BLOCKS);

	for (i = 0; i < n; i++) {
		brain_header_t h;
		uint8_t hash[32], want[32], target[32];
		char shown[65], again[161];

		ck_assert_int_eq(brain_header_from_hex(b[i].header, &h), 0);
		brain_header_to_hex(&h, again);
		ck_assert_str_eq(again, b[i].header);
		brain_header_hash(&h, hash);
		brain_hash_to_hex(hash, shown);
		ck_assert_msg(strcmp(shown, b[i].hash) == 0,
			      "block %u: got %s, want %s", b[i].height, shown,
			      b[i].hash);
		ck_assert_int_eq(brain_hash_from_hex(b[i].hash, want), 0);
		ck_assert_mem_eq(hash, want, 32);
		/* it met its own target, and the bits survive a round trip */
		ck_assert_int_eq(brain_bits_to_target(h.bits, target), 0);
		ck_assert_msg(brain_hash_meets_target(hash, target),
			      "block %u misses its target", b[i].height);
		ck_assert_uint_eq(brain_target_to_bits(target), h.bits);
		ck_assert_uint_ge(brain_hash_leading_zeros(hash), 8);
	}
}
END_TEST

START_TEST(consecutive_mainnet_headers_chain_by_prev_hash)
{
	block_t b[MAX_BLOCKS];
	int i, n = load_blocks(b, MAX_BLOCKS), links = 0;

	for (i = 1; i < n; i++) {
		brain_header_t h;
		char prev[65];
		if (b[i].height != b[i - 1].height + 1)
			continue;
		ck_assert_int_eq(brain_header_from_hex(b[i].header, &h), 0);
		brain_hash_to_hex(h.prev_hash, prev);
		ck_assert_str_eq(prev, b[i - 1].hash);
		links++;
	}
	ck_assert_int_ge(links, 2); /* 0 -> 1 -> 2 */
}
END_TEST

START_TEST(header_serialises_little_endian_fields_at_their_offsets)
{
	brain_header_t h, back;
	uint8_t raw[80];
	int i;

	h.version = 0x04030201;
	for (i = 0; i < 32; i++) {
		h.prev_hash[i] = (uint8_t)(0x10 + i);
		h.merkle_root[i] = (uint8_t)(0x40 + i);
	}
	h.time = 0x88776655;
	h.bits = 0x1d00ffff;
	h.nonce = 0xddccbbaa;
	brain_header_serialize(&h, raw);
	ck_assert_int_eq(raw[0], 0x01);
	ck_assert_int_eq(raw[3], 0x04);
	ck_assert_int_eq(raw[4], 0x10);
	ck_assert_int_eq(raw[35], 0x2f);
	ck_assert_int_eq(raw[36], 0x40);
	ck_assert_int_eq(raw[67], 0x5f);
	ck_assert_int_eq(raw[68], 0x55);
	ck_assert_int_eq(raw[72], 0xff);
	ck_assert_int_eq(raw[75], 0x1d);
	ck_assert_int_eq(raw[76], 0xaa);
	ck_assert_int_eq(raw[79], 0xdd);
	brain_header_parse(raw, &back);
	ck_assert_mem_eq(&back, &h, sizeof(h));
}
END_TEST

START_TEST(bad_header_hex_is_einval_and_says_why)
{
	char hex[200];
	brain_header_t h;

	memset(&h, 0x5a, sizeof(h));
	ck_assert_int_eq(brain_header_from_hex(NULL, &h), BRAIN_EINVAL);
	ck_assert_int_eq(brain_header_from_hex("", &h), BRAIN_EINVAL);
	strcpy(hex, genesis_hex);
	hex[159] = '\0'; /* 159 digits */
	ck_assert_int_eq(brain_header_from_hex(hex, &h), BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "block header: expected 160 hex digits, got 159");
	strcpy(hex, genesis_hex);
	strcat(hex, "0"); /* 161 */
	ck_assert_int_eq(brain_header_from_hex(hex, &h), BRAIN_EINVAL);
	strcpy(hex, genesis_hex);
	hex[100] = 'g';
	ck_assert_int_eq(brain_header_from_hex(hex, &h), BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL), "block header: 'g' at offset "
					     "100 is not a hex digit");
	/* a failed parse leaves the header alone */
	ck_assert_uint_eq(h.version, 0x5a5a5a5a);
	/* upper case is hex too */
	strcpy(hex, genesis_hex);
	for (int i = 0; hex[i]; i++)
		if (hex[i] >= 'a' && hex[i] <= 'f')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	ck_assert_int_eq(brain_header_from_hex(hex, &h), 0);
	ck_assert_uint_eq(h.nonce, 2083236893u);
}
END_TEST

START_TEST(hash_hex_is_byte_reversed_and_round_trips)
{
	uint8_t hash[32], back[32];
	char hex[65];
	int i;

	for (i = 0; i < 32; i++)
		hash[i] = (uint8_t)i;
	brain_hash_to_hex(hash, hex);
	ck_assert_str_eq(hex, "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a0908"
			      "0706050403020100");
	ck_assert_int_eq(brain_hash_from_hex(hex, back), 0);
	ck_assert_mem_eq(back, hash, 32);
	ck_assert_int_eq(brain_hash_from_hex("00", back), BRAIN_EINVAL);
	hex[0] = 'x';
	ck_assert_int_eq(brain_hash_from_hex(hex, back), BRAIN_EINVAL);
	ck_assert_int_eq(brain_hash_from_hex(NULL, back), BRAIN_EINVAL);
}
END_TEST

/* ---- targets ---- */

START_TEST(zeros_give_the_target_two_to_256_minus_4n_minus_1)
{
	uint8_t t[32];
	char hex[65];

	brain_zeros_to_target(4, t);
	brain_hash_to_hex(t, hex);
	ck_assert_str_eq(hex, "0000ffffffffffffffffffffffffffffffffffffffffffffff"
			      "ffffffffffffff");
	brain_zeros_to_target(5, t);
	brain_hash_to_hex(t, hex);
	ck_assert_str_eq(hex, "00000fffffffffffffffffffffffffffffffffffffffffffff"
			      "ffffffffffffff");
	brain_zeros_to_target(0, t);
	brain_hash_to_hex(t, hex);
	ck_assert_str_eq(hex, "ffffffffffffffffffffffffffffffffffffffffffffffffff"
			      "ffffffffffffff");
	brain_zeros_to_target(63, t);
	brain_hash_to_hex(t, hex);
	ck_assert_str_eq(hex, "00000000000000000000000000000000000000000000000000"
			      "0000000000000f");
	brain_zeros_to_target(64, t);
	brain_hash_to_hex(t, hex);
	ck_assert_str_eq(hex, "00000000000000000000000000000000000000000000000000"
			      "00000000000000");
	brain_zeros_to_target(99, t); /* clamped to 64 */
	brain_hash_to_hex(t, hex);
	ck_assert_str_eq(hex, "00000000000000000000000000000000000000000000000000"
			      "00000000000000");
}
END_TEST

START_TEST(leading_zeros_count_hex_digits_of_the_shown_hash)
{
	uint8_t h[32];
	unsigned z;

	memset(h, 0xff, 32);
	ck_assert_uint_eq(brain_hash_leading_zeros(h), 0);
	h[31] = 0x0f;
	ck_assert_uint_eq(brain_hash_leading_zeros(h), 1);
	h[31] = 0x00;
	ck_assert_uint_eq(brain_hash_leading_zeros(h), 2);
	h[30] = 0x01;
	ck_assert_uint_eq(brain_hash_leading_zeros(h), 3);
	memset(h, 0, 32);
	ck_assert_uint_eq(brain_hash_leading_zeros(h), 64);
	/* a hash with n zeros meets the n-zero target, not the n+1 one */
	for (z = 0; z < 64; z++) {
		uint8_t t[32];
		memset(h, 0xff, 32);
		brain_zeros_to_target(z, h); /* the largest n-zero hash */
		ck_assert_uint_eq(brain_hash_leading_zeros(h), z);
		brain_zeros_to_target(z, t);
		ck_assert(brain_hash_meets_target(h, t));
		brain_zeros_to_target(z + 1, t);
		ck_assert(!brain_hash_meets_target(h, t));
	}
}
END_TEST

START_TEST(hash_meets_target_is_less_or_equal_as_numbers)
{
	uint8_t hash[32], t[32];

	brain_zeros_to_target(4, t);
	memcpy(hash, t, 32);
	ck_assert(brain_hash_meets_target(hash, t)); /* equal */
	hash[28] = 0; /* a lower byte smaller */
	ck_assert(brain_hash_meets_target(hash, t));
	memset(hash, 0, 32);
	hash[30] = 1; /* 0x0001000... > 0x0000fff... */
	ck_assert(!brain_hash_meets_target(hash, t));
	memset(hash, 0, 32);
	hash[0] = 0xff; /* the low end never outweighs the top */
	ck_assert(brain_hash_meets_target(hash, t));
}
END_TEST

/* Bitcoin Core's arith_uint256 SetCompact/GetCompact cases. */
START_TEST(compact_bits_follow_bitcoin_core)
{
	static const struct {
		uint32_t bits;
		const char *target; /* shown hex, without leading zeros */
		uint32_t back;      /* GetCompact of the target */
	} ok[] = {
		{0x00000000, "0", 0},
		{0x00123456, "0", 0},
		{0x01003456, "0", 0},
		{0x02000056, "0", 0},
		{0x03000000, "0", 0},
		{0x04000000, "0", 0},
		{0x00923456, "0", 0}, /* sign bit on a zero: not negative */
		{0x01803456, "0", 0},
		{0x02800056, "0", 0},
		{0x03800000, "0", 0},
		{0x04800000, "0", 0},
		{0x01123456, "12", 0x01120000},
		{0x02123456, "1234", 0x02123400},
		{0x03123456, "123456", 0x03123456},
		{0x04123456, "12345600", 0x04123456},
		{0x05009234, "92340000", 0x05009234},
		{0x20123456,
		 "1234560000000000000000000000000000000000000000000000000000000000",
		 0x20123456},
		{0x1d00ffff,
		 "ffff0000000000000000000000000000000000000000000000000000",
		 0x1d00ffff},
	};
	static const uint32_t bad[] = {
		0x01fedcba, 0x04923456, /* negative */
		0xff123456, 0x21010000, 0x22000100, 0x23000001, /* > 2^256 */
	};
	uint8_t t0[32];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint8_t t[32];
		char hex[65];
		const char *p = hex;
		ck_assert_int_eq(brain_bits_to_target(ok[i].bits, t), 0);
		brain_hash_to_hex(t, hex);
		while (*p == '0' && p[1])
			p++;
		ck_assert_msg(strcmp(p, ok[i].target) == 0,
			      "bits %08x: target %s, want %s", ok[i].bits, p,
			      ok[i].target);
		ck_assert_uint_eq(brain_target_to_bits(t), ok[i].back);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t t[32];
		ck_assert_msg(brain_bits_to_target(bad[i], t) == BRAIN_EINVAL,
			      "bits %08x accepted", bad[i]);
	}
	ck_assert_str_eq(brain_errmsg(NULL),
			 "bits 0x23000001: the target is over 2^256");
	ck_assert_int_eq(brain_bits_to_target(0x04923456, t0), BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "bits 0x04923456: the target is negative");
	{
		/* the largest: 0x22 bytes with one significant byte */
		uint8_t t[32];
		ck_assert_int_eq(brain_bits_to_target(0x220000ff, t), 0);
		ck_assert_int_eq(t[31], 0xff);
	}
}
END_TEST

START_TEST(difficulty_is_relative_to_bits_1d00ffff)
{
	uint8_t t[32];

	ck_assert_int_eq(brain_bits_to_target(0x1d00ffff, t), 0);
	ck_assert(brain_target_difficulty(t) == 1.0);
	/* block 840000: 86,388,558,925,171.02 as explorers show it */
	ck_assert_int_eq(brain_bits_to_target(0x17034219, t), 0);
	ck_assert_double_eq_tol(brain_target_difficulty(t), 86388558925171.02,
				0.01);
	/* twice the target, half the difficulty */
	ck_assert_int_eq(brain_bits_to_target(0x1d01fffe, t), 0);
	ck_assert_double_eq_tol(brain_target_difficulty(t), 0.5, 1e-12);
	memset(t, 0, 32);
	ck_assert(isinf(brain_target_difficulty(t)));
}
END_TEST

/* ---- engines ---- */

START_TEST(engine_names_round_trip)
{
	static const char *const names[] = {"auto", "generic", "shani", "avx2",
					    "avx512"};
	brain_engine_t e;
	int i;

	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(brain_engine_from_name(names[i], &e), 0);
		ck_assert_int_eq(e, i);
		ck_assert_str_eq(brain_engine_name(e), names[i]);
	}
	e = BRAIN_ENGINE_AVX2;
	ck_assert_int_eq(brain_engine_from_name("sse", &e), BRAIN_EINVAL);
	ck_assert_int_eq(e, BRAIN_ENGINE_AVX2); /* untouched */
	ck_assert_str_eq(brain_errmsg(NULL),
			 "unknown engine 'sse' (expected auto, generic, "
			 "shani, avx2 or avx512)");
	ck_assert_int_eq(brain_engine_from_name(NULL, &e), BRAIN_EINVAL);
	ck_assert_str_eq(brain_engine_name((brain_engine_t)42), "unknown");
}
END_TEST

START_TEST(auto_resolves_to_the_best_available_engine)
{
	brain_engine_t best = brain_engine_best();

	ck_assert(brain_engine_available(BRAIN_ENGINE_GENERIC));
	ck_assert(brain_engine_available(BRAIN_ENGINE_AUTO));
	ck_assert(best != BRAIN_ENGINE_AUTO);
	ck_assert(brain_engine_available(best));
	ck_assert(!brain_engine_available((brain_engine_t)42));
	/* measured once: every later answer is the same */
	ck_assert_int_eq(brain_engine_best(), best);
	/* a SIMD or SHA engine beats one lane of C wherever there is one */
	if (brain_engine_available(BRAIN_ENGINE_SHANI) ||
	    brain_engine_available(BRAIN_ENGINE_AVX2))
		ck_assert_int_ne(best, BRAIN_ENGINE_GENERIC);
}
END_TEST

START_TEST(every_engine_finds_the_real_nonce_of_mainnet_blocks)
{
	brain_engine_t engines[4];
	block_t b[MAX_BLOCKS];
	int ne = available_engines(engines), nb = load_blocks(b, MAX_BLOCKS);
	int i, k;

	for (k = 0; k < ne; k++)
		for (i = 0; i < nb; i++) {
			brain_header_t h;
			brain_match_t m[4];
			brain_scan_t r;
			uint8_t target[32], want[32];
			uint32_t real;

			ck_assert_int_eq(brain_header_from_hex(b[i].header, &h),
					 0);
			ck_assert_int_eq(brain_hash_from_hex(b[i].hash, want), 0);
			ck_assert_int_eq(brain_bits_to_target(h.bits, target),
					 0);
			real = h.nonce;
			h.nonce = 0; /* ignored by the scan */
			ck_assert_int_eq(brain_scan(engines[k], &h, real - 1000,
						    2001, target, m, 4, NULL,
						    &r),
					 0);
			ck_assert_uint_eq(r.hashes, 2001);
			ck_assert_msg(r.nmatches == 1,
				      "%s, block %u: %zu matches",
				      brain_engine_name(engines[k]),
				      b[i].height, r.nmatches);
			ck_assert_uint_eq(m[0].nonce, real);
			ck_assert_mem_eq(m[0].hash, want, 32);
			ck_assert_uint_eq(r.best_nonce, real);
			ck_assert_mem_eq(r.best_hash, want, 32);
		}
}
END_TEST

/* Scans with e and with the generic engine and asserts the same result. */
static void assert_same_as_generic(brain_engine_t e, const brain_header_t *h,
				   uint32_t start, uint64_t count,
				   const uint8_t target[32], size_t room)
{
	brain_match_t *m = calloc(room ? room : 1, sizeof(*m));
	brain_match_t *g = calloc(room ? room : 1, sizeof(*g));
	brain_scan_t rm, rg;

	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, h, start, count,
				    target, g, room, NULL, &rg),
			 0);
	ck_assert_int_eq(brain_scan(e, h, start, count, target, m, room, NULL,
				    &rm),
			 0);
	ck_assert_uint_eq(rm.hashes, count);
	ck_assert_uint_eq(rg.hashes, count);
	ck_assert_msg(rm.nmatches == rg.nmatches, "%s: %zu matches, generic %zu",
		      brain_engine_name(e), rm.nmatches, rg.nmatches);
	ck_assert_mem_eq(m, g,
			 (rm.nmatches < room ? rm.nmatches : room) * sizeof(*m));
	ck_assert_uint_eq(rm.best_nonce, rg.best_nonce);
	ck_assert_mem_eq(rm.best_hash, rg.best_hash, 32);
	free(m);
	free(g);
}

START_TEST(engines_agree_with_generic_on_random_headers)
{
	brain_engine_t engines[4];
	int ne = available_engines(engines), k, round;
	uint8_t target[32];

	brain_zeros_to_target(2, target);
	rng_seed(840000);
	for (round = 0; round < 3; round++) {
		brain_header_t h;
		uint32_t start = rng();
		random_header(&h);
		/* an odd count: the last few nonces take the one-lane path */
		for (k = 1; k < ne; k++)
			assert_same_as_generic(engines[k], &h, start, 100003,
					       target, 1024);
	}
}
END_TEST

/* a - b as 256-bit numbers kept least significant byte first */
static int hash_cmp(const uint8_t a[32], const uint8_t b[32])
{
	int i;

	for (i = 31; i >= 0; i--)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* The portable engine scans four nonces at a time in vectors; scanned one
 * nonce per call it takes the one-lane path.  Both must find the same. */
START_TEST(generic_vectors_agree_with_its_one_lane_path)
{
	brain_match_t bulk[600], one[1];
	brain_scan_t rb, r1;
	uint8_t target[32], best[32];
	brain_header_t h;
	uint32_t i, found = 0, best_nonce = 0;

	brain_zeros_to_target(1, target);
	rng_seed(7);
	random_header(&h);
	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, &h, 77, 4096, target,
				    bulk, 600, NULL, &rb), 0);
	memset(best, 0xff, sizeof(best));
	for (i = 0; i < 4096; i++) {
		ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, &h, 77 + i, 1,
					    target, one, 1, NULL, &r1), 0);
		if (r1.nmatches) {
			ck_assert_uint_lt(found, rb.nmatches);
			ck_assert_uint_eq(bulk[found].nonce, one[0].nonce);
			ck_assert_mem_eq(bulk[found].hash, one[0].hash, 32);
			found++;
		}
		if (hash_cmp(r1.best_hash, best) < 0) {
			memcpy(best, r1.best_hash, 32);
			best_nonce = r1.best_nonce;
		}
	}
	ck_assert_uint_eq(found, rb.nmatches);
	ck_assert_uint_eq(rb.best_nonce, best_nonce);
	ck_assert_mem_eq(rb.best_hash, best, 32);
}
END_TEST

START_TEST(engines_agree_when_every_hash_matches)
{
	brain_engine_t engines[4];
	int ne = available_engines(engines), k;
	uint8_t target[32];
	brain_header_t h;

	brain_zeros_to_target(0, target); /* every hash meets it */
	rng_seed(1);
	random_header(&h);
	for (k = 1; k < ne; k++)
		assert_same_as_generic(engines[k], &h, 5, 4099, target, 5000);
}
END_TEST

START_TEST(every_match_is_the_real_hash_of_its_nonce)
{
	brain_engine_t engines[4];
	int ne = available_engines(engines), k;
	uint8_t target[32];
	brain_header_t h;
	brain_match_t m[512];
	brain_scan_t r;
	size_t i;

	brain_zeros_to_target(1, target);
	rng_seed(2);
	random_header(&h);
	for (k = 0; k < ne; k++) {
		ck_assert_int_eq(brain_scan(engines[k], &h, 1000, 4096, target,
					    m, 512, NULL, &r),
				 0);
		ck_assert_uint_gt(r.nmatches, 128); /* about 256 */
		ck_assert_uint_le(r.nmatches, 512);
		for (i = 0; i < r.nmatches; i++) {
			brain_header_t at = h;
			uint8_t hash[32];
			at.nonce = m[i].nonce;
			brain_header_hash(&at, hash);
			ck_assert_mem_eq(m[i].hash, hash, 32);
			ck_assert(brain_hash_meets_target(hash, target));
			ck_assert_uint_ge(brain_hash_leading_zeros(hash), 1);
			if (i)
				ck_assert_uint_gt(m[i].nonce, m[i - 1].nonce);
		}
	}
}
END_TEST

START_TEST(best_is_the_lowest_hash_of_the_range)
{
	brain_engine_t engines[4];
	int ne = available_engines(engines), k;
	uint8_t target[32], best[32];
	uint32_t best_nonce = 0, n;
	brain_header_t h;

	memset(target, 0, 32); /* nothing matches */
	memset(best, 0xff, 32);
	rng_seed(3);
	random_header(&h);
	for (n = 0; n < 3000; n++) {
		brain_header_t at = h;
		uint8_t hash[32];
		at.nonce = 77 + n;
		brain_header_hash(&at, hash);
		if (!brain_hash_meets_target(best, hash)) {
			memcpy(best, hash, 32);
			best_nonce = at.nonce;
		}
	}
	for (k = 0; k < ne; k++) {
		brain_scan_t r;
		ck_assert_int_eq(brain_scan(engines[k], &h, 77, 3000, target,
					    NULL, 0, NULL, &r),
				 0);
		ck_assert_uint_eq(r.nmatches, 0);
		ck_assert_uint_eq(r.best_nonce, best_nonce);
		ck_assert_mem_eq(r.best_hash, best, 32);
	}
}
END_TEST

START_TEST(matches_beyond_max_matches_are_counted_not_stored)
{
	brain_engine_t engines[4];
	int ne = available_engines(engines), k;
	uint8_t target[32];
	brain_match_t m[6];
	brain_header_t h;
	brain_scan_t r;

	brain_zeros_to_target(0, target);
	rng_seed(4);
	random_header(&h);
	for (k = 0; k < ne; k++) {
		memset(m, 0xee, sizeof(m));
		ck_assert_int_eq(brain_scan(engines[k], &h, 10, 100, target, m,
					    5, NULL, &r),
				 0);
		ck_assert_uint_eq(r.nmatches, 100);
		ck_assert_uint_eq(m[0].nonce, 10);
		ck_assert_uint_eq(m[4].nonce, 14);
		ck_assert_uint_eq(m[5].nonce, 0xeeeeeeee); /* untouched */
		/* no room at all is fine too */
		ck_assert_int_eq(brain_scan(engines[k], &h, 10, 100, target,
					    NULL, 0, NULL, &r),
				 0);
		ck_assert_uint_eq(r.nmatches, 100);
	}
}
END_TEST

START_TEST(nonces_wrap_around_past_2_to_32)
{
	brain_engine_t engines[4];
	int ne = available_engines(engines), k;
	uint8_t target[32];
	brain_match_t m[64];
	brain_header_t h;
	brain_scan_t r;

	brain_zeros_to_target(0, target);
	rng_seed(5);
	random_header(&h);
	for (k = 0; k < ne; k++) {
		ck_assert_int_eq(brain_scan(engines[k], &h, 0xffffffe0u, 64,
					    target, m, 64, NULL, &r),
				 0);
		ck_assert_uint_eq(r.nmatches, 64);
		ck_assert_uint_eq(m[31].nonce, 0xffffffffu);
		ck_assert_uint_eq(m[32].nonce, 0);
		ck_assert_uint_eq(m[63].nonce, 31);
	}
	for (k = 1; k < ne; k++)
		assert_same_as_generic(engines[k], &h, 0xfffff000u, 8192,
				       target, 8192);
	/* the whole nonce space is allowed, one more is not */
	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, &h, 0,
				    (1ull << 32) + 1, target, NULL, 0, NULL,
				    &r),
			 BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "scan of 4294967297 nonces: at most 2^32");
}
END_TEST

START_TEST(a_set_stop_flag_ends_the_scan_before_any_work)
{
	brain_engine_t engines[4];
	int ne = available_engines(engines), k;
	volatile int stop = 1;
	uint8_t target[32];
	brain_header_t h;
	brain_scan_t r;

	brain_zeros_to_target(0, target);
	rng_seed(6);
	random_header(&h);
	for (k = 0; k < ne; k++) {
		ck_assert_int_eq(brain_scan(engines[k], &h, 0, 1ull << 32,
					    target, NULL, 0, &stop, &r),
				 0);
		ck_assert_uint_eq(r.hashes, 0);
		ck_assert_uint_eq(r.nmatches, 0);
	}
	stop = 0; /* an unset flag changes nothing */
	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_AUTO, &h, 0, 1000, target,
				    NULL, 0, &stop, &r),
			 0);
	ck_assert_uint_eq(r.hashes, 1000);
	ck_assert_uint_eq(r.nmatches, 1000);
}
END_TEST

START_TEST(scan_rejects_bad_arguments)
{
	uint8_t target[32];
	brain_header_t h;
	brain_scan_t r;

	brain_zeros_to_target(1, target);
	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(brain_scan((brain_engine_t)42, &h, 0, 10, target, NULL,
				    0, NULL, &r),
			 BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "engine 'unknown' is not available on this machine");
	ck_assert_uint_eq(r.hashes, 0);
	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, &h, 0, 10, target,
				    NULL, 3, NULL, &r),
			 BRAIN_EINVAL);
	/* nothing to do is not an error; best is then all ones */
	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, &h, 9, 0, target,
				    NULL, 0, NULL, &r),
			 0);
	ck_assert_uint_eq(r.hashes, 0);
	ck_assert_uint_eq(r.best_nonce, 9);
	ck_assert_uint_eq(r.best_hash[0], 0xff);
	ck_assert_uint_eq(r.best_hash[31], 0xff);
}
END_TEST

Suite *pow_suite(void)
{
	Suite *s = suite_create("pow");
	TCase *tc = tcase_create("hashes_and_targets");
	TCase *scan = tcase_create("scan");

	tcase_add_test(tc, sha256_matches_the_nist_vectors);
	tcase_add_test(tc, sha256_agrees_with_libsodium_on_random_inputs);
	tcase_add_test(tc, sha256d_is_sha256_of_the_sha256);
	tcase_add_test(tc,
		       genesis_header_built_from_its_fields_hashes_to_the_genesis_hash);
	tcase_add_test(tc, mainnet_headers_hash_to_their_published_hashes);
	tcase_add_test(tc, consecutive_mainnet_headers_chain_by_prev_hash);
	tcase_add_test(tc, header_serialises_little_endian_fields_at_their_offsets);
	tcase_add_test(tc, bad_header_hex_is_einval_and_says_why);
	tcase_add_test(tc, hash_hex_is_byte_reversed_and_round_trips);
	tcase_add_test(tc, zeros_give_the_target_two_to_256_minus_4n_minus_1);
	tcase_add_test(tc, leading_zeros_count_hex_digits_of_the_shown_hash);
	tcase_add_test(tc, hash_meets_target_is_less_or_equal_as_numbers);
	tcase_add_test(tc, compact_bits_follow_bitcoin_core);
	tcase_add_test(tc, difficulty_is_relative_to_bits_1d00ffff);
	tcase_add_test(tc, engine_names_round_trip);
	tcase_add_test(tc, auto_resolves_to_the_best_available_engine);
	suite_add_tcase(s, tc);

	/* the sanitised build hashes a few times slower */
	tcase_set_timeout(scan, 120);
	tcase_add_test(scan, every_engine_finds_the_real_nonce_of_mainnet_blocks);
	tcase_add_test(scan, engines_agree_with_generic_on_random_headers);
	tcase_add_test(scan, engines_agree_when_every_hash_matches);
	tcase_add_test(scan, generic_vectors_agree_with_its_one_lane_path);
	tcase_add_test(scan, every_match_is_the_real_hash_of_its_nonce);
	tcase_add_test(scan, best_is_the_lowest_hash_of_the_range);
	tcase_add_test(scan, matches_beyond_max_matches_are_counted_not_stored);
	tcase_add_test(scan, nonces_wrap_around_past_2_to_32);
	tcase_add_test(scan, a_set_stop_flag_ends_the_scan_before_any_work);
	tcase_add_test(scan, scan_rejects_bad_arguments);
	suite_add_tcase(s, scan);
	return s;
}
