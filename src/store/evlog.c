/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "bytes.h"
#include "diskw.h"
#include "evlog.h"
#include "proto/crc.h"

#define EVLOG_VERSION 1
#define HDR_LEN 34u     /* bytes before the text */
#define PRIO_MAX 7

static const uint8_t magic[4] = { 0xB3, 'E', 'V', 'L' };

/* Why the calling thread's last failed call failed (evlog_error()). */
static _Thread_local char err_text[EVLOG_ERROR_MAX];

static void set_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void set_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_text, sizeof(err_text), fmt, ap);
	va_end(ap);
}

const char *evlog_error(void)
{
	return err_text;
}

/* Retired files whose sync may be out on the disk writer at once. With
 * more, the disk has stalled over rotations: one more changes nothing. */
#define OLD_JOBS 2

/* Syncs of one kind on the disk writer: the current file, the directory, retired files. */
struct sync_kind {
	struct evlog *l;
	unsigned int out;       /* handed over, not completed back */
	uint64_t last;          /* ticket of the last one; 0: none (of this file) */
	bool want;              /* asked for while one was out */
};

struct evlog {
	int dirfd;
	int fd;                 /* current file, -1 after a failed reopen */
	uint32_t half;          /* max bytes of one file */
	/* With sync, the disk writer runs fdatasync() of the files and fsync()
	 * of the directory, on descriptors of their own: bmsd's loop never waits
	 * for the disk. One job of each kind is out at a time (OLD_JOBS retired
	 * files), leaving the writer's other slots to the state file. */
	struct diskw *dw;       /* NULL: no sync */
	bool own_dw;            /* started by evlog_open, with no loop: reaped here */
	struct sync_kind s_cur, s_dir, s_old;
	int retired;            /* a retired file waiting for its job; or -1 */
	uint64_t sync_errs_seen; /* sync errors already reported by evlog_flush */
	uint32_t chunk_rng;     /* test hook: 0 = whole-record writes */
	uint64_t size;          /* end of the last good record of the current file */
	struct evlog_stats st;
	uint8_t rec[EVLOG_REC_MAX];
	char dir[];             /* as given to evlog_open, for messages */
};

/* ---- syncs on the disk writer ------------------------------------------ */

static void synced(void *arg, int rc, const char *err);

/* Hand the writer a sync of @fd, which it then owns. Returns its ticket,
 * or 0 when it was dropped. Never waits for the disk. */
static uint64_t sync_fd(struct sync_kind *k, int fd, enum diskw_op op)
{
	struct diskw_job j = { .op = op, .fd = fd, .close_fd = true, .done = synced, .arg = k };
	uint64_t t;

	if (fd < 0 || diskw_submit(k->l->dw, &j, &t) < 0) {
		k->l->st.sync_dropped++;
		return 0;
	}
	k->out++;
	return t;
}

/* A sync of the current file (after an append) or of the directory (after
 * a file was created or renamed). One that is queued and has not begun
 * covers this too; one that has begun does not, and the next is asked for
 * when it completes back. */
static void sync_one(struct sync_kind *k, int fd, enum diskw_op op)
{
	if (k->last && diskw_queued(k->l->dw, k->last))
		return;
	k->want = k->out > 0;
	if (!k->want)
		k->last = sync_fd(k, fcntl(fd, F_DUPFD_CLOEXEC, 0), op);
}

/* A retired file's last records, behind OLD_JOBS others at most: one that
 * waited already is dropped. */
static void sync_old(struct evlog *l, int fd)
{
	if (l->s_old.out < OLD_JOBS) {
		sync_fd(&l->s_old, fd, DISKW_FDATASYNC);
		return;
	}
	if (l->retired >= 0) {
		close(l->retired);
		l->st.sync_dropped++;
	}
	l->retired = fd;
}

static void synced(void *arg, int rc, const char *err)
{
	struct sync_kind *k = arg;
	struct evlog *l = k->l;
	int fd = l->retired;

	k->out--;
	if (rc)
		l->st.sync_errors++;
	/* what waited for its job goes now, in a rotation's order */
	l->retired = -1;
	if (fd >= 0)
		sync_old(l, fd);
	if (l->s_dir.want)
		sync_one(&l->s_dir, l->dirfd, DISKW_FSYNC);
	if (l->s_cur.want && l->fd >= 0)
		sync_one(&l->s_cur, l->fd, DISKW_FDATASYNC);
}

