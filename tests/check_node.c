/*
 * tests/check_node.c - mining a node's templates, without a node: payout
 * addresses (the BIP 173 and BIP 350 test vectors, base58check addresses
 * whose scripts are public), the BIP 34 height push, merkle roots of real
 * mainnet blocks, and coinbases and blocks built from templates.  The
 * real node is exercised by tests/shell/test_live.sh.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hex.h"
#include "node_internal.h"
#include "testutil.h"

static char *hex_of(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	ck_assert_ptr_nonnull(s);
	brain__hex_write(p, n, 0, s);
	return s;
}

/* ---- addresses ---------------------------------------------------------- */

static const struct {
	const char *address, *script, *network, *kind;
} valid_addresses[] = {
	/* BIP 350 (and, for version 0, BIP 173) */
	{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
	 "0014751e76e8199196d454941c45d1b3a323f1433bd6", "main", "p2wpkh"},
	{"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
	 "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
	 "test", "p2wsh"},
	{"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
	 "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
	 "main", "witness"},
	{"BC1SW50QGDZ25J", "6002751e", "main", "witness"},
	{"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
	 "5210751e76e8199196d454941c45d1b3a323", "main", "witness"},
	{"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
	 "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
	 "test", "p2wsh"},
	{"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
	 "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
	 "test", "p2tr"},
	{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
	 "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
	 "main", "p2tr"},
	/* base58check: the genesis block's payee, well-known examples */
	{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
	 "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac", "main",
	 "p2pkh"},
	{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
	 "76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac", "main",
	 "p2pkh"},
	{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
	 "a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87", "main", "p2sh"},
	{"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",
	 "76a914243f1394f44554f4ce3fd68649c19adc483ce92488ac", "test",
	 "p2pkh"},
	{"2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc",
	 "a9144e9f39ca4688ff102128ea4ccda34105324305b087", "test", "p2sh"},
};

START_TEST(decodes_bip350_and_base58_addresses_to_their_scripts)
{
	size_t i;

	for (i = 0; i < sizeof(valid_addresses) / sizeof(*valid_addresses);
	     i++) {
		brain_address_t a;
		char *hex;
		int rc = brain_address_decode(valid_addresses[i].address, &a);
		ck_assert_msg(rc == 0, "%s: %s", valid_addresses[i].address,
			      brain_errmsg(NULL));
		hex = hex_of(a.script, a.script_len);
		ck_assert_str_eq(hex, valid_addresses[i].script);
		ck_assert_str_eq(a.network, valid_addresses[i].network);
		ck_assert_str_eq(a.kind, valid_addresses[i].kind);
		free(hex);
	}
}
END_TEST

START_TEST(decodes_a_regtest_bech32_address)
{
	/* the same program as BIP 173's first vector, under bcrt */
	static const uint8_t prog[20] = {
		0x75, 0x1e, 0x76, 0xe8, 0x19, 0x91, 0x96, 0xd4, 0x54, 0x94,
		0x1c, 0x45, 0xd1, 0xb3, 0xa3, 0x23, 0xf1, 0x43, 0x3b, 0xd6};
	brain_address_t a;

	ck_assert_int_eq(
		brain_address_decode(
			"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", &a),
		0);
	ck_assert_str_eq(a.network, "regtest");
	ck_assert_uint_eq(a.script_len, 22);
	ck_assert_mem_eq(a.script + 2, prog, 20);
}
END_TEST

