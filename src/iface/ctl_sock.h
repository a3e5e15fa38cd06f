/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_sock: the file of the control socket, for ctl_open() and ctl_close().
 *
 * The socket is bound never wider than 0660 and then handed to its group,
 * without following a link put in its place. A socket file left at the
 * path by a dead process is replaced; one that a process answers on, or
 * anything that is not a socket, is left alone. At the end only the file
 * that was created is removed, never a successor's.
 */
#ifndef CTL_SOCK_H
#define CTL_SOCK_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

struct ctl_sock {
	struct sockaddr_un sa;  /* the path */
	const char *group;      /* its name, for the messages; NULL or "" none */
	gid_t gid;              /* (gid_t)-1: the group stays the creator's */
	int fd;                 /* listening, after ctl_sock_listen(); else -1 */
	dev_t dev;              /* of the socket file as created */
	ino_t ino;
};

/* Put a one-line message into @err (at most @errlen bytes with its NUL),
 * unless @err is NULL or @errlen 0. */
void ctl_sock_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Check @path (it must fit a sockaddr_un) and look @group up. Nothing is
 * created yet. Returns 0, or -ENAMETOOLONG or -ENOENT with the message in
 * @err (ctl_sock_err). */
int ctl_sock_init(struct ctl_sock *k, const char *path, const char *group, char *err,
		  size_t errlen);

/* Replace a stale socket file, bind, hand the file to the group and listen
 * with @backlog; sets k->fd, k->dev and k->ino. Returns 0, or a negative
 * errno with the message in @err and nothing left behind. */
int ctl_sock_listen(struct ctl_sock *k, int backlog, char *err, size_t errlen);

/* Remove the socket file at @path if it is still the one created (@dev,
 * @ino): a successor may already have put its own there. */
void ctl_sock_remove(const char *path, dev_t dev, ino_t ino);

#endif /* CTL_SOCK_H */
