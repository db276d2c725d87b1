/*
 * lib/hex.h - hex digits both ways, for the readers and writers of
 * headers, hashes, targets, scripts and blocks.
 */
#ifndef BRAIN_LIB_HEX_H
#define BRAIN_LIB_HEX_H

#include <stddef.h>
#include <stdint.h>

/* 0..15, or -1 when c is not a hex digit (either case). */
static inline int brain__hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n bytes as 2n lowercase digits and a NUL at out; reversed: last byte
 * first (how hashes are shown). */
static inline void brain__hex_write(const uint8_t *in, size_t n, int reversed,
				    char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t v = in[reversed ? n - 1 - i : i];
		out[2 * i] = digits[v >> 4];
		out[2 * i + 1] = digits[v & 15];
	}
	out[2 * n] = '\0';
}

#endif