static const struct {
	const char *address, *why;
} invalid_addresses[] = {
	/* BIP 350 */
	{"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
	 "unknown prefix"},
	{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
	 "needs a bech32m checksum"},
	{"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
	 "needs a bech32m checksum"},
	{"BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
	 "needs a bech32m checksum"},
	{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
	 "needs a bech32 checksum"},
	{"tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
	 "needs a bech32 checksum"},
	{"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
	 "charset"},
	{"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
	 "witness version 17"},
	{"bc1pw5dgrnzv", "program of 1 bytes"},
	{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
	 "over 40 bytes"},
	{"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "(20 or 32)"},
	{"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
	 "mixed"},
	{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
	 "padding"},
	{"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
	 "padding"},
	{"bc1gmk9yu", "no witness version"},
	/* base58check */
	{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "checksum"},
	{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0", "base58 character"},
	{"1A1zP1eP5QGefi2DMPT", "length"},
	{"", "length"},
};

START_TEST(refuses_the_invalid_address_vectors_saying_why)
{
	size_t i;

	for (i = 0;
	     i < sizeof(invalid_addresses) / sizeof(*invalid_addresses); i++) {
		brain_address_t a;
		int rc = brain_address_decode(invalid_addresses[i].address, &a);
		ck_assert_msg(rc == BRAIN_EINVAL, "%s accepted",
			      invalid_addresses[i].address);
		ck_assert_msg(strstr(brain_errmsg(NULL),
				     invalid_addresses[i].why) != NULL,
			      "%s: '%s' does not say '%s'",
			      invalid_addresses[i].address, brain_errmsg(NULL),
			      invalid_addresses[i].why);
	}
}
END_TEST

START_TEST(bech32_checksums_of_bip173_and_bip350_strings)
{
	static const char *const bech32[] = {
		"A12UEL5L", "a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"?1ezyfcl"};
	static const char *const bech32m[] = {
		"A1LQFN3A", "a1lqfn3a",
		"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
		"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
		"11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
		"split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
		"?1v759aa"};
	static const char *const invalid[] = {
		" 1xj0phk", "\x7f" "1g6xzxy", "\x80" "1vctc34",
		"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
		"qyrz8wqd2c9m", "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0",
		"in1muywd", "mm1crxm3i", "au1s5cgom", "M1VUXWEZ", "16plkw9",
		"1p2gdwpf",
		/* BIP 173's */
		"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3",
		"A1G7SGD8", "10a06t8", "1qzzfhee"};
	char hrp[84];
	uint8_t data[90];
	size_t n, i;
	const char *why;

	for (i = 0; i < sizeof(bech32) / sizeof(*bech32); i++)
		ck_assert_msg(brain__bech32_decode(bech32[i], hrp, data, &n,
						   &why) == BRAIN__BECH32,
			      "%s", bech32[i]);
	for (i = 0; i < sizeof(bech32m) / sizeof(*bech32m); i++)
		ck_assert_msg(brain__bech32_decode(bech32m[i], hrp, data, &n,
						   &why) == BRAIN__BECH32M,
			      "%s", bech32m[i]);
	for (i = 0; i < sizeof(invalid) / sizeof(*invalid); i++)
		ck_assert_msg(brain__bech32_decode(invalid[i], hrp, data, &n,
						   &why) == 0,
			      "%s accepted", invalid[i]);
	ck_assert_int_eq(brain__bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
					      hrp, data, &n, &why),
			 BRAIN__BECH32);
	ck_assert_str_eq(hrp, "abcdef");
	ck_assert_uint_eq(n, 32);
	for (i = 0; i < 32; i++)
		ck_assert_uint_eq(data[i], i);
}
END_TEST

START_TEST(hex_decode_checks_length_and_digits)
{
	uint8_t b[4];
	size_t n;

	ck_assert_int_eq(brain_hex_decode("00fFa1", b, 4, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(b[1], 0xff);
	ck_assert_int_eq(brain_hex_decode("abc", b, 4, &n), BRAIN_EINVAL);
	ck_assert_int_eq(brain_hex_decode("zz", b, 4, &n), BRAIN_EINVAL);
	ck_assert_int_eq(brain_hex_decode("0011223344", b, 4, &n),
			 BRAIN_EINVAL);
}
END_TEST

/* ---- BIP 34 ------------------------------------------------------------- */

START_TEST(bip34_height_is_pushed_as_bitcoin_core_does)
{
	static const struct {
		int64_t height;
		const char *hex;
	} v[] = {{0, "00"},          {1, "51"},          {16, "60"},
		 {17, "0111"},       {127, "017f"},      {128, "028000"},
		 {255, "02ff00"},    {256, "020001"},    {32767, "02ff7f"},
		 {32768, "03008000"}, {227931, "035b7a03"}, /* BIP 34 start */
		 {500000, "0320a107"}, {840000, "0340d10c"},
		 {8388608, "0400008000"}};
	uint8_t out[9];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(*v); i++) {
		char *hex;
		n = brain__script_push_height(v[i].height, out);
		hex = hex_of(out, n);
		ck_assert_msg(!strcmp(hex, v[i].hex), "height %lld: %s, not %s",
			      (long long)v[i].height, hex, v[i].hex);
		free(hex);
	}
}
END_TEST

/* ---- merkle roots of real blocks ---------------------------------------- */

static void ids(const char *const *hex, size_t n, uint8_t (*out)[32])
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(brain_hash_from_hex(hex[i], out[i]), 0);
}

static void check_root(const char *const *txids, size_t n, const char *want)
{
	uint8_t(*h)[32] = malloc(n * 32), root[32];
	char shown[65];

	ids(txids, n, h);
	ck_assert_int_eq(brain_merkle_root((const uint8_t(*)[32])h, n, root),
			 0);
	brain_hash_to_hex(root, shown);
	ck_assert_str_eq(shown, want);
	free(h);
}

START_TEST(merkle_roots_of_mainnet_blocks_0_170_and_100000)
{
	static const char *const b0[] = {
		"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"};
	static const char *const b170[] = {
		"b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082",
		"f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"};
	static const char *const b100000[] = {
		"8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
		"fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
		"6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
		"e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d"};

	check_root(b0, 1, b0[0]);
	check_root(b170, 2,
		   "7dac2c5666815c17a3b36427de37bb9d2e2c5ccec3f8633eb91a4205cb4c10ff");
	/* the root in block 100000's header (tests/data/mainnet_headers.txt) */
	check_root(b100000, 4,
		   "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766");
}
END_TEST

/* ---- templates ---------------------------------------------------------- */

/* The genesis block's coinbase: a real transaction whose txid is known. */
#define GENESIS_TX                                                             \
	"01000000010000000000000000000000000000000000000000000000000000000000" \
	"000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32" \
	"303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e6420" \
	"6261696c6f757420666f722062616e6b73ffffffff0100f2052a0100000043410467" \
	"8afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc" \
	"3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"
#define GENESIS_TXID                                                           \
	"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
#define REGTEST_GENESIS                                                        \
	"0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
#define COMMITMENT                                                             \
	"6a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836" \
	"974e8cf9"

/* P2PKH to the genesis payee's key hash. */
static const uint8_t PAYOUT[25] = {
	0x76, 0xa9, 0x14, 0x62, 0xe9, 0x07, 0xb1, 0x5c, 0xbf, 0x27, 0xd5,
	0x42, 0x53, 0x99, 0xeb, 0xf6, 0xf0, 0xfb, 0x50, 0xeb, 0xb8, 0x8f,
	0x18, 0x88, 0xac};
#define PAYOUT_HEX "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac"

static json_t *gbt(int height, json_t *txs)
{
	json_t *t = json_pack(
		"{s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:o, s:[], s:s, "
		"s:{s:s}}",
		"version", 0x20000000, "previousblockhash", REGTEST_GENESIS,
		"bits", "207fffff", "curtime", 1700000000, "mintime",
		1600000000, "maxtime", 1700007200, "height", height,
		"coinbasevalue", (json_int_t)5000000000LL, "transactions",
		txs ? txs : json_array(), "rules", "longpollid", "lp1",
		"coinbaseaux", "flags", "");

	ck_assert_ptr_nonnull(t);
	return t;
}

static brain_template_t *parse_ok(json_t *g, const char *tag)
{
	brain_template_t *t;
	int rc = brain_template_parse(&t, g, PAYOUT, sizeof(PAYOUT), tag);

	ck_assert_msg(rc == 0, "%s", brain_errmsg(NULL));
	json_decref(g);
	return t;
}

START_TEST(coinbase_holds_height_extranonce_tag_and_payout)
{
	brain_template_t *t = parse_ok(gbt(1, NULL), "/bs/");
	uint8_t *cb;
	size_t len;
	char *hex;

	ck_assert_int_eq(brain_template_coinbase(t, 0x0102030405060708ull, 1,
						 &cb, &len),
			 0);
	hex = hex_of(cb, len);
	/* version 2, one input spending nothing, script: OP_1 (height 1),
	 * push 8 extranonce bytes (little-endian), push "/bs/"; one output
	 * of 50 BTC to PAYOUT; lock time 0.  No commitment: legacy form. */
	ck_assert_str_eq(hex,
			 "02000000" "01"
			 "0000000000000000000000000000000000000000000000000000000000000000"
			 "ffffffff" "0f" "51" "080807060504030201" "042f62732f"
			 "ffffffff" "01" "00f2052a01000000" "19" PAYOUT_HEX
			 "00000000");
	free(hex);
	brain_free(cb);
	ck_assert_int_eq(brain_template_info(t)->height, 1);
	ck_assert_int_eq(brain_template_info(t)->segwit, 0);
	ck_assert_str_eq(brain_template_info(t)->longpollid, "lp1");
	brain_template_free(t);
}
END_TEST

START_TEST(work_header_has_template_fields_and_coinbase_merkle_root)
{
	brain_template_t *t = parse_ok(gbt(200, NULL), "/bs/");
	brain_work_t w;
	uint8_t *cb, txid[32];
	size_t len;
	char shown[65];

	ck_assert_int_eq(brain_template_work(t, 7, 1650000000, &w), 0);
	ck_assert_int_eq(brain_template_coinbase(t, 7, 0, &cb, &len), 0);
	brain_sha256d(cb, len, txid);
	brain_free(cb);
	ck_assert_mem_eq(w.header.merkle_root, txid, 32);
	ck_assert_uint_eq(w.header.version, 0x20000000);
	ck_assert_uint_eq(w.header.bits, 0x207fffff);
	ck_assert_uint_eq(w.header.time, 1650000000);
	brain_hash_to_hex(w.header.prev_hash, shown);
	ck_assert_str_eq(shown, REGTEST_GENESIS);
	brain_hash_to_hex(w.target, shown);
	ck_assert_str_eq(shown, "7fffff00000000000000000000000000"
				"00000000000000000000000000000000");
	ck_assert_uint_eq(w.extranonce, 7);
	/* time kept within mintime..maxtime */
	ck_assert_int_eq(brain_template_work(t, 7, 5, &w), 0);
	ck_assert_uint_eq(w.header.time, 1600000000);
	ck_assert_int_eq(brain_template_work(t, 7, 1800000000, &w), 0);
	ck_assert_uint_eq(w.header.time, 1700007200);
	/* another extranonce, another root */
	ck_assert_int_eq(brain_template_work(t, 8, 1650000000, &w), 0);
	ck_assert(memcmp(w.header.merkle_root, txid, 32) != 0);
	brain_template_free(t);
}
END_TEST

START_TEST(block_is_header_count_coinbase_and_template_transactions)
{
	json_t *txs = json_pack("[{s:s, s:s, s:s, s:i}]", "data", GENESIS_TX,
				"txid", GENESIS_TXID, "hash", GENESIS_TXID,
				"fee", 0);
	brain_template_t *t = parse_ok(gbt(300, txs), "/bs/");
	uint8_t ids2[2][32], root[32], *cb;
	size_t len;
	brain_work_t w;
	char *hex, *cbhex, head[161], *want;

	ck_assert_int_eq(brain_template_info(t)->ntx, 1);
	ck_assert_int_eq(brain_template_work(t, 42, 1650000000, &w), 0);
	ck_assert_int_eq(brain_template_coinbase(t, 42, 0, &cb, &len), 0);
	brain_sha256d(cb, len, ids2[0]);
	ck_assert_int_eq(brain_hash_from_hex(GENESIS_TXID, ids2[1]), 0);
	ck_assert_int_eq(brain_merkle_root((const uint8_t(*)[32])ids2, 2,
					   root),
			 0);
	ck_assert_mem_eq(w.header.merkle_root, root, 32);

	w.header.nonce = 0xdeadbeef;
	ck_assert_int_eq(brain_template_block_hex(t, 42, &w.header, &hex), 0);
	brain_header_to_hex(&w.header, head);
	cbhex = hex_of(cb, len);
	ck_assert_int_ne(asprintf(&want, "%s02%s%s", head, cbhex, GENESIS_TX),
			 -1);
	ck_assert_str_eq(hex, want);
	free(want);
	free(cbhex);
	brain_free(cb);
	brain_free(hex);
	brain_template_free(t);
}
END_TEST

START_TEST(merkle_branch_matches_the_full_root_for_every_count)
{
	size_t n, i;

	for (n = 0; n <= 9; n++) {
		json_t *txs = json_array();
		uint8_t(*all)[32] = malloc((n + 1) * 32), root[32], *cb;
		brain_template_t *t;
		brain_work_t w;
		size_t len;

		for (i = 0; i < n; i++) {
			char id[65];
			memset(all[i + 1], (int)(i * 37 + 1), 32);
			brain_hash_to_hex(all[i + 1], id);
			json_array_append_new(
				txs, json_pack("{s:s, s:s}", "data",
					       "0100000000000000000000", "txid",
					       id));
		}
		t = parse_ok(gbt(1000, txs), "x");
		ck_assert_int_eq(brain_template_work(t, n, 1650000000, &w), 0);
		ck_assert_int_eq(brain_template_coinbase(t, n, 0, &cb, &len),
				 0);
		brain_sha256d(cb, len, all[0]);
		ck_assert_int_eq(brain_merkle_root((const uint8_t(*)[32])all,
						   n + 1, root),
				 0);
		ck_assert_msg(!memcmp(root, w.header.merkle_root, 32),
			      "%zu transactions", n);
		brain_free(cb);
		free(all);
		brain_template_free(t);
	}
}
END_TEST

START_TEST(segwit_template_adds_commitment_and_witness_reserved_value)
{
	json_t *g = gbt(500, NULL);
	brain_template_t *t;
	uint8_t *legacy, *full;
	size_t llen, flen;
	char *lhex, *fhex;

	json_object_set_new(g, "default_witness_commitment",
			    json_string(COMMITMENT));
	json_object_set_new(g, "rules", json_pack("[s, s]", "csv", "!segwit"));
	t = parse_ok(g, "/bs/");
	ck_assert_int_eq(brain_template_info(t)->segwit, 1);
	ck_assert_int_eq(brain_template_coinbase(t, 1, 0, &legacy, &llen), 0);
	ck_assert_int_eq(brain_template_coinbase(t, 1, 1, &full, &flen), 0);
	lhex = hex_of(legacy, llen);
	fhex = hex_of(full, flen);
	/* two outputs: the payout, then the commitment of value 0 */
	ck_assert_ptr_nonnull(strstr(lhex, "02" "00f2052a01000000" "19"
					   PAYOUT_HEX "0000000000000000" "26"
					   COMMITMENT "00000000"));
	/* segwit form: marker and flag after the version, one 32-byte zero
	 * witness item before the lock time */
	ck_assert(!strncmp(fhex, "020000000001", 12));
	ck_assert_uint_eq(flen, llen + 2 + 1 + 1 + 32);
	ck_assert_ptr_nonnull(strstr(fhex, COMMITMENT "0120"
					   "0000000000000000000000000000000000000000000000000000000000000000"
					   "00000000"));
	free(lhex);
	free(fhex);
	brain_free(legacy);
	brain_free(full);
	brain_template_free(t);

	/* a commitment without the segwit rule: the output, no witness */
	g = gbt(500, NULL);
	json_object_set_new(g, "default_witness_commitment",
			    json_string(COMMITMENT));
	t = parse_ok(g, "/bs/");
	ck_assert_int_eq(brain_template_info(t)->segwit, 0);
	ck_assert_int_eq(brain_template_info(t)->has_commitment, 1);
	brain_template_free(t);
}
END_TEST

START_TEST(long_tag_is_cut_to_keep_the_coinbase_script_within_100_bytes)
{
	char tag[200];
	brain_template_t *t;
	uint8_t *cb;
	size_t len;

	memset(tag, 'a', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	t = parse_ok(gbt(8388608, NULL), tag);
	ck_assert_int_eq(brain_template_coinbase(t, 1, 0, &cb, &len), 0);
	/* version 4, input count 1, prevout 36: then the script length */
	ck_assert_uint_le(cb[4 + 1 + 36], 100);
	ck_assert_uint_ge(cb[4 + 1 + 36], 2);
	brain_free(cb);
	brain_template_free(t);
}
END_TEST

START_TEST(template_missing_a_field_is_refused_naming_it)
{
	json_t *g = gbt(1, NULL);
	brain_template_t *t = (brain_template_t *)1;

	json_object_del(g, "bits");
	ck_assert_int_eq(brain_template_parse(&t, g, PAYOUT, sizeof(PAYOUT),
					      NULL),
			 BRAIN_EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), "'bits'"));
	json_decref(g);
	g = gbt(1, json_pack("[{s:s}]", "data", "zz"));
	ck_assert_int_eq(brain_template_parse(&t, g, PAYOUT, sizeof(PAYOUT),
					      NULL),
			 BRAIN_EINVAL);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), "transaction 0"));
	json_decref(g);
	g = gbt(1, NULL);
	ck_assert_int_eq(brain_template_parse(&t, g, PAYOUT, 0, NULL),
			 BRAIN_EINVAL);
	json_decref(g);
}
END_TEST

