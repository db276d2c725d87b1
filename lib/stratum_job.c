/*
 * lib/stratum_job.c - a pool's job (mining.notify) made into work: the
 * coinbase, its merkle root, the header to scan and the share target, and
 * a found share checked and described for mining.submit.
 *
 * A job is parsed once, strictly (a pool that sends a wrong length or a
 * non-hex digit is dropped by the client, so nothing here guesses), and
 * is immutable afterwards: scanning threads share it without locks; only
 * its reference count changes, atomically.
 *
 * The coinbase is kept whole, with extranonce2's bytes left zero, and the
 * SHA-256 state after its 64-byte blocks that lie before extranonce2
 * (coinb1 and extranonce1) is computed at parse time.  A unit of work
 * then hashes only the rest: the partial block, extranonce2, coinb2 and
 * the padding, streamed through the compression function (no
 * allocation, so building work cannot fail), then merkle_count double
 * hashes of 64 bytes.
 *
 * Byte order: Stratum sends prevhash as the internal-order hash with
 * each 4-byte word byte-swapped (cpuminer reads it word by word), the
 * branch hashes and coinbase parts as raw bytes, version, nbits and
 * ntime as big-endian numbers in 8 hex digits.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "error.h"
#include "hex.h"
#include "sha256.h"
#include "stratum_internal.h"

#define JOB_ID_MAX 256       /* bytes of a job id (pools send a few) */
#define BRANCH_MAX 32        /* 2^32 transactions is beyond any block */
#define COINBASE_MAX 100000  /* bytes; a block's coinbase is far smaller */
#define EXTRANONCE1_MAX 32

struct brain_stratum_job {
	brain_stratum_job_info_t info;
	int refs; /* atomic */
	char *job_id, *pool_url;
	uint8_t *coinbase;     /* coinb1 extranonce1 [zeros] coinb2 */
	size_t en2_at;         /* where extranonce2 goes in coinbase */
	uint8_t (*branch)[32]; /* merkle_count hashes, raw */
	uint32_t mid[8];       /* SHA-256 state after coinbase[0..mid_len) */
	size_t mid_len;        /* a multiple of 64, <= en2_at */
};

/* ---- helpers ------------------------------------------------------------ */

/* Writes the message into why (if any) and returns code. */
__attribute__((format(printf, 4, 5))) static int
why_f(char *why, size_t cap, int code, const char *fmt, ...)
{
	va_list ap;

	if (why && cap) {
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* SHA-256 fed in pieces: the compression function and a block buffer. */
typedef struct sha_stream {
	uint32_t s[8];
	uint8_t block[64];
	size_t fill;    /* bytes waiting in block */
	uint64_t total; /* bytes fed, the ones before the stream included */
} sha_stream;

static void stream_put(sha_stream *st, const uint8_t *p, size_t n)
{
	st->total += n;
	if (st->fill) {
		size_t take = 64 - st->fill < n ? 64 - st->fill : n;
		memcpy(st->block + st->fill, p, take);
		st->fill += take;
		p += take;
		n -= take;
		if (st->fill < 64)
			return;
		brain__sha256_compress(st->s, st->block);
		st->fill = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		brain__sha256_compress(st->s, p);
	memcpy(st->block, p, n);
	st->fill = n;
}

static void stream_end(sha_stream *st, uint8_t out[32])
{
	uint64_t bits = st->total * 8;
	int i;

	st->block[st->fill++] = 0x80;
	if (st->fill > 56) {
		memset(st->block + st->fill, 0, 64 - st->fill);
		brain__sha256_compress(st->s, st->block);
		st->fill = 0;
	}
	memset(st->block + st->fill, 0, 56 - st->fill);
	for (i = 0; i < 8; i++)
		st->block[63 - i] = (uint8_t)(bits >> (8 * i));
	brain__sha256_compress(st->s, st->block);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(st->s[i] >> 24);
		out[4 * i + 1] = (uint8_t)(st->s[i] >> 16);
		out[4 * i + 2] = (uint8_t)(st->s[i] >> 8);
		out[4 * i + 3] = (uint8_t)st->s[i];
	}
}

static void dsha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	uint8_t once[32];

	brain__sha256(p, n, once);
	brain__sha256(once, 32, out);
}

static uint64_t en2_space(size_t size)
{
	return size >= 8 ? UINT64_MAX : (uint64_t)1 << (8 * size);
}

/* extranonce2 < the space of size bytes (every value of 8 bytes is). */
static int en2_fits(size_t size, uint64_t en2)
{
	return size >= 8 || en2 < ((uint64_t)1 << (8 * size));
}

/* extranonce2 as sent: size bytes, little-endian, lower-case hex */
static void en2_hex(size_t size, uint64_t en2, char *out)
{
	uint8_t b[BRAIN_STRATUM_EXTRANONCE2_MAX];
	size_t i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)(en2 >> (8 * i));
	brain__hex_write(b, size, 0, out);
}

