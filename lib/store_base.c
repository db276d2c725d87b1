/*
 * lib/store_base.c - what the store asks of its owner (the clock, the
 * notice sink, the templates, the reports it keeps for the owner), and
 * which file a (kind, level) pair of a stream is.  Uses nothing else of
 * the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "store_internal.h"

time_t brain__sto_now(const brain__store *store)
{
	return store->cx.clock(store->cx.clock_ctx);
}

void brain__sto_notice(brain__store *store, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	store->cx.notice(store->cx.notice_ctx, line);
}

/* Keeps a report for the owner (steals it). */
void brain__sto_event(brain__store *store, json_t *report)
{
	if (!report)
		return;
	if (!store->events)
		store->events = json_array();
	if (!store->events || json_array_append_new(store->events, report))
		brain__sto_notice(store, "out of memory keeping an error report");
}

json_t *brain__store_take_events(brain__store *store)
{
	json_t *events = store ? store->events : NULL;

	if (store)
		store->events = NULL;
	return events;
}

int brain__sto_template(brain__store *store, const brain__stream *s,
			  const brain__plevel *pl, const brain__when *w,
			  json_t **out)
{
	return store->cx.instance(store->cx.owner, s, pl, w, out);
}

int brain__sto_writable(brain__store *store)
{
	if (!store->cx.readonly)
		return 0;
	return brain__errf(store->err, BRAIN_EINVAL,
			   "the tree under %s is open read-only (writing "
			   "refused)", store->cx.root);
}

const brain__plevel *brain__sto_plevel(const brain__blueprint *bp,
				       const brain__stream *s, int k, int lv)
{
	return k == K_SOURCE ? s->source[lv]
	       : k == K_FULL ? bp->full[lv]
			     : bp->index[lv];
}

brain__jlayout brain__sto_layout(const brain__blueprint *bp,
				const brain__stream *s, int k)
{
	brain__jlayout l = {NULL, 0};

	if (k == K_SOURCE)
		l.entries = s->entries;
	else if (k == K_FULL)
		l.entries = bp->agg_entries, l.with_summary = 1;
	else
		l.with_summary = 1;
	return l;
}

/* The Global and Hour levels list the time-level copy of their own
 * level; the others the file of their own kind one level down (the root
 * lists the years). */
void brain__sto_child(int k, int lv, int *ck, int *clv)
{
	int own = lv == BRAIN__LV_GLOBAL || lv == BRAIN__LV_HOUR;

	*ck = own ? K_SOURCE : k;
	*clv = own ? lv : lv == BRAIN__LV_ROOT ? BRAIN__LV_YEAR : lv + 1;
}

sstate *brain__sto_stream(brain__store *store, const brain__stream *s)
{
	return &store->st[s - store->bp->streams];
}

double brain__sto_since_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}
