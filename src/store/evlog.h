/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evlog: the persistent event log of bmsd.
 *
 * Binary, append-only records with a CRC-32, a sequence number and two
 * timestamps, kept in two files of a directory (events.log, the current
 * file, and events.log.1, the previous one) whose total size is bounded.
 * A torn or corrupt record is detected and never returned. The format and
 * the rules are in docs/event-log.md.
 *
 * One process writes a directory at a time (evlog_open takes a lock); any
 * number may read it, also while it is written.
 */
#ifndef EVLOG_H
#define EVLOG_H

#include <stdbool.h>
#include <stdint.h>

/* Longest text of a record, in bytes, without the terminating NUL. */
#define EVLOG_TEXT_MAX 200

/* Smallest max_bytes evlog_open accepts: each of the two files must hold
 * at least a few records of the longest size. */
#define EVLOG_MIN_BYTES 1024u

/* On-disk sizes: fixed part of a record (header and CRC), longest record. */
#define EVLOG_REC_FIXED 38u
#define EVLOG_REC_MAX (EVLOG_REC_FIXED + EVLOG_TEXT_MAX)

/* File names inside the directory. */
#define EVLOG_FILE_CUR "events.log"
#define EVLOG_FILE_OLD "events.log.1"

struct evlog_rec {
	uint64_t seq, realtime_us, mono_us;
	uint16_t code;
	uint8_t prio;                   /* syslog LOG_*, 0..7 */
	uint8_t len;                    /* bytes in text, 0..EVLOG_TEXT_MAX */
	char text[EVLOG_TEXT_MAX + 1];  /* NUL-terminated */
};

struct evlog;
struct diskw;

/* Open the log in @dir for appending. @dir is created (mode 0750) if it is
 * missing; its parent must exist. The two files together never grow past
 * @max_bytes (at least EVLOG_MIN_BYTES). With @sync, the disk writer @w
 * makes every append durable (fdatasync) and syncs the directory after a
 * file is created or renamed, on its own thread; evlog_append() itself
 * never waits for the disk, so that a storage stall cannot hold up the
 * caller's event loop. @w's completions come back through its loop; with
 * @w NULL, the log starts a writer of its own, with no loop, whose
 * completions it takes at each append. evlog_flush() waits for the syncs
 * asked for so far. Without @sync, @w is not used.
 *
 * Recovery: the current file is scanned; bytes after its last valid record
 * (a torn record from a crash, or garbage) are cut off, so new records
 * never follow garbage. The sequence continues after the highest seq found
 * in the current file, or in the previous one when the current file holds
 * no valid record; a new log starts at seq 1.
 *
 * No file is opened through a symbolic link: not @dir itself (its last
 * component; the ones before it are followed), and not events.log or
 * events.log.1 (opened with O_NOFOLLOW relative to the directory). A link
 * in their place is refused with -ELOOP and never written through, nor is
 * an events.log with more than one hard link (-EMLINK).
 *
 * Returns 0 and sets *@out, or a negative errno: -EINVAL for a bad
 * argument, -EBUSY when another process has the log open, -ELOOP for a
 * symbolic link, -EMLINK, -EACCES, -ENOTDIR, -ENOENT (missing parent), ...
 * from the file system; evlog_error() then says why, naming the file.
 * Allocates once; nothing after this call allocates. */
int evlog_open(struct evlog **out, const char *dir, uint32_t max_bytes, bool sync,
	       struct diskw *w);

/* Append one record with the next seq. @prio is a syslog priority (0..7).
 * @text is NUL-terminated; longer than EVLOG_TEXT_MAX bytes, it is cut to
 * at most EVLOG_TEXT_MAX bytes, at a UTF-8 character boundary, and stored
 * (counted in evlog_stats()->truncated_texts). The timestamps are stored as
 * given.
 *
 * The record goes to the end of the current file in one write(); if the
 * file would then exceed max_bytes / 2, the current file first replaces
 * the previous one (rename) and a new current file is started.
 *
 * Returns 0, or a negative errno: -EINVAL for a bad argument; a file
 * system error (-ENOSPC, -EIO, ...; -ELOOP when a symbolic link has taken
 * the place of events.log, which is then not written), in which case the
 * record is not stored and the file is left ending in its last good record
 * (evlog_error() says why). A failed background
 * sync is counted (evlog_stats()->sync_errors) and reported by
 * evlog_flush().
 * After an error the next append tries again from a clean state. */
