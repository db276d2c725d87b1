/*
 * lib/node_work.c - a node's block template turned into work: the
 * coinbase, the merkle root, the header, and the block to submit.
 *
 * A template is parsed once (every transaction's bytes and txid decoded,
 * the merkle branch of the coinbase's position computed) and is immutable
 * afterwards, so scanning threads share it without locks.  Each unit of
 * work then costs one coinbase serialization and hash plus log2(n) merkle
 * hashes.  The coinbase is what makes units distinct: its script holds the
 * BIP 34 height, an 8-byte extranonce and the miner's tag.
 */
#include <stdlib.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "error.h"
#include "hex.h"
#include "node_internal.h"

#define SCRIPTSIG_MAX 100 /* consensus limit on a coinbase script */
#define PUSH_MAX 75       /* one-byte push opcodes */

typedef struct tmpl_tx {
	uint8_t *data;
	size_t len;
	uint8_t txid[32];
} tmpl_tx;

struct brain_template {
	brain_template_info_t info;
	char *longpollid;
	tmpl_tx *txs;
	uint8_t (*branch)[32]; /* merkle branch of position 0 */
	size_t nbranch;
	uint8_t *payout;
	size_t payout_len;
	uint8_t commitment[BRAIN_SCRIPT_MAX + 64];
	size_t commitment_len;
	uint8_t tag[PUSH_MAX]; /* tag and coinbaseaux flags, as pushed */
	size_t tag_len;
};

/* ---- buffers ------------------------------------------------------------ */

void brain__bytes_put(brain__bytes *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;
		while (cap < b->len + n)
			cap *= 2;
		if (!(d = realloc(b->data, cap))) {
			b->failed = 1;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void brain__bytes_u8(brain__bytes *b, uint8_t v)
{
	brain__bytes_put(b, &v, 1);
}

void brain__bytes_u32(brain__bytes *b, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24)};

	brain__bytes_put(b, le, 4);
}

void brain__bytes_u64(brain__bytes *b, uint64_t v)
{
	brain__bytes_u32(b, (uint32_t)v);
	brain__bytes_u32(b, (uint32_t)(v >> 32));
}

void brain__bytes_varint(brain__bytes *b, uint64_t v)
{
	if (v < 0xfd) {
		brain__bytes_u8(b, (uint8_t)v);
	} else if (v <= 0xffff) {
		brain__bytes_u8(b, 0xfd);
		brain__bytes_u8(b, (uint8_t)v);
		brain__bytes_u8(b, (uint8_t)(v >> 8));
	} else if (v <= 0xffffffffu) {
		brain__bytes_u8(b, 0xfe);
		brain__bytes_u32(b, (uint32_t)v);
	} else {
		brain__bytes_u8(b, 0xff);
		brain__bytes_u64(b, v);
	}
}

/* ---- script pieces ------------------------------------------------------ */

size_t brain__script_push_height(int64_t height, uint8_t out[9])
{
	uint64_t v = (uint64_t)height;
	size_t n = 0;

	if (height == 0) {
		out[0] = 0x00; /* OP_0 */
		return 1;
	}
	if (height <= 16) {
		out[0] = (uint8_t)(0x50 + height); /* OP_1 .. OP_16 */
		return 1;
	}
	while (v) {
		out[1 + n++] = (uint8_t)v;
		v >>= 8;
	}
	if (out[n] & 0x80) /* keep the number positive */
		out[1 + n++] = 0x00;
	out[0] = (uint8_t)n;
	return n + 1;
}

/* ---- merkle ------------------------------------------------------------- */

static void hash_pair(const uint8_t a[32], const uint8_t b[32],
		      uint8_t out[32])
{
	uint8_t buf[64];

	memcpy(buf, a, 32);
	memcpy(buf + 32, b, 32);
	brain_sha256d(buf, 64, out);
}

int brain_merkle_root(const uint8_t (*txids)[32], size_t n, uint8_t root[32])
{
	uint8_t(*level)[32];
	size_t i;

	BRAIN__ARG(brain__thread_err(), root);
	BRAIN__ARG(brain__thread_err(), txids || n == 0);
	BRAIN__ARG(brain__thread_err(), n <= SIZE_MAX / 32);
	if (n == 0) {
		memset(root, 0, 32);
		return 0;
	}
	if (!(level = malloc(n * 32)))
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "out of memory");
	memcpy(level, txids, n * 32);
	while (n > 1) {
		for (i = 0; i < n; i += 2)
			hash_pair(level[i], level[i + 1 < n ? i + 1 : i],
				  level[i / 2]);
		n = (n + 1) / 2;
	}
	memcpy(root, level[0], 32);
	free(level);
	return 0;
}

