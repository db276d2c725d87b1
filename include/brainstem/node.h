/*
 * brainstem/node.h - mining a Bitcoin node's block templates: payout
 * addresses, JSON-RPC to the node, and turning a getblocktemplate answer
 * into headers to scan and a block to submit.
 *
 * The pieces, in the order a miner uses them:
 *
 *   brain_address_decode     "bc1q...", "1A1z...", "tb1p..." -> the
 *                            output script the coinbase pays to
 *   brain_rpc_open/call      JSON-RPC over HTTP (libcurl), basic auth or
 *                            the node's cookie file
 *   brain_node_template      getblocktemplate with the segwit rule, parsed
 *   brain_template_work      a unit of work for an extranonce: the
 *                            coinbase (BIP 34 height, extranonce, tag,
 *                            payout, witness commitment), the merkle root
 *                            and the header at the node's target
 *   brain_template_block_hex the whole block once a nonce meets the target
 *   brain_node_submit        submitblock, and the node's verdict
 *
 * Byte order as in pow.h: hashes are kept in internal order and shown
 * byte-reversed.
 *
 * Threads: a brain_rpc_t is used by one thread at a time (it owns one
 * HTTP connection); separate handles may be used at once.  A
 * brain_template_t is immutable once made, so any number of threads may
 * build work and blocks from one template at the same time.  The other
 * functions keep no state.  Failures leave a one-line message: on the
 * handle (brain_rpc_errmsg) for RPC calls, else in brain_errmsg(NULL), the
 * calling thread's.
 */
#ifndef BRAINSTEM_NODE_H
#define BRAINSTEM_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <brainstem/common.h>
#include <brainstem/pow.h>
#include <brainstem/work.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- payout addresses ------------------------------------------------ */

/* The longest output script an address can stand for: a version opcode,
 * a push and a 40-byte witness program. */
#define BRAIN_SCRIPT_MAX 42

typedef struct brain_address {
	uint8_t script[BRAIN_SCRIPT_MAX]; /* the scriptPubKey it pays to */
	size_t script_len;
	/* "main", "test" (testnet and signet; base58 "test" prefixes also
	 * serve regtest) or "regtest" (bech32 "bcrt" only).  Static. */
	const char *network;
	/* "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr" or "witness" (a
	 * version 1-16 program of another length: valid, not yet defined).
	 * Static. */
	const char *kind;
	int witness_version; /* 0..16, or -1 for a base58 address */
} brain_address_t;

/*
 * brain_address_decode - the output script of a Bitcoin address.
 *
 * Understands base58check P2PKH and P2SH (mainnet versions 0x00/0x05,
 * test 0x6f/0xc4) and segwit addresses (BIP 173 bech32 for version 0,
 * BIP 350 bech32m for versions 1-16) with the prefixes bc, tb and bcrt,
 * in lower or upper case (not mixed).
 *
 * address: a NUL-terminated string (not NULL).
 * out: receives the script and what it is; untouched on failure.
 * Returns 0, or BRAIN_EINVAL with brain_errmsg(NULL) saying what is wrong
 * ("bad checksum", "unknown prefix 'tc'", "witness version 0 program of
 * 21 bytes", ...).  Thread-safe; nothing is allocated.
 */
BRAIN_EXTERN(int)
brain_address_decode(const char *address, brain_address_t *out)
	BRAIN_WARN_UNUSED;

/*
 * brain_hex_decode - bytes from hex digits (upper or lower case).
 *
 * hex: NUL-terminated, an even number of hex digits.
 * out, cap: room for the bytes.  len: receives how many were written.
 * Returns 0, or BRAIN_EINVAL (odd length, a non-hex character, more than
 * cap bytes).  Thread-safe.
 */
BRAIN_EXTERN(int)
brain_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
	BRAIN_WARN_UNUSED;

/* ---- merkle root ------------------------------------------------------- */

/*
 * brain_merkle_root - Bitcoin's merkle root of n transaction ids (internal
 * order, the coinbase's first): pairs are hashed with double SHA-256, and
 * a level with an odd count pairs its last hash with itself.  One id is
 * its own root; n == 0 gives 32 zero bytes.
 *
 * Cost: n - 1 double hashes of 64 bytes; allocates n * 32 bytes.
 * Returns 0, or BRAIN_ENOMEM.  Thread-safe.
 */
BRAIN_EXTERN(int)
brain_merkle_root(const uint8_t (*txids)[32], size_t n, uint8_t root[32])
	BRAIN_WARN_UNUSED;

/* ---- JSON-RPC --------------------------------------------------------- */

typedef struct brain_rpc brain_rpc_t;

