/*
 * lib/jsonfile.h - the appendable JSON file: one valid JSON document that
 * grows by records at its end without rewriting what it already holds.
 *
 *   {
 *     "metadata": {...},            <- head: the template, pretty-printed
 *     "aggregated_data": {
 *       "reports": [
 *         {"seq":1,...},            <- one record per line, compact
 *         {"seq":2,...}
 *       ]                           <- tail: closers, then the summary on
 *     },                               one compact line (aggregated and
 *     "summary": {...}                 index files), then "}"
 *   }
 *
 * Appending a record writes ",\n<indent>{record}" plus a new tail at the
 * tail's offset, in one pwrite: the cost is the record and the (bounded)
 * summary, whatever the file already holds.  Index files have no records:
 * their summary line is rewritten in place.  The tail starts at the last
 * line that is only indentation and "]" (records and the summary are one
 * line each, so nothing else can look like it).
 */
#ifndef BRAIN_LIB_JSONFILE_H
#define BRAIN_LIB_JSONFILE_H

#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <jansson.h>
#include <stdint.h>

#include <brainstem/errors.h>

/* A growable byte buffer, NUL-terminated past len. */
typedef struct brain__buf {
	char *data;
	size_t len, cap;
} brain__buf;

/* Makes room for n more bytes and the NUL; 0 or BRAIN_ENOMEM. */
int brain__buf_grow(brain__buf *b, size_t n);

/* Appends n bytes; 0 or BRAIN_ENOMEM.  Inline: a summary is written in
 * a few dozen small pieces, fourteen times a save. */
static inline int brain__buf_put(brain__buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap && brain__buf_grow(b, n))
		return BRAIN_ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static inline int brain__buf_puts(brain__buf *b, const char *s)
{
	return brain__buf_put(b, s, strlen(s));
}

void brain__buf_free(brain__buf *b);

/*
 * JSON scalars written straight into a buffer (lib/jsontext.c), exactly
 * as jansson's json_dumps writes them (so text made here and text made by
 * dumping a json_t are the same bytes): a string with its escapes (UTF-8 kept), an
 * integer, a real ("%.17g", ".0" added to whole numbers, exponent without
 * '+' or leading zeros; null when not finite).  Return 0 or BRAIN_ENOMEM.
 */
/* 1 when text[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates), else 0. */
int brain__utf8_valid(const char *text, size_t len);

int brain__json_put_string(brain__buf *b, const char *s);
int brain__json_put_int(brain__buf *b, long long v);
int brain__json_put_real(brain__buf *b, double v);

/*
 * Any JSON value as compact text, the bytes json_dumps(v, JSON_COMPACT |
 * JSON_PRESERVE_ORDER) gives (a record line is written once a save, and
 * jansson's dump goes through a callback per piece).  0, BRAIN_ENOMEM, or
 * BRAIN_EINVAL for what it leaves to jansson: a string or key holding
 * U+0000, a real that is not finite, nesting deeper than
 * BRAIN__JSON_MAX_DEPTH (out may then hold part of the text).
 */
#define BRAIN__JSON_MAX_DEPTH 300
int brain__json_put_compact(brain__buf *b, const json_t *v);

/*
 * A file's layout: `entries` is the dotted path of its record array (NULL
 * for an index file); `with_summary` says whether a summary line follows.
 */
typedef struct brain__jlayout {
	const char *entries;
	int with_summary;
} brain__jlayout;

/*
 * Renders a new, empty file from `tpl` (whose "summary" member, if any,
 * is dropped: the library owns it).  *tail_off receives the offset of the
 * tail in the rendered text.
 */
int brain__jfile_render(const json_t *tpl, const brain__jlayout *lay,
			const json_t *summary, brain__buf *out,
			size_t *tail_off);

/* The tail text for a file whose records array is at depth `depth` (number
 * of path parts), with `summary` (NULL: none). */
int brain__jfile_tail(int depth, const json_t *summary, brain__buf *out);

