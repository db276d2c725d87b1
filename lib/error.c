/*
 * lib/error.c - error codes, their fixed text, and the per-thread last error.
 *
 * The only state is the thread-local buffer that a failed constructor leaves
 * its message in (libgit2's model); a handle keeps its own buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <brainstem/brainstem.h>

#include "brain_internal.h"
#include "error.h"

static _Thread_local brain__err thread_err;

brain__err *brain__thread_err(void)
{
	return &thread_err;
}

void brain__err_clear(brain__err *e)
{
	e->msg[0] = '\0';
	e->sys_errno = e->io_step = 0;
}

int brain__errf(brain__err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->sys_errno = e->io_step = 0;
	return code;
}

static void with_errno(brain__err *e, int saved, const char *fmt,
		       va_list ap)
{
	size_t len;

	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(saved));
	e->sys_errno = saved;
	e->io_step = 0;
}

int brain__errno(brain__err *e, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	with_errno(e, saved, fmt, ap);
	va_end(ap);
	return code;
}

int brain__arg_error(brain__err *e, const char *func, const char *expr)
{
	return brain__errf(e, BRAIN_EINVAL, "%s: invalid argument '%s'", func,
			   expr);
}

int brain__check_time(brain__err *e, long long t, const char *what)
{
	if (t >= (long long)BRAIN_TIME_MIN && t <= (long long)BRAIN_TIME_MAX)
		return 0;
	return brain__errf(e, BRAIN_EINVAL,
			   "%s %lld is outside the years 1970 to 9999 "
			   "(BRAIN_TIME_MIN..BRAIN_TIME_MAX)",
			   what, t);
}

int brain__ioerr(brain__err *e, int step, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	with_errno(e, saved, fmt, ap);
	va_end(ap);
	e->io_step = step;
	return BRAIN_EIO;
}

int brain_errcode_extended(const brain_t *b)
{
	return b ? b->err.io_step : thread_err.io_step;
}

int brain_syserrno(const brain_t *b)
{
	return b ? b->err.sys_errno : thread_err.sys_errno;
}

const char *brain_strerror(int code)
{
	switch (code) {
	case BRAIN_OK:
		return "success";
	case BRAIN_ENOMEM:
		return "out of memory";
	case BRAIN_EINVAL:
		return "invalid argument";
	case BRAIN_ENOTFOUND:
		return "not found";
	case BRAIN_EBLUEPRINT:
		return "invalid blueprint";
	case BRAIN_ECONFIG:
		return "invalid config";
	case BRAIN_EIO:
		return "i/o error";
	case BRAIN_ECORRUPT:
		return "corrupt data file";
	case BRAIN_ELOCKED:
		return "lock not available";
	case BRAIN_ETOOBIG:
		return "record too large";
	case BRAIN_ENODE:
		return "bitcoin node unreachable";
	case BRAIN_EAUTH:
		return "bitcoin node refused the credentials";
	case BRAIN_ERPC:
		return "bitcoin node returned an error";
	case BRAIN_EPOOL:
		return "no pool connected";
	case BRAIN_ESTALE:
		return "stale pool job";
	default:
		return "unknown error";
	}
}
