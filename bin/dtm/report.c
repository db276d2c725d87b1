/*
 * bin/dtm/report.c - brainstem-dtm report: the library's report of one
 * period (brain_report) as aligned text for a person, or as JSON.
 *
 * Text: a heading, the totals, then one block per category and record
 * kind, each line a label in a column of its own and the figures after
 * it.  Hash rates are scaled to H/s, kH/s, MH/s ...; durations read
 * "0.04s", "4.5s", "45s", "3m 05s", "1h 02m", "2d 03h"; counts get
 * thousands separators.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtm.h"

#define LABEL_WIDTH 20

/* ---- --at ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at *p into *v; advances *p.  0 or -1. */
static int digits(const char **p, int n, int *v)
{
	*v = 0;
	while (n--) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (*(*p)++ - '0');
	}
	return 0;
}

int dtm_parse_time(const char *s, time_t *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om, sign;
	long offset = 0;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d))
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (digits(&s, 2, &h))
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &mi))
				return -1;
			if (*s == ':') {
				s++;
				if (digits(&s, 2, &sec))
					return -1;
				if (*s == '.')
					for (s++; *s >= '0' && *s <= '9'; s++)
						;
			}
		}
		if (*s == 'Z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if (digits(&s, 2, &oh))
				return -1;
			if (*s == ':')
				s++;
			if (digits(&s, 2, &om) || oh > 23 || om > 59)
				return -1;
			offset = sign * (oh * 3600L + om * 60L);
		}
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 &&
	     (y % 4 || (y % 100 == 0 && y % 400))) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	*out = (time_t)days_from_civil(y, mo, d) * 86400 + h * 3600L +
	       mi * 60L + sec - offset;
	return 0;
}

/* ---- numbers people read ---- */

/* (the programs do without libm) */
static double absval(double x)
{
	return x < 0 ? -x : x;
}

static long long nearest(double x)
{
	return (long long)(x < 0 ? x - 0.5 : x + 0.5);
}

