/*
 * fuzz/fuzz_status.c - libFuzzer target for what brain_http renders from
 * the status object a program hands it (brainstem/http.h): the Prometheus
 * text of /metrics (brain__http_metrics) and the dashboard page of "/"
 * without a tree (brain__dashboard_html with ro NULL); and for the --http
 * address reader (brain__http_parse_bind, which binds nothing).
 *
 * The input is JSON; when it parses to an object, both are rendered from
 * it.  Checked, beyond "no crash, no leak, no out-of-bounds read":
 *
 * /metrics is text Prometheus accepts: every line ends in a newline and is
 * "# HELP NAME TEXT", "# TYPE NAME TYPE" or "NAME{LABEL="VALUE",...}
 * VALUE"; names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]*, no label twice in a sample; a label value holds
 * no raw newline or double quote and escapes only \\, \" and \n; the value
 * is a number as Prometheus reads it (decimal, NaN, +Inf, -Inf); each
 * family has one HELP then one TYPE before its samples, which come
 * together and carry its name; no series (name and labels) comes twice;
 * build_info has one sample, 1.
 *
 * The page is valid UTF-8; every tag is one the page is made of, its
 * attributes double-quoted and none an event handler (on...); outside tags
 * (and <style>) no raw '>' and every '&' starts one of the page's
 * entities; attribute values hold no '<' or '>'.  So a status string can
 * neither open a tag nor leave an attribute, and the page never holds
 * "<script" (in any case), whatever the status' strings hold.  The miners
 * table has one row per element of the status' "miners" array.
 *
 * The input read as a C string (up to its first NUL) is also a bind
 * address: it is read or refused with a message, and an address read
 * back in the documented form ("A.B.C.D:PORT", "[V6]:PORT") reads the
 * same.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brainstem/brainstem.h>

#include "dashboard.h"
#include "http_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1764400000 /* the dashboard's clock: fixed, for repeatable runs */

#define must(c)                                                             \
	do {                                                                \
		if (!(c)) {                                                 \
			fprintf(stderr, "fuzz_status: %s:%d: %s\n",         \
				__FILE__, __LINE__, #c);                    \
			abort();                                            \
		}                                                           \
	} while (0)

/* ---- /metrics ------------------------------------------------------------ */

static int name_start(int c)
{
	return isalpha(c) || c == '_' || c == ':';
}

static int name_char(int c)
{
	return name_start(c) || isdigit(c);
}

/* A metric name at *p; its length. */
static size_t metric_name(const char *p)
{
	size_t n = 0;

	if (!name_start((unsigned char)p[0]))
		return 0;
	while (name_char((unsigned char)p[n]))
		n++;
	return n;
}

/* A sample value as Prometheus' text parser reads it: a decimal float,
 * NaN, +Inf or -Inf (no hex, no spaces), then the end of the line. */
static int prom_value(const char *v, const char *end)
{
	const char *p = v;
	int digits = 0;

	if ((size_t)(end - v) == 3 && !memcmp(v, "NaN", 3))
		return 1;
	if ((size_t)(end - v) == 4 &&
	    (!memcmp(v, "+Inf", 4) || !memcmp(v, "-Inf", 4)))
		return 1;
	if (p < end && (*p == '-' || *p == '+'))
		p++;
	while (p < end && isdigit((unsigned char)*p))
		p++, digits++;
	if (p < end && *p == '.')
		for (p++; p < end && isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '-' || *p == '+'))
			p++;
		if (p == end || !isdigit((unsigned char)*p))
			return 0;
		while (p < end && isdigit((unsigned char)*p))
			p++;
	}
	return p == end;
}

/* The families seen so far, and the series, for "once" checks. */
typedef struct seen {
	char **s;
	size_t n, cap;
} seen;

static int seen_add(seen *t, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strlen(t->s[i]) == len && !memcmp(t->s[i], s, len))
			return 0;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->s = realloc(t->s, t->cap * sizeof(*t->s));
		must(t->s);
	}
	t->s[t->n] = strndup(s, len);
	must(t->s[t->n]);
	t->n++;
	return 1;
}

