/*
 * fuzz/fuzz_record.c - libFuzzer target for the record path: a record in,
 * the bytes on disk, read back.
 *
 * DESIGN.md's promise: a save that returns 0 wrote exactly what parses
 * back with the library's own reader; a save that returns an error wrote
 * nothing.  Each input becomes one json_t record, either by parsing it as
 * JSON (NUL allowed in strings) or, when its first byte is odd, by a small
 * program of raw operations that reaches what a parser never produces:
 * keys and strings of any bytes (invalid UTF-8, NUL) set with jansson's
 * *_nocheck calls, and deep nesting.  The record goes to
 * brain_save_system_report("miners") in a tree made once; then
 *   - rc 0: the journal still parses as a whole, its last record line
 *     parses, and it holds every key of the record with an equal value
 *     (the library adds seq, component, mode and, when absent, timestamp,
 *     and the entry template's keys);
 *   - rc < 0: a known BRAIN_E* code with a message, and the journal's bytes
 *     are unchanged.
 * Any violation aborts, so libFuzzer reports it.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T_FUZZ ((time_t)1766022461) /* 2025-12-18T01:47:41Z */
#define RENEW_BYTES (256 * 1024)    /* start a new tree past this */
#define MAX_WRAP 3000               /* deepest nesting the raw path builds */

static char root[64];
static time_t now = T_FUZZ;
static brain_t *brain;
static char *journal;

static time_t fixed_clock(void *ctx)
{
	return *(time_t *)ctx;
}

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static int rm_one(const char *p, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_record: %s (%s)\n", what,
		brain ? brain_errmsg(brain) : "");
	abort();
}