/* The hashes the coinbase (position 0) is combined with, level by level,
 * so a unit's root costs log2(n) hashes: slot 0 of each level is unknown
 * (it depends on the coinbase), the rest are fixed by the template. */
static int make_branch(brain_template_t *t)
{
	size_t n = t->info.ntx + 1, i, cap = 0;
	uint8_t(*level)[32] = malloc(n * 32);

	if (!level)
		return BRAIN_ENOMEM;
	for (i = 1; i < n; i++)
		memcpy(level[i], t->txs[i - 1].txid, 32);
	for (cap = 0, i = n; i > 1; i = (i + 1) / 2)
		cap++;
	t->branch = calloc(cap ? cap : 1, 32);
	if (!t->branch) {
		free(level);
		return BRAIN_ENOMEM;
	}
	while (n > 1) {
		memcpy(t->branch[t->nbranch++], level[1], 32);
		for (i = 2; i < n; i += 2)
			hash_pair(level[i], level[i + 1 < n ? i + 1 : i],
				  level[i / 2]);
		n = (n + 1) / 2;
	}
	free(level);
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

static int field_err(const char *name, const char *want)
{
	return brain__errf(brain__thread_err(), BRAIN_EINVAL,
			   "getblocktemplate: '%s' %s", name, want);
}

static int get_int(const json_t *gbt, const char *name, int required,
		   int64_t min, int64_t max, int64_t *out)
{
	const json_t *v = json_object_get(gbt, name);

	if (!v && !required)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return field_err(name, v ? "is not a whole number in range"
					 : "is missing");
	*out = json_integer_value(v);
	return 0;
}

static int parse_hex_field(const char *name, const char *hex, uint8_t *out,
			   size_t cap, size_t *len)
{
	if (!hex || brain_hex_decode(hex, out, cap, len) != 0)
		return field_err(name, "is not hex of the expected length");
	return 0;
}

static int parse_txs(brain_template_t *t, const json_t *txs)
{
	size_t i, n;

	if (!json_is_array(txs))
		return field_err("transactions", "is not a list");
	n = json_array_size(txs);
	if (n && !(t->txs = calloc(n, sizeof(*t->txs))))
		return BRAIN_ENOMEM;
	for (i = 0; i < n; i++) {
		const json_t *tx = json_array_get(txs, i);
		const char *data = json_string_value(json_object_get(tx, "data"));
		const char *id = json_string_value(json_object_get(tx, "txid"));
		tmpl_tx *x = &t->txs[i];
		if (!id) /* BIP 22 before segwit: "hash" is the txid */
			id = json_string_value(json_object_get(tx, "hash"));
		if (!data || !id || strlen(data) < 20 || strlen(id) != 64 ||
		    brain_hash_from_hex(id, x->txid) != 0)
			return brain__errf(brain__thread_err(), BRAIN_EINVAL,
					   "getblocktemplate: transaction %zu "
					   "lacks hex 'data' or a 'txid'", i);
		if (!(x->data = malloc(strlen(data) / 2)))
			return BRAIN_ENOMEM;
		t->info.ntx++;
		if (brain_hex_decode(data, x->data, strlen(data) / 2,
				     &x->len) != 0)
			return brain__errf(brain__thread_err(), BRAIN_EINVAL,
					   "getblocktemplate: transaction %zu "
					   "'data' is not hex", i);
	}
	return 0;
}

static int rules_say_segwit(const json_t *rules)
{
	size_t i;
	const json_t *r;

	json_array_foreach(rules, i, r) {
		const char *s = json_string_value(r);
		if (s && (!strcmp(s, "segwit") || !strcmp(s, "!segwit")))
			return 1;
	}
	return 0;
}

/* The coinbase script's last push: the tag, then coinbaseaux flags when
 * they still fit, within the 100-byte script limit. */
static void make_tag(brain_template_t *t, const char *tag, const json_t *gbt)
{
	uint8_t hb[9];
	size_t room = SCRIPTSIG_MAX - brain__script_push_height(
					      t->info.height, hb) -
		      9 /* extranonce push */ - 1 /* tag push opcode */;
	const char *flags = json_string_value(
		json_object_get(json_object_get(gbt, "coinbaseaux"), "flags"));
	uint8_t aux[PUSH_MAX];
	size_t n = tag ? strlen(tag) : 0, alen = 0;

	if (room > PUSH_MAX)
		room = PUSH_MAX;
	if (n > room)
		n = room;
	memcpy(t->tag, tag ? tag : "", n);
	t->tag_len = n;
	if (flags && brain_hex_decode(flags, aux, sizeof(aux), &alen) == 0 &&
	    alen <= room - n) {
		memcpy(t->tag + n, aux, alen);
		t->tag_len += alen;
	}
}

static int parse(brain_template_t *t, const json_t *gbt, const char *tag)
{
	brain_template_info_t *in = &t->info;
	const char *prev = json_string_value(
		json_object_get(gbt, "previousblockhash"));
	const char *bits = json_string_value(json_object_get(gbt, "bits"));
	const char *dwc = json_string_value(
		json_object_get(gbt, "default_witness_commitment"));
	const char *lp = json_string_value(json_object_get(gbt, "longpollid"));
	int64_t v = 0;
	uint8_t b4[4];
	size_t len;
	int rc;

	if (!json_is_object(gbt))
		return field_err("result", "is not an object");
	if ((rc = get_int(gbt, "version", 1, 0, 0xffffffffLL, &v)))
		return rc;
	in->version = (uint32_t)v;
	if (!prev || brain_hash_from_hex(prev, in->prev_hash) != 0)
		return field_err("previousblockhash", "is not 64 hex digits");
	if ((rc = parse_hex_field("bits", bits, b4, 4, &len)))
		return rc;
	if (len != 4)
		return field_err("bits", "is not 8 hex digits");
	in->bits = (uint32_t)b4[0] << 24 | (uint32_t)b4[1] << 16 |
		   (uint32_t)b4[2] << 8 | b4[3];
	if (brain_bits_to_target(in->bits, in->target) != 0)
		return field_err("bits", "is not a valid compact target");
	if ((rc = get_int(gbt, "curtime", 1, 0, 0xffffffffLL, &v)))
		return rc;
	in->curtime = (uint32_t)v;
	v = 0;
	if ((rc = get_int(gbt, "mintime", 0, 0, 0xffffffffLL, &v)))
		return rc;
	in->mintime = (uint32_t)v;
	v = 0;
	if ((rc = get_int(gbt, "maxtime", 0, 0, 0xffffffffLL, &v)))
		return rc;
	in->maxtime = (uint32_t)v;
	if ((rc = get_int(gbt, "height", 1, 0, 0x7fffffffLL, &in->height)) ||
	    (rc = get_int(gbt, "coinbasevalue", 1, 0, 2100000000000000LL,
			  &in->coinbase_value)))
		return rc;
	if (dwc) {
		if ((rc = parse_hex_field("default_witness_commitment", dwc,
					  t->commitment,
					  sizeof(t->commitment),
					  &t->commitment_len)))
			return rc;
		in->has_commitment = 1;
	}
	in->segwit = in->has_commitment &&
		     rules_say_segwit(json_object_get(gbt, "rules"));
	if (!(t->longpollid = strdup(lp ? lp : "")))
		return BRAIN_ENOMEM;
	in->longpollid = t->longpollid;
	if ((rc = parse_txs(t, json_object_get(gbt, "transactions"))))
		return rc;
	make_tag(t, tag, gbt);
	return make_branch(t);
}

int brain_template_parse(brain_template_t **out, const json_t *gbt,
			 const uint8_t *payout, size_t payout_len,
			 const char *tag)
{
	brain_template_t *t;
	int rc;

	BRAIN__ARG(brain__thread_err(), out);
	*out = NULL;
	BRAIN__ARG(brain__thread_err(), gbt);
	if (!payout || payout_len == 0 || payout_len > 10000)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "payout script of %zu bytes (1 to 10000)",
				   payout_len);
	if (!(t = calloc(1, sizeof(*t))) || !(t->payout = malloc(payout_len))) {
		free(t);
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "out of memory");
	}
	memcpy(t->payout, payout, payout_len);
	t->payout_len = payout_len;
	if ((rc = parse(t, gbt, tag)) != 0) {
		if (rc == BRAIN_ENOMEM)
			brain__errf(brain__thread_err(), rc, "out of memory");
		brain_template_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

const brain_template_info_t *brain_template_info(const brain_template_t *t)
{
	BRAIN__ARG_OR(NULL, t);
	return &t->info;
}

void brain_template_free(brain_template_t *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->info.ntx; i++)
		free(t->txs[i].data);
	free(t->txs);
	free(t->branch);
	free(t->payout);
	free(t->longpollid);
	free(t);
}

