/*
 * lib/jsonfile.c - rendering and reading the appendable JSON file format
 * described in jsonfile.h.
 *
 * Invariants: every record line starts with {"seq": (compact, no space),
 * which no pretty-printed head line can; the summary is one compact line;
 * the tail is found from the end of the file in O(record + summary) bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brainstem/errors.h>

#include "jsonfile.h"
#include "record_line.h"

#define SUMMARY_KEY "summary"
#define DUMP_PRETTY (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
#define DUMP_COMPACT (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

static int put_indent(brain__buf *b, int n)
{
	static const char spaces[] = "                                ";
	int rc = 0;

	while (!rc && n > 0) {
		int k = n > 32 ? 32 : n;
		rc = brain__buf_put(b, spaces, (size_t)k);
		n -= k;
	}
	return rc;
}

/* A newline then `indent` spaces. */
static int put_nl(brain__buf *b, int indent)
{
	return brain__buf_put(b, "\n", 1) || put_indent(b, indent)
		       ? BRAIN_ENOMEM
		       : 0;
}

/* A JSON value pretty-printed, its lines indented by `indent`. */
static int put_pretty(brain__buf *b, const json_t *v, int indent)
{
	char *text = json_dumps(v, DUMP_PRETTY), *p, *nl;
	int rc = 0;

	if (!text)
		return BRAIN_ENOMEM;
	for (p = text; !rc && (nl = strchr(p, '\n')); p = nl + 1)
		rc = brain__buf_put(b, p, (size_t)(nl - p)) || put_nl(b, indent)
			     ? BRAIN_ENOMEM
			     : 0;
	if (!rc)
		rc = brain__buf_puts(b, p);
	free(text);
	return rc;
}

static int put_key(brain__buf *b, const char *key)
{
	return brain__json_put_string(b, key) || brain__buf_puts(b, ": ")
		       ? BRAIN_ENOMEM
		       : 0;
}

int brain__jfile_depth(const char *entries)
{
	int d = 1;

	for (; *entries; entries++)
		d += *entries == '.';
	return d;
}

/* Renders object members at `indent` (the object's own indent), the one
 * on `path` last and left open; *tail_off set where the head ends. */
static int render_object(brain__buf *b, const json_t *obj, const char *path,
			 int indent, int index_layout)
{
	const char *dot = path ? strchr(path, '.') : NULL;
	size_t plen = path ? (dot ? (size_t)(dot - path) : strlen(path)) : 0;
	const char *key;
	json_t *val;
	int first = 1, rc = 0;

	if (brain__buf_puts(b, "{"))
		return BRAIN_ENOMEM;
	json_object_foreach((json_t *)obj, key, val) {
		if (path && strlen(key) == plen && !strncmp(key, path, plen))
			continue;
		if (!first && brain__buf_puts(b, ","))
			return BRAIN_ENOMEM;
		if ((rc = put_nl(b, indent + 2)) || (rc = put_key(b, key)) ||
		    (rc = put_pretty(b, val, indent + 2)))
			return rc;
		first = 0;
	}
	if (!path) {
		/* index layout: the summary line follows every member */
		if (index_layout && !first && brain__buf_puts(b, ","))
			return BRAIN_ENOMEM;
		return 0;
	}
	if (!first && brain__buf_puts(b, ","))
		return BRAIN_ENOMEM;
	{
		char k[256];
		if (plen >= sizeof(k))
			return BRAIN_EINVAL;
		memcpy(k, path, plen);
		k[plen] = '\0';
		if ((rc = put_nl(b, indent + 2)) || (rc = put_key(b, k)))
			return rc;
		if (!dot)
			return brain__buf_puts(b, "[") ? BRAIN_ENOMEM : 0;
		return render_object(b, json_object_get(obj, k), dot + 1,
				     indent + 2, 0);
	}
}