/* ---- difficulty --------------------------------------------------------- */

/*
 * floor(0xffff * 2^s / m) into q (256 bits, internal order), by long
 * division one bit at a time: the remainder stays below m < 2^53, so it
 * never overflows 64 bits.  Quotient bits at 256 and above are dropped
 * (the caller ensures there are none).  Cost: 16 + s steps, s <= 300.
 */
static void diff1_div(unsigned s, uint64_t m, uint8_t q[32])
{
	uint64_t r = 0;
	int i;

	memset(q, 0, 32);
	for (i = (int)s + 15; i >= 0; i--) {
		r = 2 * r + (i >= (int)s);
		if (r >= m) {
			r -= m;
			if (i < 256)
				q[i / 8] |= (uint8_t)(1u << (i % 8));
		}
	}
}

/* q >>= n, 256 bits, internal order */
static void shr256(uint8_t q[32], unsigned n)
{
	uint8_t t[32] = {0};
	unsigned i, bytes = n / 8, bits = n % 8;

	for (i = 0; i + bytes < 32; i++) {
		unsigned v = q[i + bytes] >> bits;
		if (bits && i + bytes + 1 < 32)
			v |= (unsigned)q[i + bytes + 1] << (8 - bits);
		t[i] = (uint8_t)v;
	}
	memcpy(q, t, 32);
}

/*
 * The exact target of difficulty d: d = m * 2^e with m an integer below
 * 2^53, so 0xffff * 2^208 / d is a ratio of integers (the exponent moved
 * to whichever side keeps it whole), divided exactly and rounded down.
 */
int brain_stratum_difficulty_target(double difficulty, uint8_t target[32])
{
	int x;
	double f;
	uint64_t m;
	int e;

	BRAIN__ARG(brain__thread_err(), target);
	if (!isfinite(difficulty) || difficulty <= 0)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "share difficulty %g: expected a finite "
				   "number above 0",
				   difficulty);
	if (difficulty < 0x1p-32) {
		memset(target, 0xff, 32);
		return 0;
	}
	f = frexp(difficulty, &x); /* difficulty = f * 2^x, f in [0.5, 1) */
	m = (uint64_t)ldexp(f, 53);
	e = x - 53;
	/* strip the mantissa's trailing zero bits: fewer division steps */
	while (!(m & 1)) {
		m >>= 1;
		e++;
	}
	if (e <= 0) {
		diff1_div((unsigned)(208 - e), m, target);
	} else {
		diff1_div(208, m, target);
		if (e >= 256)
			memset(target, 0, 32);
		else
			shr256(target, (unsigned)e);
	}
	return 0;
}

double brain_stratum_hash_difficulty(const uint8_t hash[32])
{
	BRAIN__ARG_OR(0.0, hash);
	return brain_target_difficulty(hash);
}

/* ---- parsing ------------------------------------------------------------ */

