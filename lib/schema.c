/*
 * lib/schema.c - the checks behind lib/schema.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/errors.h>

#include "names.h"
#include "schema.h"

int brain__verr(brain__vctx *v, const brain__ynode *n, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return brain__errf(v->e, v->code, "%s:%d:%d: %s", v->file,
			   n->line, n->col, what);
}

static const char *kind_name(const brain__ynode *n)
{
	switch (n->kind) {
	case BRAIN__Y_MAP:
		return "a mapping";
	case BRAIN__Y_SEQ:
		return "a list";
	default:
		return "a scalar";
	}
}

int brain__want(brain__vctx *v, const brain__ynode *n, brain__ynode_kind kind,
		const char *what)
{
	static const char *const names[] = {"a string", "a mapping", "a list"};

	if (n->kind != kind)
		return brain__verr(v, n, "expected %s for '%s', found %s",
			    names[kind], what, kind_name(n));
	return 0;
}

/* Every key of map is in `allowed`; every key of `required` is present. */
int brain__check_keys(brain__vctx *v, const brain__ynode *map, const char *what,
		      const char *const *allowed, const char *const *required)
{
	size_t i;

	for (i = 0; i < map->count; i++) {
		const brain__ynode *k = map->keys[i];
		const char *const *a;
		const char *hint;

		for (a = allowed; *a; a++)
			if (strcmp(*a, k->value) == 0)
				break;
		if (*a)
			continue;
		hint = brain__suggest(k->value, allowed);
		if (hint)
			return brain__verr(v, k,
				    "unknown key '%s' in %s (did you mean "
				    "'%s'?)",
				    k->value, what, hint);
		return brain__verr(v, k, "unknown key '%s' in %s", k->value, what);
	}
	for (; required && *required; required++)
		if (!brain__yaml_get(map, *required))
			return brain__verr(v, map, "missing key '%s' in %s",
				    *required, what);
	return 0;
}

static int dup_str(const char *s, char **out)
{
	*out = strdup(s);
	return *out ? 0 : BRAIN_ENOMEM;
}

/* A string value; NUL bytes inside are refused. */
int brain__get_str(brain__vctx *v, const brain__ynode *map, const char *key, int required,
		   char **out)
{
	const brain__ynode *n = brain__yaml_get(map, key);

	*out = NULL;
	if (!n) {
		if (required)
			return brain__verr(v, map, "missing key '%s'", key);
		return 0;
	}
	if (n->kind != BRAIN__Y_SCALAR)
		return brain__verr(v, n, "expected a string for '%s', found %s", key,
			    kind_name(n));
	if (strlen(n->value) != n->len)
		return brain__verr(v, n, "'%s' contains a NUL byte", key);
	return dup_str(n->value, out);
}

static int parse_long(const brain__ynode *n, long *out)
{
	char *end;

	if (n->kind != BRAIN__Y_SCALAR || !n->plain || !n->value[0])
		return -1;
	errno = 0;
	*out = strtol(n->value, &end, 10);
	return (errno || *end) ? -1 : 0;
}

int brain__get_long(brain__vctx *v, const brain__ynode *map, const char *key, long min,
		    long max, long *out)
{
	const brain__ynode *n = brain__yaml_get(map, key);

	if (!n)
		return 0; /* keep the default */
	if (parse_long(n, out) != 0 || *out < min || *out > max)
		return brain__verr(v, n, "expected a whole number from %ld to %ld "
			    "for '%s'", min, max, key);
	return 0;
}

/* One of `choices` (NULL-terminated); *out its index. */
int brain__get_choice(brain__vctx *v, const brain__ynode *map, const char *key,
		      const char *const *choices, int *out)
{
	const brain__ynode *n = brain__yaml_get(map, key);
	const char *hint;
	char list[256] = "";
	int i;

	if (!n)
		return 0;
	if (n->kind == BRAIN__Y_SCALAR)
		for (i = 0; choices[i]; i++)
			if (strcmp(choices[i], n->value) == 0) {
				*out = i;
				return 0;
			}
	for (i = 0; choices[i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
	}
	if (n->kind == BRAIN__Y_SCALAR &&
	    (hint = brain__suggest(n->value, choices)))
		return brain__verr(v, n, "expected one of %s for '%s' (did you "
			    "mean '%s'?)", list, key, hint);
	return brain__verr(v, n, "expected one of %s for '%s'", list, key);
}

/* ---- YAML values as JSON (templates, flags) ---- */

static json_t *scalar_json(const brain__ynode *n)
{
	const char *s = n->value;
	char *end;
	long long ll;
	double d;

	if (!n->plain)
		return json_stringn(n->value, n->len);
	if (!strcmp(s, "null") || !strcmp(s, "~") || !*s)
		return json_null();
	if (!strcmp(s, "true"))
		return json_true();
	if (!strcmp(s, "false"))
		return json_false();
	errno = 0;
	ll = strtoll(s, &end, 10);
	if (!errno && !*end)
		return json_integer(ll);
	d = strtod(s, &end);
	if (!errno && !*end && end != s)
		return json_real(d);
	return json_stringn(n->value, n->len);
}

int brain__to_json(brain__vctx *v, const brain__ynode *n, json_t **out)
{
	json_t *j = NULL;
	size_t i;

	switch (n->kind) {
	case BRAIN__Y_SCALAR:
		if (strlen(n->value) != n->len)
			return brain__verr(v, n, "a NUL byte in a value");
		j = scalar_json(n);
		break;
	case BRAIN__Y_SEQ:
		j = json_array();
		for (i = 0; j && i < n->count; i++) {
			json_t *item;
			int rc = brain__to_json(v, n->items[i], &item);
			if (rc) {
				json_decref(j);
				return rc;
			}
			json_array_append_new(j, item);
		}
		break;
	case BRAIN__Y_MAP:
		j = json_object();
		for (i = 0; j && i < n->count; i++) {
			json_t *item;
			int rc = brain__to_json(v, n->items[i], &item);
			if (rc) {
				json_decref(j);
				return rc;
			}
			if (json_object_set_new(j, n->keys[i]->value, item)) {
				json_decref(j);
				return brain__verr(v, n->keys[i], "key '%s' is not "
					    "valid UTF-8", n->keys[i]->value);
			}
		}
		break;
	}
	if (!j)
		return brain__verr(v, n, "value is not valid UTF-8");
	*out = j;
	return 0;
}

/* A mapping turned into a JSON object. */
int brain__get_object(brain__vctx *v, const brain__ynode *map, const char *key,
		      int required, json_t **out)
{
	const brain__ynode *n = brain__yaml_get(map, key);
	int rc;

	*out = NULL;
	if (!n)
		return required ? brain__verr(v, map, "missing key '%s'", key) : 0;
	if ((rc = brain__want(v, n, BRAIN__Y_MAP, key)))
		return rc;
	return brain__to_json(v, n, out);
}

