/*
 * tests/check_stratum_job.c - a pool's jobs (lib/stratum_job.c): a
 * mining.notify made into a job, the work built from it, share targets
 * of difficulties, and found shares checked again.
 *
 * Expected values come from tests/data/stratum_job_vectors.json, written
 * by tests/tools/stratum_vectors.py: a separate implementation (Python,
 * hashlib and exact fractions) of the coinbase, merkle root, header and
 * target rules, so these tests compare two implementations, not one with
 * itself.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"
#include "stratum_internal.h"

#define VECTORS TEST_DATA "/stratum_job_vectors.json"
#define POOL_URL "stratum+tcp://127.0.0.1:3333"

static json_t *load_vectors(void)
{
	json_error_t err;
	json_t *v = json_load_file(VECTORS, 0, &err);

	ck_assert_msg(v != NULL, "%s:%d: %s", VECTORS, err.line, err.text);
	return v;
}

/* the vector job called name */
static json_t *vector_job(json_t *v, const char *name)
{
	json_t *j;
	size_t i;

	json_array_foreach(json_object_get(v, "jobs"), i, j)
		if (!strcmp(json_string_value(json_object_get(j, "name")),
			    name))
			return j;
	ck_abort_msg("no vector job %s", name);
	return NULL;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;
	unsigned v;

	ck_assert_uint_le(n, cap);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static const char *vstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s != NULL, "vector lacks %s", key);
	return s;
}

static json_int_t vint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* a 64-bit value, written as hex digits (JSON readers stop at 2^63) */
static uint64_t vu64(json_t *o, const char *key)
{
	return strtoull(vstr(o, key), NULL, 16);
}

/* A session as the vector job describes it. */
typedef struct session {
	brain__stratum_session s;
	uint8_t en1[32];
} session;

static void vector_session(json_t *vj, session *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->s.pool_url = POOL_URL;
	ss->s.connection = 7;
	ss->s.extranonce1_len = unhex(vstr(vj, "extranonce1"), ss->en1, 32);
	ss->s.extranonce1 = ss->en1;
	ss->s.extranonce2_size = (size_t)vint(vj, "extranonce2_size");
	ss->s.difficulty = json_number_value(json_object_get(vj, "difficulty"));
}

static brain_stratum_job_t *parse_vector(json_t *vj)
{
	brain_stratum_job_t *j = NULL;
	session ss;
	char why[256];

	vector_session(vj, &ss);
	ck_assert_int_eq(brain__stratum_job_parse(json_object_get(vj, "notify"),
						  &ss.s, &j, why, sizeof(why)),
			 0);
	ck_assert_str_eq(why, "");
	ck_assert_ptr_nonnull(j);
	return j;
}

/* ---- parsing ---- */

