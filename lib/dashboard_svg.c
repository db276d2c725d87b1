/*
 * lib/dashboard_svg.c - writing the dashboard page: escaped text, numbers
 * for people, and one chart as inline SVG (see dashboard_svg.h).
 *
 * A chart is a fixed 600x250 viewBox scaled by the page's CSS: the value
 * axis on the left with "nice" steps (1, 2 or 5 times a power of ten, at
 * most five of them), the time axis below with a label every 6 hours or
 * every 5 days, and one element of class "point" per partition.  The
 * cost is a few hundred bytes per point; nothing is allocated but the
 * page itself.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brainstem/errors.h>

#include "dashboard_svg.h"

/* The chart's geometry, in viewBox units. */
#define CW 600
#define CH 250
#define ML 70 /* left margin: the value labels */
#define MR 22
#define MT 40 /* top: the title */
#define MB 34 /* bottom: the time labels */
#define PW (CW - ML - MR)
#define PH (CH - MT - MB)

void brain__page_puts(brain__page *p, const char *s)
{
	if (!p->rc)
		p->rc = brain__buf_puts(&p->buf, s);
}

void brain__page_printf(brain__page *p, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	brain__page_puts(p, line);
}

void brain__page_text(brain__page *p, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = NULL;

		switch (*s) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		default: continue;
		}
		if (!p->rc)
			p->rc = brain__buf_put(&p->buf, run, (size_t)(s - run));
		brain__page_puts(p, esc);
		run = s + 1;
	}
	brain__page_puts(p, run);
}

/* v with 3 significant digits, the way people read a gauge. */
static void fmt3(double v, const char *unit, char *out, size_t size)
{
	const char *f = v >= 99.95 ? "%.0f%s%s" : v >= 9.995 ? "%.1f%s%s"
								 : "%.2f%s%s";

	snprintf(out, size, f, v, *unit ? " " : "", unit);
}

void brain__fmt_rate(double hps, char *out, size_t size)
{
	static const char *const units[] = {"H/s",  "kH/s", "MH/s",
					    "GH/s", "TH/s", "PH/s"};
	int k = 0;

	if (!(hps > 0)) {
		snprintf(out, size, "0 H/s");
		return;
	}
	while (hps >= 999.5 && k < 5) {
		hps /= 1000;
		k++;
	}
	fmt3(hps, units[k], out, size);
}

void brain__fmt_count(double n, char *out, size_t size)
{
	static const char *const units[] = {"", "k", "M", "G", "T", "P"};
	char digits[32], *o = out;
	size_t len, i;
	int k = 0;

	if (!(n >= 0))
		n = 0;
	if (n >= 999999.5) {
		while (n >= 999.5 && k < 5) {
			n /= 1000;
			k++;
		}
		fmt3(n, units[k], out, size);
		return;
	}
	/* under a million: every digit, in groups of three */
	snprintf(digits, sizeof(digits), "%.0f", n);
	len = strlen(digits);
	if (size < len + len / 3 + 1) {
		snprintf(out, size, "%s", digits);
		return;
	}
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			*o++ = ',';
		*o++ = digits[i];
	}
	*o = '\0';
}

void brain__fmt_duration(double seconds, char *out, size_t size)
{
	/* the days as a double: a status may say anything, and a double
	 * past LONG_MAX does not convert */
	double s = seconds > 0 && isfinite(seconds) ? floor(seconds + 0.5) : 0;
	long r = (long)fmod(s, 86400);

	if (s < 60)
		snprintf(out, size, "%ld s", r);
	else if (s < 3600)
		snprintf(out, size, "%ld min %ld s", r / 60, r % 60);
	else if (s < 86400)
		snprintf(out, size, "%ld h %ld min", r / 3600, r % 3600 / 60);
	else
		snprintf(out, size, "%.0f d %ld h", floor(s / 86400), r / 3600);
}

void brain__fmt_iso(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%lld", (long long)t);
}

/* The value axis: a step of 1, 2 or 5 times a power of ten that covers
 * `max` in at most 5 steps (counts: whole steps). */
static double axis_step(double max, int whole)
{
	double raw = max / 4, mag, f;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	f = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
	if (whole && f * mag < 1)
		return 1;
	return f * mag;
}

static double chart_max(const brain__chart *c)
{
	double max = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		double v = c->pt[i].v +
			   (c->kind == BRAIN__CHART_SHARES ? c->pt[i].v2 : 0);
		if (v > max)
			max = v;
	}
	return max;
}

/* One value label: rates in the unit of the axis' top. */
static void axis_label(const brain__chart *c, double v, double top,
		       char *out, size_t size)
{
	static const char *const units[] = {"H/s",  "kH/s", "MH/s",
					    "GH/s", "TH/s", "PH/s"};
	int k = 0;

	if (c->kind != BRAIN__CHART_RATE) {
		brain__fmt_count(v, out, size);
		return;
	}
	while (top >= 1000 && k < 5) {
		top /= 1000;
		v /= 1000;
		k++;
	}
	snprintf(out, size, "%.3g %s", v, units[k]);
}

