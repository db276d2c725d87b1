/*
 * lib/dashboard.c - the dashboard page (see dashboard.h).
 * A placeholder until the charts land: the status as preformatted JSON.
 */
#include <stdlib.h>
#include <string.h>

#include <brainstem/errors.h>

#include "dashboard.h"

int brain__dashboard_html(brain_t *ro, const json_t *status, time_t now,
			  char **html)
{
	char *body = status ? json_dumps(status, JSON_INDENT(2)) : NULL;
	const char *head = "<!doctype html><title>brainstem</title><pre>";
	size_t n = strlen(head) + (body ? strlen(body) : 0) + 8;

	(void)ro;
	(void)now;
	*html = malloc(n);
	if (!*html) {
		free(body);
		return BRAIN_ENOMEM;
	}
	/* the placeholder does not escape; the real page does */
	strcpy(*html, head);
	if (body)
		strcat(*html, body);
	strcat(*html, "</pre>");
	free(body);
	return 0;
}