START_TEST(a_notify_becomes_the_job_it_describes)
{
	json_t *v = load_vectors(), *vj;
	size_t k;

	json_array_foreach(json_object_get(v, "jobs"), k, vj) {
		json_t *params = json_deep_copy(json_object_get(vj, "notify"));
		brain_stratum_job_t *j = NULL;
		const brain_stratum_job_info_t *in;
		session ss;
		char why[256], hex[65];

		vector_session(vj, &ss);
		ck_assert_int_eq(brain__stratum_job_parse(params, &ss.s, &j,
							  why, sizeof(why)),
				 0);
		/* the job keeps nothing of the params or the session */
		json_decref(params);
		memset(ss.en1, 0xee, sizeof(ss.en1));
		in = brain_stratum_job_info(j);
		ck_assert_str_eq(in->job_id,
				 json_string_value(json_array_get(
					 json_object_get(vj, "notify"), 0)));
		ck_assert_str_eq(in->pool_url, POOL_URL);
		ck_assert_uint_eq(in->connection, 7);
		to_hex(in->prev_hash, 32, hex);
		ck_assert_str_eq(hex, vstr(vj, "prev_hash"));
		ck_assert_uint_eq(in->version, (uint32_t)vint(vj, "version"));
		ck_assert_uint_eq(in->bits, (uint32_t)vint(vj, "bits"));
		ck_assert_uint_eq(in->ntime, (uint32_t)vint(vj, "ntime"));
		ck_assert_int_eq(in->clean_jobs,
				 json_is_true(json_object_get(vj, "clean_jobs")));
		ck_assert(in->difficulty ==
			  json_number_value(json_object_get(vj, "difficulty")));
		brain_hash_to_hex(in->share_target, hex);
		ck_assert_str_eq(hex, vstr(vj, "share_target"));
		brain_hash_to_hex(in->network_target, hex);
		ck_assert_str_eq(hex, vstr(vj, "network_target"));
		ck_assert_uint_eq(in->extranonce1_len,
				  strlen(vstr(vj, "extranonce1")) / 2);
		ck_assert_uint_eq(in->extranonce2_size,
				  (size_t)vint(vj, "extranonce2_size"));
		ck_assert_uint_eq(in->merkle_count,
				  (size_t)vint(vj, "merkle_count"));
		ck_assert_uint_eq(in->coinbase_len,
				  (size_t)vint(vj, "coinbase_len"));
		brain_stratum_job_unref(j);
	}
	json_decref(v);
}
END_TEST

START_TEST(prevhash_words_are_byte_swapped_into_internal_order)
{
	/* Stratum's prevhash "00010203 04050607 ..." is the hash whose
	 * internal bytes are 03 02 01 00 07 06 05 04 ... */
	json_t *p = json_pack(
		"[s, s, s, s, [], s, s, s, b]", "j1",
		"000102030405060708090a0b0c0d0e0f"
		"101112131415161718191a1b1c1d1e1f",
		"01", "02", "20000000", "1d00ffff", "6560a1b2", 1);
	static const uint8_t en1[4] = {1, 2, 3, 4};
	brain__stratum_session s = {POOL_URL, 1, en1, 4, 4, 1.0};
	brain_stratum_job_t *j = NULL;
	char why[256], shown[65];
	int i;

	ck_assert_int_eq(brain__stratum_job_parse(p, &s, &j, why, sizeof(why)),
			 0);
	for (i = 0; i < 32; i++)
		ck_assert_uint_eq(brain_stratum_job_info(j)->prev_hash[i],
				  (unsigned)((i & ~3) + 3 - (i & 3)));
	brain_hash_to_hex(brain_stratum_job_info(j)->prev_hash, shown);
	ck_assert_str_eq(shown, "1c1d1e1f18191a1b14151617101112130c0d0e0f"
				"08090a0b0405060700010203");
	brain_stratum_job_unref(j);
	json_decref(p);
}
END_TEST

START_TEST(extra_trailing_params_are_ignored)
{
	json_t *v = load_vectors(), *vj = vector_job(v, "no_branch");
	json_t *p = json_deep_copy(json_object_get(vj, "notify"));
	brain_stratum_job_t *j = NULL;
	session ss;
	char why[256];

	json_array_append_new(p, json_string("extra"));
	json_array_append_new(p, json_integer(5));
	vector_session(vj, &ss);
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 0);
	ck_assert_uint_eq(brain_stratum_job_info(j)->ntime,
			  (uint32_t)vint(vj, "ntime"));
	brain_stratum_job_unref(j);
	json_decref(p);
	json_decref(v);
}
END_TEST

/* One field of a good notify replaced, and what the refusal must say. */
typedef struct bad_field {
	int index;            /* param replaced; -1: the branch's second
				 hash; -2: params truncated to 8 */
	const char *json;     /* the replacement */
	const char *message;  /* a part of why */
} bad_field;