/* Hex digits (an even number) into n bytes at out. */
static int hex_bytes(const char *hex, size_t digits, uint8_t *out)
{
	size_t i;

	for (i = 0; i < digits; i += 2) {
		int hi = brain__hexval(hex[i]), lo = brain__hexval(hex[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Param `what` as a string of hex digits: exactly `bytes` bytes when
 * bytes > 0, else any even count up to max bytes (*len receives it).
 * The digits are left in *hex. */
static int hex_param(const json_t *v, const char *what, size_t bytes,
		     size_t max, const char **hex, size_t *len, char *why,
		     size_t cap)
{
	const char *s;
	size_t n, i;

	if (!json_is_string(v))
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: %s is not a string", what);
	s = json_string_value(v);
	n = json_string_length(v);
	for (i = 0; i < n; i++)
		if (brain__hexval(s[i]) < 0)
			return why_f(why, cap, BRAIN_EINVAL,
				     "mining.notify: %s is not hex (character "
				     "%zu)",
				     what, i + 1);
	if (bytes && n != 2 * bytes)
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: %s is not %zu hex digits (%zu)",
			     what, 2 * bytes, n);
	if (n % 2)
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: %s has an odd number of hex "
			     "digits (%zu)",
			     what, n);
	if (n / 2 > max)
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: %s is %zu bytes, at most %zu",
			     what, n / 2, max);
	*hex = s;
	if (len)
		*len = n / 2;
	return 0;
}

/* Param `what` as 8 hex digits, a big-endian number. */
static int u32_param(const json_t *v, const char *what, uint32_t *out,
		     char *why, size_t cap)
{
	const char *hex;
	uint8_t b[4];
	int rc;

	if ((rc = hex_param(v, what, 4, 4, &hex, NULL, why, cap)) != 0)
		return rc;
	hex_bytes(hex, 8, b);
	*out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
	return 0;
}

static int check_session(const brain__stratum_session *sess, char *why,
			 size_t cap)
{
	if (!sess)
		return why_f(why, cap, BRAIN_EINVAL, "no session");
	if (sess->extranonce1_len > EXTRANONCE1_MAX ||
	    (sess->extranonce1_len && !sess->extranonce1))
		return why_f(why, cap, BRAIN_EINVAL,
			     "extranonce1 of %zu bytes: at most %d",
			     sess->extranonce1_len, EXTRANONCE1_MAX);
	if (sess->extranonce2_size < 1 ||
	    sess->extranonce2_size > BRAIN_STRATUM_EXTRANONCE2_MAX)
		return why_f(why, cap, BRAIN_EINVAL,
			     "extranonce2 size %zu: expected 1 to %d bytes",
			     sess->extranonce2_size,
			     BRAIN_STRATUM_EXTRANONCE2_MAX);
	if (!isfinite(sess->difficulty) || sess->difficulty <= 0)
		return why_f(why, cap, BRAIN_EINVAL,
			     "share difficulty %g: expected a finite number "
			     "above 0",
			     sess->difficulty);
	return 0;
}

static void job_free(brain_stratum_job_t *j)
{
	if (!j)
		return;
	free(j->job_id);
	free(j->pool_url);
	free(j->coinbase);
	free(j->branch);
	free(j);
}

int brain__stratum_job_parse(const json_t *params,
			     const brain__stratum_session *sess,
			     brain_stratum_job_t **out, char *why, size_t cap)
{
	const json_t *branch;
	const char *hex1, *hex2, *hexp, *hexb;
	size_t len1, len2, i, n, en1 = 0, en2 = 0;
	uint8_t stratum_prev[32];
	brain_stratum_job_t *j = NULL;
	brain_stratum_job_info_t *in;
	const json_t *id;
	uint32_t version, bits, ntime;
	int rc;

	if (why && cap)
		why[0] = '\0';
	if (!out)
		return why_f(why, cap, BRAIN_EINVAL, "no place for the job");
	*out = NULL;
	if ((rc = check_session(sess, why, cap)) != 0)
		return rc;
	en1 = sess->extranonce1_len;
	en2 = sess->extranonce2_size;
	if (!json_is_array(params))
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: params is not an array");
	if ((n = json_array_size(params)) < 9)
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: %zu params, expected 9", n);

	id = json_array_get(params, 0);
	if (!json_is_string(id))
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: job_id is not a string");
	if (json_string_length(id) == 0 ||
	    json_string_length(id) > JOB_ID_MAX ||
	    strlen(json_string_value(id)) != json_string_length(id))
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: job_id of %zu bytes: expected 1 "
			     "to %d, no NUL",
			     json_string_length(id), JOB_ID_MAX);
	if ((rc = hex_param(json_array_get(params, 1), "prevhash", 32, 32,
			    &hexp, NULL, why, cap)) != 0)
		return rc;
	if ((rc = hex_param(json_array_get(params, 2), "coinb1", 0,
			    COINBASE_MAX, &hex1, &len1, why, cap)) != 0)
		return rc;
	if ((rc = hex_param(json_array_get(params, 3), "coinb2", 0,
			    COINBASE_MAX, &hex2, &len2, why, cap)) != 0)
		return rc;
	if (len1 + en1 + en2 + len2 > COINBASE_MAX)
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: the coinbase is %zu bytes, at "
			     "most %d",
			     len1 + en1 + en2 + len2, COINBASE_MAX);
	branch = json_array_get(params, 4);
	if (!json_is_array(branch))
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: merkle_branch is not an array");
	if (json_array_size(branch) > BRANCH_MAX)
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: merkle_branch has %zu hashes, at "
			     "most %d",
			     json_array_size(branch), BRANCH_MAX);
	for (i = 0; i < json_array_size(branch); i++) {
		char what[48];
		snprintf(what, sizeof(what), "merkle_branch[%zu]", i);
		if ((rc = hex_param(json_array_get(branch, i), what, 32, 32,
				    &hexb, NULL, why, cap)) != 0)
			return rc;
	}
	if ((rc = u32_param(json_array_get(params, 5), "version", &version,
			    why, cap)) != 0 ||
	    (rc = u32_param(json_array_get(params, 6), "nbits", &bits, why,
			    cap)) != 0 ||
	    (rc = u32_param(json_array_get(params, 7), "ntime", &ntime, why,
			    cap)) != 0)
		return rc;
	if (!json_is_boolean(json_array_get(params, 8)))
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: clean_jobs is not a boolean");

	/* every field is well formed: build the job */
	if (!(j = calloc(1, sizeof(*j))))
		goto nomem;
	in = &j->info;
	j->refs = 1;
	if (!(j->job_id = strdup(json_string_value(id))) ||
	    !(j->pool_url = strdup(sess->pool_url ? sess->pool_url : "")))
		goto nomem;
	in->coinbase_len = len1 + en1 + en2 + len2;
	if (!(j->coinbase = calloc(1, in->coinbase_len)))
		goto nomem;
	hex_bytes(hex1, 2 * len1, j->coinbase);
	if (en1)
		memcpy(j->coinbase + len1, sess->extranonce1, en1);
	j->en2_at = len1 + en1;
	hex_bytes(hex2, 2 * len2, j->coinbase + j->en2_at + en2);
	in->merkle_count = json_array_size(branch);
	if (in->merkle_count &&
	    !(j->branch = calloc(in->merkle_count, sizeof(*j->branch))))
		goto nomem;
	for (i = 0; i < in->merkle_count; i++)
		hex_bytes(json_string_value(json_array_get(branch, i)), 64,
			  j->branch[i]);
	/* prevhash: each 4-byte word byte-swapped back to internal order */
	hex_bytes(hexp, 64, stratum_prev);
	for (i = 0; i < 32; i++)
		in->prev_hash[i] = stratum_prev[(i & ~(size_t)3) + 3 - (i & 3)];
	if (brain_bits_to_target(bits, in->network_target) != 0) {
		job_free(j);
		return why_f(why, cap, BRAIN_EINVAL,
			     "mining.notify: nbits %08x is not a valid target",
			     (unsigned)bits);
	}
	if (brain_stratum_difficulty_target(sess->difficulty,
					    in->share_target) != 0) {
		job_free(j);
		return why_f(why, cap, BRAIN_EINVAL, "share difficulty %g",
			     sess->difficulty);
	}
	in->job_id = j->job_id;
	in->pool_url = j->pool_url;
	in->connection = sess->connection;
	in->version = version;
	in->bits = bits;
	in->ntime = ntime;
	in->clean_jobs = json_is_true(json_array_get(params, 8));
	in->difficulty = sess->difficulty;
	in->extranonce1_len = en1;
	in->extranonce2_size = en2;
	/* the blocks before extranonce2 are the same for every unit */
	memcpy(j->mid, brain__sha256_iv, sizeof(j->mid));
	for (j->mid_len = 0; j->mid_len + 64 <= j->en2_at; j->mid_len += 64)
		brain__sha256_compress(j->mid, j->coinbase + j->mid_len);
	*out = j;
	return 0;