static void seen_free(seen *t)
{
	while (t->n)
		free(t->s[--t->n]);
	free(t->s);
}

/* The labels of one sample, from after '{' to the '}' (returned); the
 * label names, each once. */
static const char *labels(const char *p, const char *end)
{
	char names[16][64];
	size_t nnames = 0, i, n;

	for (;;) {
		n = 0;
		must(p < end && (isalpha((unsigned char)*p) || *p == '_'));
		while (p + n < end && (isalnum((unsigned char)p[n]) ||
				       p[n] == '_'))
			n++;
		must(n < sizeof(names[0]) && nnames < 16);
		for (i = 0; i < nnames; i++)
			must(strlen(names[i]) != n ||
			     memcmp(names[i], p, n)); /* a label twice */
		memcpy(names[nnames], p, n);
		names[nnames++][n] = '\0';
		p += n;
		must(end - p >= 2 && p[0] == '=' && p[1] == '"');
		for (p += 2; p < end && *p != '"'; p++) {
			must(*p != '\n');
			if (*p == '\\') {
				p++;
				must(p < end &&
				     (*p == '\\' || *p == '"' || *p == 'n'));
			}
		}
		must(p < end && *p == '"');
		p++;
		must(p < end && (*p == ',' || *p == '}'));
		if (*p++ == '}')
			return p - 1;
	}
}

static int is_type(const char *t, size_t n)
{
	static const char *const types[] = {"counter", "gauge", "histogram",
					    "summary", "untyped"};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (strlen(types[i]) == n && !memcmp(types[i], t, n))
			return 1;
	return 0;
}

static void check_metrics(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	char family[128] = "";
	int typed = 0, build_info = 0;
	seen families = {0}, series = {0};

	must(len > 0 && text[len - 1] == '\n' && strlen(text) == len);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		must(eol);
		if (!strncmp(p, "# HELP ", 7)) {
			p += 7;
			n = metric_name(p);
			must(n && n < sizeof(family) && p[n] == ' ');
			must(seen_add(&families, p, n)); /* a family once */
			memcpy(family, p, n);
			family[n] = '\0';
			typed = 0;
			for (p += n + 1; p < eol; p++) {
				if (*p != '\\')
					continue;
				must(p[1] == '\\' || p[1] == 'n');
				p++;
			}
		} else if (!strncmp(p, "# TYPE ", 7)) {
			p += 7;
			n = metric_name(p);
			must(n == strlen(family) && !memcmp(p, family, n) &&
			     !typed && p[n] == ' ');
			must(is_type(p + n + 1, (size_t)(eol - p - n - 1)));
			typed = 1;
		} else {
			const char *name = p, *v;
			n = metric_name(p);
			/* a sample of the family just opened, after its TYPE */
			must(n && typed && n == strlen(family) &&
			     !memcmp(p, family, n));
			p += n;
			if (*p == '{')
				p = labels(p + 1, eol) + 1;
			must(*p == ' ');
			must(seen_add(&series, name, (size_t)(p - name)));
			v = p + 1;
			must(prom_value(v, eol));
			if (!strcmp(family, "brainstem_build_info")) {
				must(eol - v == 1 && *v == '1');
				build_info++;
			}
		}
		p = eol + 1;
	}
	must(build_info == 1);
	seen_free(&families);
	seen_free(&series);
}

static void metrics(const json_t *status)
{
	brain__buf b = {NULL, 0, 0};

	if (brain__http_metrics(status, &b))
		abort(); /* only BRAIN_ENOMEM, which a fuzz run does not see */
	must(b.data);
	check_metrics(b.data, b.len);
	brain__buf_free(&b);
}

/* ---- the page ------------------------------------------------------------ */

static void utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1
			: (*p & 0xf0) == 0xe0		     ? 2
			: (*p & 0xf8) == 0xf0		     ? 3
							     : -1;
		must(n >= 0);
		for (p++; n--; p++)
			must((*p & 0xc0) == 0x80);
	}
}

