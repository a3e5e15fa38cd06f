/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state: the persisted SOC, SOH and lifetime counters, and the latches that
 * a restart must not clear (latched protections, welded contactors, a
 * precharge failure, the maintenance disconnect), all in struct soc_persist,
 * in one small binary file, soc.state_file, with a magic, a version, its
 * length and a CRC-32. Version 2 is written; version 1 (no latches) is
 * still read, with no latch.
 *
 * A write goes to <file>.tmp, is fsync()ed, renamed over <file>, and the
 * directory is fsync()ed: after a crash or a power loss the file is the
 * old state or the new one, never a mix. A reader refuses anything that
 * is not a whole, current-version file with a good CRC; the temporary file
 * is never read.
 *
 * Nothing goes through a symbolic link (bmsd runs as root, possibly in a
 * directory others can write to): the directory is opened with O_NOFOLLOW
 * and the file is created, renamed and synced relative to it; <file>.tmp is
 * created with O_EXCL | O_NOFOLLOW, after removing one already there (left
 * over from a crash, or planted: a link is removed, not what it points
 * to); a link at <file> is replaced by the rename, and the reader refuses it.
 *
 * bmsd's event loop never waits for the disk: it hands a copy of the state
 * to the saver (state_saver_submit), which has the disk writer (diskw) write
 * it on its thread; a newer copy submitted before the write started
 * replaces the older one. How the write went comes back through the
 * writer's completions, in the loop's thread.
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>

#include "soc.h"

#define STATE_VERSION 2u
#define STATE_FILE_LEN 136u    /* bytes of a version-2 file, the one written */
#define STATE_FILE_LEN_V1 128u /* bytes of a version-1 file, still read */

/* The bytes of a file holding @p, saved at @wall_s (s since 1970), into
 * @buf (at least STATE_FILE_LEN). Returns the length. */
size_t state_encode(const struct soc_persist *p, uint64_t wall_s, uint8_t *buf);

/* Check and decode @len bytes of a version-2 or version-1 file (the
 * latches of a version-1 file are 0). Returns 0 with *@p and *@wall_s (may
 * be NULL) filled, or -EINVAL with @err saying why: truncated, not a state
 * file, another version, a bad length, a bad CRC, values out of range. */
int state_decode(const uint8_t *buf, size_t len, struct soc_persist *p, uint64_t *wall_s,
		 char *err, size_t n);

/*
 * Read @path. Returns 0 with *@p (and *@wall_s, may be NULL) filled;
 * -ENOENT when there is no file (a leftover <path>.tmp changes nothing);
 * -EINVAL when the file is corrupt; -ELOOP when @path is a symbolic link
 * (not followed); another negative errno when it cannot be read. On
 * failure @err says why, naming the file.
 */
int state_read(const char *path, struct soc_persist *p, uint64_t *wall_s, char *err,
	       size_t n);

/* Write @p atomically to @path as described above; blocks on the disk.
 * Returns 0, or a negative errno with @err saying which step failed (the
 * old file is then untouched): -ELOOP when the directory is a symbolic
 * link. */
int state_write(const char *path, const struct soc_persist *p, uint64_t wall_s, char *err,
		size_t n);

struct state_saver;
struct diskw;

struct state_saver_stats {
	uint64_t submitted;  /* copies handed over */
	uint64_t written;    /* files written */
	uint64_t replaced;   /* copies superseded before their write began */
	uint64_t errors;     /* failed writes */
};

/* News about the writes, in the owner's thread: @rc is a negative errno
 * when writes began to fail (once, not at every failure), 1 when a write
 * succeeded again after failures; @msg says so, naming the file. */
typedef void (*state_news_fn)(void *arg, int rc, const char *msg);

/* Start a saver for @path (copied; at most SOC_PATH_MAX - 1 bytes) whose
 * writes run on @w. @news (may be NULL) gets @arg. Returns 0 with *@out
 * set, or a negative errno. */
int state_saver_start(const char *path, struct diskw *w, state_news_fn news, void *arg,
		      struct state_saver **out);

/* Hand over a copy of @p to be written; does not wait for the disk. */
void state_saver_submit(struct state_saver *sv, const struct soc_persist *p);

/* Wait until every copy submitted so far is written or failed, and its
 * news delivered (this does wait for the disk, and for the writer's other
 * jobs: shutdown, tests). Returns 0, or the negative errno of the last
 * write when it failed, with @msg (may be NULL) filled. */
int state_saver_flush(struct state_saver *sv, char *msg, size_t n);

void state_saver_get_stats(struct state_saver *sv, struct state_saver_stats *st);

/* Write what is pending (state_saver_flush) and free @sv (NULL: nothing).
 * The writer goes on. */
void state_saver_stop(struct state_saver *sv);

#endif /* STATE_H */