/* The same, with the summary already as compact JSON text (NULL: none). */
int brain__jfile_tail_text(int depth, const char *summary, size_t len,
			   brain__buf *out);

/* The same in pieces, for a writer that renders the summary straight
 * into out: the closers and, with a summary, its key; then the summary;
 * then brain__jfile_tail_close. */
int brain__jfile_tail_open(int depth, int with_summary, brain__buf *out);
int brain__jfile_tail_close(brain__buf *out);

/* A record line framed as it follows the array's last line (a comma
 * unless the array was empty, a newline, the indent of depth `depth`),
 * appended to out; its length.  See record_line.h. */
int brain__jfile_frame(brain__buf *out, int depth, int was_empty,
		       const char *record, size_t record_len);
size_t brain__jfile_frame_len(int depth, int was_empty, size_t len);

/* The text one append writes at the tail's offset: the record line
 * (with a leading comma unless the array was empty) and the new tail. */
int brain__jfile_append_text(int depth, int was_empty, const char *record,
			     size_t record_len, const json_t *summary,
			     brain__buf *out);

/* Makes the dotted path of obj lead to an empty array, each member on the
 * way moved last (created where missing): the shape every file and
 * example starts from.  0, BRAIN_ENOMEM or BRAIN_EINVAL (a part of over
 * 255 bytes). */
int brain__jfile_prepare(json_t *obj, const char *path);

/* The number of parts of a dotted entries path ("a.b" -> 2). */
int brain__jfile_depth(const char *entries);

/*
 * The mark a writer leaves in the padding right after the text: a tab and
 * 32 tabs or spaces (JSON white space) spelling a checksum of the tail
 * text, written after it.  A process killed while copying a tail into its
 * mapping leaves text and mark disagreeing, where a torn summary could
 * otherwise parse as valid JSON with wrong numbers.  A file without
 * padding (trimmed by a clean close) carries no mark.
 */
#define BRAIN__MARK_LEN 33

/* A fast 64-bit hash of n bytes (not cryptographic): marks, and the
 * fingerprints validate sums over record lines. */
uint64_t brain__hash_bytes(const char *s, size_t n);
void brain__jfile_mark(const char *tail, size_t len,
		       char mark[BRAIN__MARK_LEN]);

/* 0 when [tail_off, end) agrees with the mark after it, or there is no
 * mark; BRAIN_ECORRUPT when they disagree; BRAIN_EIO. */
int brain__jfile_check_mark(int fd, off_t tail_off, off_t end, off_t fsize);

/*
 * Reads the end of an open file and finds its tail.
 *   tail_off:   where the tail starts (for index files: where the summary
 *               line starts);
 *   summary:    the parsed summary (NULL when the layout has none);
 *   last_line:  the last record line, allocated (NULL if no records);
 *   empty:      1 when the array holds no record.
 *   content_end: where the JSON text ends (NULL: not wanted).  A writer
 *               pads its files with spaces after the closing brace (valid
 *               JSON white space) so that appends need no system call;
 *               spaces and, after a crash, zero bytes there are skipped.
 * Returns 0, or BRAIN_ECORRUPT when the end is not a well-formed tail
 * (a torn write or foreign bytes), BRAIN_EIO, BRAIN_ENOMEM.
 * It reads back from the end in a growing window until it holds the tail,
 * however long its summary line, and the last record line, which is at
 * most `max_record` bytes.  A window that reaches back past a record line
 * without finding a tail shows a file that has none: the cost stays that
 * of the file's end, not of the file.
 */
int brain__jfile_scan_tail(int fd, const brain__jlayout *lay,
			   size_t max_record, off_t *tail_off,
			   json_t **summary, char **last_line, int *empty,
			   off_t *content_end);

/* Calls fn on every record line of the file at `fd` from byte `from` on,
 * in order (used by replay, rebuild and validation).  Stops at the first
 * non-zero return, which it returns. */
int brain__jfile_each_record(int fd, off_t from,
			     int (*fn)(void *ctx, const char *line,
				       size_t len),
			     void *ctx);

#endif