/* 12345678 as "12,345,678". */
static const char *count(json_int_t n, char *buf, size_t size)
{
	char digits_buf[32];
	int len, i, o = 0, neg = n < 0;

	len = snprintf(digits_buf, sizeof(digits_buf), "%lld",
		       (long long)(neg ? -n : n));
	if (neg && o < (int)size - 1)
		buf[o++] = '-';
	for (i = 0; i < len && o < (int)size - 1; i++) {
		if (i && (len - i) % 3 == 0 && o < (int)size - 2)
			buf[o++] = ',';
		buf[o++] = digits_buf[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A JSON number as a count (a real is rounded). */
static const char *count_of(const json_t *v, char *buf, size_t size)
{
	if (json_is_integer(v))
		return count(json_integer_value(v), buf, size);
	if (json_is_real(v) && absval(json_real_value(v)) < 9e18)
		return count((json_int_t)nearest(json_real_value(v)), buf,
			     size);
	snprintf(buf, size, "-");
	return buf;
}

/* Hashes per second with a unit, as the other programs say them
 * (cli_rate_text: "2.50 MH/s"); "-" for no rate. */
static const char *rate(const json_t *v, char *buf, size_t size)
{
	if (json_is_number(v))
		cli_rate_text(json_number_value(v), buf, size);
	else
		snprintf(buf, size, "-");
	return buf;
}

/* Seconds as "0.04s", "4.5s", "45s", "3m 05s", "1h 02m", "2d 03h". */
static const char *duration(double s, char *buf, size_t size)
{
	long t = (long)nearest(s);

	if (s < 0.995)
		snprintf(buf, size, "%.2fs", s);
	else if (s < 9.95)
		snprintf(buf, size, "%.1fs", s);
	else if (t < 60)
		snprintf(buf, size, "%lds", t);
	else if (t < 3600)
		snprintf(buf, size, "%ldm %02lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, size, "%ldh %02ldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, size, "%ldd %02ldh", t / 86400,
			 t % 86400 / 3600);
	return buf;
}

/* Any summary value on one line: counts, reals to 2 decimals without
 * trailing zeros, {"k": n} as "k n, k n", an avg as its mean. */
static void value_text(const json_t *v, char *buf, size_t size)
{
	char n[32];

	if (json_is_integer(v)) {
		count_of(v, buf, size);
	} else if (json_is_real(v)) {
		size_t len;

		snprintf(buf, size, "%.2f", json_real_value(v));
		len = strlen(buf);
		while (len > 1 && buf[len - 1] == '0')
			buf[--len] = '\0';
		if (len && buf[len - 1] == '.')
			buf[--len] = '\0';
	} else if (json_is_string(v)) {
		snprintf(buf, size, "%s", json_string_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
	} else if (json_is_object(v) && json_object_get(v, "mean") &&
		   json_object_get(v, "n")) {
		value_text(json_object_get(v, "mean"), buf, size);
	} else if (json_is_object(v)) {
		const char *k;
		const json_t *c;
		size_t o = 0;

		buf[0] = '\0';
		json_object_foreach((json_t *)v, k, c) {
			/* a value with spaces is quoted, so its count
			 * cannot be read as part of it */
			int q = strchr(k, ' ') != NULL;
			int w = snprintf(buf + o, size - o, "%s%s%s%s %s",
					 o ? ", " : "", q ? "\"" : "", k,
					 q ? "\"" : "",
					 count_of(c, n, sizeof(n)));
			if (w < 0 || (size_t)w >= size - o)
				break;
			o += (size_t)w;
		}
		if (!o)
			snprintf(buf, size, "none");
	} else {
		snprintf(buf, size, "-");
	}
}

/* ---- the text ---- */

static void line(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line(const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("  %-*s", LABEL_WIDTH, label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Other metrics by their summary key, made readable: "count_by_value_
 * result" is "result", underscores are spaces; a label too long for its
 * column has a line of its own. */
static void metric_lines(const json_t *metrics)
{
	static const char cbv[] = "count_by_value_";
	char label[128], value[1024];
	const char *key;
	const json_t *v;
	size_t i;

	json_object_foreach((json_t *)metrics, key, v) {
		/* (key itself walks the object: not to be moved) */
		snprintf(label, sizeof(label), "%s",
			 strncmp(key, cbv, sizeof(cbv) - 1)
				 ? key
				 : key + sizeof(cbv) - 1);
		for (i = 0; label[i]; i++)
			if (label[i] == '_')
				label[i] = ' ';
		value_text(v, value, sizeof(value));
		if (strlen(label) >= LABEL_WIDTH) {
			printf("  %s\n", label);
			label[0] = '\0';
		}
		line(label, "%s", value);
	}
}

/* The figures the roll-ups do not hold yet, and what fixes that. */
static void lacking_line(const json_t *s)
{
	const json_t *list = json_object_get(s, "not_in_roll_ups");
	char names[512] = "";
	size_t i, o = 0;

	if (!json_array_size(list))
		return;
	for (i = 0; i < json_array_size(list); i++) {
		int w = snprintf(names + o, sizeof(names) - o, "%s%s",
				 i ? ", " : "",
				 json_string_value(json_array_get(list, i)));
		if (w < 0 || (size_t)w >= sizeof(names) - o)
			break;
		o += (size_t)w;
	}
	line("not in roll-ups", "%s (written before the blueprint kept "
	     "them: brainstem-dtm rebuild)", names);
}

static void shares_line(const json_t *sh)
{
	char a[32], r[32], s[32];

	line("shares", "accepted %s, rejected %s, stale %s",
	     count_of(json_object_get(sh, "accepted"), a, sizeof(a)),
	     count_of(json_object_get(sh, "rejected"), r, sizeof(r)),
	     count_of(json_object_get(sh, "stale"), s, sizeof(s)));
}

static void errors_line(const json_t *errors)
{
	const json_t *types = json_object_get(errors, "by_type");
	json_int_t total = json_integer_value(json_object_get(errors,
							      "total"));
	char n[32], list[1024];

	if (!total) {
		line("errors", "0");
		return;
	}
	value_text(types, list, sizeof(list));
	line("errors", "%s: %s", count(total, n, sizeof(n)), list);
}

static void category_text(const char *name, const json_t *c)
{
	const json_t *v, *hr = json_object_get(c, "hashrate");
	char a[64], b[64], x[64], list[1024];
	json_int_t records = json_integer_value(json_object_get(c, "records"));
	const char *k;

	printf("\n%s\n", name);
	line("records", "%s", count(records, a, sizeof(a)));
	if (records) {
		if ((v = json_object_get(c, "rounds")))
			line("rounds", "%s", count_of(v, a, sizeof(a)));
		if ((v = json_object_get(c, "hashes")))
			line("hashes", "%s", count_of(v, a, sizeof(a)));
		if (hr)
			line("hash rate", "mean %s, min %s, max %s",
			     rate(json_object_get(hr, "mean"), a, sizeof(a)),
			     rate(json_object_get(hr, "min"), b, sizeof(b)),
			     rate(json_object_get(hr, "max"), x, sizeof(x)));
		if ((v = json_object_get(c, "blocks_found")))
			line("blocks found", "%s", count_of(v, a, sizeof(a)));
		if ((v = json_object_get(c, "best_difficulty")) &&
		    json_is_number(v))
			line("best difficulty", "%s leading zeros",
			     count_of(v, a, sizeof(a)));
		if ((v = json_object_get(c, "shares")))
			shares_line(v);
		if ((v = json_object_get(c, "uptime_seconds")))
			line("uptime", "%s",
			     json_is_number(v)
				     ? duration(json_number_value(v), a,
						sizeof(a))
				     : "-");
		if ((v = json_object_get(c, "miners"))) {
			size_t o = 0;
			const json_t *n;

			list[0] = '\0';
			json_object_foreach((json_t *)v, k, n) {
				int w = snprintf(list + o, sizeof(list) - o,
						 "%s%s (%s round%s)",
						 o ? ", " : ": ", k,
						 count_of(n, b, sizeof(b)),
						 json_integer_value(n) == 1
							 ? ""
							 : "s");
				if (w < 0 || (size_t)w >= sizeof(list) - o)
					break;
				o += (size_t)w;
			}
			line("miners seen", "%s%s",
			     count_of(json_object_get(c, "miners_seen"), a,
				      sizeof(a)),
			     list);
		}
		if ((v = json_object_get(c, "events"))) {
			value_text(v, list, sizeof(list));
			line("events", "%s", list);
		}
		metric_lines(json_object_get(c, "metrics"));
		lacking_line(c);
	}
	errors_line(json_object_get(c, "errors"));
}

static void kind_text(const char *name, const json_t *k)
{
	const json_t *v, *blocks = json_object_get(k, "blocks");
	json_int_t records = json_integer_value(json_object_get(k, "records"));
	char a[64];
	size_t i;

	printf("\n%s\n", name);
	line("records", "%s", count(records, a, sizeof(a)));
	if (!records)
		return;
	metric_lines(json_object_get(k, "metrics"));
	lacking_line(k);
	for (i = 0; i < json_array_size(blocks); i++) {
		const json_t *bl = json_array_get(blocks, i);
		const json_t *h = json_object_get(bl, "height");
		const char *miner = json_string_value(json_object_get(
			bl, "miner_id"));

		value_text(h, a, sizeof(a));
		line("block", "%s  %s%s%s%s%s",
		     json_string_value(json_object_get(bl, "timestamp")),
		     json_string_value(json_object_get(bl, "block_hash")),
		     miner ? "  " : "", miner ? miner : "",
		     json_is_integer(h) ? "  height " : "",
		     json_is_integer(h) ? a : "");
	}
	if ((v = json_object_get(k, "blocks_not_listed")) &&
	    json_integer_value(v))
		line("", "(and %s earlier blocks)",
		     count_of(v, a, sizeof(a)));
}

/* A category or record kind with no record and no error. */
static int is_empty(const json_t *s)
{
	return !json_integer_value(json_object_get(s, "records")) &&
	       !json_integer_value(json_object_get(json_object_get(s, "errors"),
						   "total"));
}

/* ", name" onto a list in buf. */
static void add_name(char *buf, size_t size, const char *name)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
}

static void report_text(const json_t *r)
{
	const json_t *t = json_object_get(r, "totals"), *v;
	const char *level = json_string_value(json_object_get(r, "level"));
	char a[64], empty[1024];
	const char *k;

	printf("brainstem report: %s %s, %s mode%s\n", level,
	       json_string_value(json_object_get(r, "scope")),
	       json_string_value(json_object_get(r, "mode")),
	       json_is_true(json_object_get(r, "complete")) ? ""
		       : !strcmp(level, "root") ? ""
						: " (in progress)");
	if (json_is_string(json_object_get(r, "start")))
		line("period", "%s to %s",
		     json_string_value(json_object_get(r, "start")),
		     json_string_value(json_object_get(r, "end")));
	line("generated", "%s",
	     json_string_value(json_object_get(r, "generated_at")));
	printf("\ntotals\n");
	line("hashes", "%s", count_of(json_object_get(t, "hashes"), a,
				      sizeof(a)));
	line("rounds", "%s", count_of(json_object_get(t, "rounds"), a,
				      sizeof(a)));
	line("blocks", "%s", count_of(json_object_get(t, "blocks"), a,
				      sizeof(a)));
	shares_line(json_object_get(t, "shares"));
	line("errors", "%s", count_of(json_object_get(t, "errors"), a,
				      sizeof(a)));
	line("uptime", "%s",
	     duration(json_number_value(json_object_get(t, "uptime_seconds")),
		      a, sizeof(a)));
	/* the streams with nothing in the period are named, not shown */
	empty[0] = '\0';
	json_object_foreach((json_t *)json_object_get(r, "categories"), k, v)
		if (is_empty(v))
			add_name(empty, sizeof(empty), k);
	json_object_foreach((json_t *)json_object_get(r, "record_kinds"), k, v)
		if (is_empty(v))
			add_name(empty, sizeof(empty), k);
	if (empty[0])
		line("no records", "%s", empty);
	json_object_foreach((json_t *)json_object_get(r, "categories"), k, v)
		if (!is_empty(v))
			category_text(k, v);
	json_object_foreach((json_t *)json_object_get(r, "record_kinds"), k, v)
		if (!is_empty(v))
			kind_text(k, v);
}

int dtm_report(brain_t *b, const dtm *d)
{
	time_t when = d->at_given ? d->at : brain_now(b);
	json_t *r;

	if (brain_report(b, d->level, when, &r) != 0) {
		fprintf(stderr, "brainstem-dtm: %s\n", brain_errmsg(b));
		return 2;
	}
	if (d->json) {
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					      JSON_REAL_PRECISION(12));
		putchar('\n');
	} else {
		report_text(r);
	}
	json_decref(r);
	return 0;
}