/* What the page is made of. */
static const char *const tags[] = {
	"html", "head",  "meta",   "title",   "style",  "body",   "h1",
	"h2",   "p",     "div",    "span",    "section", "table", "thead",
	"tbody", "tr",   "th",     "td",      "svg",    "g",      "line",
	"rect", "circle", "path",  "polyline", "text",  "tspan",  NULL};
static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;",
				       "&#39;", "&middot;", "&times;",
				       "&#9632;", NULL};

static int one_of(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncasecmp(*list, s, n))
			return 1;
	return 0;
}

static void entity(const char *p)
{
	const char *const *e;

	for (e = entities; *e; e++)
		if (!strncmp(p, *e, strlen(*e)))
			return;
	must(!"an '&' that starts none of the page's entities");
}

/* One tag from its '<'; returns the character after its '>'. */
static const char *tag(const char *p, int *style)
{
	size_t n = 0;
	int closing = p[1] == '/';

	p += 1 + closing;
	if (!closing && !strncasecmp(p, "!doctype html>", 14))
		return p + 14;
	while (isalnum((unsigned char)p[n]))
		n++;
	must(one_of(tags, p, n));
	*style = !closing && n == 5 && !strncasecmp(p, "style", 5);
	p += n;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '>' || (p[0] == '/' && p[1] == '>'))
			return p + 1 + (*p == '/');
		must(!closing);
		/* an attribute: a name, =, a double-quoted value */
		n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '-' ||
		       p[n] == ':')
			n++;
		must(n > 0 && strncasecmp(p, "on", 2));
		p += n;
		if (*p != '=')
			continue; /* a name alone */
		must(p[1] == '"');
		for (p += 2; *p != '"'; p++) {
			must(*p && *p != '<' && *p != '>');
			if (*p == '&')
				entity(p);
		}
		p++;
		must(*p == ' ' || *p == '>' || *p == '/');
	}
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)))
		s += strlen(what), n++;
	return n;
}

static int has_script(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 7 <= len; i++)
		if (!strncasecmp(s + i, "<script", 7))
			return 1;
	return 0;
}

static void check_page(const char *page, const json_t *status)
{
	const json_t *miners = json_object_get(status, "miners");
	const char *p = page;
	int style = 0;

	utf8(page);
	while (*p) {
		if (*p == '<') {
			p = tag(p, &style);
			if (style) { /* raw text up to </style> */
				p = strstr(p, "</style>");
				must(p);
				style = 0;
			}
			continue;
		}
		must(*p != '>');
		if (*p == '&')
			entity(p);
		p++;
	}
	must(!has_script(page, strlen(page)));
	must(count(page, "<tr class=\"miner\"") == json_array_size(miners));
}

static void page(const json_t *status)
{
	char *html = NULL;

	if (brain__dashboard_html(NULL, status, NOW, &html))
		abort();
	must(html);
	check_page(html, status);
	free(html);
}

/* ---- the bind address ---------------------------------------------------- */

static void bind_address(const uint8_t *data, size_t size)
{
	struct sockaddr_storage sa, again;
	socklen_t len = 0, len2 = 0;
	char *s = strndup((const char *)data, size), text[80],
	     host[INET6_ADDRSTRLEN];
	brain__err e;
	int rc;

	must(s);
	e.msg[0] = '\0';
	rc = brain__http_parse_bind(&e, s, &sa, &len);
	if (rc) {
		must(rc == BRAIN_EINVAL && e.msg[0]);
		free(s);
		return;
	}
	if (sa.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&sa;
		must(len == sizeof(*a));
		must(inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host)));
		snprintf(text, sizeof(text), "%s:%u", host, ntohs(a->sin_port));
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
		must(sa.ss_family == AF_INET6 && len == sizeof(*a));
		must(inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host)));
		snprintf(text, sizeof(text), "[%s]:%u", host,
			 ntohs(a->sin6_port));
	}
	must(brain__http_parse_bind(&e, text, &again, &len2) == 0);
	must(len2 == len && !memcmp(&again, &sa, len));
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *status = json_loadb((const char *)data, size, 0, NULL);

	bind_address(data, size);
	if (json_is_object(status)) {
		metrics(status);
		page(status);
	}
	json_decref(status);
	return 0;
}