int evlog_flush(struct evlog *l)
{
	if (!l)
		return -EINVAL;
	diskw_flush(l->dw);
	if (l->st.sync_errors == l->sync_errs_seen)
		return 0;
	l->sync_errs_seen = l->st.sync_errors;
	return -EIO;
}

static size_t rec_encode(uint8_t *b, uint64_t seq, uint64_t realtime_us, uint64_t mono_us,
			 uint16_t code, uint8_t prio, const char *text, size_t n)
{
	size_t len = EVLOG_REC_FIXED + n;

	memcpy(b, magic, 4);
	b[4] = EVLOG_VERSION;
	b[5] = prio;
	put_le16(b + 6, (uint16_t)len);
	put_le64(b + 8, seq);
	put_le64(b + 16, realtime_us);
	put_le64(b + 24, mono_us);
	put_le16(b + 32, (uint16_t)code);
	memcpy(b + HDR_LEN, text, n);
	put_le32(b + HDR_LEN + n, (uint32_t)crc32_update(0, b, HDR_LEN + n));
	return len;
}

/*
 * Check the bytes at @p (@avail of them up to the end of the file, or at
 * least EVLOG_REC_MAX). Returns the record length and fills @r (may be
 * NULL) if a valid record starts there; 0 if not; -1 if the bytes are a
 * consistent beginning of a record that the file cuts short.
 */
static int rec_check(const uint8_t *p, size_t avail, struct evlog_rec *r)
{
	size_t len, n;

	for (size_t i = 0; i < 4 && i < avail; i++)
		if (p[i] != magic[i])
			return 0;
	if (avail > 4 && p[4] != EVLOG_VERSION)
		return 0;
	if (avail > 5 && p[5] > PRIO_MAX)
		return 0;
	if (avail < 8)
		return -1;
	len = (size_t)get_le16(p + 6);
	if (len < EVLOG_REC_FIXED || len > EVLOG_REC_MAX)
		return 0;
	if (avail < len)
		return -1;
	n = len - EVLOG_REC_FIXED;
	if (crc32_update(0, p, HDR_LEN + n) != get_le32(p + HDR_LEN + n))
		return 0;
	if (get_le64(p + 8) == 0 || memchr(p + HDR_LEN, 0, n))
		return 0;
	if (r) {
		r->seq = get_le64(p + 8);
		r->realtime_us = get_le64(p + 16);
		r->mono_us = get_le64(p + 24);
		r->code = (uint16_t)get_le16(p + 32);
		r->prio = p[5];
		r->len = (uint8_t)n;
		memcpy(r->text, p + HDR_LEN, n);
		r->text[n] = '\0';
	}
	return (int)len;
}

/* A window on a file read with pread(), so that the writer's O_APPEND
 * descriptor can be scanned too. */
#define WIN_BUF 4096

struct win {
	int fd;
	bool eof;
	uint64_t base;          /* file offset of buf[0] */
	size_t len;
	uint8_t buf[WIN_BUF];
};

/* Make at least EVLOG_REC_MAX bytes from @pos visible, or all up to the
 * end of the file. Returns the bytes visible at *@p, 0 at the end, or a
 * negative errno. @pos never goes backwards. */
static ssize_t win_get(struct win *w, uint64_t pos, const uint8_t **p)
{
	size_t off = (size_t)(pos - w->base);

	*p = NULL;
	if (w->len - off < EVLOG_REC_MAX && !w->eof) {
		memmove(w->buf, w->buf + off, w->len - off);
		w->base = pos;
		w->len -= off;
		off = 0;
		while (w->len < sizeof(w->buf)) {
			ssize_t r = pread(w->fd, w->buf + w->len, sizeof(w->buf) - w->len,
					  (off_t)(w->base + w->len));

			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (r == 0) {
				w->eof = true;
				break;
			}
			w->len += (size_t)r;
		}
	}
	*p = w->buf + off;
	return (ssize_t)(w->len - off);
}

