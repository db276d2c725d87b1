/*
 * lib/jsontext.c - JSON values written as text, the very bytes jansson's
 * json_dumps writes for them (see jsonfile.h), without jansson: summaries
 * and record lines are written this way on every save.  Also the growing
 * buffer they are written into, and the UTF-8 check.
 *
 * Reals: "%.17g" is computed with 128-bit integers where they reach
 * (put_g17), printf elsewhere; both round the exact value half to even.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/errors.h>

#include "jsonfile.h"

int brain__buf_grow(brain__buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *nd;

	while (cap < b->len + n + 1)
		cap *= 2;
	nd = realloc(b->data, cap);
	if (!nd)
		return BRAIN_ENOMEM;
	b->data = nd;
	b->cap = cap;
	return 0;
}

void brain__buf_free(brain__buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
int brain__utf8_valid(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* 1 for the bytes a JSON string escapes, and for NUL. */
static const unsigned char esc_table[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1};

int brain__json_put_string(brain__buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;
	char esc[7];

	if (brain__buf_put(b, "\"", 1))
		return BRAIN_ENOMEM;
	for (;; s++) {
		unsigned char c;
		const char *rep = NULL;
		/* skip what needs no escape: not '"', '\\', a control (nor
		 * the NUL that ends s) */
		while (!esc_table[(unsigned char)*s])
			s++;
		if (!(c = (unsigned char)*s))
			break;
		switch (c) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esc[6] = '\0';
			rep = esc;
		}
		if (brain__buf_put(b, run, (size_t)(s - run)) ||
		    brain__buf_puts(b, rep))
			return BRAIN_ENOMEM;
		run = s + 1;
	}
	return brain__buf_put(b, run, (size_t)(s - run)) ||
			       brain__buf_put(b, "\"", 1)
		       ? BRAIN_ENOMEM
		       : 0;
}

int brain__json_put_int(brain__buf *b, long long v)
{
	static const char pairs[] = "00010203040506070809101112131415161718"
				    "19202122232425262728293031323334353637"
				    "38394041424344454647484950515253545556"
				    "57585960616263646566676869707172737475"
				    "767778798081828384858687888990919293949596979899";
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
				     : (unsigned long long)v;

	while (u >= 100) { /* two digits a division */
		p -= 2;
		memcpy(p, pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0)
		*--p = '-';
	return brain__buf_put(b, p, (size_t)(digits + sizeof(digits) - p));
}

/*
 * "%.17g" of v, as JSON writes it (see brain__json_put_real), without
 * printf: v = m * 2^e is scaled to 17 significant digits exactly with
 * 128-bit integers, m * 10^k / 2^-e, and rounded half to even, which is
 * what glibc's printf does with the exact value.  Only for the values
 * that fits (|v| from about 1e-22 to 1e17, not whole beyond 2^53: every
 * mean and sum of a summary); 0 when v is not one of them.
 */
static int put_g17(brain__buf *b, double v)
{
	static const uint64_t p10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull,
		10000000000000000ull, 100000000000000000ull,
		1000000000000000000ull, 10000000000000000000ull};
	unsigned __int128 n, q = 0, r, half, scale;
	char digits[17], text[48], *p = text;
	uint64_t bits, m, q64;
	int e, s, d, k, tries, i, last;

	memcpy(&bits, &v, sizeof(bits));
	e = (int)((bits >> 52) & 0x7ff);
	if (e == 0 || e == 0x7ff)
		return 0; /* zero, subnormal, not finite */
	m = (bits & ((1ull << 52) - 1)) | (1ull << 52);
	e -= 1075; /* |v| = m * 2^e */
	if (e > 0 || e < -127)
		return 0;
	s = -e;
	/* the decimal exponent, or one less: floor(E * log10(2)) for the
	 * binary one, E = e + 52 (78913 / 2^18 is log10(2) close enough
	 * for |E| < 1000), without libm */
	d = e + 52 >= 0 ? ((e + 52) * 78913) >> 18
			: -((-(e + 52) * 78913 + (1 << 18) - 1) >> 18);
	for (tries = 0; tries < 3; tries++) {
		k = 16 - d;
		if (k < 0 || k > 22)
			return 0;
		scale = k < 20 ? (unsigned __int128)p10[k]
			       : (unsigned __int128)p10[19] * p10[k - 19];
		n = (unsigned __int128)m * scale; /* < 2^53 * 2^74 */
		q = s ? n >> s : n;
		if (q >= (unsigned __int128)p10[17]) {
			d++;
			continue;
		}
		if (q < (unsigned __int128)p10[16]) {
			d--;
			continue;
		}
		if (s) {
			r = n - (q << s);
			half = (unsigned __int128)1 << (s - 1);
			if (r > half || (r == half && (q & 1)))
				q++;
		}
		if (q == (unsigned __int128)p10[17]) {
			q = p10[16];
			d++;
		}
		break;
	}
	if (tries == 3)
		return 0;
	for (i = 16, q64 = (uint64_t)q; i >= 0; i--) { /* q < 10^17 */
		digits[i] = (char)('0' + (int)(q64 % 10));
		q64 /= 10;
	}
	for (last = 16; last > 0 && digits[last] == '0'; last--)
		;
	if (bits >> 63)
		*p++ = '-';
	if (d < -4) { /* d.ddde-X, the exponent as JSON has it */
		*p++ = digits[0];
		if (last > 0) {
			*p++ = '.';
			memcpy(p, digits + 1, (size_t)last);
			p += last;
		}
		p += sprintf(p, "e%d", d);
	} else if (d < 0) { /* 0.000ddd */
		*p++ = '0';
		*p++ = '.';
		for (i = d; i < -1; i++)
			*p++ = '0';
		memcpy(p, digits, (size_t)last + 1);
		p += last + 1;
	} else { /* ddd.ddd, or ddd.0 */
		memcpy(p, digits, (size_t)d + 1);
		p += d + 1;
		*p++ = '.';
		if (last > d) {
			memcpy(p, digits + d + 1, (size_t)(last - d));
			p += last - d;
		} else {
			*p++ = '0';
		}
	}
	return brain__buf_put(b, text, (size_t)(p - text)) ? -1 : 1;
}

