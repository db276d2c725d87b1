/*
 * lib/validate_proof.c - the proofs a stream records, and the agreement
 * of proofs, ledger entries and submissions (see lib/validate_internal.h).
 *
 * A proof's header is hashed again and must give the recorded hash, nonce
 * and leading zeros and meet its target.  Each block hash is noted with
 * the streams that name it; blocks are recorded proof first, then ledger
 * entry, then submission, so a later one without the earlier is a
 * problem.
 *
 * Cost: one header hash per proof; memory: one small object per block.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "validate_internal.h"

static void note_block(vctx *v, const char *hash, const char *kind,
		       long index)
{
	json_t *entry;

	if (!hash)
		return;
	entry = json_object_get(v->blocks, hash);
	if (!entry) {
		entry = json_object();
		json_object_set_new(v->blocks, hash, entry);
	}
	json_object_set_new(entry, kind, json_integer(index));
}

static void check_proof(vctx *v, const char *rel, long index, json_t *rec)
{
	const char *hex = json_string_value(json_object_get(rec, "header_hex"));
	const char *claimed = json_string_value(json_object_get(rec, "hash"));
	const char *target_hex = json_string_value(json_object_get(rec, "target"));
	brain_header_t h;
	uint8_t hash[32], target[32];
	char shown[65];
	unsigned zeros;

	note_block(v, claimed, v->s->kind, index);
	if (!hex || brain_header_from_hex(hex, &h) != 0) {
		brain__val_problem(v, rel, index, "proof",
			"header_hex is not an 80-byte "
			"header in hex");
		return;
	}
	brain_header_hash(&h, hash);
	brain_hash_to_hex(hash, shown);
	zeros = brain_hash_leading_zeros(hash);
	if (!claimed || strcmp(shown, claimed))
		brain__val_problem(v, rel, index, "proof",
			"header hashes to %s, not the "
			"recorded %s", shown, claimed ? claimed : "(none)");
	if (json_is_integer(json_object_get(rec, "nonce")) &&
	    json_integer_value(json_object_get(rec, "nonce")) != h.nonce)
		brain__val_problem(v, rel, index, "proof",
			"nonce %lld is not the "
			"header's %u",
			(long long)json_integer_value(
				json_object_get(rec, "nonce")),
			h.nonce);
	if (!target_hex || brain_hash_from_hex(target_hex, target) != 0)
		brain__val_problem(v, rel, index, "proof",
			"target is not 64 hex digits");
	else if (!brain_hash_meets_target(hash, target))
		brain__val_problem(v, rel, index, "proof",
			"hash %s does not meet target "
			"%s", shown, target_hex);
	if (json_is_integer(json_object_get(rec, "leading_zeros")) &&
	    json_integer_value(json_object_get(rec, "leading_zeros")) !=
		    (json_int_t)zeros)
		brain__val_problem(v, rel, index, "proof", "hash has %u "
			"leading zeros, not the recorded %lld", zeros,
			(long long)json_integer_value(
				json_object_get(rec, "leading_zeros")));
	if (json_is_integer(json_object_get(rec, "zeros_required")) &&
	    json_integer_value(json_object_get(rec, "zeros_required")) >
		    (json_int_t)zeros)
		brain__val_problem(v, rel, index, "proof", "hash has %u "
			"leading zeros, fewer than the %lld required", zeros,
			(long long)json_integer_value(
				json_object_get(rec, "zeros_required")));
}

void brain__val_each_journal_record(vctx *v, const char *rel, long index,
				    json_t *rec)
{
	if (json_object_get(rec, "header_hex"))
		check_proof(v, rel, index, rec);
	else if (!v->s->tree)
		note_block(v, json_string_value(json_object_get(rec,
								"block_hash")),
			   v->s->kind, index);
}

/* Blocks are recorded proof first, then ledger entry, then submission (a
 * writer stopped in between leaves a prefix of that): every ledger entry
 * needs its proof, every submission its ledger entry. */
void brain__val_check_agreement(vctx *v)
{
	static const char *const needs[][2] = {{"ledger", "math_proof"},
					       {"submission", "ledger"}};
	const char *hash;
	json_t *seen;
	int k;

	json_object_foreach(v->blocks, hash, seen) {
		for (k = 0; k < 2; k++) {
			const brain__stream *s =
				brain__blueprint_stream(v->b->bp, needs[k][0]);
			char *rel;
			if (!s || !json_object_get(seen, needs[k][0]) ||
			    json_object_get(seen, needs[k][1]) ||
			    !brain__blueprint_stream(v->b->bp, needs[k][1]))
				continue;
			v->s = s;
			rel = brain__val_rel_path(v,
						  s->source[BRAIN__LV_GLOBAL]);
			brain__val_problem(v, rel ? rel : needs[k][0],
				json_integer_value(json_object_get(seen,
								   needs[k][0])),
				"agreement", "block %s has no %s entry", hash,
				needs[k][1]);
			free(rel);
		}
	}
}
