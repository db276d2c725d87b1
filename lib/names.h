/*
 * lib/names.h - what a name or a relative path in the tree may be.
 *
 * Names (components, categories) become parts of file names; relative paths
 * (folders of the blueprint) become parts of paths under the root.  Neither
 * may climb out of the tree or smuggle in control characters.
 */
#ifndef BRAIN_LIB_NAMES_H
#define BRAIN_LIB_NAMES_H

#include <stddef.h>

#define BRAIN__NAME_MAX 128

/* NULL when `s` is a valid name, else why not ("contains '/'", ...). */
const char *brain__name_problem(const char *s);

/* NULL when `s` is a valid relative path: segments separated by single '/',
 * none empty, ".", ".." or with control characters; no leading '/'. */
const char *brain__relpath_problem(const char *s);

/* The closest of `candidates` (NULL-terminated) to `s`, or NULL when none
 * is close enough to be a likely typo. */
const char *brain__suggest(const char *s, const char *const *candidates);

/*
 * Replaces every "{name}" in s for which value(ctx, name, length) gives a
 * string; other braces are kept as written.  The caller frees the result;
 * NULL on ENOMEM.  The one placeholder filler of the library: paths,
 * file names, mode bases and template strings all go through it.
 */
char *brain__fill(const char *s,
		  const char *(*value)(void *ctx, const char *name, size_t n),
		  void *ctx);

#endif
