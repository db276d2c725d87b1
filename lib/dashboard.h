/*
 * lib/dashboard.h - the page brain_http serves at "/": the live status on
 * top, then hash rate, blocks, shares and errors per hour for the last 48
 * hours and per day for the last 30 days, drawn as inline SVG from the
 * roll-ups.  The page is self-contained (no fetch from the network, so it
 * works offline) and refreshes itself.
 */
#ifndef BRAIN_LIB_DASHBOARD_H
#define BRAIN_LIB_DASHBOARD_H

#include <time.h>
#include <jansson.h>
#include <brainstem/brain.h>

/*
 * The page as HTML.
 * ro:     a handle on the tree to read the roll-ups from (read-only in
 *         brain_http), or NULL: no charts, the status only.
 * status: the program's last status (see brainstem/http.h), or NULL.
 * now:    the moment the charts end at.
 * html:   receives the page, NUL-terminated; the caller frees it with
 *         free().
 * Returns 0 or BRAIN_ENOMEM.  A roll-up that cannot be read does not fail
 * the page: its chart says why.
 */
int brain__dashboard_html(brain_t *ro, const json_t *status, time_t now,
			  char **html);

#endif
