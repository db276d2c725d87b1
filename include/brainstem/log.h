/*
 * brainstem/log.h - one line per event, for people and log collectors:
 *
 *   2026-11-29T10:44:55Z INFO looper: miner_1 (pid 4242) started
 *
 * time (UTC, ISO 8601), level, component, message.  A log writes to any
 * of: stderr, a file (appended, created 0644 when missing), syslog (with
 * the level's priority and the component as ident).  The library's notices
 * can be routed to a log with brain_log_notice as the brain_notice_fn.
 */
#ifndef BRAINSTEM_LOG_H
#define BRAINSTEM_LOG_H

#include <stdarg.h>
#include <brainstem/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum brain_log_level {
	BRAIN_LOG_ERROR = 0,
	BRAIN_LOG_WARN = 1,
	BRAIN_LOG_INFO = 2,
	BRAIN_LOG_DEBUG = 3,
} brain_log_level_t;

/* Where stderr lines go. */
typedef enum brain_log_stderr {
	BRAIN_LOG_STDERR_AUTO = 0,  /* only when stderr is not a terminal */
	BRAIN_LOG_STDERR_NEVER = 1,
	BRAIN_LOG_STDERR_ALWAYS = 2,
} brain_log_stderr_t;

typedef struct brain_log brain_log_t; /* opaque */

#define BRAIN_LOG_OPTIONS_VERSION 1

typedef struct brain_log_options {
	unsigned int version;      /* BRAIN_LOG_OPTIONS_VERSION */
	const char *component;     /* "looper", "miner_1", "dtm"; not NULL */
	brain_log_level_t level;   /* lines above it are dropped */
	brain_log_stderr_t to_stderr;
	const char *file;          /* NULL: no file */
	int to_syslog;             /* nonzero: syslog(3), facility LOG_DAEMON */
} brain_log_options_t;

#define BRAIN_LOG_OPTIONS_INIT                                                 \
	{ BRAIN_LOG_OPTIONS_VERSION, NULL, BRAIN_LOG_INFO,                     \
	  BRAIN_LOG_STDERR_AUTO, NULL, 0 }

/*
 * brain_log_open - make a log.
 * Returns 0, or BRAIN_EINVAL (out, opts or component NULL, a bad
 * version, level or stderr value), BRAIN_EIO (the file cannot be opened:
 * the message names it and says why), BRAIN_ENOMEM; then *out is NULL and
 * brain_errmsg(NULL) says why.
 * Ownership: the caller frees *out with brain_log_close(); strings in
 * opts are copied.
 */
BRAIN_EXTERN(int)
brain_log_open(brain_log_t **out,
	       const brain_log_options_t *opts) BRAIN_WARN_UNUSED;

/*
 * brain_log_write - write one line (a trailing newline in the message is
 * dropped; newlines inside it become spaces, so one event is one line).
 * l NULL: nothing.  Thread-safe: each line is written whole with one
 * write(2) per destination, also among processes appending to one file.
 */
BRAIN_EXTERN(void)
brain_log_write(brain_log_t *l, brain_log_level_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
BRAIN_EXTERN(void)
brain_log_vwrite(brain_log_t *l, brain_log_level_t level, const char *fmt,
		 va_list ap);

/*
 * brain_log_enabled - 1 when a line of `level` would go anywhere (so the
 * caller can skip building it), else 0.  Thread-safe.
 */
BRAIN_EXTERN(int) brain_log_enabled(const brain_log_t *l, brain_log_level_t level);

/*
 * brain_log_reopen - close and reopen the file (after logrotate moved it).
 * Returns 0 or BRAIN_EIO (the old file is kept).  Thread-safe.
 */
BRAIN_EXTERN(int) brain_log_reopen(brain_log_t *l) BRAIN_WARN_UNUSED;

/*
 * brain_log_notice - a brain_notice_fn: pass the log as ctx to route the
 * library's notices into it (level INFO).
 */
BRAIN_EXTERN(void) brain_log_notice(void *ctx, const char *line);

/* brain_log_close - close and free; NULL is accepted. */
BRAIN_EXTERN(void) brain_log_close(brain_log_t *l);

#ifdef __cplusplus
}
#endif

#endif
