/*
 * lib/fsutil.c - reading, creating and replacing whole files; folders;
 * locks.  Writers never leave a partial file behind under its real name:
 * new content goes to a temporary file first and reaches the real name by
 * link() (create-if-absent) or rename() (replace).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brainstem/errors.h>

#include "fsutil.h"

/* The step (brain_ioerr_t) of this thread's last failure in this file:
 * the callers word the message, and say which system call it was. */
static _Thread_local int fs_step;

static int fail(int step, int code)
{
	fs_step = step;
	return code;
}

int brain__fs_step(void)
{
	return fs_step;
}

int brain__open(const char *path, int flags, int mode)
{
	int fd;

	do
		fd = open(path, flags, mode);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		fs_step = BRAIN_IOERR_OPEN;
	return fd;
}

int brain__sync(int fd)
{
	while (fdatasync(fd) != 0)
		if (errno != EINTR)
			return fail(BRAIN_IOERR_FSYNC, BRAIN_EIO);
	return 0;
}

int brain__truncate(int fd, off_t len)
{
	while (ftruncate(fd, len) != 0)
		if (errno != EINTR)
			return fail(BRAIN_IOERR_TRUNCATE, BRAIN_EIO);
	return 0;
}

int brain__write_at(int fd, const void *data, size_t len, off_t off)
{
	const char *p = data;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(BRAIN_IOERR_WRITE, BRAIN_EIO);
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int brain__read_at(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the file is shorter than known */
			return fail(BRAIN_IOERR_READ, BRAIN_EIO);
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

char *brain__strf(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&out, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : out;
}

char *brain__path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (la && a[la - 1] == '/')
		return brain__strf("%s%s", a, b);
	return brain__strf("%s/%s", a, b);
}

int brain__read_file(const char *path, size_t limit, unsigned char **out,
		     size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0, used = 0;
	int fd, rc = 0;

	*out = NULL;
	*len = 0;
	fd = brain__open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return BRAIN_EIO;
	for (;;) {
		ssize_t n;
		if (cap - used < 4096) {
			unsigned char *nb;
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				rc = BRAIN_ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fail(BRAIN_IOERR_READ, BRAIN_EIO);
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > limit) {
			rc = BRAIN_ETOOBIG;
			break;
		}
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	if (!buf && !(buf = malloc(1)))
		return BRAIN_ENOMEM;
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

int brain__exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int brain__is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int brain__mkdir_p(const char *path)
{
	char *copy, *p;
	int rc = 0;

	/* the usual case first: the folder, or only it, is missing (a new
	 * hour's folder): one call instead of one or two per component */
	if (mkdir(path, 0755) == 0 ||
	    (errno == EEXIST && brain__is_dir(path)))
		return 0;
	if (errno != ENOENT && errno != EEXIST)
		return fail(BRAIN_IOERR_MKDIR, BRAIN_EIO);
	if (!(copy = strdup(path)))
		return BRAIN_ENOMEM;
	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
			rc = fail(BRAIN_IOERR_MKDIR, BRAIN_EIO);
			break;
		}
		if (errno == EEXIST && !brain__is_dir(copy)) {
			errno = ENOTDIR;
			rc = fail(BRAIN_IOERR_MKDIR, BRAIN_EIO);
			break;
		}
		*p = saved;
		if (!saved)
			break;
	}
	free(copy);
	return rc;
}

static int sync_dir_of(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd, rc = 0;

	if (!dir)
		return BRAIN_ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	else
		strcpy(dir, ".");
	fd = brain__open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		rc = BRAIN_EIO;
	while (fd >= 0 && fsync(fd) != 0 && !rc)
		if (errno != EINTR)
			rc = fail(BRAIN_IOERR_FSYNC, BRAIN_EIO);
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	free(dir);
	return rc;
}

/* Writes data into a fresh temporary file beside path; returns its name. */
static int write_temp(const char *path, const void *data, size_t len,
		      int sync, char **tmp_out)
{
	char *tmp = brain__strf("%s.tmp.XXXXXX", path);
	int fd, rc;

	*tmp_out = NULL;
	if (!tmp)
		return BRAIN_ENOMEM;
	do
		fd = mkostemp(tmp, O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		int saved = errno;
		free(tmp);
		errno = saved;
		return fail(BRAIN_IOERR_OPEN, BRAIN_EIO);
	}
	rc = brain__write_at(fd, data, len, 0); /* a new file */
	if (!rc && fchmod(fd, 0644) != 0)
		rc = fail(BRAIN_IOERR_WRITE, BRAIN_EIO);
	if (!rc && sync)
		rc = brain__sync(fd);
	if (close(fd) != 0 && !rc && errno != EINTR)
		rc = fail(BRAIN_IOERR_WRITE, BRAIN_EIO);
	if (rc) {
		int saved = errno;
		unlink(tmp);
		free(tmp);
		errno = saved;
		return rc;
	}
	*tmp_out = tmp;
	return 0;
}

int brain__create_file(const char *path, const void *data, size_t len,
		       int sync, int *created)
{
	char *tmp;
	int rc, saved;

	*created = 0;
	if (brain__exists(path))
		return 0;
	if ((rc = write_temp(path, data, len, sync, &tmp)))
		return rc;
	if (link(tmp, path) == 0)
		*created = 1;
	else if (errno != EEXIST)
		rc = fail(BRAIN_IOERR_RENAME, BRAIN_EIO);
	saved = errno;
	unlink(tmp);
	free(tmp);
	errno = saved;
	if (!rc && *created && sync)
		rc = sync_dir_of(path);
	return rc;
}

int brain__replace_file(const char *path, const void *data, size_t len,
			int sync)
{
	char *tmp;
	int rc;

	if ((rc = write_temp(path, data, len, sync, &tmp)))
		return rc;
	if (rename(tmp, path) != 0) {
		int saved = errno;
		unlink(tmp);
		free(tmp);
		errno = saved;
		return fail(BRAIN_IOERR_RENAME, BRAIN_EIO);
	}
	free(tmp);
	return sync ? sync_dir_of(path) : 0;
}

int brain__set_aside(const char *path, long long stamp, int keep,
		     char **aside)
{
	int n;

	*aside = NULL;
	for (n = 0; n < 1000; n++) {
		char *name = n ? brain__strf("%s.corrupt-%lld-%d", path, stamp, n)
			       : brain__strf("%s.corrupt-%lld", path, stamp);
		int done;
		if (!name)
			return BRAIN_ENOMEM;
		/* link and RENAME_NOREPLACE fail on an existing name */
		done = link(path, name) == 0;
		if (!done && errno == EPERM && !keep)
			done = renameat2(AT_FDCWD, path, AT_FDCWD, name,
					 RENAME_NOREPLACE) == 0;
		else if (done && !keep && unlink(path) != 0) {
			int saved = errno;
			unlink(name);
			free(name);
			errno = saved;
			return BRAIN_EIO;
		}
		if (done) {
			*aside = name;
			return 0;
		}
		free(name);
		if (errno != EEXIST)
			return BRAIN_EIO;
	}
	errno = EEXIST;
	return BRAIN_EIO;
}

int brain__obstacle(const char *dir, char **found)
{
	char *copy = strdup(dir), *p;
	struct stat sb;

	*found = NULL;
	if (!copy)
		return BRAIN_ENOMEM;
	for (p = copy + 1;; p++) {
		char saved;
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (stat(copy, &sb) != 0)
			break; /* missing from here on: no obstacle */
		if (!S_ISDIR(sb.st_mode)) {
			*found = copy;
			return 0;
		}
		*p = saved;
		if (!saved)
			break;
	}
	free(copy);
	return 0;
}

int brain__remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *ent;
	int rc = 0;

	if (!d)
		return unlink(path) == 0 ? 0 : BRAIN_EIO;
	while ((ent = readdir(d))) {
		char *child;
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		child = brain__path_join(path, ent->d_name);
		if (!child) {
			rc = BRAIN_ENOMEM;
			break;
		}
		if (ent->d_type == DT_DIR)
			rc = brain__remove_tree(child);
		else if (unlink(child) != 0)
			rc = BRAIN_EIO;
		free(child);
		if (rc)
			break;
	}
	closedir(d);
	if (!rc && rmdir(path) != 0)
		rc = BRAIN_EIO;
	return rc;
}

int brain__lock(const char *path)
{
	int fd = brain__open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return BRAIN_EIO;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int saved = errno;
			close(fd);
			errno = saved;
			return fail(BRAIN_IOERR_LOCK, BRAIN_ELOCKED);
		}
	}
	return fd;
}

void brain__unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing drops the flock */
}
