/*
 * lib/http_internal.h - the parts of brain_http (http.c) that are tested
 * on their own: the Prometheus text rendered from a status object
 * (http_metrics.c) and the bind address reader.
 */
#ifndef BRAIN_LIB_HTTP_INTERNAL_H
#define BRAIN_LIB_HTTP_INTERNAL_H

#include <sys/socket.h>
#include <jansson.h>

#include "error.h"
#include "jsonfile.h"

/*
 * The text exposition (format 0.0.4) of `status` (see brainstem/http.h)
 * appended to out: every family with its HELP and TYPE lines, label
 * values escaped.  Members missing from the status give no sample.
 * Returns 0 or BRAIN_ENOMEM.
 */
int brain__http_metrics(const json_t *status, brain__buf *out);

/*
 * Reads a bind string ("HOST:PORT", "[IPV6]:PORT", "PORT", "localhost:PORT")
 * into sa (its length in *len).  Returns 0 or BRAIN_EINVAL with the
 * reason in e.
 */
int brain__http_parse_bind(brain__err *e, const char *bind,
			   struct sockaddr_storage *sa, socklen_t *len);

#endif
