/*
 * lib/stratum_conn.c - the socket under the Stratum client: resolve,
 * connect without blocking, send queued lines, read and cut lines.
 *
 * Invariants: a line is never longer than max_line bytes ('\n' excluded),
 * so the read buffer never holds more than max_line + 1 unconsumed bytes
 * plus one read; a longer line fails the connection rather than grow the
 * buffer.  Sends use MSG_NOSIGNAL, so a closed peer is an error, not a
 * signal.  Cost: one recv of at most 64 KiB per call, one send of what is
 * queued.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <brainstem/brainstem.h>

#include "stratum_conn.h"

#define READ_CHUNK 65536

void brain__conn_close(brain__conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->ai)
		freeaddrinfo(c->ai);
	free(c->rbuf);
	free(c->wbuf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Starts connects down the resolver's list from c->ai_try until one is
 * under way or done. */
static int try_addresses(brain__conn *c, brain__err *e)
{
	int err = ECONNREFUSED;

	for (; c->ai_try; c->ai_try = c->ai_try->ai_next) {
		struct addrinfo *a = c->ai_try;
		int fd = socket(a->ai_family,
				a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				a->ai_protocol);

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			c->fd = fd;
			c->connecting = errno == EINPROGRESS;
			return 0;
		}
		err = errno;
		close(fd);
	}
	return brain__errf(e, BRAIN_EPOOL, "cannot connect: %s",
			   strerror(err));
}

int brain__conn_open(brain__conn *c, const char *host, const char *port,
		     size_t max_line, brain__err *e)
{
	struct addrinfo hints;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->max_line = max_line;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &c->ai);
	if (rc) {
		c->ai = NULL;
		return brain__errf(e, rc == EAI_MEMORY ? BRAIN_ENOMEM
						       : BRAIN_EPOOL,
				   "cannot resolve %s: %s", host,
				   gai_strerror(rc));
	}
	c->ai_try = c->ai;
	if ((rc = try_addresses(c, e)))
		brain__conn_close(c);
	return rc;
}

short brain__conn_events(const brain__conn *c)
{
	if (c->fd < 0)
		return 0;
	if (c->connecting)
		return POLLOUT;
	return (short)(POLLIN | (c->wpos < c->wlen ? POLLOUT : 0));
}

/* The pending connect finished (or failed: then the next address). */
static int finish_connect(brain__conn *c, brain__err *e)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		c->connecting = 0;
		return 0;
	}
	if (err == EINPROGRESS || err == EINTR)
		return 0;
	close(c->fd);
	c->fd = -1;
	c->connecting = 0;
	c->ai_try = c->ai_try->ai_next;
	if (!c->ai_try)
		return brain__errf(e, BRAIN_EPOOL, "cannot connect: %s",
				   strerror(err));
	return try_addresses(c, e);
}

static int flush(brain__conn *c, brain__err *e)
{
	while (c->wpos < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->wpos, c->wlen - c->wpos,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return brain__errno(e, BRAIN_EPOOL, "cannot send");
		c->wpos += (size_t)n;
	}
	c->wpos = c->wlen = 0;
	return 0;
}

/* Makes room for one read: drops consumed bytes, grows up to the bound. */
static int make_room(brain__conn *c, size_t *room)
{
	size_t want, cap;
	char *p;

	if (c->rpos) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	want = c->rlen + READ_CHUNK;
	if (want > c->max_line + 2 + READ_CHUNK)
		want = c->max_line + 2 + READ_CHUNK;
	if (want > c->rcap) {
		cap = c->rcap ? c->rcap : 4096;
		while (cap < want)
			cap *= 2;
		if (!(p = realloc(c->rbuf, cap)))
			return BRAIN_ENOMEM;
		c->rbuf = p;
		c->rcap = cap;
	}
	*room = c->rcap - c->rlen - 1; /* one byte for the NUL of a line */
	if (*room > READ_CHUNK)
		*room = READ_CHUNK;
	return 0;
}

static long fill(brain__conn *c, brain__err *e)
{
	size_t room;
	ssize_t n;

	if (make_room(c, &room))
		return brain__errf(e, BRAIN_ENOMEM, "out of memory");
	if (room == 0)
		return 0; /* brain__conn_line reports the long line */
	do
		n = recv(c->fd, c->rbuf + c->rlen, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return brain__errno(e, BRAIN_EPOOL, "cannot read");
	if (n == 0)
		c->eof = 1;
	c->rlen += (size_t)n;
	return (long)n;
}

long brain__conn_io(brain__conn *c, short revents, brain__err *e)
{
	int rc;

	if (c->fd < 0)
		return brain__errf(e, BRAIN_EPOOL, "not connected");
	if (c->connecting) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return 0;
		if ((rc = finish_connect(c, e)) || c->connecting)
			return rc;
	}
	if ((rc = flush(c, e)))
		return rc;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		return fill(c, e);
	return 0;
}

int brain__conn_line(brain__conn *c, char **line, size_t *len, brain__err *e)
{
	size_t avail = c->rlen - c->rpos, n;
	char *start, *nl;

	if (!avail)
		return 0; /* rbuf may be NULL yet: nothing read */
	start = c->rbuf + c->rpos;
	nl = memchr(start, '\n', avail);
	if (!nl) {
		if (avail > c->max_line)
			return brain__errf(e, BRAIN_EPOOL,
					   "a line longer than %zu bytes",
					   c->max_line);
		return 0;
	}
	n = (size_t)(nl - start);
	c->rpos += n + 1;
	if (n > c->max_line)
		return brain__errf(e, BRAIN_EPOOL,
				   "a line longer than %zu bytes", c->max_line);
	if (n && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	*line = start;
	*len = n;
	return 1;
}

int brain__conn_send(brain__conn *c, const char *text, size_t len)
{
	size_t need = c->wlen + len + 1, cap;
	char *p;

	if (need > c->wcap) {
		cap = c->wcap ? c->wcap : 1024;
		while (cap < need)
			cap *= 2;
		if (!(p = realloc(c->wbuf, cap)))
			return BRAIN_ENOMEM;
		c->wbuf = p;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, text, len);
	c->wbuf[c->wlen + len] = '\n';
	c->wlen = need;
	return 0;
}

int brain__conn_flushed(const brain__conn *c)
{
	return c->wpos >= c->wlen;
}