struct scan_out {
	uint64_t valid_end;     /* end of the last valid record */
	uint64_t max_seq;       /* 0: no valid record */
};

#define NONE UINT64_MAX

/* Walk every record of @fd, passing valid ones to @cb (may be NULL) and
 * adding to @st. Returns 0, the callback's non-zero value, or -errno. */
static int scan_fd(int fd, int (*cb)(const struct evlog_rec *r, void *arg), void *arg,
		   struct evlog_read_stats *st, struct scan_out *so)
{
	struct win w = { .fd = fd };
	struct evlog_rec rec;
	uint64_t pos = 0, bad = NONE, torn = NONE;

	so->valid_end = 0;
	so->max_seq = 0;
	for (;;) {
		const uint8_t *p, *q;
		ssize_t avail = win_get(&w, pos, &p);
		int k;

		if (avail < 0)
			return (int)avail;
		if (avail == 0)
			break;
		k = rec_check(p, (size_t)avail, &rec);
		if (k > 0) {
			if (bad != NONE) {
				st->corrupt++;
				st->skipped_bytes += pos - bad;
				bad = NONE;
				torn = NONE;
			}
			pos += (uint64_t)k;
			so->valid_end = pos;
			if (rec.seq > so->max_seq)
				so->max_seq = rec.seq;
			st->records++;
			if (cb) {
				int rc = cb(&rec, arg);

				if (rc)
					return rc;
			}
			continue;
		}
		/* Only the first cut-short candidate can be a torn tail: it
		 * stands if no valid record follows it. */
		if (k < 0 && torn == NONE)
			torn = pos;
		if (bad == NONE)
			bad = pos;
		q = memchr(p + 1, magic[0], (size_t)avail - 1);
		pos += q ? (uint64_t)(q - p) : (uint64_t)avail;
	}
	if (bad != NONE) {
		if (torn == NONE)
			torn = pos;
		if (torn > bad) {
			st->corrupt++;
			st->skipped_bytes += torn - bad;
		}
		if (pos > torn) {
			st->torn++;
			st->skipped_bytes += pos - torn;
		}
	}
	return 0;
}

/* Length of @dir without trailing slashes, for "<dir>/<file>" in messages
 * ("/" gives 0, so "/events.log"). */
static int dir_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	return n > INT_MAX ? INT_MAX : (int)n;
}

/*
 * openat(@dirfd, @name) with O_NOFOLLOW: a symbolic link in place of a log
 * file is never followed, neither to write (bmsd runs as root, and the link
 * could point at any file) nor to read. O_NONBLOCK: a FIFO planted there
 * cannot block the caller. On failure, sets the error text, naming the file
 * (@dir is the directory's name) and returns -errno: -ELOOP for a link
 * (also where O_EXCL found one).
 */
static int open_at(int dirfd, const char *dir, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	struct stat sb;

	if (fd >= 0)
		return fd;
	fd = -errno;
	/* with O_EXCL, a link there gives EEXIST */
	if (fd == -EEXIST && fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(sb.st_mode))
		fd = -ELOOP;
	if (fd == -ELOOP)
		set_err("%.*s/%s is a symbolic link; refusing to open it (the event log is "
			"never read or written through a link)", dir_len(dir), dir, name);
	else
		set_err("%.*s/%s: cannot %s: %s", dir_len(dir), dir, name,
			flags & O_CREAT ? "create" : "open", strerror(-fd));
	return fd;
}

/* Open @dir (already made if it was missing) as the log's directory: not
 * through a symbolic link either. Returns the descriptor or -errno, with
 * the error text set. */