/* ---- JSON-RPC against a scripted HTTP peer ------------------------------- */

/* Listens on a free loopback port; the child answers each of `n`
 * connections with the next canned response. */
static pid_t serve(const char *const *responses, int n, int *port)
{
	struct sockaddr_in a = {0};
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1, i;
	pid_t pid;

	ck_assert_int_ge(s, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s, 4), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (i = 0; i < n; i++) {
			char req[8192];
			size_t got = 0;
			int c = accept(s, NULL, NULL);
			/* read the request: headers and a short body */
			while (got < sizeof(req) - 1) {
				ssize_t r = read(c, req + got,
						 sizeof(req) - 1 - got);
				if (r <= 0)
					break;
				got += (size_t)r;
				req[got] = '\0';
				if (strstr(req, "\r\n\r\n") &&
				    strchr(strstr(req, "\r\n\r\n"), '}'))
					break;
			}
			if (write(c, responses[i], strlen(responses[i])) < 0)
				_exit(1);
			close(c);
		}
		_exit(0);
	}
	close(s);
	return pid;
}

START_TEST(rpc_sorts_answers_errors_and_refusals)
{
	static const char *const responses[] = {
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
		"{\"result\": 42, \"error\": null, \"id\": 1}\n",
		"HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n"
		"\r\n{\"result\": null, \"error\": "
		"{\"code\": -28, \"message\": \"Loading block index\"}, "
		"\"id\": 2}\n",
		"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n"
		"Content-Length: 0\r\n\r\n",
		"HTTP/1.1 503 Busy\r\nConnection: close\r\n"
		"\r\nbusy\n"};
	brain_rpc_options_t o = BRAIN_RPC_OPTIONS_INIT;
	brain_rpc_t *r;
	json_t *res;
	char url[64];
	int port, status;
	pid_t pid = serve(responses, 4, &port);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	o.url = url;
	o.user = "u";
	o.password = "p";
	ck_assert_int_eq(brain_rpc_open(&r, &o), 0);
	ck_assert_int_eq(brain_rpc_call(r, "getblockcount", NULL, &res), 0);
	ck_assert_int_eq(json_integer_value(res), 42);
	json_decref(res);
	ck_assert_int_eq(brain_rpc_call(r, "getblocktemplate", NULL, &res),
			 BRAIN_ERPC);
	ck_assert_ptr_null(res);
	ck_assert_int_eq(brain_rpc_error_code(r), -28);
	ck_assert_ptr_nonnull(strstr(brain_rpc_errmsg(r), "Loading block"));
	ck_assert_int_eq(brain_rpc_call(r, "getblockcount", NULL, &res),
			 BRAIN_EAUTH);
	ck_assert_int_eq(brain_rpc_call(r, "getblockcount", NULL, &res),
			 BRAIN_ENODE);
	ck_assert_int_eq(brain_rpc_error_code(r), 503);
	brain_rpc_close(r);
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(rpc_to_a_closed_port_is_a_node_error_naming_the_url)
{
	brain_rpc_options_t o = BRAIN_RPC_OPTIONS_INIT;
	brain_rpc_t *r;
	json_t *res;
	char best[65];

	o.url = "http://127.0.0.1:1/";
	o.cookie_file = "/nonexistent/.cookie";
	ck_assert_int_eq(brain_rpc_open(&r, &o), 0);
	ck_assert_int_eq(brain_rpc_call(r, "getblockcount", NULL, &res),
			 BRAIN_EAUTH); /* the cookie is read before connecting */
	ck_assert_ptr_nonnull(strstr(brain_rpc_errmsg(r), ".cookie"));
	brain_rpc_close(r);
	o.cookie_file = NULL;
	ck_assert_int_eq(brain_rpc_open(&r, &o), 0);
	ck_assert_int_eq(brain_node_best_hash(r, best), BRAIN_ENODE);
	ck_assert_ptr_nonnull(strstr(brain_rpc_errmsg(r), "127.0.0.1:1"));
	ck_assert_str_eq(brain_rpc_url(r), "http://127.0.0.1:1/");
	brain_rpc_close(r);
	o.url = NULL;
	ck_assert_int_eq(brain_rpc_open(&r, &o), BRAIN_EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(rpc_reads_the_cookie_file_for_basic_auth)
{
	static const char *const responses[] = {
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
		"{\"result\": \"ok\", \"error\": null, \"id\": 1}\n"};
	brain_rpc_options_t o = BRAIN_RPC_OPTIONS_INIT;
	char *dir = tu_tmpdir(), *cookie = tu_path(dir, ".cookie"), url[64];
	brain_rpc_t *r;
	json_t *res;
	int port;
	pid_t pid = serve(responses, 1, &port);

	tu_write(cookie, "__cookie__:abc123\n");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	o.url = url;
	o.cookie_file = cookie;
	ck_assert_int_eq(brain_rpc_open(&r, &o), 0);
	ck_assert_int_eq(brain_rpc_call(r, "ping", NULL, &res), 0);
	ck_assert_str_eq(json_string_value(res), "ok");
	json_decref(res);
	brain_rpc_close(r);
	waitpid(pid, NULL, 0);
	tu_rmrf(dir);
	free(cookie);
	free(dir);
}
END_TEST

/* ---- config.json bitcoin_rpc -------------------------------------------- */

static int open_with_config(const char *dir, const char *text, brain_t **b)
{
	time_t now = T_SEED_EXAMPLE;
	char *cfg = tu_path(dir, "config.json");
	brain_options_t o;
	int rc;

	tu_write(cfg, text);
	o = tu_options(dir, NULL, &now);
	rc = brain_initialize_mode(b, "staging", "Tester", &o);
	free(cfg);
	return rc;
}

START_TEST(config_keeps_node_settings_per_mode_as_strings)
{
	char *dir = tu_tmpdir();
	brain_t *b;
	const json_t *rpc;

	ck_assert_int_eq(
		open_with_config(dir,
				 "{\"bitcoin_rpc\": {\"timeout_seconds\": 9, "
				 "\"password\": 1234, \"staging\": {\"url\": "
				 "\"http://127.0.0.1:18443/\", \"cookie_file\": "
				 "\"~/.bitcoin/regtest/.cookie\"}}}",
				 &b),
		0);
	rpc = json_object_get(brain_get_config(b), "bitcoin_rpc");
	ck_assert_int_eq(json_integer_value(json_object_get(rpc,
							    "timeout_seconds")),
			 9);
	ck_assert_str_eq(json_string_value(json_object_get(rpc, "password")),
			 "1234");
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(rpc, "staging"), "url")),
			 "http://127.0.0.1:18443/");
	brain_close(b);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(config_misspelt_node_key_is_refused_with_a_suggestion)
{
	char *dir = tu_tmpdir();
	brain_t *b;

	ck_assert_int_eq(open_with_config(dir,
					  "{\"bitcoin_rpc\": {\"live\": "
					  "{\"cookie_fle\": \"x\"}}}",
					  &b),
			 BRAIN_ECONFIG);
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), "unknown key "
					"'cookie_fle'"));
	ck_assert_ptr_nonnull(strstr(brain_errmsg(NULL), "cookie_file"));
	ck_assert_int_eq(open_with_config(dir,
					  "{\"bitcoin_rpc\": {\"live\": "
					  "{\"staging\": {}}}}",
					  &b),
			 BRAIN_ECONFIG);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