static const bad_field bad_fields[] = {
	{0, "5", "job_id is not a string"},
	{0, "\"\"", "job_id of 0 bytes"},
	{0, "null", "job_id is not a string"},
	{1, "\"00\"", "prevhash is not 64 hex digits"},
	{1, "\"0000000000000000000000000000000000000000000000000000000000000"
	    "000ab\"",
	 "prevhash is not 64 hex digits"},
	{1, "\"000000000000000000000000000000000000000000000000000000000000"
	    "000g\"",
	 "prevhash is not hex (character 64)"},
	{1, "[]", "prevhash is not a string"},
	{2, "\"abc\"", "coinb1 has an odd number of hex digits"},
	{2, "\"0x12\"", "coinb1 is not hex (character 2)"},
	{2, "12", "coinb1 is not a string"},
	{3, "\"zz\"", "coinb2 is not hex (character 1)"},
	{3, "\"123\"", "coinb2 has an odd number of hex digits"},
	{3, "{}", "coinb2 is not a string"},
	{4, "\"00\"", "merkle_branch is not an array"},
	{-1, "\"00\"", "merkle_branch[1] is not 64 hex digits"},
	{-1, "7", "merkle_branch[1] is not a string"},
	{-1, "\"000000000000000000000000000000000000000000000000000000000000"
	     "00 0\"",
	 "merkle_branch[1] is not hex"},
	{5, "\"2000000\"", "version is not 8 hex digits"},
	{5, "\"200000000\"", "version is not 8 hex digits"},
	{5, "536870912", "version is not a string"},
	{5, "\"2000000x\"", "version is not hex"},
	{6, "\"1d00fff\"", "nbits is not 8 hex digits"},
	{6, "\"1d00fffg\"", "nbits is not hex"},
	{6, "\"1d80ffff\"", "nbits 1d80ffff is not a valid target"},
	{6, "\"ff00ffff\"", "nbits ff00ffff is not a valid target"},
	{7, "\"6560a1b\"", "ntime is not 8 hex digits"},
	{7, "1700000000", "ntime is not a string"},
	{8, "1", "clean_jobs is not a boolean"},
	{8, "\"true\"", "clean_jobs is not a boolean"},
	{8, "null", "clean_jobs is not a boolean"},
	{-2, "null", "8 params, expected 9"},
};

START_TEST(each_malformed_notify_field_is_refused_by_name)
{
	json_t *v = load_vectors(), *vj = vector_job(v, "one_branch");
	const bad_field *b = &bad_fields[_i];
	json_t *p = json_deep_copy(json_object_get(vj, "notify"));
	json_t *with = json_loads(b->json, JSON_DECODE_ANY, NULL);
	brain_stratum_job_t *j = (brain_stratum_job_t *)&v; /* overwritten */
	session ss;
	char why[256];

	ck_assert_ptr_nonnull(with);
	json_array_append_new(json_array_get(p, 4),
			      json_string("00000000000000000000000000000000"
					  "00000000000000000000000000000000"));
	if (b->index == -1)
		json_array_set_new(json_array_get(p, 4), 1, with);
	else if (b->index == -2) {
		json_array_remove(p, 8);
		json_decref(with);
	} else
		json_array_set_new(p, (size_t)b->index, with);
	vector_session(vj, &ss);
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_ptr_null(j);
	ck_assert_msg(strstr(why, b->message) != NULL,
		      "replacing %d with %s: '%s' lacks '%s'", b->index,
		      b->json, why, b->message);
	ck_assert_msg(!strncmp(why, "mining.notify: ", 15), "%s", why);
	json_decref(p);
	json_decref(v);
}
END_TEST