/* ---- building ----------------------------------------------------------- */

static void put_coinbase(const brain_template_t *t, uint64_t extranonce,
			 int with_witness, brain__bytes *b)
{
	uint8_t script[SCRIPTSIG_MAX], zero[32] = {0};
	size_t n = brain__script_push_height(t->info.height, script);
	int w = with_witness && t->info.segwit;
	int i;

	script[n++] = 8;
	for (i = 0; i < 8; i++)
		script[n++] = (uint8_t)(extranonce >> (8 * i));
	script[n++] = (uint8_t)t->tag_len;
	memcpy(script + n, t->tag, t->tag_len);
	n += t->tag_len;

	brain__bytes_u32(b, 2); /* version */
	if (w) {
		brain__bytes_u8(b, 0x00); /* marker */
		brain__bytes_u8(b, 0x01); /* flag */
	}
	brain__bytes_varint(b, 1);
	brain__bytes_put(b, zero, 32);
	brain__bytes_u32(b, 0xffffffffu);
	brain__bytes_varint(b, n);
	brain__bytes_put(b, script, n);
	brain__bytes_u32(b, 0xffffffffu); /* sequence */
	brain__bytes_varint(b, t->commitment_len ? 2 : 1);
	brain__bytes_u64(b, (uint64_t)t->info.coinbase_value);
	brain__bytes_varint(b, t->payout_len);
	brain__bytes_put(b, t->payout, t->payout_len);
	if (t->commitment_len) {
		brain__bytes_u64(b, 0);
		brain__bytes_varint(b, t->commitment_len);
		brain__bytes_put(b, t->commitment, t->commitment_len);
	}
	if (w) { /* one witness item: the 32-byte reserved value */
		brain__bytes_varint(b, 1);
		brain__bytes_varint(b, 32);
		brain__bytes_put(b, zero, 32);
	}
	brain__bytes_u32(b, 0); /* lock time */
}