static int dir_open(const char *dir, int flags)
{
	struct stat sb;
	int fd = open(dir, flags | O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	fd = -errno;
	/* O_NOFOLLOW | O_DIRECTORY on a link gives ENOTDIR (or ELOOP) */
	if ((flags & O_NOFOLLOW) && (fd == -ENOTDIR || fd == -ELOOP) && lstat(dir, &sb) == 0 &&
	    S_ISLNK(sb.st_mode)) {
		set_err("%s is a symbolic link; refusing to open the event log through it", dir);
		return -ELOOP;
	}
	set_err("%s: cannot open the event log directory: %s", dir, strerror(-fd));
	return fd;
}

/* Highest seq in the previous file (0 if none or missing). */
static int old_max_seq(struct evlog *l, uint64_t *max_seq)
{
	struct evlog_read_stats st = { 0 };
	struct scan_out so;
	int fd, rc;

	*max_seq = 0;
	fd = open_at(l->dirfd, l->dir, EVLOG_FILE_OLD, O_RDONLY);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	rc = scan_fd(fd, NULL, NULL, &st, &so);
	close(fd);
	if (rc) {
		set_err("%s/%s: cannot read: %s", l->dir, EVLOG_FILE_OLD, strerror(-rc));
		return rc;
	}
	*max_seq = so.max_seq;
	return 0;
}

/* Open (or create) the current file and make it end in its last valid
 * record. */
static int cur_open(struct evlog *l)
{
	struct evlog_read_stats st = { 0 };
	struct scan_out so;
	const char *step;
	uint64_t seq;
	struct stat sb;
	int fd, rc;

	fd = open_at(l->dirfd, l->dir, EVLOG_FILE_CUR, O_RDWR | O_CREAT | O_APPEND);
	if (fd < 0)
		return fd;
	step = "stat";
	if (fstat(fd, &sb) < 0)
		goto err_errno;
	/* Another name of this file could be a file anywhere on the file
	 * system (a hard link planted in place of the log): never cut or
	 * append to it. */
	if (sb.st_nlink > 1) {
		set_err("%s/%s has %ju hard links; refusing to write to it (another name "
			"of the file could be any file)", l->dir, EVLOG_FILE_CUR,
			(uintmax_t)sb.st_nlink);
		rc = -EMLINK;
		goto err;
	}
	rc = scan_fd(fd, NULL, NULL, &st, &so);
	if (rc) {
		step = "read";
		goto err_rc;
	}
	if ((uint64_t)sb.st_size > so.valid_end) {
		step = "cut off the torn tail of";
		if (ftruncate(fd, (off_t)so.valid_end) < 0)
			goto err_errno;
		if (l->dw && fdatasync(fd) < 0)
			goto err_errno;
		l->st.recovered_bytes += (uint64_t)sb.st_size - so.valid_end;
	}
	l->st.corrupt_found += st.corrupt;
	seq = so.max_seq;
	if (seq == 0) {
		rc = old_max_seq(l, &seq);
		if (rc)
			goto err;
	}
	if (seq + 1 > l->st.next_seq)
		l->st.next_seq = seq + 1;
	step = "sync the directory of";
	if (l->dw && fsync(l->dirfd) < 0)
		goto err_errno;
	l->fd = fd;
	l->s_cur.last = 0;
	l->size = so.valid_end;
	l->st.cur_bytes = l->size;
	return 0;

err_errno:
	rc = -errno;
err_rc:
	set_err("%s/%s: cannot %s: %s", l->dir, EVLOG_FILE_CUR, step, strerror(-rc));
err:
	close(fd);
	return rc;
}

int evlog_open(struct evlog **out, const char *dir, uint32_t max_bytes, bool sync,
	       struct diskw *w)
{
	struct evlog *l;
	size_t n;
	int dfd, rc;

	if (out)
		*out = NULL;
	if (!out || !dir || !dir[0] || max_bytes < EVLOG_MIN_BYTES) {
		set_err("evlog_open: invalid argument");
		return -EINVAL;
	}
	/* the name without trailing slashes, which would make open() follow
	 * a link in its last component */
	n = (size_t)dir_len(dir);
	if (n == 0 && dir[0] == '/')
		n = 1;
	l = calloc(1, sizeof(*l) + strlen(dir) + 1);
	if (!l) {
		set_err("%s: out of memory", dir);
		return -ENOMEM;
	}
	memcpy(l->dir, dir, n);
	dfd = -1;
	if (mkdir(l->dir, 0750) < 0 && errno != EEXIST) {
		rc = -errno;
		set_err("%s: cannot create the event log directory: %s", l->dir, strerror(-rc));
		goto err;
	}
	dfd = rc = dir_open(l->dir, O_NOFOLLOW);
	if (dfd < 0)
		goto err;
	/* Two writers would interleave records and each truncate the
	 * other's "torn" tail. */
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (rc == -EBUSY)
			set_err("%s: another process writes this event log", l->dir);
		else
			set_err("%s: cannot lock the event log directory: %s", l->dir,
				strerror(-rc));
		goto err;
	}
	l->dirfd = dfd;
	l->fd = -1;
	l->retired = -1;
	l->s_cur.l = l->s_dir.l = l->s_old.l = l;
	l->half = max_bytes / 2;
	l->st.next_seq = 1;
	if (sync && !w) {
		rc = diskw_new(&w, NULL);
		if (rc) {
			set_err("%s: cannot start the sync thread: %s", l->dir, strerror(-rc));
			goto err;
		}
		l->own_dw = true;
	}
	l->dw = sync ? w : NULL;
	rc = cur_open(l);
	if (!rc) {
		*out = l;
		return 0;
	}
	if (l->own_dw)
		diskw_free(l->dw);
err:
	free(l);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

void evlog_close(struct evlog *l)
{
	if (!l)
		return;
	/* the writer's jobs call back into @l: they complete first, and
	 * nothing waits for a job after them */
	diskw_flush(l->dw);
	if (l->own_dw)
		diskw_free(l->dw);
	if (l->fd >= 0)
		close(l->fd);
	close(l->dirfd);
	free(l);
}

const struct evlog_stats *evlog_stats(const struct evlog *l)
{
	return &l->st;
}

void evlog_set_chunking(struct evlog *l, uint32_t seed)
{
	l->chunk_rng = seed;
}

/* The current file becomes the previous one; a new current file starts.
 * A crash between the rename and the create leaves no current file, which
 * evlog_open handles like an empty one. */
static int rotate(struct evlog *l)
{
	int fd;

	if (renameat(l->dirfd, EVLOG_FILE_CUR, l->dirfd, EVLOG_FILE_OLD) < 0) {
		fd = -errno;
		set_err("%s/%s: cannot rename to %s: %s", l->dir, EVLOG_FILE_CUR, EVLOG_FILE_OLD,
			strerror(-fd));
		return fd;
	}
	/* the retired file's last records still need their sync */
	if (l->dw)
		sync_old(l, l->fd);
	else
		close(l->fd);
	l->fd = -1;
	l->s_cur.last = 0;
	l->size = l->st.cur_bytes = 0;
	l->st.rotations++;
	/* the name was just renamed away: whatever is there now (a link, a
	 * file) was put there by someone else, and is not opened */
	fd = open_at(l->dirfd, l->dir, EVLOG_FILE_CUR, O_RDWR | O_CREAT | O_EXCL | O_APPEND);
	if (fd < 0)
		return fd;
	l->fd = fd;
	if (l->dw)
		sync_one(&l->s_dir, l->dirfd, DISKW_FSYNC);
	return 0;
}

/* Size of the next write(): the whole rest, or with the test hook on, a
 * pseudo-random 1..16 bytes of it. */
static size_t chunk(struct evlog *l, size_t left)
{
	uint32_t x = l->chunk_rng;
	size_t n;

	if (!x)
		return left;
	/* xorshift32 */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	l->chunk_rng = x;
	n = 1 + x % 16;
	return n < left ? n : left;
}

/* Normally one write(). A short write (possible at a file size limit or
 * on a full disk) is continued, so that the error, if any, is the real
 * one. */
static int write_rec(struct evlog *l, size_t len)
{
	size_t done = 0;
	int rc;

	while (done < len) {
		ssize_t r = write(l->fd, l->rec + done, chunk(l, len - done));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto err;
		}
		if (r == 0) {
			rc = -ENOSPC;
			goto err;
		}
		done += (size_t)r;
	}
	return 0;

err:
	set_err("%s/%s: cannot append: %s", l->dir, EVLOG_FILE_CUR, strerror(-rc));
	/* Cut a partial record off at once, so the next one does not follow
	 * garbage; if even that fails, the reopen in the next append
	 * recovers the file. */
	if (done && ftruncate(l->fd, (off_t)l->size) < 0) {
		close(l->fd);
		l->fd = -1;
	}
	return rc;
}

