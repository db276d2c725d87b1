/*
 * lib/names.c - checks on names and relative paths; typo suggestions.
 */
#include <stdlib.h>
#include <string.h>

#include <brainstem/brain.h>

#include "names.h"

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

const char *brain__name_problem(const char *s)
{
	if (!s || !*s)
		return "is empty";
	if (strlen(s) > BRAIN__NAME_MAX)
		return "is longer than 128 bytes";
	if (strchr(s, '/'))
		return "contains '/'";
	if (strchr(s, '\\'))
		return "contains '\\'";
	if (strstr(s, ".."))
		return "contains '..'";
	if (has_control(s))
		return "contains a control character";
	return NULL;
}

const char *brain__relpath_problem(const char *s)
{
	const char *seg = s;

	if (!s || !*s)
		return "is empty";
	if (*s == '/')
		return "is absolute";
	if (has_control(s))
		return "contains a control character";
	for (;;) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);

		if (len == 0)
			return "has an empty segment";
		if ((len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return "has a '.' or '..' segment";
		if (!end)
			return NULL;
		seg = end + 1;
	}
}

/* Levenshtein distance, capped at 255 characters per side. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[256];

	if (la > 255 || lb > 255)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *brain__suggest(const char *s, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, limit = strlen(s) / 3 + 1;

	if (limit < 2)
		limit = 2;
	for (; *candidates; candidates++) {
		size_t d = distance(s, *candidates);
		if (d < best_d) {
			best_d = d;
			best = *candidates;
		}
	}
	return best_d <= limit ? best : NULL;
}

const char *brain_suggest(const char *word, const char *const *candidates)
{
	return word && candidates ? brain__suggest(word, candidates) : NULL;
}

char *brain__fill(const char *s,
		  const char *(*value)(void *ctx, const char *name, size_t n),
		  void *ctx)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (*s) {
		const char *close = *s == '{' ? strchr(s, '}') : NULL;
		const char *add = s, *v = NULL;
		size_t n = 1;

		if (close && (v = value(ctx, s + 1, (size_t)(close - s - 1)))) {
			add = v;
			n = strlen(v);
			s = close + 1;
		} else {
			s++;
		}
		if (len + n + 1 > cap) {
			char *nb;
			cap = (len + n + 1) * 2;
			if (!(nb = realloc(out, cap))) {
				free(out);
				return NULL;
			}
			out = nb;
		}
		memcpy(out + len, add, n);
		len += n;
	}
	out[len] = '\0';
	return out;
}