int brain__json_put_real(brain__buf *b, double v)
{
	char text[40], *e, *from, *to;
	int rc;

	if (!isfinite(v))
		return brain__buf_puts(b, "null");
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v &&
	    (v != 0 || !signbit(v))) /* a whole number: "%.17g" + ".0" */
		return brain__json_put_int(b, (long long)v) ||
		       brain__buf_put(b, ".0", 2);
	if ((rc = put_g17(b, v)))
		return rc < 0 ? BRAIN_ENOMEM : 0;
	snprintf(text, sizeof(text) - 2, "%.17g", v);
	if (!strpbrk(text, ".e"))
		strcat(text, ".0");
	if ((e = strchr(text, 'e'))) {
		/* e+07 -> e7, e-07 -> e-7 */
		from = to = e + 1;
		if (*from == '+')
			from++;
		else if (*from == '-')
			from = ++to;
		while (*from == '0' && from[1])
			from++;
		memmove(to, from, strlen(from) + 1);
	}
	return brain__buf_puts(b, text);
}

static int put_compact(brain__buf *b, const json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;
	int rc, first = 1;

	if (depth > BRAIN__JSON_MAX_DEPTH)
		return BRAIN_EINVAL;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (brain__buf_put(b, "{", 1))
			return BRAIN_ENOMEM;
		json_object_foreach((json_t *)v, key, item) {
			if (json_object_iter_key_len(
				    json_object_key_to_iter(key)) !=
			    strlen(key))
				return BRAIN_EINVAL; /* a key with U+0000 */
			if ((!first && brain__buf_put(b, ",", 1)) ||
			    brain__json_put_string(b, key) ||
			    brain__buf_put(b, ":", 1))
				return BRAIN_ENOMEM;
			if ((rc = put_compact(b, item, depth + 1)))
				return rc;
			first = 0;
		}
		return brain__buf_put(b, "}", 1) ? BRAIN_ENOMEM : 0;
	case JSON_ARRAY:
		if (brain__buf_put(b, "[", 1))
			return BRAIN_ENOMEM;
		json_array_foreach(v, i, item) {
			if (i && brain__buf_put(b, ",", 1))
				return BRAIN_ENOMEM;
			if ((rc = put_compact(b, item, depth + 1)))
				return rc;
		}
		return brain__buf_put(b, "]", 1) ? BRAIN_ENOMEM : 0;
	case JSON_STRING:
		if (json_string_length(v) != strlen(json_string_value(v)))
			return BRAIN_EINVAL;
		return brain__json_put_string(b, json_string_value(v));
	case JSON_INTEGER:
		return brain__json_put_int(b, json_integer_value(v));
	case JSON_REAL:
		if (!isfinite(json_real_value(v)))
			return BRAIN_EINVAL;
		return brain__json_put_real(b, json_real_value(v));
	case JSON_TRUE:
		return brain__buf_put(b, "true", 4) ? BRAIN_ENOMEM : 0;
	case JSON_FALSE:
		return brain__buf_put(b, "false", 5) ? BRAIN_ENOMEM : 0;
	default:
		return brain__buf_put(b, "null", 4) ? BRAIN_ENOMEM : 0;
	}
}

int brain__json_put_compact(brain__buf *b, const json_t *v)
{
	return put_compact(b, v, 0);
}