int brain__jfile_tail_open(int depth, int with_summary, brain__buf *out)
{
	int i;

	if (depth > 0) {
		if (put_nl(out, 2 * depth) || brain__buf_puts(out, "]"))
			return BRAIN_ENOMEM;
		for (i = depth - 1; i >= 1; i--)
			if (put_nl(out, 2 * i) || brain__buf_puts(out, "}"))
				return BRAIN_ENOMEM;
		if (with_summary && brain__buf_puts(out, ","))
			return BRAIN_ENOMEM;
	}
	if (with_summary && (put_nl(out, 2) || put_key(out, SUMMARY_KEY)))
		return BRAIN_ENOMEM;
	return 0;
}

int brain__jfile_tail_close(brain__buf *out)
{
	return brain__buf_puts(out, "\n}\n") ? BRAIN_ENOMEM : 0;
}

int brain__jfile_tail_text(int depth, const char *summary, size_t len,
			   brain__buf *out)
{
	if (brain__jfile_tail_open(depth, summary != NULL, out) ||
	    (summary && brain__buf_put(out, summary, len)))
		return BRAIN_ENOMEM;
	return brain__jfile_tail_close(out);
}

int brain__jfile_tail(int depth, const json_t *summary, brain__buf *out)
{
	char *text = summary ? json_dumps(summary, DUMP_COMPACT) : NULL;
	int rc;

	if (summary && !text)
		return BRAIN_ENOMEM;
	rc = brain__jfile_tail_text(depth, text, text ? strlen(text) : 0, out);
	free(text);
	return rc;
}

int brain__jfile_prepare(json_t *obj, const char *path)
{
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	char key[256];
	json_t *child;

	if (n >= sizeof(key))
		return BRAIN_EINVAL;
	memcpy(key, path, n);
	key[n] = '\0';
	child = json_object_get(obj, key);
	if (dot && json_is_object(child))
		json_incref(child);
	else if (dot)
		child = json_object();
	else
		child = json_array();
	if (!child)
		return BRAIN_ENOMEM;
	json_object_del(obj, key);
	if (json_object_set_new(obj, key, child))
		return BRAIN_ENOMEM;
	return dot ? brain__jfile_prepare(child, dot + 1) : 0;
}

int brain__jfile_render(const json_t *tpl, const brain__jlayout *lay,
			const json_t *summary, brain__buf *out,
			size_t *tail_off)
{
	json_t *copy = json_is_object(tpl) ? json_deep_copy(tpl)
					   : json_object();
	int rc;

	if (!copy)
		return BRAIN_ENOMEM;
	json_object_del(copy, SUMMARY_KEY);
	rc = lay->entries ? brain__jfile_prepare(copy, lay->entries) : 0;
	if (!rc)
		rc = render_object(out, copy, lay->entries, 0,
				   lay->with_summary);
	*tail_off = out->len;
	if (!rc)
		rc = brain__jfile_tail(lay->entries
					       ? brain__jfile_depth(lay->entries)
					       : 0,
				       lay->with_summary ? summary : NULL, out);
	json_decref(copy);
	return rc;
}

size_t brain__jfile_frame_len(int depth, int was_empty, size_t len)
{
	return (was_empty ? 0 : 1) + 1 + 2 * (size_t)depth + 2 + len;
}

int brain__jfile_frame(brain__buf *out, int depth, int was_empty,
		       const char *record, size_t record_len)
{
	if ((!was_empty && brain__buf_puts(out, ",")) ||
	    put_nl(out, 2 * depth + 2) ||
	    brain__buf_put(out, record, record_len))
		return BRAIN_ENOMEM;
	return 0;
}

int brain__jfile_append_text(int depth, int was_empty, const char *record,
			     size_t record_len, const json_t *summary,
			     brain__buf *out)
{
	if (brain__jfile_frame(out, depth, was_empty, record, record_len))
		return BRAIN_ENOMEM;
	return brain__jfile_tail(depth, summary, out);
}

/* ---- reading ---- */