static void remove_tree(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new tree in a new temporary root. */
static void open_tree(void)
{
	brain_options_t o = BRAIN_OPTIONS_INIT;

	if (brain) {
		if (brain_close(brain) != 0) {
			brain = NULL;
			fail(brain_errmsg(NULL));
		}
		brain_free(journal);
		remove_tree();
	} else {
		atexit(remove_tree);
	}
	snprintf(root, sizeof(root), "%s", "/tmp/fuzz_record.XXXXXX");
	if (!mkdtemp(root))
		fail("mkdtemp");
	o.root = root;
	o.blueprint = SOURCE_DIR "/blueprint/brain.qtl";
	o.clock = fixed_clock;
	o.clock_ctx = &now;
	o.notice = quiet;
	o.durability = BRAIN_DURABILITY_NONE;
	if (brain_initialize_mode(&brain, "demo", "Fuzz-Tool", &o) != 0)
		fail(brain_errmsg(NULL));
	if (brain_get_path(brain, "miners", "report_global", now, &journal))
		fail("journal path");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		fail("cannot read the journal");
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			if (!(buf = realloc(buf, cap + 1)))
				fail("out of memory");
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* ---- the raw record builder ---- */

typedef struct reader {
	const uint8_t *p;
	size_t n;
} reader;

static int take(reader *r, uint8_t *out)
{
	if (!r->n)
		return 0;
	*out = *r->p++;
	r->n--;
	return 1;
}

/* A length-prefixed byte string (any bytes). */
static int bytes(reader *r, const char **s, size_t *len)
{
	uint8_t l;

	if (!take(r, &l))
		return 0;
	*len = l < r->n ? l : r->n;
	*s = (const char *)r->p;
	r->p += *len;
	r->n -= *len;
	return 1;
}

/* value nested `depth` arrays/objects deep, built without recursion */
static json_t *wrap(json_t *v, size_t depth, int objects)
{
	while (v && depth--) {
		json_t *c = objects ? json_object() : json_array();
		if (!c || (objects ? json_object_set_new(c, "d", v)
				   : json_array_append_new(c, v))) {
			json_decref(c);
			return NULL;
		}
		v = c;
	}
	return v;
}

/* Adds v to the container c under key k (arrays ignore the key). */
static void put(json_t *c, const char *k, size_t klen, json_t *v)
{
	if (!v)
		return;
	if (json_is_object(c))
		json_object_setn_new_nocheck(c, k, klen, v);
	else
		json_array_append_new(c, v);
}

/*
 * Ops, one byte each, then their operands:
 *   0 key str     key and string value of raw bytes
 *   1 key b       key and integer value
 *   2 key         key and a nested object, which later ops fill (push)
 *   3 key         key and a nested array (push)
 *   4             close the innermost container (pop)
 *   5 key b c     key and a value nested b*16+c levels deep
 *   6 key         key and true/false/null/real
 */
static json_t *build(const uint8_t *data, size_t size)
{
	json_t *stack[64];
	size_t top = 0;
	reader r = {data, size};
	uint8_t op, b1, b2;
	const char *k, *s;
	size_t kl, sl;

	if (!(stack[0] = json_object()))
		fail("out of memory");
	while (take(&r, &op)) {
		json_t *c = stack[top], *v = NULL;
		op %= 7;
		if (op == 4) {
			if (top)
				top--;
			continue;
		}
		if (!bytes(&r, &k, &kl))
			break;
		switch (op) {
		case 0:
			if (bytes(&r, &s, &sl))
				v = json_stringn_nocheck(s, sl);
			break;
		case 1:
			if (take(&r, &b1))
				v = json_integer((json_int_t)(int8_t)b1 * 1000003);
			break;
		case 2:
		case 3:
			v = op == 2 ? json_object() : json_array();
			if (v && top + 1 < sizeof(stack) / sizeof(*stack)) {
				put(c, k, kl, json_incref(v));
				stack[++top] = v;
				json_decref(v);
				continue;
			}
			break;
		case 5:
			if (take(&r, &b1) && take(&r, &b2)) {
				size_t d = (size_t)b1 * 16 + b2 % 16;
				v = wrap(json_string("leaf"),
					 d < MAX_WRAP ? d : MAX_WRAP, b2 & 16);
			}
			break;
		case 6:
			if (take(&r, &b1))
				v = b1 % 4 == 0   ? json_true()
				    : b1 % 4 == 1 ? json_false()
				    : b1 % 4 == 2 ? json_null()
						  : json_real((double)b1 / 7.0);
			break;
		}
		put(c, k, kl, v);
	}
	return stack[0];
}

/* ---- the check ---- */

/* The last record line of the journal, parsed (NULL when it does not). */
static json_t *last_record(char *text, size_t len)
{
	char *end = text + len, *line, *e;

	/* the records end with "\n  ]"; the last line before it is ours */
	while (end > text && end[-1] != ']')
		end--;
	if (end == text)
		return NULL;
	end--;
	while (end > text && end[-1] != '\n')
		end--; /* start of the "  ]" line */
	if (end == text)
		return NULL;
	e = end - 1; /* its '\n' */
	line = e;
	while (line > text && line[-1] != '\n')
		line--;
	while (line < e && *line == ' ')
		line++;
	if (e > line && e[-1] == ',')
		e--;
	return json_loadb(line, (size_t)(e - line), 0, NULL);
}

static int added_by_library(const char *k, size_t kl, const json_t *v)
{
	if (kl == 3 && (!memcmp(k, "seq", 3)))
		return 1;
	if ((kl == 9 && !memcmp(k, "component", 9)) ||
	    (kl == 4 && !memcmp(k, "mode", 4)))
		return 1;
	return kl == 9 && !memcmp(k, "timestamp", 9) && json_is_null(v);
}

static void check_saved(const json_t *rec, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	json_t *whole, *last, *v;
	const char *k;
	size_t kl;

	if (!copy)
		fail("out of memory");
	memcpy(copy, text, len + 1);
	whole = json_loadb(copy, len, 0, NULL);
	if (!whole)
		fail("saved, but the journal no longer parses");
	json_decref(whole);
	last = last_record(copy, len);
	if (!last)
		fail("saved, but its journal line does not parse");
	json_object_keylen_foreach((json_t *)rec, k, kl, v)
	{
		json_t *got = json_object_getn(last, k, kl);
		if (added_by_library(k, kl, v))
			continue;
		if (!got || !json_equal(got, v))
			fail("saved, but the journal holds something else");
	}
	json_decref(last);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *rec;
	char *before, *after;
	size_t blen, alen;
	int rc;

	if (!brain)
		open_tree();
	if (!size)
		return 0;
	if (data[0] & 1)
		rec = build(data + 1, size - 1);
	else
		rec = json_loadb((const char *)data + 1, size - 1,
				 JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
	if (!rec)
		return 0;
	before = slurp(journal, &blen);
	rc = brain_save_system_report(brain, "miners", rec);
	after = slurp(journal, &alen);
	if (rc == 0) {
		check_saved(rec, after, alen);
	} else {
		if (rc > 0 || !strcmp(brain_strerror(rc), "unknown error"))
			fail("an unknown return code");
		if (!*brain_errmsg(brain))
			fail("an error without a message");
		if (alen != blen || memcmp(before, after, alen))
			fail("refused, but the journal changed");
	}
	json_decref(rec);
	free(before);
	free(after);
	if (alen > RENEW_BYTES)
		open_tree();
	return 0;
}
