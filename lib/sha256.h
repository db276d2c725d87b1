/*
 * lib/sha256.h - the SHA-256 compression function and the per-nonce
 * double hash of a block header, shared by pow.c and the engines.
 */
#ifndef BRAIN_LIB_SHA256_H
#define BRAIN_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

extern const uint32_t brain__sha256_k[64];
extern const uint32_t brain__sha256_iv[8];

/* One 64-byte block into state (portable C). */
void brain__sha256_compress(uint32_t state[8], const uint8_t block[64]);

void brain__sha256(const void *data, size_t len, uint8_t out[32]);

#endif
