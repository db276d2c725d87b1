/*
 * lib/handle.c - the small services of an open handle that the files
 * implementing the public calls share: its clock, its notice sink, the
 * read-only refusal, and how a data file's JSON is written out.  Uses
 * nothing of the library above lib/error.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain_internal.h"

void brain__notice(brain_t *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	b->notice(b->notice_ctx, line);
}

char *brain__dump(const json_t *j, size_t *len)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *out;
	size_t n;

	if (!text)
		return NULL;
	n = strlen(text);
	out = realloc(text, n + 2);
	if (!out) {
		free(text);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
	return out;
}

time_t brain_now(const brain_t *b)
{
	BRAIN__ARG_OR((time_t)-1, b);
	return b->clock(b->clock_ctx);
}

int brain__check_writable(brain_t *b, const char *what)
{
	if (!b->readonly)
		return 0;
	return brain__errf(&b->err, BRAIN_EINVAL,
			   "the tree under %s is open read-only (%s refused)",
			   b->root, what);
}
