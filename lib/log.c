/*
 * lib/log.c - the one-line-per-event log (brainstem/log.h).
 *
 * A line is built whole in memory - "<UTC time> <LEVEL> <component>:
 * <message>\n", newlines inside the message turned into spaces - and then
 * written with one write(2) per destination.  The file is opened with
 * O_APPEND, so the lines of several processes appending to one file (the
 * looper and its miners) never interleave, and the lines of several
 * threads need no lock for that either; the mutex only keeps the fd alive
 * while brain_log_reopen swaps it.  Syslog gets the message alone (it
 * stamps time and ident itself).  Cost: one formatting, one gmtime_r and
 * one write per destination per line; nothing is buffered, so a crash
 * loses no line that was written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "error.h"
#include "fsutil.h"
#include "log.h"

#define LINE_STACK 1024 /* longer lines take one malloc */

struct brain_log {
	pthread_mutex_t mu; /* guards fd against brain_log_reopen */
	char *component;
	char *path; /* NULL: no file */
	int fd;     /* -1: no file */
	int to_stderr;
	int to_syslog;
	brain_log_level_t level;
	brain_clock_fn clock; /* the test's, else NULL: time(NULL) */
	void *clock_ctx;
};

static const char *const level_names[] = {"ERROR", "WARN", "INFO",
					  "DEBUG"};

static int open_file(const char *path)
{
	return brain__open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			   0644);
}

static int file_error(const char *path)
{
	return brain__ioerr(brain__thread_err(), BRAIN_IOERR_OPEN,
			    "cannot open the log file %s", path);
}

int brain_log_open(brain_log_t **out, const brain_log_options_t *opts)
{
	brain__err *e = brain__thread_err();
	brain_log_t *l;

	BRAIN__ARG(e, out);
	*out = NULL;
	BRAIN__ARG(e, opts);
	BRAIN__ARG(e, opts->version == BRAIN_LOG_OPTIONS_VERSION);
	BRAIN__ARG(e, opts->component);
	BRAIN__ARG(e, opts->level >= BRAIN_LOG_ERROR &&
			      opts->level <= BRAIN_LOG_DEBUG);
	BRAIN__ARG(e, opts->to_stderr >= BRAIN_LOG_STDERR_AUTO &&
			      opts->to_stderr <= BRAIN_LOG_STDERR_ALWAYS);
	if (!(l = calloc(1, sizeof(*l))))
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	pthread_mutex_init(&l->mu, NULL);
	l->fd = -1;
	l->level = opts->level;
	l->to_stderr = opts->to_stderr == BRAIN_LOG_STDERR_ALWAYS ||
		       (opts->to_stderr == BRAIN_LOG_STDERR_AUTO &&
			!isatty(STDERR_FILENO));
	if (!(l->component = strdup(opts->component)) ||
	    (opts->file && !(l->path = strdup(opts->file)))) {
		brain_log_close(l);
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	}
	if (l->path && (l->fd = open_file(l->path)) < 0) {
		int rc = file_error(l->path);
		brain_log_close(l);
		return rc;
	}
	/* syslog keeps the ident by pointer: ours lives until close.  The
	 * ident is the process's (openlog is): one syslog log a process. */
	if ((l->to_syslog = opts->to_syslog != 0))
		openlog(l->component, LOG_PID, LOG_DAEMON);
	*out = l;
	return 0;
}

void brain__log_set_clock(brain_log_t *l, brain_clock_fn clock, void *ctx)
{
	l->clock = clock;
	l->clock_ctx = ctx;
}

int brain_log_enabled(const brain_log_t *l, brain_log_level_t level)
{
	return l && level <= l->level &&
	       (l->to_stderr || l->to_syslog || l->path);
}

/* Writes the line whole, going on after a short write (a full disk, a
 * signal); a failure is dropped: a log has nowhere to report it. */
static void put(int fd, const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

static int syslog_priority(brain_log_level_t level)
{
	switch (level) {
	case BRAIN_LOG_ERROR:
		return LOG_ERR;
	case BRAIN_LOG_WARN:
		return LOG_WARNING;
	case BRAIN_LOG_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

void brain_log_vwrite(brain_log_t *l, brain_log_level_t level, const char *fmt,
		      va_list ap)
{
	char stack[LINE_STACK], *line = stack, *msg, *p;
	size_t head, len;
	struct tm tm;
	time_t now;
	va_list ap2;
	int n;

	if (!fmt || level < BRAIN_LOG_ERROR || !brain_log_enabled(l, level))
		return;
	now = l->clock ? l->clock(l->clock_ctx) : time(NULL);
	if (!gmtime_r(&now, &tm))
		memset(&tm, 0, sizeof(tm));
	head = (size_t)snprintf(stack, sizeof(stack),
				"%04d-%02d-%02dT%02d:%02d:%02dZ %s %.64s: ",
				tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				tm.tm_hour, tm.tm_min, tm.tm_sec,
				level_names[level], l->component);
	va_copy(ap2, ap);
	n = vsnprintf(stack + head, sizeof(stack) - head, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n + 2 > sizeof(stack) - head) { /* room for "\n\0" */
		if (!(line = malloc(head + (size_t)n + 2)))
			return;
		memcpy(line, stack, head);
		vsnprintf(line + head, (size_t)n + 1, fmt, ap);
	}
	msg = line + head;
	len = (size_t)n;
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	msg[len] = '\0';
	for (p = msg; *p; p++) /* one event, one line */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (l->to_syslog)
		syslog(syslog_priority(level), "%s", msg);
	msg[len] = '\n';
	len += head + 1;
	if (l->to_stderr)
		put(STDERR_FILENO, line, len);
	if (l->path) {
		pthread_mutex_lock(&l->mu);
		if (l->fd >= 0)
			put(l->fd, line, len);
		pthread_mutex_unlock(&l->mu);
	}
	if (line != stack)
		free(line);
}

void brain_log_write(brain_log_t *l, brain_log_level_t level, const char *fmt,
		     ...)
{
	va_list ap;

	va_start(ap, fmt);
	brain_log_vwrite(l, level, fmt, ap);
	va_end(ap);
}

int brain_log_reopen(brain_log_t *l)
{
	int fd, old;

	BRAIN__ARG(brain__thread_err(), l);
	if (!l->path)
		return 0;
	if ((fd = open_file(l->path)) < 0)
		return file_error(l->path);
	pthread_mutex_lock(&l->mu);
	old = l->fd;
	l->fd = fd;
	pthread_mutex_unlock(&l->mu);
	if (old >= 0)
		close(old);
	return 0;
}

void brain_log_notice(void *ctx, const char *line)
{
	if (line)
		brain_log_write(ctx, BRAIN_LOG_INFO, "%s", line);
}

void brain_log_close(brain_log_t *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	pthread_mutex_destroy(&l->mu);
	if (l->to_syslog)
		closelog();
	free(l->component);
	free(l->path);
	free(l);
}
