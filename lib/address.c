/*
 * lib/address.c - Bitcoin addresses to output scripts: base58check (P2PKH,
 * P2SH) and segwit addresses (BIP 173 bech32 for version 0, BIP 350
 * bech32m for versions 1-16), plus the hex helpers the node code shares.
 *
 * Everything works on the stack with fixed bounds (an address is at most
 * 90 characters), so nothing here allocates and every function is
 * thread-safe.  Cost: a base58 address is decoded with a 25-byte
 * schoolbook multiplication per character and one double SHA-256.
 */
#include <string.h>

#include <brainstem/brainstem.h>

#include "error.h"
#include "hex.h"
#include "node_internal.h"

static int bad(const char *address, const char *why)
{
	return brain__errf(brain__thread_err(), BRAIN_EINVAL,
			   "address '%.100s': %s", address, why);
}

/* ---- hex ---------------------------------------------------------------- */

int brain_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n, i;

	BRAIN__ARG(brain__thread_err(), hex);
	BRAIN__ARG(brain__thread_err(), len);
	BRAIN__ARG(brain__thread_err(), out || cap == 0);
	n = strlen(hex);
	if (n % 2)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "hex: odd number of digits (%zu)", n);
	if (n / 2 > cap)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "hex: %zu bytes, more than the %zu allowed",
				   n / 2, cap);
	for (i = 0; i < n; i += 2) {
		int hi = brain__hexval(hex[i]);
		int lo = brain__hexval(hex[i + 1]);
		if (hi < 0 || lo < 0)
			return brain__errf(brain__thread_err(), BRAIN_EINVAL,
					   "hex: not a hex digit at offset %zu",
					   hi < 0 ? i : i + 1);
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* ---- base58check -------------------------------------------------------- */

static const char B58[] =
	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base58 to exactly 25 bytes (version, 20-byte hash, 4-byte checksum). */
static int base58_25(const char *s, uint8_t out[25], const char **why)
{
	size_t i, zeros = 0, n = strlen(s);
	uint8_t num[25] = {0};

	while (zeros < n && s[zeros] == '1')
		zeros++;
	for (i = 0; i < n; i++) {
		const char *p = s[i] ? strchr(B58, s[i]) : NULL;
		unsigned carry;
		int j;
		if (!p) {
			*why = "not a base58 character";
			return -1;
		}
		carry = (unsigned)(p - B58);
		for (j = 24; j >= 0; j--) {
			carry += 58u * num[j];
			num[j] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry) {
			*why = "too long for an address";
			return -1;
		}
	}
	/* The leading '1's are the leading zero bytes, and no others. */
	for (i = 0; i < 25 && num[i] == 0; i++)
		;
	if (i != zeros) {
		*why = "wrong length for an address";
		return -1;
	}
	memcpy(out, num, 25);
	return 0;
}

static int decode_base58(const char *address, brain_address_t *out)
{
	uint8_t raw[25], check[32];
	const char *why = NULL;
	brain_address_t a = {{0}, 0, NULL, NULL, -1};

	if (base58_25(address, raw, &why) != 0)
		return bad(address, why);
	brain_sha256d(raw, 21, check);
	if (memcmp(check, raw + 21, 4))
		return bad(address, "bad base58check checksum");
	switch (raw[0]) {
	case 0x00:
	case 0x6f:
		a.network = raw[0] ? "test" : "main";
		a.kind = "p2pkh";
		memcpy(a.script, "\x76\xa9\x14", 3);
		memcpy(a.script + 3, raw + 1, 20);
		memcpy(a.script + 23, "\x88\xac", 2);
		a.script_len = 25;
		break;
	case 0x05:
	case 0xc4:
		a.network = raw[0] == 0x05 ? "main" : "test";
		a.kind = "p2sh";
		memcpy(a.script, "\xa9\x14", 2);
		memcpy(a.script + 2, raw + 1, 20);
		a.script[22] = 0x87;
		a.script_len = 23;
		break;
	default:
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "address '%.100s': unknown base58 version "
				   "byte 0x%02x", address, raw[0]);
	}
	*out = a;
	return 0;
}

/* ---- bech32 / bech32m -------------------------------------------------- */

static const char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
#define BECH32M_CONST 0x2bc830a3u

static uint32_t polymod_step(uint32_t pre)
{
	uint8_t b = (uint8_t)(pre >> 25);

	return ((pre & 0x1ffffff) << 5) ^ (-((b >> 0) & 1) & 0x3b6a57b2u) ^
	       (-((b >> 1) & 1) & 0x26508e6du) ^
	       (-((b >> 2) & 1) & 0x1ea119fau) ^
	       (-((b >> 3) & 1) & 0x3d4233ddu) ^
	       (-((b >> 4) & 1) & 0x2a1462b3u);
}

