/*
 * fuzz/fuzz_node.c - libFuzzer target for what brainstem reads from a
 * Bitcoin node or a user: addresses and getblocktemplate answers.
 *
 * The first byte chooses: even, the rest is an address for
 * brain_address_decode; odd, the rest is a JSON template for
 * brain_template_parse, and a template that parses must also give work,
 * a coinbase and a block.  Any input must either succeed or fail with
 * BRAIN_EINVAL and a message - never crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/brainstem.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t payout[] = {0x51}; /* OP_TRUE */

static void address(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	brain_address_t a;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (brain_address_decode(text, &a) != 0 && !*brain_errmsg(NULL))
		abort(); /* a failure must say why */
	free(text);
}

static void template(const uint8_t *data, size_t size)
{
	json_t *gbt = json_loadb((const char *)data, size, 0, NULL);
	brain_template_t *t = NULL;
	brain_work_t w;
	brain_header_t h;
	uint8_t *coinbase;
	size_t len;
	char *hex;

	if (!gbt)
		return;
	if (brain_template_parse(&t, gbt, payout, sizeof(payout), "/fuzz/") !=
	    0) {
		if (!*brain_errmsg(NULL))
			abort();
		json_decref(gbt);
		return;
	}
	if (brain_template_work(t, 7, 1700000000, &w) == 0) {
		h = w.header;
		if (brain_template_block_hex(t, 7, &h, &hex) == 0)
			brain_free(hex);
	}
	if (brain_template_coinbase(t, 7, 1, &coinbase, &len) == 0)
		brain_free(coinbase);
	brain_template_free(t);
	json_decref(gbt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		template(data + 1, size - 1);
	else
		address(data + 1, size - 1);
	return 0;
}
