/*
 * lib/layout.c - calendar partitions and path patterns.
 *
 * Week folders follow the blueprint: "monday" numbers the weeks of the
 * calendar year from 00, a new week on each Monday (what strftime %W does
 * and what the seed's trees show: 2026-01-01 is W00); "iso" uses ISO 8601
 * week numbers (2025-12-29 is W01, 2027-01-01 is W53).  In both, the
 * year and month folders are the calendar's, so a week that spans two
 * months appears under each.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "names.h"

int brain__week_monday(const struct tm *tm)
{
	int monday_based = (tm->tm_wday + 6) % 7; /* Monday = 0 */

	return (tm->tm_yday + 7 - monday_based) / 7;
}

/* The weekday (0 = Sunday) of 31 December of year y, the ISO helper p(y). */
static int p_of(long y)
{
	return (int)((y + y / 4 - y / 100 + y / 400) % 7);
}

static int iso_weeks_in(long y)
{
	return (p_of(y) == 4 || p_of(y - 1) == 3) ? 53 : 52;
}

int brain__week_iso(const struct tm *tm)
{
	int wday = (tm->tm_wday + 6) % 7 + 1; /* Monday = 1 .. Sunday = 7 */
	long year = tm->tm_year + 1900L;
	int week = (tm->tm_yday + 1 - wday + 10) / 7;

	if (week < 1)
		return iso_weeks_in(year - 1);
	if (week > iso_weeks_in(year))
		return 1;
	return week;
}

void brain__when_of(const brain__blueprint *bp, time_t t, brain__when *w)
{
	struct tm tm;

	if (bp->zone_local)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	w->t = t;
	w->year = tm.tm_year + 1900;
	w->month = tm.tm_mon + 1;
	w->day = tm.tm_mday;
	w->hour = tm.tm_hour;
	w->minute = tm.tm_min;
	w->second = tm.tm_sec;
	w->week = bp->weeks_iso ? brain__week_iso(&tm)
				: brain__week_monday(&tm);
	w->utc_offset = bp->zone_local ? tm.tm_gmtoff : 0;
}

typedef struct holder_ctx {
	const brain__stream *st;
	const brain__when *w;
	char num[16];
} holder_ctx;

/* The value of one placeholder; NULL if unknown (kept as written). */
static const char *holder(void *vctx, const char *name, size_t n)
{
	holder_ctx *c = vctx;
	const brain__when *w = c->w;

#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(name, lit, n))
	if (IS("YYYY"))
		snprintf(c->num, sizeof(c->num), "%04d", w->year);
	else if (IS("MM"))
		snprintf(c->num, sizeof(c->num), "%02d", w->month);
	else if (IS("WW"))
		snprintf(c->num, sizeof(c->num), "%02d", w->week);
	else if (IS("DD"))
		snprintf(c->num, sizeof(c->num), "%02d", w->day);
	else if (IS("HH"))
		snprintf(c->num, sizeof(c->num), "%02d", w->hour);
	else if (IS("folder"))
		return c->st->folder;
	else if (IS("name"))
		return c->st->name;
	else if (IS("tag"))
		return c->st->tag;
	else
		return NULL;
	return c->num;
#undef IS
}

char *brain__expand(const char *s, const brain__stream *st,
		    const brain__when *w)
{
	holder_ctx c = {st, w, ""};

	return brain__fill(s, holder, &c);
}

char *brain__level_file(const brain__stream *st, const brain__plevel *pl,
			const brain__when *w)
{
	return brain__expand(pl->file, st, w);
}

char *brain__level_path(const char *base, const brain__stream *st,
			const brain__plevel *pl, const brain__when *w,
			int with_file)
{
	char *dir = brain__expand(pl->pattern, st, w), *file = NULL, *out;

	if (!dir)
		return NULL;
	if (with_file && !(file = brain__expand(pl->file, st, w))) {
		free(dir);
		return NULL;
	}
	if (with_file)
		out = malloc(strlen(base) + strlen(dir) + strlen(file) + 3);
	else
		out = malloc(strlen(base) + strlen(dir) + 2);
	if (out && with_file)
		sprintf(out, "%s/%s/%s", base, dir, file);
	else if (out)
		sprintf(out, "%s/%s", base, dir);
	free(dir);
	free(file);
	return out;
}

void brain__scope(brain__level lv, const brain__when *w, char *buf,
		  size_t size)
{
	switch (lv) {
	case BRAIN__LV_GLOBAL:
		snprintf(buf, size, "global");
		break;
	case BRAIN__LV_ROOT:
		snprintf(buf, size, "all");
		break;
	case BRAIN__LV_YEAR:
		snprintf(buf, size, "%04d", w->year);
		break;
	case BRAIN__LV_MONTH:
		snprintf(buf, size, "%04d-%02d", w->year, w->month);
		break;
	case BRAIN__LV_WEEK:
		snprintf(buf, size, "%04d-%02d-W%02d", w->year, w->month,
			 w->week);
		break;
	case BRAIN__LV_DAY:
		snprintf(buf, size, "%04d-%02d-%02d", w->year, w->month,
			 w->day);
		break;
	default:
		snprintf(buf, size, "%04d-%02d-%02dT%02d", w->year, w->month,
			 w->day, w->hour);
		break;
	}
}

void brain__iso8601(const brain__when *w, char *buf, size_t size)
{
	long off = w->utc_offset;

	if (off == 0) {
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", w->year,
			 w->month, w->day, w->hour, w->minute, w->second);
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
		 w->year, w->month, w->day, w->hour, w->minute, w->second,
		 off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
}

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

int brain__parse_iso8601(const brain__blueprint *bp, const char *s,
			 time_t *out)
{
	int y, mo, d, h, mi, sec, zh = 0, zm = 0, sign = 0;
	struct tm tm = {0};
	const char *p;

	if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z') {
		sign = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (digits(p + 1, 2, &zh))
			return -1;
		p += 3;
		if (*p == ':')
			p++;
		if (digits(p, 2, &zm) || zh > 23 || zm > 59)
			return -1;
		p += 2;
	}
	if (*p)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (!sign && bp->zone_local) {
		tm.tm_isdst = -1;
		*out = mktime(&tm);
		return *out == (time_t)-1 ? -1 : 0;
	}
	*out = timegm(&tm) - (time_t)sign * (zh * 3600 + zm * 60);
	return 0;
}

void brain__utc_text(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