int evlog_append(struct evlog *l, uint16_t code, int prio, const char *text,
		 uint64_t realtime_us, uint64_t mono_us);

/* Wait for the syncs asked for so far (with a shared writer, for every job
 * it has), close the files and free @l (NULL is fine). Not from a
 * completion of the writer. */
void evlog_close(struct evlog *l);

struct evlog_stats {
	uint64_t next_seq;          /* seq of the next record */
	uint64_t appended;          /* records stored since open */
	uint64_t rotations;         /* current file renamed to the previous */
	uint64_t truncated_texts;   /* texts cut to EVLOG_TEXT_MAX */
	uint64_t errors;            /* appends that failed on the file system */
	uint64_t recovered_bytes;   /* tail bytes cut off at open (torn or corrupt) */
	uint64_t corrupt_found;     /* corrupt stretches seen in the current file at open */
	uint64_t cur_bytes;         /* size of the current file */
	uint64_t sync_errors;       /* background syncs that failed (as completed back) */
	uint64_t sync_dropped;      /* sync requests dropped: the disk stalled over rotations */
};

/* Wait until every sync asked for by earlier appends has run and completed
 * back (with sync off, returns at once). Returns 0, -EIO when a background
 * sync failed since the last call, or -EINVAL. For shutdown and tests: it
 * blocks. Not from a completion of the writer. */
int evlog_flush(struct evlog *l);

/* Counters of @l; valid until evlog_close(). */
const struct evlog_stats *evlog_stats(const struct evlog *l);

struct evlog_read_stats {
	uint64_t records;           /* valid records passed to the callback */
	uint64_t skipped_bytes;     /* bytes not part of a valid record */
	uint64_t corrupt;           /* stretches of invalid bytes */
	uint64_t torn;              /* files ending in an incomplete record */
};

/* Read every valid record of the log in @dir, oldest first (the previous
 * file, then the current one), calling @cb for each. Every record is
 * validated (magic, version, length, ranges, CRC); after an invalid byte
 * the reader resynchronises on the next position where a valid record
 * starts. A file that ends in the beginning of a record (a crash, or a
 * record being written right now) counts as torn, not corrupt.
 *
 * Opens the files read-only and takes no lock, so it works while a writer
 * appends; the two files are opened as one consistent pair even if the
 * writer rotates meanwhile. @dir may be a symbolic link; the files in it
 * may not (-ELOOP, as for the writer).
 *
 * @cb returns 0 to go on; any other value stops the read, and evlog_read
 * returns it. @st (may be NULL) is filled in any case. Returns 0, the
 * callback's value, -EINVAL, or a negative errno (-ENOENT when @dir does not
 * exist; missing files in an existing directory are an empty log), with
 * evlog_error() saying why. */
int evlog_read(const char *dir, int (*cb)(const struct evlog_rec *r, void *arg),
	       void *arg, struct evlog_read_stats *st);

/* Longest text of evlog_error(), with its NUL. */
#define EVLOG_ERROR_MAX 1280

/* Why the calling thread's last failed evlog_open(), evlog_append() or
 * evlog_read() failed, naming the file or directory, e.g.
 * "/var/lib/bmsd/events.log is a symbolic link; refusing to open it (...)".
 * Meaningful only right after a call returned a negative errno; the text
 * stays valid until the thread's next evlog call. */
const char *evlog_error(void);

/*
 * TEST ONLY: write each record in chunks of 1 to 16 bytes of pseudo-random
 * size, one write() each, so that a test can kill the writer in the middle
 * of a record. @seed 0 restores whole-record writes. Never use in bmsd.
 */
void evlog_set_chunking(struct evlog *l, uint32_t seed);

#endif /* EVLOG_H */
