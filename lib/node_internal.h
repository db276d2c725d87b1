/*
 * lib/node_internal.h - what address.c, node_work.c and rpc.c share and
 * what the unit tests reach past the public API: bech32 strings on their
 * own, BIP 34 height pushes, and a growing byte buffer.
 */
#ifndef BRAIN_LIB_NODE_INTERNAL_H
#define BRAIN_LIB_NODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef enum brain__bech32_kind {
	BRAIN__BECH32 = 1,  /* BIP 173 checksum constant 1 */
	BRAIN__BECH32M = 2, /* BIP 350 constant 0x2bc830a3 */
} brain__bech32_kind;

/*
 * Decodes a bech32 or bech32m string: its human-readable part (lower
 * case, into hrp, 84 bytes) and its 5-bit data values without the
 * checksum (into data, 90 values; *ndata their count).  Returns the kind
 * whose checksum matches, or 0 (any rule broken: length over 90, mixed
 * case, a character outside 33..126, no separator, an empty hrp, fewer
 * than 6 checksum characters, a character outside the charset, a bad
 * checksum); *why then says which (a static string).
 */
int brain__bech32_decode(const char *s, char hrp[84], uint8_t data[90],
			 size_t *ndata, const char **why);

/*
 * The BIP 34 height push that opens a coinbase script, exactly as Bitcoin
 * Core's `CScript() << height`: OP_0 for 0, OP_1..OP_16 for 1..16, else a
 * push of the minimal little-endian signed number.  Writes at most 9 bytes
 * into out and returns how many.  height >= 0.
 */
size_t brain__script_push_height(int64_t height, uint8_t out[9]);

/* A byte buffer that grows; on allocation failure `failed` is set and
 * further writes are dropped, so a builder checks once at the end. */
typedef struct brain__bytes {
	uint8_t *data;
	size_t len, cap;
	int failed;
} brain__bytes;

void brain__bytes_put(brain__bytes *b, const void *p, size_t n);
void brain__bytes_u8(brain__bytes *b, uint8_t v);
void brain__bytes_u32(brain__bytes *b, uint32_t v);   /* little-endian */
void brain__bytes_u64(brain__bytes *b, uint64_t v);   /* little-endian */
void brain__bytes_varint(brain__bytes *b, uint64_t v); /* CompactSize */

#endif
