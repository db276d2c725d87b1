/*
 * lib/fsutil.h - the few file operations everything else is built from.
 *
 * All paths are absolute or relative to the process's directory; callers
 * build them with brain__path_join.  Every function returns 0 or a negative
 * BRAIN_E* code and leaves errno as the failing system call set it, so the
 * caller can word the message (brain__errno).
 */
#ifndef BRAIN_LIB_FSUTIL_H
#define BRAIN_LIB_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The system calls the store is built from, retried on EINTR (a signal
 * handler of the program must not fail a save).  open() returns the fd
 * or -1; the others 0 or BRAIN_EIO.  write_at and read_at loop over
 * short transfers; read_at fails (errno EIO) on a file shorter than
 * asked.  Close is not among them: on Linux a close interrupted by a
 * signal has closed the fd all the same, and is never retried.
 */
int brain__open(const char *path, int flags, int mode);
int brain__sync(int fd); /* fdatasync */
int brain__truncate(int fd, off_t len);
int brain__write_at(int fd, const void *data, size_t len, off_t off);
int brain__read_at(int fd, void *buf, size_t len, off_t off);

/* The brain_ioerr_t step of the calling thread's last failure in one of
 * these functions (which system call failed), for brain__ioerr. */
int brain__fs_step(void);

/* Reads a whole file (at most `limit` bytes, else BRAIN_ETOOBIG) into a
 * NUL-terminated buffer the caller frees. */
int brain__read_file(const char *path, size_t limit, unsigned char **out,
		     size_t *len);

/* mkdir -p: creates every missing folder of path (mode 0755). */
int brain__mkdir_p(const char *path);

/* 1 if path exists (any type), 0 if not. */
int brain__exists(const char *path);

/* 1 if path is a directory. */
int brain__is_dir(const char *path);

/*
 * Creates `path` with `len` bytes of `data` only if it does not exist yet:
 * the bytes go to a temporary file in the same folder, which is then
 * hard-linked into place, so a reader never sees a half-written file and
 * two processes creating the same file leave one whole copy.
 * *created is 1 if this call made it, 0 if it existed.  With `sync`, the
 * file and its folder are fsynced first.
 */
int brain__create_file(const char *path, const void *data, size_t len,
		       int sync, int *created);

/* Writes `path` whole, replacing it atomically (temporary file + rename). */
int brain__replace_file(const char *path, const void *data, size_t len,
			int sync);

/*
 * Sets `path` aside as "<path>.corrupt-<stamp>" (then "-1", "-2", ...: an
 * earlier one is never overwritten) and returns that name in *aside (the
 * caller frees).  With `keep`, the original stays where it is too (a hard
 * link: for a file that a replacement is about to be renamed over);
 * without, it is moved (a file or a folder).  0 or BRAIN_EIO/ENOMEM.
 */
int brain__set_aside(const char *path, long long stamp, int keep,
		     char **aside);

/* The first part of `dir` (a folder path) that exists and is not a
 * folder, allocated in *found; 0 when there is none. */
int brain__obstacle(const char *dir, char **found);

/* Joins a and b with one '/'; the caller frees.  NULL on ENOMEM. */
char *brain__path_join(const char *a, const char *b);

/* An allocated printf; NULL on ENOMEM. */
char *brain__strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* rm -rf of a folder the library made (used for a failed temporary folder
 * only; data is never removed). */
int brain__remove_tree(const char *path);

/* Takes an exclusive flock on `path` (created if needed); returns the fd
 * (>= 0) or a negative code.  Release with brain__unlock. */
int brain__lock(const char *path);
void brain__unlock(int fd);

#endif