int evlog_append(struct evlog *l, uint16_t code, int prio, const char *text,
		 uint64_t realtime_us, uint64_t mono_us)
{
	size_t n, len;
	int rc;

	if (!l || !text || prio < 0 || prio > PRIO_MAX) {
		set_err("evlog_append: invalid argument");
		return -EINVAL;
	}
	n = strnlen(text, EVLOG_TEXT_MAX + 1);
	if (n > EVLOG_TEXT_MAX) {
		n = EVLOG_TEXT_MAX;
		/* back up over at most three continuation bytes of a split
		 * UTF-8 sequence */
		for (int i = 0; i < 3 && n > 0 && ((uint8_t)text[n] & 0xC0) == 0x80; i++)
			n--;
		l->st.truncated_texts++;
	}
	/* a writer of its own has no loop to deliver its completions */
	if (l->own_dw)
		diskw_reap(l->dw);
	if (l->fd < 0) {
		rc = cur_open(l);
		if (rc)
			goto err;
	}
	len = rec_encode(l->rec, l->st.next_seq, realtime_us, mono_us, code, (uint8_t)prio,
			 text, n);
	if (l->size > 0 && l->size + len > l->half) {
		rc = rotate(l);
		if (rc)
			goto err;
	}
	rc = write_rec(l, len);
	if (rc)
		goto err;
	l->size += len;
	l->st.cur_bytes = l->size;
	l->st.next_seq++;
	l->st.appended++;
	if (l->dw)
		sync_one(&l->s_cur, l->fd, DISKW_FDATASYNC);
	return 0;

err:
	l->st.errors++;
	return rc;
}