typedef struct brain_rpc_options {
	const char *url;         /* e.g. "http://127.0.0.1:8332/" (required) */
	const char *user;        /* basic auth, with password ... */
	const char *password;
	const char *cookie_file; /* ... or the node's .cookie ("user:pass"),
				    read at open and again after a 401, since a
				    restarted node writes a new one; "~/" means
				    $HOME.  Used when user is NULL. */
	long timeout_ms;         /* whole call; 0: 30000 */
	long connect_timeout_ms; /* 0: 5000 */
} brain_rpc_options_t;

#define BRAIN_RPC_OPTIONS_INIT {NULL, NULL, NULL, NULL, 0, 0}

/*
 * brain_rpc_open - a JSON-RPC client for one node.  No connection is made
 * yet; a cookie file that cannot be read now is read again on each call.
 *
 * out: receives the handle (NULL on failure).  o: the settings (copied).
 * Returns 0, BRAIN_EINVAL (out or o NULL, no url, a negative timeout), or
 * BRAIN_ENOMEM; brain_errmsg(NULL) says why.
 * Ownership: the caller frees *out with brain_rpc_close().
 */
BRAIN_EXTERN(int)
brain_rpc_open(brain_rpc_t **out, const brain_rpc_options_t *o)
	BRAIN_WARN_UNUSED;

/*
 * brain_rpc_call - call method(params) and wait for the answer.
 *
 * params: a JSON array, or NULL for [].  Borrowed.
 * result: receives the answer's "result" (a JSON null when the node
 *   answered null); NULL on failure.  The caller owns it (json_decref).
 * Returns 0, or
 *   BRAIN_ENODE  the node could not be reached, timed out, or answered
 *                with something that is not JSON-RPC (HTTP status, curl's
 *                reason and the url in the message)
 *   BRAIN_EAUTH  HTTP 401 even after re-reading the cookie file
 *   BRAIN_ERPC   the node's JSON-RPC error; brain_rpc_error_code() has its
 *                code (e.g. -28 while the node is starting)
 *   BRAIN_ENOMEM
 * brain_rpc_errmsg(r) says which, with the method's name.
 */
BRAIN_EXTERN(int)
brain_rpc_call(brain_rpc_t *r, const char *method, const json_t *params,
	       json_t **result) BRAIN_WARN_UNUSED;

/*
 * brain_rpc_errmsg - the last failure on r, one line ("" when none).
 * Ownership: belongs to r until its next call.
 */
BRAIN_EXTERN(const char *) brain_rpc_errmsg(const brain_rpc_t *r);

/*
 * brain_rpc_error_code - the node's JSON-RPC error code of the last
 * BRAIN_ERPC, the HTTP status of the last BRAIN_ENODE/BRAIN_EAUTH that
 * had one, else 0.
 */
BRAIN_EXTERN(long) brain_rpc_error_code(const brain_rpc_t *r);

/* brain_rpc_url - the url r talks to.  Owned by r. */
BRAIN_EXTERN(const char *) brain_rpc_url(const brain_rpc_t *r);

/* brain_rpc_close - frees r and its connection.  NULL is a no-op. */
BRAIN_EXTERN(void) brain_rpc_close(brain_rpc_t *r);

/* ---- block templates -------------------------------------------------- */

typedef struct brain_template brain_template_t;

/* What a template says, as parsed. */
typedef struct brain_template_info {
	int64_t height;         /* of the block to mine */
	uint32_t version;
	uint8_t prev_hash[32];  /* internal order */
	uint32_t bits;
	uint8_t target[32];     /* from bits, internal order */
	uint32_t curtime, mintime, maxtime; /* maxtime 0: none given */
	int64_t coinbase_value; /* satoshis: subsidy and fees */
	size_t ntx;             /* template transactions, coinbase aside */
	int segwit;             /* 1: the coinbase carries a witness and the
				   block is sent in segwit serialization */
	int has_commitment;     /* default_witness_commitment was given */
	const char *longpollid; /* "" when absent; owned by the template */
} brain_template_info_t;

