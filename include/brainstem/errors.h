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
} brain_error_t;

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