int brain_template_coinbase(const brain_template_t *t, uint64_t extranonce,
			    int with_witness, uint8_t **out, size_t *len)
{
	brain__bytes b = {0};

	BRAIN__ARG(brain__thread_err(), out);
	*out = NULL;
	BRAIN__ARG(brain__thread_err(), t);
	BRAIN__ARG(brain__thread_err(), len);
	put_coinbase(t, extranonce, with_witness, &b);
	if (b.failed) {
		free(b.data);
		*out = NULL;
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "out of memory");
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

int brain_template_work(const brain_template_t *t, uint64_t extranonce,
			uint32_t time, brain_work_t *out)
{
	uint8_t root[32];
	brain__bytes b = {0};
	size_t i;

	BRAIN__ARG(brain__thread_err(), t);
	BRAIN__ARG(brain__thread_err(), out);
	put_coinbase(t, extranonce, 0, &b);
	if (b.failed) {
		free(b.data);
		return brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				   "out of memory");
	}
	brain_sha256d(b.data, b.len, root);
	free(b.data);
	for (i = 0; i < t->nbranch; i++)
		hash_pair(root, t->branch[i], root);
	memset(out, 0, sizeof(*out));
	out->header.version = t->info.version;
	memcpy(out->header.prev_hash, t->info.prev_hash, 32);
	memcpy(out->header.merkle_root, root, 32);
	if (time < t->info.mintime)
		time = t->info.mintime;
	if (t->info.maxtime && time > t->info.maxtime)
		time = t->info.maxtime;
	out->header.time = time;
	out->header.bits = t->info.bits;
	memcpy(out->target, t->info.target, 32);
	out->extranonce = extranonce;
	out->zeros = 0;
	return 0;
}

int brain_template_block_hex(const brain_template_t *t, uint64_t extranonce,
			     const brain_header_t *h, char **hex)
{
	brain__bytes b = {0};
	uint8_t raw[80];
	size_t i;

	BRAIN__ARG(brain__thread_err(), hex);
	*hex = NULL;
	BRAIN__ARG(brain__thread_err(), t);
	BRAIN__ARG(brain__thread_err(), h);
	brain_header_serialize(h, raw);
	brain__bytes_put(&b, raw, 80);
	brain__bytes_varint(&b, t->info.ntx + 1);
	put_coinbase(t, extranonce, 1, &b);
	for (i = 0; i < t->info.ntx; i++)
		brain__bytes_put(&b, t->txs[i].data, t->txs[i].len);
	if (!b.failed && (*hex = malloc(2 * b.len + 1)))
		brain__hex_write(b.data, b.len, 0, *hex);
	free(b.data);
	return *hex ? 0
		    : brain__errf(brain__thread_err(), BRAIN_ENOMEM,
				  "out of memory");
}