Suite *node_suite(void)
{
	Suite *s = suite_create("node");
	TCase *tc = tcase_create("addresses");

	tcase_add_test(tc, decodes_bip350_and_base58_addresses_to_their_scripts);
	tcase_add_test(tc, decodes_a_regtest_bech32_address);
	tcase_add_test(tc, refuses_the_invalid_address_vectors_saying_why);
	tcase_add_test(tc, bech32_checksums_of_bip173_and_bip350_strings);
	tcase_add_test(tc, hex_decode_checks_length_and_digits);
	suite_add_tcase(s, tc);
	tc = tcase_create("blocks");
	tcase_add_test(tc, bip34_height_is_pushed_as_bitcoin_core_does);
	tcase_add_test(tc, merkle_roots_of_mainnet_blocks_0_170_and_100000);
	tcase_add_test(tc, coinbase_holds_height_extranonce_tag_and_payout);
	tcase_add_test(tc, work_header_has_template_fields_and_coinbase_merkle_root);
	tcase_add_test(tc, block_is_header_count_coinbase_and_template_transactions);
	tcase_add_test(tc, merkle_branch_matches_the_full_root_for_every_count);
	tcase_add_test(tc, segwit_template_adds_commitment_and_witness_reserved_value);
	tcase_add_test(tc, long_tag_is_cut_to_keep_the_coinbase_script_within_100_bytes);
	tcase_add_test(tc, template_missing_a_field_is_refused_naming_it);
	suite_add_tcase(s, tc);
	tc = tcase_create("rpc");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, rpc_sorts_answers_errors_and_refusals);
	tcase_add_test(tc, rpc_to_a_closed_port_is_a_node_error_naming_the_url);
	tcase_add_test(tc, rpc_reads_the_cookie_file_for_basic_auth);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_test(tc, config_keeps_node_settings_per_mode_as_strings);
	tcase_add_test(tc, config_misspelt_node_key_is_refused_with_a_suggestion);
	suite_add_tcase(s, tc);
	return s;
}
