/*
 * lib/work_synthetic.c - the synthetic work source: a one-transaction
 * block built locally.
 *
 * The coinbase is a tag, the miner id, the seed and the extranonce; the
 * merkle root of a one-transaction block is that transaction's double
 * SHA-256; the previous hash is derived from the seed and the round.  Cost:
 * three hashes of a few dozen bytes per unit.
 */
#include <string.h>

#include <brainstem/brainstem.h>

#include "error.h"

#define COINBASE_TAG "/brainstem synthetic/"
#define VERSION_BITS 0x20000000u /* BIP 9 version bits, no deployment */

static size_t put_u64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 8;
}

int brain_work_synthetic(uint64_t seed, const char *miner_id, uint32_t round,
			 uint64_t extranonce, unsigned zeros, uint32_t time,
			 brain_work_t *out)
{
	uint8_t buf[sizeof(COINBASE_TAG) + 64 + 24];
	size_t id_len, n = 0;

	BRAIN__ARG(brain__thread_err(), out);
	BRAIN__ARG(brain__thread_err(), miner_id);
	BRAIN__ARG(brain__thread_err(), zeros <= 64);
	if ((id_len = strlen(miner_id)) > 64)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "miner id of %zu bytes: at most 64", id_len);
	memset(out, 0, sizeof(*out));
	/* previous block: a function of the seed and the round */
	n += put_u64(buf + n, seed);
	n += put_u64(buf + n, round);
	brain_sha256d(buf, n, out->header.prev_hash);
	/* coinbase: tag, miner id, seed, extranonce */
	n = 0;
	memcpy(buf, COINBASE_TAG, sizeof(COINBASE_TAG) - 1);
	n += sizeof(COINBASE_TAG) - 1;
	memcpy(buf + n, miner_id, id_len);
	n += id_len;
	n += put_u64(buf + n, seed);
	n += put_u64(buf + n, extranonce);
	brain_sha256d(buf, n, out->header.merkle_root);
	brain_zeros_to_target(zeros, out->target);
	out->header.version = VERSION_BITS;
	out->header.time = time;
	out->header.bits = brain_target_to_bits(out->target);
	out->extranonce = extranonce;
	out->zeros = zeros;
	return 0;
}