START_TEST(oversized_notifies_are_refused)
{
	json_t *v = load_vectors(), *vj = vector_job(v, "no_branch");
	json_t *p = json_deep_copy(json_object_get(vj, "notify")), *br;
	brain_stratum_job_t *j = NULL;
	session ss;
	char why[256], *big;
	int i;

	vector_session(vj, &ss);
	/* a coinbase over 100,000 bytes (coinb2 alone is) */
	big = malloc(2 * 100001 + 1);
	memset(big, 'a', 2 * 100001);
	big[2 * 100001] = '\0';
	json_array_set_new(p, 3, json_string(big));
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_msg(strstr(why, "coinb2 is 100001 bytes, at most 100000"),
		      "%s", why);
	/* both parts fit, the whole does not */
	big[2 * 50000] = '\0';
	json_array_set_new(p, 2, json_string(big));
	json_array_set_new(p, 3, json_string(big));
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_msg(strstr(why, "the coinbase is 100008 bytes, at most "
				  "100000"),
		      "%s", why);
	free(big);
	json_decref(p);
	/* 33 branch hashes; 32 are taken */
	p = json_deep_copy(json_object_get(vj, "notify"));
	br = json_array_get(p, 4);
	for (i = 0; i < 32; i++)
		json_array_append_new(br, json_string(
			"1111111111111111111111111111111111111111111111111111"
			"111111111111"));
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 0);
	ck_assert_uint_eq(brain_stratum_job_info(j)->merkle_count, 32);
	brain_stratum_job_unref(j);
	json_array_append_new(br, json_string(
		"11111111111111111111111111111111111111111111111111111111111"
		"11111"));
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_msg(strstr(why, "merkle_branch has 33 hashes, at most 32"),
		      "%s", why);
	/* a job id over 256 bytes */
	json_decref(p);
	p = json_deep_copy(json_object_get(vj, "notify"));
	big = calloc(1, 258);
	memset(big, 'f', 257);
	json_array_set_new(p, 0, json_string(big));
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_msg(strstr(why, "job_id of 257 bytes"), "%s", why);
	free(big);
	json_decref(p);
	/* not an array at all */
	p = json_object();
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_str_eq(why, "mining.notify: params is not an array");
	json_decref(p);
	json_decref(v);
}
END_TEST