/* A point's time for a person, from the scope the tree gives it:
 * "2026-11-29T10" reads "2026-11-29 10:00". */
static void point_when(const brain__chart_point *pt, char *out, size_t size)
{
	const char *t = strchr(pt->scope, 'T');

	if (t)
		snprintf(out, size, "%.*s %s:00", (int)(t - pt->scope),
			 pt->scope, t + 1);
	else
		snprintf(out, size, "%s", pt->scope);
}

/* The label under point i, or NULL for none: hours every 6 (the date at
 * midnight), days every 5 counted back from today. */
static const char *time_label(const brain__chart *c, size_t i, char *out,
			      size_t size)
{
	const char *s = c->pt[i].scope, *t = strchr(s, 'T');

	if (strlen(s) < 10)
		return NULL;
	if (t) {
		int hour = atoi(t + 1);
		if (hour % 6)
			return NULL;
		if (hour)
			snprintf(out, size, "%02d:00", hour);
		else
			snprintf(out, size, "%.5s", s + 5);
		return out;
	}
	if ((c->n - 1 - i) % 5)
		return NULL;
	snprintf(out, size, "%.5s", s + 5);
	return out;
}

static void point_attrs(brain__page *p, const brain__chart *c,
			const brain__chart_point *pt)
{
	char iso[32];

	brain__fmt_iso(pt->start, iso, sizeof(iso));
	brain__page_printf(p, " data-time=\"%s\" data-scope=\"", iso);
	brain__page_text(p, pt->scope);
	if (c->kind == BRAIN__CHART_RATE)
		brain__page_printf(p, "\" data-value=\"%.10g\"", pt->v);
	else
		brain__page_printf(p, "\" data-value=\"%.0f\"", pt->v);
	if (c->kind == BRAIN__CHART_SHARES)
		brain__page_printf(p, " data-rejected=\"%.0f\"", pt->v2);
}

static void point_title(brain__page *p, const brain__chart *c,
			const brain__chart_point *pt)
{
	char when[40], a[32], b[32];

	point_when(pt, when, sizeof(when));
	brain__page_puts(p, "<title>");
	brain__page_text(p, when);
	if (c->kind == BRAIN__CHART_RATE) {
		brain__fmt_rate(pt->v, a, sizeof(a));
		brain__page_printf(p, ": %s", a);
	} else if (c->kind == BRAIN__CHART_SHARES) {
		brain__fmt_count(pt->v, a, sizeof(a));
		brain__fmt_count(pt->v2, b, sizeof(b));
		brain__page_printf(p, ": %s accepted, %s rejected", a, b);
	} else {
		brain__fmt_count(pt->v, a, sizeof(a));
		brain__page_printf(p, ": %s ", a);
		brain__page_text(p, c->noun ? c->noun : "");
	}
	brain__page_puts(p, "</title>");
}

/* The figure at the right of the title: the latest rate, or the total. */
static void headline(brain__page *p, const brain__chart *c)
{
	char a[32], b[32];
	double sum = 0, sum2 = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		sum += c->pt[i].v;
		sum2 += c->pt[i].v2;
	}
	brain__page_printf(p, "<text class=\"headline\" x=\"%d\" y=\"22\" "
			      "text-anchor=\"end\">", CW - MR);
	if (c->kind == BRAIN__CHART_RATE) {
		brain__fmt_rate(c->n ? c->pt[c->n - 1].v : 0, a, sizeof(a));
		brain__page_printf(p, "latest %s", a);
	} else if (c->kind == BRAIN__CHART_SHARES) {
		brain__fmt_count(sum, a, sizeof(a));
		brain__fmt_count(sum2, b, sizeof(b));
		brain__page_printf(p, "<tspan class=\"acc\">&#9632;</tspan> "
				      "%s accepted  <tspan class=\"rej\">"
				      "&#9632;</tspan> %s rejected", a, b);
	} else {
		brain__fmt_count(sum, a, sizeof(a));
		brain__page_printf(p, "total %s", a);
	}
	brain__page_puts(p, "</text>");
}

/* `why` in lines of at most 80 bytes, cut at a space (or a UTF-8
 * character boundary), at most 5 of them. */
static void why_lines(brain__page *p, const char *why)
{
	int line;

	for (line = 0; *why && line < 5; line++) {
		size_t n = strlen(why), cut = n;
		char part[96];

		if (n > 80) {
			cut = 80;
			while (cut > 40 && why[cut] != ' ')
				cut--;
			if (why[cut] != ' ')
				for (cut = 80; cut && (why[cut] & 0xC0) == 0x80;)
					cut--;
		}
		snprintf(part, sizeof(part), "%.*s", (int)cut, why);
		brain__page_printf(p, "<text class=\"why\" x=\"%d\" y=\"%d\">",
				   ML + 10, MT + 40 + 18 * line);
		brain__page_text(p, part);
		brain__page_puts(p, "</text>");
		why += cut;
		while (*why == ' ')
			why++;
	}
}

