/*
 * lib/stratum_conn.h - one TCP connection to a pool as the Stratum client
 * needs it: a non-blocking connect, lines in (bounded), lines out.
 *
 * The connection knows nothing of JSON or of pools; it moves bytes and
 * cuts lines.  It never blocks (the resolver excepted: getaddrinfo) and
 * never raises SIGPIPE.  Its descriptor is close-on-exec.
 */
#ifndef BRAIN_LIB_STRATUM_CONN_H
#define BRAIN_LIB_STRATUM_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct addrinfo;

typedef struct brain__conn {
	int fd;                  /* -1: closed */
	int connecting;          /* connect() has not completed yet */
	int eof;                 /* the peer closed its side */
	struct addrinfo *ai;     /* the resolver's answer */
	struct addrinfo *ai_try; /* the address being tried */
	char *rbuf;              /* read, not yet cut: rbuf[rpos..rlen) */
	size_t rpos, rlen, rcap;
	char *wbuf;              /* to send: wbuf[wpos..wlen) */
	size_t wpos, wlen, wcap;
	size_t max_line;         /* longest line taken, '\n' excluded */
} brain__conn;

/* Resolves host:port and starts a non-blocking connect.  Returns 0 (c
 * connecting or connected), or BRAIN_EPOOL (cannot resolve, no address
 * accepted the connect) or BRAIN_ENOMEM with the message in e; c is
 * closed then. */
int brain__conn_open(brain__conn *c, const char *host, const char *port,
		     size_t max_line, brain__err *e);

/* The poll() events c waits for (POLLIN, POLLOUT); 0 when closed. */
short brain__conn_events(const brain__conn *c);

/* Does what revents allows: completes the connect, sends what is queued,
 * reads what came (sets c->eof at the end of the stream).  Returns the
 * number of bytes read (>= 0), or BRAIN_EPOOL when the connection failed
 * (message in e). */
long brain__conn_io(brain__conn *c, short revents, brain__err *e);

/* The next complete line (without "\r\n"), NUL-terminated in place and
 * valid until the next call on c.  Returns 1 (a line in *line, its length
 * in *len), 0 (none complete yet), or BRAIN_EPOOL (a line longer than
 * max_line: the stream can no longer be trusted). */
int brain__conn_line(brain__conn *c, char **line, size_t *len, brain__err *e);

/* Queues text and a '\n' for sending (brain__conn_io sends it).  Returns
 * 0 or BRAIN_ENOMEM. */
int brain__conn_send(brain__conn *c, const char *text, size_t len);

/* Nothing is left to send. */
int brain__conn_flushed(const brain__conn *c);

/* Closes the socket and frees the buffers; c may be opened again. */
void brain__conn_close(brain__conn *c);

#endif
