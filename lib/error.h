/*
 * lib/error.h - filling the one-line error messages of the public API.
 *
 * Internal code reports failures into a brain__err (a handle's, or the
 * thread's own while no handle exists yet) and returns the code it got back,
 * so a failure is one statement: return brain__errf(e, BRAIN_EIO, "...").
 */
#ifndef BRAIN_LIB_ERROR_H
#define BRAIN_LIB_ERROR_H

#include <stddef.h>

#define BRAIN__ERRMSG_MAX 1024

typedef struct brain__err {
	char msg[BRAIN__ERRMSG_MAX];
	int sys_errno; /* errno of the failed system call, else 0 */
	int io_step;   /* a brain_ioerr_t for BRAIN_EIO, else 0 */
} brain__err;

/* Writes the formatted message into e and returns code. */
int brain__errf(brain__err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like brain__errf, with ": <strerror(errno)>" appended; errno is read on
 * entry, so call it right after the failing system call.  The errno is
 * kept for brain_syserrno(); the step is left unknown (0). */
int brain__errno(brain__err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* BRAIN_EIO with the message of brain__errno and `step` (a
 * brain_ioerr_t: which system call failed) for brain_errcode_extended. */
int brain__ioerr(brain__err *e, int step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void brain__err_clear(brain__err *e);

/* The calling thread's error, for calls that have no handle. */
brain__err *brain__thread_err(void);

/*
 * Argument checks at the public entry points (libgit2's GIT_ASSERT_ARG):
 * the library never asserts or aborts; a caller's mistake is an error.
 *
 * BRAIN__ARG(e, expr): unless expr holds, the calling function returns
 * BRAIN_EINVAL with "<function>: invalid argument '<expr>'" in e.
 * BRAIN__ARG_OR(value, expr): the same for a function that returns no
 * code: it returns value, the message in the thread's error.
 * BRAIN__ARG_VOID(expr): the same for a function that returns nothing.
 */
int brain__arg_error(brain__err *e, const char *func, const char *expr);
#define BRAIN__ARG(e, expr)                                                    \
	do {                                                                   \
		if (!(expr))                                                   \
			return brain__arg_error((e), __func__, #expr);        \
	} while (0)
#define BRAIN__ARG_OR(value, expr)                                             \
	do {                                                                   \
		if (!(expr)) {                                                 \
			brain__arg_error(brain__thread_err(), __func__,        \
					 #expr);                               \
			return value;                                          \
		}                                                              \
	} while (0)
#define BRAIN__ARG_VOID(expr) BRAIN__ARG_OR(, expr)

/* 0 when t lies in BRAIN_TIME_MIN..BRAIN_TIME_MAX (the years 1970 to
 * 9999), else BRAIN_EINVAL with "<what> <t> is outside ..." in e. */
int brain__check_time(brain__err *e, long long t, const char *what);

#endif
