/*
 * lib/stratum_internal.h - what the Stratum client (stratum_client.c:
 * connection, protocol, failover) asks of the job code (stratum_job.c:
 * a mining.notify made into a job, its work and its shares).
 *
 * The job code knows nothing of sockets; the client knows nothing of
 * coinbases and merkle roots.
 */
#ifndef BRAIN_LIB_STRATUM_INTERNAL_H
#define BRAIN_LIB_STRATUM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include <brainstem/stratum.h>

/* What a connection knows when a job arrives: mining.subscribe's (or
 * mining.set_extranonce's) extranonce1 and extranonce2_size, and the
 * difficulty last set (1 until the pool sets one). */
typedef struct brain__stratum_session {
	const char *pool_url;
	uint64_t connection;        /* counts from 1 for the client's life */
	const uint8_t *extranonce1; /* extranonce1_len bytes */
	size_t extranonce1_len;     /* 0..32 */
	size_t extranonce2_size;    /* 1..BRAIN_STRATUM_EXTRANONCE2_MAX */
	double difficulty;          /* > 0 and finite */
} brain__stratum_session;

/*
 * brain__stratum_job_parse - mining.notify's params made into a job:
 *   [job_id, prevhash, coinb1, coinb2, merkle_branch[], version, nbits,
 *    ntime, clean_jobs]
 * prevhash as Stratum sends it (the internal-order hash with each 4-byte
 * word byte-swapped); version, nbits, ntime as 8 hex digits (big-endian
 * numbers); coinb1, coinb2 and branch hashes as hex bytes; clean_jobs a
 * boolean.  Extra trailing params are ignored.
 *
 * params: borrowed.  sess: copied into the job.
 * out: receives a job with one reference.
 * Returns 0, BRAIN_EINVAL (a field missing or malformed; why (cap bytes)
 * names it, e.g. "mining.notify: nbits is not 8 hex digits"), or
 * BRAIN_ENOMEM.
 */
int brain__stratum_job_parse(const json_t *params,
			     const brain__stratum_session *sess,
			     brain_stratum_job_t **out, char *why, size_t cap);

/*
 * brain__stratum_share_check - the share a scanner found, hashed again:
 * fills out (everything but id) from the job and the header of
 * brain_stratum_job_work(j, extranonce2, ntime) with nonce.
 * Returns 0 when the hash meets the job's share target, BRAIN_EINVAL when
 * it does not (or extranonce2 is out of range); why says which.
 */
int brain__stratum_share_check(const brain_stratum_job_t *j,
			       uint64_t extranonce2, uint32_t ntime,
			       uint32_t nonce, brain_stratum_share_t *out,
			       char *why, size_t cap);

#endif
