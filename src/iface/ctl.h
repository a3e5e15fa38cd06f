/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl: the control socket of bmsd, served from the event loop.
 *
 * A Unix stream socket. A client sends one request line (words separated
 * by single spaces, ending in "\n", at most CTL_REQ_MAX bytes with the
 * "\n"). The server answers with payload lines and one terminator line:
 * "." on success or "! message" on error; then it closes the connection.
 * A "watch" client instead gets one update (payload + ".") at once and one
 * on every ctl_watch_tick() until it disconnects.
 *
 * Client slots and their buffers are allocated once by ctl_open(): serving
 * requests allocates nothing. Nothing blocks: output is buffered per client
 * and a client that does not read fast enough to keep its buffer from
 * overflowing is dropped.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct ctl;
struct ctl_reply;

#define CTL_REQ_MAX 256         /* request line with its "\n" */
#define CTL_MAX_ARGS 16         /* words in a request */
#define CTL_MAX_CLIENTS 16      /* simultaneous clients; more get "! busy" */
#define CTL_OUT_MAX 65536       /* output buffer per client */
#define CTL_MAX_CMDS 32         /* registered commands */
#define CTL_ERR_MAX 256         /* error message of a reply */
#define CTL_REQ_TIMEOUT_MS 5000 /* a request line must be complete by then */

/* Answer a request. argv[0] is the command word, argv[argc] is NULL; the
 * strings may be modified but live only during the call. Write payload
 * with ctl_printf(). Return 0 (reply ends with ".") or a negative errno
 * (the payload is discarded and the reply is "! message", the message set
 * by ctl_error() or else strerror). */
typedef int (*ctl_cmd_fn)(struct ctl_reply *r, int argc, char **argv, void *arg);

struct ctl_stats {
	uint64_t accepted;      /* connections given a slot */
	uint64_t served;        /* requests answered, a watch counting once */
	uint64_t dropped;       /* clients closed by force: overflow or timeout */
	uint64_t overflows;     /* ... of which output buffer overflows */
	uint64_t timeouts;      /* ... of which requests not complete in time */
	uint64_t bad_requests;  /* overlong, binary, malformed or unfinished */
	uint64_t busy;          /* turned away with "! busy": every slot taken */
};

/* Create the control socket at @path (mode 0660) and serve it on @l.
 * When @group is non-NULL and non-empty the socket's group becomes that
 * group. A socket left at @path by a dead process is replaced; if a
 * process answers on it, fails with -EADDRINUSE; if @path is something
 * other than a socket, with -EEXIST. On failure returns a negative errno
 * and, when @err is not NULL, puts a complete one-line message into @err
 * (at most @errlen bytes with its NUL), such as
 * "control socket /run/bmsd/bmsd.sock: group 'bmsd' does not exist". */
int ctl_open(struct ctl **out, struct loop *l, const char *path, const char *group,
	     char *err, size_t errlen);

/* Close every client and the socket, and remove the socket file if it is
 * still the one ctl_open() created. NULL is a no-op. */
void ctl_close(struct ctl *c);

/* Register command @name (one word of printable characters). Returns 0,
 * -EEXIST if already registered, -ENOSPC when the table is full or
 * -EINVAL for a bad name. "help" is built in: it lists the commands. */
int ctl_register(struct ctl *c, const char *name, ctl_cmd_fn fn, void *arg);

/* Enable "watch" requests: every update is rendered by @fn, called with the
 * words of the client's request (argv[0] is "watch", e.g. "watch json").
 * An update that fails is sent as "! message", which ends the watch: the
 * connection is closed. Returns 0, or -EEXIST if already registered. */
int ctl_register_watch(struct ctl *c, ctl_cmd_fn fn, void *arg);

/* Push one update to every watching client. Call once per second. */
void ctl_watch_tick(struct ctl *c);

/* Append formatted text to the reply. A payload line that would start
 * with "." or "!" gets a space in front of it, so that it cannot be taken
 * for a terminator. Returns 0, or -ENOBUFS when the reply no longer fits
 * in the client's buffer (the client will be dropped; the handler may
 * simply carry on). */
int ctl_printf(struct ctl_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Set the message of an error reply (one line; control characters become
 * spaces). Returns -EINVAL, so that a handler can write
 * "return ctl_error(r, ...)" for a usage error. */
int ctl_error(struct ctl_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Change the request timeout (default CTL_REQ_TIMEOUT_MS; tests use a
 * shorter one). Returns 0 or a negative errno. */
int ctl_set_timeout(struct ctl *c, uint32_t timeout_ms);

/* Clients connected now, and of them watching. */
unsigned int ctl_clients(const struct ctl *c);
unsigned int ctl_watchers(const struct ctl *c);

const struct ctl_stats *ctl_stats(const struct ctl *c);

/* The socket path given to ctl_open(). */
const char *ctl_path(const struct ctl *c);

#endif /* CTL_H */