int evlog_read(const char *dir, int (*cb)(const struct evlog_rec *r, void *arg),
	       void *arg, struct evlog_read_stats *st)
{
	struct evlog_read_stats dummy;
	struct scan_out so;
	int dfd, ofd = -1, cfd = -1, rc = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!dir || !dir[0] || !cb) {
		set_err("evlog_read: invalid argument");
		return -EINVAL;
	}
	/* a reader may follow a link to the directory, not to a file in it */
	dfd = dir_open(dir, 0);
	if (dfd < 0)
		return dfd;
	/* If the previous file is still the one we opened after the current
	 * one is open, no rotation came between the two opens and the pair
	 * is consecutive. A few retries; then read what we have. */
	for (int tries = 0;; tries++) {
		struct stat a, b;
		bool same;

		ofd = open_at(dfd, dir, EVLOG_FILE_OLD, O_RDONLY);
		if (ofd < 0 && ofd != -ENOENT) {
			rc = ofd;
			goto out;
		}
		cfd = open_at(dfd, dir, EVLOG_FILE_CUR, O_RDONLY);
		if (cfd < 0 && cfd != -ENOENT) {
			rc = cfd;
			goto out;
		}
		if (fstatat(dfd, EVLOG_FILE_OLD, &b, 0) < 0)
			same = ofd < 0 && errno == ENOENT;
		else
			same = ofd >= 0 && fstat(ofd, &a) == 0 && a.st_ino == b.st_ino &&
			       a.st_dev == b.st_dev;
		if (same || tries == 4)
			break;
		if (ofd >= 0)
			close(ofd);
		if (cfd >= 0)
			close(cfd);
		ofd = cfd = -1;
	}
	if (ofd >= 0) {
		rc = scan_fd(ofd, cb, arg, st, &so);
		if (rc < 0)
			set_err("%.*s/%s: cannot read: %s", dir_len(dir), dir, EVLOG_FILE_OLD,
				strerror(-rc));
	}
	if (!rc && cfd >= 0) {
		rc = scan_fd(cfd, cb, arg, st, &so);
		if (rc < 0)
			set_err("%.*s/%s: cannot read: %s", dir_len(dir), dir, EVLOG_FILE_CUR,
				strerror(-rc));
	}
out:
	if (ofd >= 0)
		close(ofd);
	if (cfd >= 0)
		close(cfd);
	close(dfd);
	return rc;
}
