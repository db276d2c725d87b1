/*
 * lib/hex.h - one hex digit's value, for the readers of headers, hashes,
 * targets and scripts.
 */
#ifndef BRAIN_LIB_HEX_H
#define BRAIN_LIB_HEX_H

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

#endif