START_TEST(a_session_out_of_range_is_refused)
{
	json_t *v = load_vectors(), *vj = vector_job(v, "no_branch");
	json_t *p = json_object_get(vj, "notify");
	brain_stratum_job_t *j = NULL;
	session ss;
	char why[256];

	vector_session(vj, &ss);
	ss.s.extranonce2_size = 0;
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_str_eq(why, "extranonce2 size 0: expected 1 to 8 bytes");
	ss.s.extranonce2_size = 9;
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ss.s.extranonce2_size = 4;
	ss.s.extranonce1_len = 33;
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_str_eq(why, "extranonce1 of 33 bytes: at most 32");
	ss.s.extranonce1_len = 4;
	ss.s.difficulty = 0;
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_msg(strstr(why, "share difficulty 0"), "%s", why);
	ss.s.difficulty = NAN;
	ck_assert_int_eq(brain__stratum_job_parse(p, &ss.s, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_int_eq(brain__stratum_job_parse(p, NULL, &j, why,
						  sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_ptr_null(j);
	/* a NULL why is allowed */
	ck_assert_int_eq(brain__stratum_job_parse(p, NULL, &j, NULL, 0),
			 BRAIN_EINVAL);
	json_decref(v);
}
END_TEST

/* ---- work ---- */

START_TEST(work_matches_the_independent_implementation)
{
	json_t *v = load_vectors(), *vj, *w;
	size_t k, n;

	json_array_foreach(json_object_get(v, "jobs"), k, vj) {
		brain_stratum_job_t *j = parse_vector(vj);
		const brain_stratum_job_info_t *in = brain_stratum_job_info(j);

		json_array_foreach(json_object_get(vj, "works"), n, w) {
			uint64_t en2 = vu64(w, "extranonce2");
			uint32_t ntime = (uint32_t)vint(w, "ntime");
			char hex[161], h2[65], ehex[17];
			brain_work_t work;
			uint8_t hash[32];

			memset(&work, 0x5a, sizeof(work));
			ck_assert_int_eq(brain_stratum_job_work(j, en2, ntime,
								&work),
					 0);
			brain_header_to_hex(&work.header, hex);
			ck_assert_msg(!strcmp(hex, vstr(w, "header")),
				      "%s en2 %s: %s", vstr(vj, "name"),
				      vstr(w, "extranonce2_hex"), hex);
			to_hex(work.header.merkle_root, 32, h2);
			ck_assert_str_eq(h2, vstr(w, "merkle_root"));
			ck_assert_uint_eq(work.header.nonce, 0);
			ck_assert_uint_eq(work.header.time, ntime);
			ck_assert(!memcmp(work.target, in->share_target, 32));
			ck_assert_uint_eq(work.extranonce, en2);
			ck_assert_uint_eq(work.zeros, 0);
			brain_header_hash(&work.header, hash);
			brain_hash_to_hex(hash, h2);
			ck_assert_str_eq(h2, vstr(w, "hash"));
			ck_assert_int_eq(brain_stratum_job_extranonce2_hex(
						 j, en2, ehex),
					 0);
			ck_assert_str_eq(ehex, vstr(w, "extranonce2_hex"));
		}
		brain_stratum_job_unref(j);
	}
	json_decref(v);
}
END_TEST

START_TEST(extranonce2_is_little_endian_within_its_size)
{
	json_t *v = load_vectors();
	brain_stratum_job_t *j4 = parse_vector(vector_job(v, "no_branch"));
	brain_stratum_job_t *j8 = parse_vector(vector_job(v, "one_branch"));
	brain_stratum_job_t *j3 = parse_vector(vector_job(v, "five_branches"));
	brain_stratum_job_t *j2 = parse_vector(vector_job(v, "shares"));
	brain_stratum_share_t sh;
	brain_work_t w;
	char hex[17], why[256];

	ck_assert_uint_eq(brain_stratum_job_extranonce2_space(j2), 65536);
	ck_assert_uint_eq(brain_stratum_job_extranonce2_space(j3), 1u << 24);
	ck_assert_uint_eq(brain_stratum_job_extranonce2_space(j4),
			  UINT64_C(1) << 32);
	ck_assert_uint_eq(brain_stratum_job_extranonce2_space(j8), UINT64_MAX);
	ck_assert_int_eq(brain_stratum_job_extranonce2_hex(j4, 1, hex), 0);
	ck_assert_str_eq(hex, "01000000");
	ck_assert_int_eq(brain_stratum_job_extranonce2_hex(j3, 0x0a0b0c, hex),
			 0);
	ck_assert_str_eq(hex, "0c0b0a");
	ck_assert_int_eq(
		brain_stratum_job_extranonce2_hex(j8, 0x0102030405060708, hex),
		0);
	ck_assert_str_eq(hex, "0807060504030201");
	ck_assert_int_eq(brain_stratum_job_extranonce2_hex(j8, UINT64_MAX, hex),
			 0);
	ck_assert_str_eq(hex, "ffffffffffffffff");
	/* one past the last value is refused by every call */
	ck_assert_int_eq(brain_stratum_job_extranonce2_hex(j2, 65535, hex), 0);
	ck_assert_str_eq(hex, "ffff");
	ck_assert_int_eq(brain_stratum_job_extranonce2_hex(j2, 65536, hex),
			 BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "extranonce2 65536 does not fit in 2 bytes");
	ck_assert_int_eq(brain_stratum_job_work(j2, 65535, 0, &w), 0);
	ck_assert_int_eq(brain_stratum_job_work(j2, 65536, 0, &w),
			 BRAIN_EINVAL);
	ck_assert_str_eq(brain_errmsg(NULL),
			 "extranonce2 65536 does not fit in 2 bytes");
	ck_assert_int_eq(brain_stratum_job_work(j4, UINT64_C(1) << 32, 0, &w),
			 BRAIN_EINVAL);
	ck_assert_int_eq(brain__stratum_share_check(j3, 1u << 24, 0, 0, &sh,
						    why, sizeof(why)),
			 BRAIN_EINVAL);
	ck_assert_str_eq(why, "extranonce2 16777216 does not fit in 3 bytes");
	/* different extranonce2, different header */
	{
		brain_work_t a, b;
		ck_assert_int_eq(brain_stratum_job_work(j4, 1, 5, &a), 0);
		ck_assert_int_eq(brain_stratum_job_work(j4, 256, 5, &b), 0);
		ck_assert(memcmp(a.header.merkle_root, b.header.merkle_root,
				 32) != 0);
	}
	brain_stratum_job_unref(j2);
	brain_stratum_job_unref(j3);
	brain_stratum_job_unref(j4);
	brain_stratum_job_unref(j8);
	json_decref(v);
}
END_TEST

/* ---- difficulty ---- */

START_TEST(difficulty_targets_are_exact)
{
	json_t *v = load_vectors(), *t;
	size_t k;

	json_array_foreach(json_object_get(v, "difficulty_targets"), k, t) {
		double d = json_number_value(json_object_get(t, "difficulty"));
		uint8_t target[32];
		char hex[65];

		memset(target, 0x5a, sizeof(target));
		ck_assert_int_eq(brain_stratum_difficulty_target(d, target), 0);
		brain_hash_to_hex(target, hex);
		ck_assert_msg(!strcmp(hex, vstr(t, "target")),
			      "difficulty %.17g: %s, expected %s", d, hex,
			      vstr(t, "target"));
	}
	json_decref(v);
}
END_TEST

START_TEST(difficulty_one_is_the_target_of_bits_1d00ffff)
{
	uint8_t a[32], b[32];
	char hex[65];

	ck_assert_int_eq(brain_stratum_difficulty_target(1.0, a), 0);
	ck_assert_int_eq(brain_bits_to_target(0x1d00ffff, b), 0);
	ck_assert(!memcmp(a, b, 32));
	brain_hash_to_hex(a, hex);
	ck_assert_str_eq(hex, "00000000ffff000000000000000000000000000000000"
			      "0000000000000000000");
	/* below 2^-32: the largest target */
	ck_assert_int_eq(brain_stratum_difficulty_target(0x1p-33, a), 0);
	brain_hash_to_hex(a, hex);
	ck_assert_str_eq(hex, "fffffffffffffffffffffffffffffffffffffffffffff"
			      "fffffffffffffffffff");
}
END_TEST

START_TEST(bad_difficulties_are_refused)
{
	static const double bad[] = {0.0, -0.0, -1.0, -1e-300, NAN, INFINITY,
				     -INFINITY};
	uint8_t t[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(brain_stratum_difficulty_target(bad[i], t),
				 BRAIN_EINVAL);
		ck_assert_msg(strstr(brain_errmsg(NULL),
				     "expected a finite number above 0"),
			      "%s", brain_errmsg(NULL));
	}
	ck_assert_int_eq(brain_stratum_difficulty_target(1.0, NULL),
			 BRAIN_EINVAL);
}
END_TEST

START_TEST(hash_difficulty_is_diff1_over_the_hash)
{
	json_t *v = load_vectors(), *vj, *s;
	uint8_t h[32];
	size_t k, n;

	ck_assert_int_eq(brain_bits_to_target(0x1d00ffff, h), 0);
	ck_assert(brain_stratum_hash_difficulty(h) == 1.0);
	ck_assert_int_eq(brain_stratum_difficulty_target(1024, h), 0);
	ck_assert(fabs(brain_stratum_hash_difficulty(h) - 1024) < 1e-9);
	memset(h, 0, sizeof(h));
	ck_assert(brain_stratum_hash_difficulty(h) == HUGE_VAL);
	json_array_foreach(json_object_get(v, "jobs"), k, vj)
		json_array_foreach(json_object_get(vj, "shares"), n, s) {
			double want = json_number_value(
				json_object_get(s, "hash_difficulty"));
			ck_assert_int_eq(
				brain_hash_from_hex(vstr(s, "hash"), h), 0);
			ck_assert_msg(fabs(brain_stratum_hash_difficulty(h) /
						   want -
					   1) < 1e-12,
				      "%s: %.17g, expected %.17g",
				      vstr(s, "hash"),
				      brain_stratum_hash_difficulty(h), want);
		}
	json_decref(v);
}
END_TEST

/* ---- shares ---- */

START_TEST(share_check_rebuilds_and_judges_each_share)
{
	json_t *v = load_vectors(), *vj, *s;
	size_t k, n, seen = 0;

	json_array_foreach(json_object_get(v, "jobs"), k, vj) {
		brain_stratum_job_t *j = parse_vector(vj);

		json_array_foreach(json_object_get(vj, "shares"), n, s) {
			brain_stratum_share_t sh;
			char why[256], hex[65];
			int meets = json_is_true(json_object_get(s,
								 "meets_share"));
			int rc = brain__stratum_share_check(
				j, vu64(s, "extranonce2"),
				(uint32_t)vint(s, "ntime"),
				(uint32_t)vint(s, "nonce"), &sh, why,
				sizeof(why));

			ck_assert_int_eq(rc, meets ? 0 : BRAIN_EINVAL);
			if (meets)
				ck_assert_str_eq(why, "");
			else
				ck_assert_msg(strstr(why, "does not meet the "
							  "job's difficulty"),
					      "%s", why);
			ck_assert_ptr_eq(sh.job_id,
					 brain_stratum_job_info(j)->job_id);
			ck_assert_uint_eq(sh.extranonce2,
					  vu64(s, "extranonce2"));
			ck_assert_str_eq(sh.extranonce2_hex,
					 vstr(s, "extranonce2_hex"));
			ck_assert_uint_eq(sh.ntime, vint(s, "ntime"));
			ck_assert_uint_eq(sh.nonce, vint(s, "nonce"));
			brain_hash_to_hex(sh.hash, hex);
			ck_assert_str_eq(hex, vstr(s, "hash"));
			ck_assert_str_eq(sh.header_hex, vstr(s, "header"));
			ck_assert(sh.difficulty ==
				  brain_stratum_job_info(j)->difficulty);
			ck_assert(fabs(sh.hash_difficulty /
					       json_number_value(json_object_get(
						       s, "hash_difficulty")) -
				       1) < 1e-12);
			ck_assert_int_eq(sh.is_block,
					 json_is_true(json_object_get(
						 s, "is_block")));
			seen++;
		}
		brain_stratum_job_unref(j);
	}
	ck_assert_uint_eq(seen, 5);
	json_decref(v);
}
END_TEST

START_TEST(a_share_is_a_block_when_it_meets_the_network_target)
{
	json_t *v = load_vectors(), *vj = vector_job(v, "regtest"), *s;
	brain_stratum_job_t *j = parse_vector(vj);
	int blocks = 0, others = 0;
	size_t n;

	json_array_foreach(json_object_get(vj, "shares"), n, s) {
		brain_stratum_share_t sh;
		char why[256];

		ck_assert_int_eq(brain__stratum_share_check(
					 j, vu64(s, "extranonce2"),
					 (uint32_t)vint(s, "ntime"),
					 (uint32_t)vint(s, "nonce"), &sh, why,
					 sizeof(why)),
				 0);
		ck_assert_int_eq(sh.is_block,
				 brain_hash_meets_target(
					 sh.hash,
					 brain_stratum_job_info(j)
						 ->network_target));
		blocks += sh.is_block;
		others += !sh.is_block;
	}
	ck_assert_int_eq(blocks, 1);
	ck_assert_int_eq(others, 1);
	brain_stratum_job_unref(j);
	json_decref(v);
}
END_TEST

START_TEST(a_scanned_nonce_is_a_share_the_check_accepts)
{
	/* the work a scanner gets and the check agree: scan the work of
	 * the "shares" job and check what the scan found */
	json_t *v = load_vectors();
	brain_stratum_job_t *j = parse_vector(vector_job(v, "shares"));
	brain_match_t m[4];
	brain_scan_t res;
	brain_stratum_share_t sh;
	brain_work_t w;
	char why[256];

	ck_assert_int_eq(brain_stratum_job_work(j, 99, 1234, &w), 0);
	ck_assert_int_eq(brain_scan(BRAIN_ENGINE_GENERIC, &w.header, 0, 4096,
				    w.target, m, 4, NULL, &res),
			 0);
	ck_assert_uint_gt(res.nmatches, 0);
	ck_assert_int_eq(brain__stratum_share_check(j, 99, 1234, m[0].nonce,
						    &sh, why, sizeof(why)),
			 0);
	ck_assert(!memcmp(sh.hash, m[0].hash, 32));
	/* the same nonce under another ntime is another header */
	(void)brain__stratum_share_check(j, 99, 1235, m[0].nonce, &sh, why,
					 sizeof(why));
	ck_assert(memcmp(sh.hash, m[0].hash, 32) != 0);
	brain_stratum_job_unref(j);
	json_decref(v);
}
END_TEST

/* ---- references ---- */

typedef struct holder {
	brain_stratum_job_t *job;
	uint8_t root[32];
	int mismatches;
} holder;

static void *hold_and_work(void *arg)
{
	holder *h = arg;
	int i;

	for (i = 0; i < 2000; i++) {
		brain_stratum_job_t *j = brain_stratum_job_ref(h->job);
		brain_work_t w;

		if (brain_stratum_job_work(j, 1, 2, &w) != 0 ||
		    memcmp(w.header.merkle_root, h->root, 32) != 0)
			h->mismatches++;
		brain_stratum_job_unref(j);
	}
	/* the thread's own reference, taken by the creator */
	brain_stratum_job_unref(h->job);
	return NULL;
}

START_TEST(two_threads_share_a_job_by_reference)
{
	json_t *v = load_vectors();
	brain_stratum_job_t *j = parse_vector(vector_job(v, "five_branches"));
	pthread_t t[2];
	holder h[2];
	brain_work_t w;
	int i;

	ck_assert_int_eq(brain_stratum_job_work(j, 1, 2, &w), 0);
	for (i = 0; i < 2; i++) {
		h[i].job = brain_stratum_job_ref(j);
		ck_assert_ptr_eq(h[i].job, j);
		memcpy(h[i].root, w.header.merkle_root, 32);
		h[i].mismatches = 0;
	}
	/* the creator drops its reference first: the threads' keep j */
	brain_stratum_job_unref(j);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hold_and_work,
						&h[i]),
				 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(h[i].mismatches, 0);
	}
	/* the last unref freed it (ASan reports a leak otherwise) */
	brain_stratum_job_unref(NULL);
	json_decref(v);
}
END_TEST

Suite *stratum_job_suite(void)
{
	Suite *s = suite_create("stratum_job");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, a_notify_becomes_the_job_it_describes);
	tcase_add_test(tc, prevhash_words_are_byte_swapped_into_internal_order);
	tcase_add_test(tc, extra_trailing_params_are_ignored);
	tcase_add_loop_test(tc, each_malformed_notify_field_is_refused_by_name,
			    0, (int)(sizeof(bad_fields) / sizeof(bad_fields[0])));
	tcase_add_test(tc, oversized_notifies_are_refused);
	tcase_add_test(tc, a_session_out_of_range_is_refused);
	tcase_add_test(tc, work_matches_the_independent_implementation);
	tcase_add_test(tc, extranonce2_is_little_endian_within_its_size);
	tcase_add_test(tc, difficulty_targets_are_exact);
	tcase_add_test(tc, difficulty_one_is_the_target_of_bits_1d00ffff);
	tcase_add_test(tc, bad_difficulties_are_refused);
	tcase_add_test(tc, hash_difficulty_is_diff1_over_the_hash);
	tcase_add_test(tc, share_check_rebuilds_and_judges_each_share);
	tcase_add_test(tc, a_share_is_a_block_when_it_meets_the_network_target);
	tcase_add_test(tc, a_scanned_nonce_is_a_share_the_check_accepts);
	tcase_add_test(tc, two_threads_share_a_job_by_reference);
	suite_add_tcase(s, tc);
	return s;
}