static int read_at(int fd, char *buf, size_t n, off_t off)
{
	while (n) {
		ssize_t r = pread(fd, buf, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return BRAIN_EIO;
		buf += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

/* Does text[0..len) equal the expected tail for this layout, given that
 * the summary line (if any) is what it holds?  Parses the summary. */
static int check_tail(const char *text, size_t len, const brain__jlayout *lay,
		      json_t **summary)
{
	brain__buf want = {0};
	const char *s = text, *nl;
	json_t *sum = NULL;
	int rc = 0;

	*summary = NULL;
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\n'))
		len--; /* trailing white space is allowed after the closer */
	if (lay->with_summary) {
		const char *key = strstr(text, "\"" SUMMARY_KEY "\": ");
		json_error_t err;
		if (!key || key >= text + len)
			return BRAIN_ECORRUPT;
		s = key + strlen("\"" SUMMARY_KEY "\": ");
		nl = memchr(s, '\n', len - (size_t)(s - text));
		if (!nl)
			return BRAIN_ECORRUPT;
		sum = json_loadb(s, (size_t)(nl - s), 0, &err);
		if (!json_is_object(sum)) {
			json_decref(sum);
			return BRAIN_ECORRUPT;
		}
	}
	if (brain__jfile_tail(lay->entries ? brain__jfile_depth(lay->entries)
					   : 0,
			      sum, &want)) {
		json_decref(sum);
		return BRAIN_ENOMEM;
	}
	while (want.len && want.data[want.len - 1] == '\n')
		want.len--;
	if (want.len != len || memcmp(want.data, text, len) != 0)
		rc = BRAIN_ECORRUPT;
	brain__buf_free(&want);
	if (rc)
		json_decref(sum);
	else
		*summary = sum;
	return rc;
}

/* The start of the tail within chunk, or NULL. */
static const char *find_tail(const char *chunk, size_t len,
			     const brain__jlayout *lay)
{
	char pat[80];
	const char *p, *found = NULL;
	size_t plen;

	if (lay->entries) {
		int ind = 2 * brain__jfile_depth(lay->entries);
		if (ind > 64)
			return NULL;
		pat[0] = '\n';
		memset(pat + 1, ' ', (size_t)ind);
		pat[ind + 1] = ']';
		pat[ind + 2] = '\0';
	} else {
		strcpy(pat, "\n  \"" SUMMARY_KEY "\": ");
	}
	plen = strlen(pat);
	for (p = chunk; (p = memmem(p, len - (size_t)(p - chunk), pat, plen));
	     p++)
		found = p;
	return found;
}

/* Does chunk hold the start of a record line?  The tail comes after the
 * last one, so a window that holds one but no tail needs no more bytes:
 * the file has no tail (a torn write), however long it is. */
static int has_record_line(const char *chunk, size_t len,
			   const brain__jlayout *lay)
{
	char pat[96];
	int ind;

	if (!lay->entries)
		return 0;
	ind = 2 * brain__jfile_depth(lay->entries) + 2;
	if (ind > 64)
		return 0;
	pat[0] = '\n';
	memset(pat + 1, ' ', (size_t)ind);
	strcpy(pat + 1 + ind, BRAIN__RECORD_PREFIX);
	return memmem(chunk, len, pat, strlen(pat)) != NULL;
}

/* One attempt on the last n bytes; BRAIN_EAGAIN-like 1 when more bytes
 * are needed to see the whole tail and last record line.  `whole`: the
 * chunk is the whole file.  A record line is at most max_record bytes. */
static int scan_chunk(int fd, off_t size, size_t n, int whole,
		      size_t max_record, const brain__jlayout *lay,
		      off_t *tail_off, json_t **summary, char **last_line,
		      int *empty)
{
	const off_t start = size - (off_t)n;
	const char *tail, *line;
	char *chunk = malloc(n + 1);
	int rc;

	if (!chunk)
		return BRAIN_ENOMEM;
	if ((rc = read_at(fd, chunk, n, start)))
		goto out;
	chunk[n] = '\0';
	if (!(tail = find_tail(chunk, n, lay))) {
		rc = whole || has_record_line(chunk, n, lay) ? BRAIN_ECORRUPT
							     : 1;
		goto out;
	}
	rc = BRAIN_ECORRUPT;
	if (memchr(tail, '\0', n - (size_t)(tail - chunk)))
		goto out;
	if ((rc = check_tail(tail, n - (size_t)(tail - chunk), lay, summary)))
		goto out;
	*tail_off = start + (tail - chunk);
	if (!lay->entries)
		goto out;
	/* the line before the tail: a record, or the array's opening */
	for (line = tail; line > chunk && line[-1] != '\n';)
		line--;
	if (line == chunk && !whole) {
		/* the line may begin before this chunk, unless it is already
		 * longer than a record can be */
		rc = (size_t)(tail - line) > max_record ? BRAIN_ECORRUPT : 1;
	} else if (tail > chunk && tail[-1] == '[') {
		*empty = 1;
	} else if (tail == chunk || tail[-1] != '}') {
		rc = BRAIN_ECORRUPT; /* e.g. a torn append left a comma */
	} else {
		while (*line == ' ')
			line++;
		if (!brain__is_record(line, (size_t)(tail - line)))
			rc = BRAIN_ECORRUPT;
		else if (!(*last_line = strndup(line, (size_t)(tail - line))))
			rc = BRAIN_ENOMEM;
		else
			*empty = 0;
	}
	if (rc) {
		json_decref(*summary);
		*summary = NULL;
	}
out:
	free(chunk);
	return rc;
}

/* The end of the text before the padding (spaces, the mark's tabs, or
 * zero bytes a crash left in a grown file) that ends at `size`. */
static int padding_start(int fd, off_t size, off_t *end)
{
	char block[4096];

	while (size > 0) {
		size_t n = size < (off_t)sizeof(block) ? (size_t)size
						       : sizeof(block);
		int rc = read_at(fd, block, n, size - (off_t)n);
		if (rc)
			return rc;
		while (n && (block[n - 1] == ' ' || block[n - 1] == '\t' ||
			     block[n - 1] == '\0')) {
			n--;
			size--;
		}
		if (n)
			break;
	}
	*end = size;
	return 0;
}

uint64_t brain__hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; n; s++, n--)
		h = (h ^ (unsigned char)*s) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static uint64_t rotl64(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/*
 * The mark's checksum, written on every save for about twenty tails: four
 * lanes of 8 bytes side by side (independent multiply chains, so about
 * four times the speed of brain__hash_bytes' one chain), folded together
 * with the last bytes.  Marks written before 1.3 are brain__hash_bytes'
 * (legacy_sum): brain__jfile_check_mark accepts either.
 */
static uint32_t mark_sum(const char *s, size_t n)
{
	uint64_t h[4] = {0x9e3779b97f4a7c15ull ^ n, 0xc2b2ae3d27d4eb4full,
			 0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull};
	uint64_t w, f;
	int k;

	for (; n >= 32; s += 32, n -= 32)
		for (k = 0; k < 4; k++) {
			memcpy(&w, s + 8 * k, 8);
			h[k] = (h[k] ^ w) * 0xff51afd7ed558ccdull;
			h[k] ^= h[k] >> 32;
		}
	f = h[0] ^ rotl64(h[1], 16) ^ rotl64(h[2], 32) ^ rotl64(h[3], 48) ^
	    brain__hash_bytes(s, n);
	f = (f ^ (f >> 31)) * 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(f ^ (f >> 32));
}

static uint32_t legacy_sum(const char *s, size_t n)
{
	uint64_t h = brain__hash_bytes(s, n);

	return (uint32_t)(h ^ (h >> 32));
}

/* The mark spelling sum: a tab, then four bits at a time (bit j of a
 * nibble is a tab at j). */
static void spell_mark(uint32_t h, char mark[BRAIN__MARK_LEN])
{
	static const char nibble[16][4] = {
		"    ", "\t   ", " \t  ", "\t\t  ", "  \t ", "\t \t ",
		" \t\t ", "\t\t\t ", "   \t", "\t  \t", " \t \t", "\t\t \t",
		"  \t\t", "\t \t\t", " \t\t\t", "\t\t\t\t"};
	int i;

	mark[0] = '\t';
	for (i = 0; i < 8; i++)
		memcpy(mark + 1 + 4 * i, nibble[(h >> (4 * i)) & 15], 4);
}

void brain__jfile_mark(const char *tail, size_t len,
		       char mark[BRAIN__MARK_LEN])
{
	spell_mark(mark_sum(tail, len), mark);
}

int brain__jfile_check_mark(int fd, off_t tail_off, off_t end, off_t fsize)
{
	char want[BRAIN__MARK_LEN], got[BRAIN__MARK_LEN], *tail;
	int rc;

	if (fsize < end + BRAIN__MARK_LEN || tail_off > end)
		return 0;
	if ((rc = read_at(fd, got, BRAIN__MARK_LEN, end)))
		return rc;
	if (got[0] != '\t')
		return 0; /* spaces: no mark */
	if (!(tail = malloc((size_t)(end - tail_off) + 1)))
		return BRAIN_ENOMEM;
	rc = read_at(fd, tail, (size_t)(end - tail_off), tail_off);
	if (!rc) {
		size_t len = (size_t)(end - tail_off);
		spell_mark(mark_sum(tail, len), want);
		if (memcmp(want, got, BRAIN__MARK_LEN))
			spell_mark(legacy_sum(tail, len), want);
		rc = memcmp(want, got, BRAIN__MARK_LEN) ? BRAIN_ECORRUPT : 0;
	}
	free(tail);
	return rc;
}

int brain__jfile_scan_tail(int fd, const brain__jlayout *lay,
			   size_t max_record, off_t *tail_off,
			   json_t **summary, char **last_line, int *empty,
			   off_t *content_end)
{
	size_t n = 4096;
	struct stat st;
	off_t size;
	int rc;

	*summary = NULL;
	*last_line = NULL;
	*empty = 1;
	if (fstat(fd, &st) != 0 || padding_start(fd, st.st_size, &size) != 0)
		return BRAIN_EIO;
	if (content_end)
		*content_end = size;
	/* The window grows until it holds the tail (whose summary line has
	 * no fixed bound) and the last record line: up to the whole file. */
	for (;;) {
		int whole;
		if (n > (size_t)size)
			n = (size_t)size;
		whole = n == (size_t)size;
		rc = scan_chunk(fd, size, n, whole, max_record, lay, tail_off,
				summary, last_line, empty);
		if (rc != 1)
			return rc;
		n = n > (size_t)size / 8 ? (size_t)size : n * 8;
	}
}

int brain__jfile_each_record(int fd, off_t from,
			     int (*fn)(void *ctx, const char *line,
				       size_t len),
			     void *ctx)
{
	brain__buf line = {0};
	char buf[65536];
	off_t off = from;
	int rc = 0;

	for (;;) {
		ssize_t r = pread(fd, buf, sizeof(buf), off);
		ssize_t i, startpos = 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = BRAIN_EIO;
			break;
		}
		if (r == 0)
			break;
		off += r;
		for (i = 0; i < r && !rc; i++) {
			const char *p, *nl = memchr(buf + i, '\n', (size_t)(r - i));
			size_t len;
			if (!nl)
				break;
			i = nl - buf;
			if (brain__buf_put(&line, buf + startpos,
					  (size_t)(i - startpos))) {
				rc = BRAIN_ENOMEM;
				break;
			}
			startpos = i + 1;
			p = line.data ? line.data : "";
			len = line.len;
			while (len && *p == ' ') {
				p++;
				len--;
			}
			if (len && p[len - 1] == ',')
				len--;
			if (brain__is_record(p, len))
				rc = fn(ctx, p, len);
			line.len = 0;
		}
		if (!rc && startpos < r &&
		    brain__buf_put(&line, buf + startpos,
				   (size_t)(r - startpos)))
			rc = BRAIN_ENOMEM;
		if (rc)
			break;
	}
	brain__buf_free(&line);
	return rc;
}
