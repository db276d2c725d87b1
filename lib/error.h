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

#endif
