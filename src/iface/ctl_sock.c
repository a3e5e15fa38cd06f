/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl_sock.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void ctl_sock_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int ctl_sock_init(struct ctl_sock *k, const char *path, const char *group, char *err,
		  size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->sa.sun_family = AF_UNIX;
	k->group = group;
	k->gid = (gid_t)-1;
	k->fd = -1;
	if (!path || !*path || strlen(path) >= sizeof(k->sa.sun_path)) {
		ctl_sock_err(err, errlen,
			     "control socket '%s': path empty or longer than %zu bytes",
			     path ? path : "", sizeof(k->sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(k->sa.sun_path, path, strlen(path) + 1);
	if (group && *group) {
		struct group *gr;
		int rc;

		errno = 0;
		gr = getgrnam(group);
		if (!gr) {
			rc = errno ? -errno : -ENOENT;
			if (rc == -ENOENT || rc == -ESRCH || rc == -EBADF || rc == -EPERM)
				ctl_sock_err(err, errlen,
					     "control socket %s: group '%s' does not exist", path,
					     group);
			else
				ctl_sock_err(err, errlen, "control socket %s: group '%s': %s",
					     path, group, strerror(-rc));
			return -ENOENT;
		}
		k->gid = gr->gr_gid;
	}
	return 0;
}
/* A socket file at @path: replace it if nobody answers, refuse otherwise. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, char *err,
		       size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		ctl_sock_err(err, errlen, "control socket %s: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISSOCK(st.st_mode)) {
		ctl_sock_err(err, errlen, "control socket %s: exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		ctl_sock_err(err, errlen, "control socket %s: %s", path, strerror(-rc));
		return rc;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno : 0;
	close(fd);
	/* EAGAIN: a full backlog, which is still somebody listening */
	if (rc == 0 || rc == -EAGAIN || rc == -EINPROGRESS) {
		ctl_sock_err(err, errlen,
			     "control socket %s: another bmsd is running and answers on it", path);
		return -EADDRINUSE;
	}
	if (rc == -ENOENT)
		return 0;
	if (rc != -ECONNREFUSED) {
		ctl_sock_err(err, errlen, "control socket %s: cannot probe it: %s", path,
			     strerror(-rc));
		return rc;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		rc = -errno;
		ctl_sock_err(err, errlen, "control socket %s: cannot remove the stale socket: %s",
			     path, strerror(-rc));
		return rc;
	}
	return 0;
}


int ctl_sock_listen(struct ctl_sock *k, int backlog, char *err, size_t errlen)
{
	const char *path = k->sa.sun_path;
	struct stat st;
	mode_t old_mask;
	int fd, rc;

	rc = clear_stale(path, &k->sa, err, errlen);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		ctl_sock_err(err, errlen, "control socket %s: %s", path, strerror(-rc));
		return rc;
	}
	/* never wider than 0660, not even between bind() and chmod() */
	old_mask = umask(0117);
	rc = bind(fd, (const struct sockaddr *)&k->sa, sizeof(k->sa)) < 0 ? -errno : 0;
	umask(old_mask);
	if (rc < 0) {
		ctl_sock_err(err, errlen, "control socket %s: cannot bind: %s", path,
			     strerror(-rc));
		goto err_close;
	}
	/* bind() made it 0660 under the umask; nothing here follows a link that
	 * someone who can write the directory put in its place meanwhile */
	rc = lstat(path, &st) < 0 ? -errno : S_ISSOCK(st.st_mode) ? 0 : -ELOOP;
	if (rc < 0) {
		ctl_sock_err(err, errlen, "control socket %s: %s", path,
			     rc == -ELOOP ? "replaced by something that is not a socket"
					  : strerror(-rc));
		goto err_unlink;
	}
	if (k->gid != (gid_t)-1 &&
	    fchownat(AT_FDCWD, path, (uid_t)-1, k->gid, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		ctl_sock_err(err, errlen, "control socket %s: cannot give it to group '%s': %s",
			     path, k->group, strerror(-rc));
		goto err_unlink;
	}
	if (listen(fd, backlog) < 0) {
		rc = -errno;
		ctl_sock_err(err, errlen, "control socket %s: cannot listen: %s", path,
			     strerror(-rc));
		goto err_unlink;
	}
	k->fd = fd;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	return 0;

err_unlink:
	unlink(path);
err_close:
	close(fd);
	return rc;
}

void ctl_sock_remove(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	if (stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
}