nomem:
	job_free(j);
	return why_f(why, cap, BRAIN_ENOMEM, "out of memory for a job");
}

/* ---- work --------------------------------------------------------------- */

const brain_stratum_job_info_t *
brain_stratum_job_info(const brain_stratum_job_t *j)
{
	BRAIN__ARG_OR(NULL, j);
	return &j->info;
}

uint64_t brain_stratum_job_extranonce2_space(const brain_stratum_job_t *j)
{
	BRAIN__ARG_OR(0, j);
	return en2_space(j->info.extranonce2_size);
}

/* The header of (j, en2, ntime), nonce 0; en2 already checked. */
static void build_header(const brain_stratum_job_t *j, uint64_t en2,
			 uint32_t ntime, brain_header_t *h)
{
	size_t size = j->info.extranonce2_size, i, after;
	uint8_t en2b[BRAIN_STRATUM_EXTRANONCE2_MAX], pair[64];
	sha_stream st;

	for (i = 0; i < size; i++)
		en2b[i] = (uint8_t)(en2 >> (8 * i));
	memcpy(st.s, j->mid, sizeof(st.s));
	st.fill = 0;
	st.total = j->mid_len;
	stream_put(&st, j->coinbase + j->mid_len, j->en2_at - j->mid_len);
	stream_put(&st, en2b, size);
	after = j->en2_at + size;
	stream_put(&st, j->coinbase + after, j->info.coinbase_len - after);
	stream_end(&st, pair); /* first hash of the coinbase */
	brain__sha256(pair, 32, pair);
	for (i = 0; i < j->info.merkle_count; i++) {
		memcpy(pair + 32, j->branch[i], 32);
		dsha256(pair, 64, pair);
	}
	memset(h, 0, sizeof(*h));
	h->version = j->info.version;
	memcpy(h->prev_hash, j->info.prev_hash, 32);
	memcpy(h->merkle_root, pair, 32);
	h->time = ntime;
	h->bits = j->info.bits;
	h->nonce = 0;
}