int brain__bech32_decode(const char *s, char hrp[84], uint8_t data[90],
			 size_t *ndata, const char **why)
{
	size_t n = strlen(s), sep, i;
	int lower = 0, upper = 0;
	uint32_t chk = 1;

	*ndata = 0;
	if (n > 90) {
		*why = "longer than 90 characters";
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126) {
			*why = "a character outside ASCII 33-126";
			return 0;
		}
		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
	}
	if (lower && upper) {
		*why = "mixed upper and lower case";
		return 0;
	}
	for (sep = n; sep > 0 && s[sep - 1] != '1'; sep--)
		;
	if (sep == 0) {
		*why = "no separator '1'";
		return 0;
	}
	sep--; /* index of the last '1' */
	if (sep == 0) {
		*why = "empty human-readable part";
		return 0;
	}
	if (n - sep - 1 < 6) {
		*why = "checksum shorter than 6 characters";
		return 0;
	}
	for (i = 0; i < sep; i++) {
		char c = s[i];
		hrp[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		chk = polymod_step(chk) ^ ((unsigned char)hrp[i] >> 5);
	}
	hrp[sep] = '\0';
	chk = polymod_step(chk);
	for (i = 0; i < sep; i++)
		chk = polymod_step(chk) ^ ((unsigned char)hrp[i] & 31);
	for (i = sep + 1; i < n; i++) {
		char c = s[i];
		const char *p;
		c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		if (!(p = strchr(CHARSET, c)) || !c) {
			*why = "a character outside the bech32 charset";
			return 0;
		}
		chk = polymod_step(chk) ^ (uint32_t)(p - CHARSET);
		if (i + 6 < n)
			data[(*ndata)++] = (uint8_t)(p - CHARSET);
	}
	if (chk == 1)
		return BRAIN__BECH32;
	if (chk == BECH32M_CONST)
		return BRAIN__BECH32M;
	*why = "bad checksum";
	*ndata = 0;
	return 0;
}

static int decode_segwit(const char *address, const char *hrp,
			 const uint8_t *data, size_t ndata, int kind,
			 brain_address_t *out)
{
	brain_address_t a = {{0}, 0, NULL, NULL, -1};
	uint8_t prog[40];
	size_t plen = 0, i;
	uint32_t acc = 0;
	unsigned bits = 0;
	int version;

	if (!strcmp(hrp, "bc"))
		a.network = "main";
	else if (!strcmp(hrp, "tb"))
		a.network = "test";
	else if (!strcmp(hrp, "bcrt"))
		a.network = "regtest";
	else
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "address '%.100s': unknown prefix '%s' "
				   "(bc, tb or bcrt)", address, hrp);
	if (ndata < 1)
		return bad(address, "no witness version");
	version = data[0];
	if (version > 16)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "address '%.100s': witness version %d over "
				   "16", address, version);
	if ((version == 0) != (kind == BRAIN__BECH32))
		return bad(address, version == 0
					    ? "witness version 0 needs a bech32 "
					      "checksum, not bech32m"
					    : "witness version 1+ needs a "
					      "bech32m checksum, not bech32");
	/* 5-bit groups to bytes; at most 4 bits of zero padding */
	for (i = 1; i < ndata; i++) {
		acc = (acc << 5) | data[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (plen == sizeof(prog))
				return bad(address, "witness program over 40 "
						    "bytes");
			prog[plen++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)))
		return bad(address, bits >= 5 ? "more than 4 bits of padding"
					      : "non-zero padding bits");
	if (plen < 2)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "address '%.100s': witness program of %zu "
				   "bytes (2 to 40)", address, plen);
	if (version == 0 && plen != 20 && plen != 32)
		return brain__errf(brain__thread_err(), BRAIN_EINVAL,
				   "address '%.100s': witness version 0 "
				   "program of %zu bytes (20 or 32)",
				   address, plen);
	a.witness_version = version;
	a.kind = version == 0   ? (plen == 20 ? "p2wpkh" : "p2wsh")
		 : version == 1 && plen == 32 ? "p2tr"
					      : "witness";
	a.script[0] = (uint8_t)(version ? 0x50 + version : 0);
	a.script[1] = (uint8_t)plen;
	memcpy(a.script + 2, prog, plen);
	a.script_len = plen + 2;
	*out = a;
	return 0;
}

int brain_address_decode(const char *address, brain_address_t *out)
{
	char hrp[84];
	uint8_t data[90];
	size_t ndata, sep;
	const char *why = NULL;
	int kind;

	BRAIN__ARG(brain__thread_err(), address);
	BRAIN__ARG(brain__thread_err(), out);
	/* A segwit address has a known prefix and a '1' after it; base58
	 * has no such structure (and no '0', 'O', 'I' or 'l'). */
	sep = strcspn(address, "1");
	if (address[sep] == '1' && sep > 0 && sep <= 4 &&
	    strspn(address, "bcrtBCRT") == sep) {
		kind = brain__bech32_decode(address, hrp, data, &ndata, &why);
		if (!kind)
			return bad(address, why);
		return decode_segwit(address, hrp, data, ndata, kind, out);
	}
	return decode_base58(address, out);
}