/*
 * brain_template_parse - a getblocktemplate answer (BIP 22/23/141) made
 * ready to mine.
 *
 * gbt: the "result" object.  Borrowed.  Uses version, previousblockhash,
 *   bits, curtime, mintime, maxtime (optional), height, coinbasevalue,
 *   transactions (data and txid; hash when txid is absent),
 *   default_witness_commitment (optional), rules, coinbaseaux.flags
 *   (optional), longpollid (optional).
 * payout, payout_len: the output script the coinbase pays to (1..10000
 *   bytes; brain_address_decode makes one).  Copied.
 * tag: text for the coinbase's script, e.g. "/brainstem:miner_1/"; cut to
 *   what fits in the 100 bytes a coinbase script may hold.  May be NULL.
 * out: receives the template (NULL on failure).
 *
 * The coinbase is: input script = BIP 34 height, an 8-byte extranonce, the
 * tag (and coinbaseaux flags when they fit); outputs = payout of
 * coinbasevalue, then the witness commitment script when given.  When the
 * rules name segwit and a commitment is given, the coinbase has the
 * witness reserved value (32 zero bytes) as its witness.
 *
 * Returns 0, BRAIN_EINVAL (a missing or malformed field; brain_errmsg(NULL)
 * names it), or BRAIN_ENOMEM.
 * Ownership: the caller frees *out with brain_template_free().
 */
BRAIN_EXTERN(int)
brain_template_parse(brain_template_t **out, const json_t *gbt,
		     const uint8_t *payout, size_t payout_len,
		     const char *tag) BRAIN_WARN_UNUSED;

/* brain_template_info - the parsed fields.  Owned by t. */
BRAIN_EXTERN(const brain_template_info_t *)
brain_template_info(const brain_template_t *t);

/*
 * brain_template_work - a unit of work: the coinbase with this
 * extranonce, its merkle root with the template's transactions, and the
 * header (template version and previous hash, the time, the node's bits,
 * nonce 0).  out->target is the node's target, out->zeros 0.
 *
 * extranonce: any value; units with different extranonces never share a
 *   header (give each thread and miner its own: e.g. thread + threads * k,
 *   and a distinct tag per miner).
 * time: the header's time, clamped to [mintime, maxtime].
 * Cost: one coinbase hash and log2(ntx) merkle hashes (the merkle branch
 * is computed once per template).  Returns 0 or BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_template_work(const brain_template_t *t, uint64_t extranonce,
		    uint32_t time, brain_work_t *out) BRAIN_WARN_UNUSED;

/*
 * brain_template_coinbase - the coinbase transaction for an extranonce,
 * serialized with its witness (when the template is segwit and
 * with_witness is 1) or without (with_witness 0: the bytes of its txid).
 *
 * out, len: receive a buffer the caller frees with brain_free().
 * Returns 0 or BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_template_coinbase(const brain_template_t *t, uint64_t extranonce,
			int with_witness, uint8_t **out, size_t *len)
	BRAIN_WARN_UNUSED;

/*
 * brain_template_block_hex - the full block for submitblock: the header h
 * (as mined, nonce included), the transaction count, the coinbase for
 * extranonce and the template's transactions as the node gave them.
 *
 * hex: receives lower-case hex, NUL-terminated; the caller frees it with
 *   brain_free().
 * Returns 0 or BRAIN_ENOMEM.
 */
BRAIN_EXTERN(int)
brain_template_block_hex(const brain_template_t *t, uint64_t extranonce,
			 const brain_header_t *h, char **hex) BRAIN_WARN_UNUSED;

/* brain_template_free - frees t.  NULL is a no-op. */
BRAIN_EXTERN(void) brain_template_free(brain_template_t *t);

/* ---- talking to the node ---------------------------------------------- */

/*
 * brain_node_template - getblocktemplate {"rules": ["segwit"]} on r, then
 * brain_template_parse with payout and tag.
 *
 * Returns 0, the codes of brain_rpc_call, or those of
 * brain_template_parse; the message is on r (brain_rpc_errmsg).
 * Ownership: as brain_template_parse.
 */
BRAIN_EXTERN(int)
brain_node_template(brain_rpc_t *r, const uint8_t *payout, size_t payout_len,
		    const char *tag, brain_template_t **out) BRAIN_WARN_UNUSED;

/*
 * brain_node_submit - submitblock(block_hex) on r.
 *
 * reason: receives NULL when the node accepted the block, else its reason
 *   ("duplicate", "bad-txnmrklroot", "inconclusive", or the JSON-RPC error
 *   message when the node refused to decode it).  The caller frees it with
 *   brain_free().
 * Returns 0 when the node answered (whatever the verdict), else the codes
 * of brain_rpc_call other than BRAIN_ERPC (a node that could not be asked:
 * try again).
 */
BRAIN_EXTERN(int)
brain_node_submit(brain_rpc_t *r, const char *block_hex, char **reason)
	BRAIN_WARN_UNUSED;

/*
 * brain_node_best_hash - getbestblockhash on r, as shown (64 hex digits
 * and a NUL) into out.  Returns 0 or the codes of brain_rpc_call.
 */
BRAIN_EXTERN(int)
brain_node_best_hash(brain_rpc_t *r, char out[65]) BRAIN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