int brain_stratum_job_work(const brain_stratum_job_t *j, uint64_t extranonce2,
			   uint32_t ntime, brain_work_t *out)
{
	BRAIN__ARG(brain__thread_err(), j);
	BRAIN__ARG(brain__thread_err(), out);
	if (!en2_fits(j->info.extranonce2_size, extranonce2))
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "extranonce2 %llu does not fit in %zu "
				   "bytes",
				   (unsigned long long)extranonce2,
				   j->info.extranonce2_size);
	build_header(j, extranonce2, ntime, &out->header);
	memcpy(out->target, j->info.share_target, 32);
	out->extranonce = extranonce2;
	out->zeros = 0;
	return 0;
}

int brain_stratum_job_extranonce2_hex(
	const brain_stratum_job_t *j, uint64_t extranonce2,
	char out[2 * BRAIN_STRATUM_EXTRANONCE2_MAX + 1])
{
	size_t size;

	BRAIN__ARG(brain__thread_err(), j);
	BRAIN__ARG(brain__thread_err(), out);
	size = j->info.extranonce2_size;
	if (!en2_fits(size, extranonce2))
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "extranonce2 %llu does not fit in %zu "
				   "bytes",
				   (unsigned long long)extranonce2, size);
	en2_hex(size, extranonce2, out);
	return 0;
}

/* ---- references --------------------------------------------------------- */

brain_stratum_job_t *brain_stratum_job_ref(brain_stratum_job_t *j)
{
	BRAIN__ARG_OR(NULL, j);
	__atomic_fetch_add(&j->refs, 1, __ATOMIC_RELAXED);
	return j;
}

void brain_stratum_job_unref(brain_stratum_job_t *j)
{
	/* acquire-release: every use of j by the other holders happens
	 * before the free */
	if (j && __atomic_sub_fetch(&j->refs, 1, __ATOMIC_ACQ_REL) == 0)
		job_free(j);
}

/* ---- shares ------------------------------------------------------------- */

int brain__stratum_share_check(const brain_stratum_job_t *j,
			       uint64_t extranonce2, uint32_t ntime,
			       uint32_t nonce, brain_stratum_share_t *out,
			       char *why, size_t cap)
{
	brain_header_t h;
	uint8_t raw[80];
	char shown[65];

	if (why && cap)
		why[0] = '\0';
	if (!j || !out)
		return why_f(why, cap, BRAIN_EINVAL, "no job or no share");
	memset(out, 0, sizeof(*out));
	out->job_id = j->info.job_id;
	out->extranonce2 = extranonce2;
	out->ntime = ntime;
	out->nonce = nonce;
	out->difficulty = j->info.difficulty;
	if (!en2_fits(j->info.extranonce2_size, extranonce2))
		return why_f(why, cap, BRAIN_EINVAL,
			     "extranonce2 %llu does not fit in %zu bytes",
			     (unsigned long long)extranonce2,
			     j->info.extranonce2_size);
	en2_hex(j->info.extranonce2_size, extranonce2, out->extranonce2_hex);
	build_header(j, extranonce2, ntime, &h);
	h.nonce = nonce;
	brain_header_serialize(&h, raw);
	brain__hex_write(raw, 80, 0, out->header_hex);
	dsha256(raw, 80, out->hash);
	out->hash_difficulty = brain_target_difficulty(out->hash);
	out->is_block = brain_hash_meets_target(out->hash,
						 j->info.network_target);
	if (!brain_hash_meets_target(out->hash, j->info.share_target)) {
		brain_hash_to_hex(out->hash, shown);
		return why_f(why, cap, BRAIN_EINVAL,
			     "share of difficulty %.6g does not meet the job's "
			     "difficulty %.6g (hash %s)",
			     out->hash_difficulty, j->info.difficulty, shown);
	}
	return 0;
}
