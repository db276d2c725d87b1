/*
 * brainstem/errors.h - the error model.
 *
 * Every call that can fail returns 0 or one of the negative codes below and
 * leaves a one-line, lower-case message in brain_errmsg(b).  Codes never
 * change meaning; new ones are added at the end.
 *
 * Arguments: every public function checks its pointer and range
 * arguments.  A NULL where an object is needed, or a value outside its
 * documented range, gives BRAIN_EINVAL and the message "<function>:
 * invalid argument '<what>'" (or a more precise one) - in brain_errmsg(b),
 * or in brain_errmsg(NULL) when the handle itself is NULL or the function
 * has none.  Functions that return no code do nothing (void), or return
 * NULL, 0 or -1 as each documents, and leave the same message in
 * brain_errmsg(NULL).  The library never aborts the process.
 */
#ifndef BRAINSTEM_ERRORS_H
#define BRAINSTEM_ERRORS_H

#include <brainstem/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum brain_error {
	BRAIN_OK = 0,
	BRAIN_ENOMEM = -1,     /* out of memory */
	BRAIN_EINVAL = -2,     /* bad argument: name, mode, record shape */
	BRAIN_ENOTFOUND = -3,  /* no such category, file, path or level */
	BRAIN_EBLUEPRINT = -4, /* the blueprint is unreadable or invalid */
	BRAIN_ECONFIG = -5,    /* config.json is unreadable or invalid */
	BRAIN_EIO = -6,        /* the operating system refused a file operation */
	BRAIN_ECORRUPT = -7,   /* an existing data file does not parse */
	BRAIN_ELOCKED = -8,    /* a lock could not be taken */
	BRAIN_ETOOBIG = -9,    /* a record over the blueprint's size limit */
	BRAIN_ENODE = -10,     /* the Bitcoin node cannot be reached, timed out
				  or did not answer in JSON-RPC */
	BRAIN_EAUTH = -11,     /* the node refused the credentials (HTTP 401) */
	BRAIN_ERPC = -12,      /* the node answered with a JSON-RPC error */
	BRAIN_EPOOL = -13,     /* no Stratum pool is connected and authorized */
	BRAIN_ESTALE = -14,    /* the pool's job is stale: nothing was sent */
} brain_error_t;

/*
 * For BRAIN_EIO (and BRAIN_ELOCKED, whose step is BRAIN_IOERR_LOCK): which
 * step of the file operation failed, like SQLite's extended I/O codes
 * (SQLITE_IOERR_FSYNC), so a caller can tell a full disk while growing a
 * file from a failed fdatasync without parsing the message.  Calls still
 * return BRAIN_EIO; these come from brain_errcode_extended().  Values
 * never change meaning; new ones are added at the end.
 */
typedef enum brain_ioerr {
	BRAIN_IOERR_NONE = 0,     /* not an i/o failure, or an unclassified one */
	BRAIN_IOERR_OPEN = 1,     /* opening or creating a file */
	BRAIN_IOERR_READ = 2,     /* reading (or stat'ing) a file */
	BRAIN_IOERR_WRITE = 3,    /* writing or growing a file */
	BRAIN_IOERR_FSYNC = 4,    /* fdatasync / fsync */
	BRAIN_IOERR_TRUNCATE = 5, /* cutting a file's padding off */
	BRAIN_IOERR_MMAP = 6,     /* mapping a file */
	BRAIN_IOERR_RENAME = 7,   /* moving a file into place (rename, link) */
	BRAIN_IOERR_MKDIR = 8,    /* creating a folder */
	BRAIN_IOERR_LOCK = 9,     /* taking a file lock */
} brain_ioerr_t;

/*
 * brain_errcode_extended - the brain_ioerr_t of the last failure on b (NULL:
 * the calling thread's, as brain_errmsg(NULL)); BRAIN_IOERR_NONE when it
 * was not an i/o failure or the last call succeeded.
 *
 * brain_syserrno - the errno of the system call behind the last failure
 * on b (NULL: the thread's), e.g. ENOSPC or EACCES; 0 when no system call
 * failed.  The message (brain_errmsg) names the path and the errno text.
 *
 * Ownership: nothing is allocated.  Threads: as brain_errmsg.
 */
struct brain;
BRAIN_EXTERN(int) brain_errcode_extended(const struct brain *b);
BRAIN_EXTERN(int) brain_syserrno(const struct brain *b);

/*
 * brain_strerror - fixed text for a code, e.g. "invalid blueprint".
 *
 * Ownership: static string; never free it.  Unknown codes give "unknown error".
 * Threads: safe from any thread.
 */
BRAIN_EXTERN(const char *) brain_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