static void axes(brain__page *p, const brain__chart *c, double top,
		 double step)
{
	char label[40];
	double v;
	size_t i;

	for (v = 0; v <= top + step / 2; v += step) {
		double y = MT + PH - v / top * PH;
		axis_label(c, v, top, label, sizeof(label));
		brain__page_printf(p, "<line class=\"grid\" x1=\"%d\" "
				      "x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
				      "<text x=\"%d\" y=\"%.1f\" "
				      "text-anchor=\"end\">%s</text>\n",
				   ML, CW - MR, y, y, ML - 6, y + 4, label);
	}
	brain__page_printf(p, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" "
			      "y1=\"%d\" y2=\"%d\"/>\n",
			   ML, CW - MR, MT + PH, MT + PH);
	for (i = 0; i < c->n; i++) {
		double x = ML + PW * (i + 0.5) / (double)c->n;
		if (!time_label(c, i, label, sizeof(label)))
			continue;
		brain__page_printf(p, "<line class=\"axis\" x1=\"%.1f\" "
				      "x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
				      "<text x=\"%.1f\" y=\"%d\" "
				      "text-anchor=\"middle\">",
				   x, x, MT + PH, MT + PH + 4, x, MT + PH + 17);
		brain__page_text(p, label);
		brain__page_puts(p, "</text>\n");
	}
}

static void points(brain__page *p, const brain__chart *c, double top)
{
	double slot = PW / (double)c->n, bw = slot * 0.7;
	size_t i;

	if (c->kind == BRAIN__CHART_RATE) {
		brain__page_puts(p, "<polyline class=\"line\" points=\"");
		for (i = 0; i < c->n; i++)
			brain__page_printf(p, "%s%.1f,%.1f", i ? " " : "",
					   ML + slot * (i + 0.5),
					   MT + PH - c->pt[i].v / top * PH);
		brain__page_puts(p, "\"/>\n");
	}
	for (i = 0; i < c->n; i++) {
		const brain__chart_point *pt = &c->pt[i];
		double x = ML + slot * (i + 0.5), h = pt->v / top * PH;

		if (c->kind == BRAIN__CHART_RATE) {
			brain__page_printf(p, "<circle class=\"point\" "
					      "cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"",
					   x, MT + PH - h);
			point_attrs(p, c, pt);
			brain__page_puts(p, ">");
			point_title(p, c, pt);
			brain__page_puts(p, "</circle>\n");
		} else if (c->kind == BRAIN__CHART_COUNT) {
			brain__page_printf(p, "<rect class=\"point\" x=\"%.1f\" "
					      "y=\"%.1f\" width=\"%.1f\" "
					      "height=\"%.1f\"",
					   x - bw / 2, MT + PH - h, bw, h);
			point_attrs(p, c, pt);
			brain__page_puts(p, ">");
			point_title(p, c, pt);
			brain__page_puts(p, "</rect>\n");
		} else {
			double h2 = pt->v2 / top * PH;
			brain__page_puts(p, "<g class=\"point\"");
			point_attrs(p, c, pt);
			brain__page_puts(p, ">");
			point_title(p, c, pt);
			brain__page_printf(p, "<rect class=\"acc\" x=\"%.1f\" "
					      "y=\"%.1f\" width=\"%.1f\" "
					      "height=\"%.1f\"/><rect "
					      "class=\"rej\" x=\"%.1f\" "
					      "y=\"%.1f\" width=\"%.1f\" "
					      "height=\"%.1f\"/></g>\n",
					   x - bw / 2, MT + PH - h, bw, h,
					   x - bw / 2, MT + PH - h - h2, bw, h2);
		}
	}
}

void brain__chart_svg(brain__page *p, const brain__chart *c)
{
	int whole = c->kind != BRAIN__CHART_RATE;
	double max = chart_max(c), step = axis_step(max, whole), top;

	top = step * ceil(max / step);
	if (!(top > 0))
		top = step;
	brain__page_printf(p, "<svg class=\"chart\" id=\"%s\" "
			      "data-chart=\"%s\" data-level=\"%s\" "
			      "data-points=\"%zu\" viewBox=\"0 0 %d %d\" "
			      "role=\"img\"",
			   c->name, c->name, c->level, c->why[0] ? 0 : c->n,
			   CW, CH);
	if (c->why[0]) {
		brain__page_puts(p, " data-error=\"");
		brain__page_text(p, c->why);
		brain__page_puts(p, "\"");
	}
	brain__page_printf(p, ">\n<text class=\"title\" x=\"%d\" y=\"22\">",
			   ML - 60);
	brain__page_text(p, c->title);
	brain__page_puts(p, "</text>\n");
	if (c->why[0]) {
		why_lines(p, c->why);
	} else if (c->n) {
		headline(p, c);
		axes(p, c, top, step);
		points(p, c, top);
	}
	brain__page_puts(p, "</svg>\n");
}
