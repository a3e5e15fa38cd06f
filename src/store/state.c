/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "bytes.h"
#include "diskw.h"
#include "proto/crc.h"
#include "state.h"

/*
 * Version 2, little-endian:
 *   0 magic B3 'S' 'O' 'C'    4 version u16    6 length u16 (whole file)
 *   8 saved at, s since 1970 u64
 *  16 flags u8 (bit 0: SOC valid)  17 soh_n u8  18 soh_dpct u16
 *  20 soc_ppm u32  24 nominal_mAh u32  28 capacity_meas_mAh u32
 *  32 soh_hist_mAh u32 x 4
 *  48 charge_in_mAs u64  56 charge_out_mAs u64
 *  64 energy_in_mJ u64   72 energy_out_mJ u64
 *  80 cycles_dcyc u32    84 cycle_rem_mAs u64
 *  92 contactor_cycles u32 x 4
 * 108 temp_min_dC s16   110 temp_max_dC s16
 * 112 syncs u32         116 last_sync_wall_s u64
 * 124 prot_latched u32  128 welded_mask u8 (bits 0..3)
 * 129 latch flags u8 (bit 0: precharge failed, bit 1: disconnect)
 * 130 reserved u16, 0
 * 132 CRC-32 of bytes 0..131
 * Version 1 is the same up to byte 123, with its CRC-32 of bytes 0..123 at
 * 124 (128 bytes): it has no latches.
 */
#define BODY_LEN (STATE_FILE_LEN - 4u)
#define BODY_LEN_V1 (STATE_FILE_LEN_V1 - 4u)
#define READ_MAX (STATE_FILE_LEN + 64u)

_Static_assert(BODY_LEN == 132u && BODY_LEN_V1 == 124u, "STATE_FILE_LEN is the layout's");

static const uint8_t magic[4] = { 0xB3, 'S', 'O', 'C' };

/* Fields in order: each call writes or reads one and moves the cursor. */
static void put16(uint8_t **p, uint16_t v)
{
	put_le16(*p, v);
	*p += 2;
}

static void put32(uint8_t **p, uint32_t v)
{
	put_le32(*p, v);
	*p += 4;
}

static void put64(uint8_t **p, uint64_t v)
{
	put_le64(*p, v);
	*p += 8;
}

static uint16_t get16(const uint8_t **p)
{
	*p += 2;
	return get_le16(*p - 2);
}

static uint32_t get32(const uint8_t **p)
{
	*p += 4;
	return get_le32(*p - 4);
}

static uint64_t get64(const uint8_t **p)
{
	*p += 8;
	return get_le64(*p - 8);
}

size_t state_encode(const struct soc_persist *s, uint64_t wall_s, uint8_t *buf)
{
	uint8_t *p = buf;

	memcpy(p, magic, 4);
	p += 4;
	put16(&p, STATE_VERSION);
	put16(&p, STATE_FILE_LEN);
	put64(&p, wall_s);
	*p++ = s->soc_valid ? 1u : 0u;
	*p++ = s->soh_n;
	put16(&p, s->soh_dpct);
	put32(&p, s->soc_ppm);
	put32(&p, s->nominal_mAh);
	put32(&p, s->capacity_meas_mAh);
	for (unsigned int i = 0; i < SOC_SOH_AVG; i++)
		put32(&p, s->soh_hist_mAh[i]);
	put64(&p, s->charge_in_mAs);
	put64(&p, s->charge_out_mAs);
	put64(&p, s->energy_in_mJ);
	put64(&p, s->energy_out_mJ);
	put32(&p, s->cycles_dcyc);
	put64(&p, s->cycle_rem_mAs);
	for (unsigned int i = 0; i < SOC_RELAYS; i++)
		put32(&p, s->contactor_cycles[i]);
	put16(&p, (uint16_t)s->temp_min_dC);
	put16(&p, (uint16_t)s->temp_max_dC);
	put32(&p, s->syncs);
	put64(&p, s->last_sync_wall_s);
	put32(&p, s->prot_latched);
	*p++ = (uint8_t)(s->welded_mask & 0x0Fu);
	*p++ = (uint8_t)((s->precharge_failed ? 1u : 0u) | (s->disconnect ? 2u : 0u));
	put16(&p, 0);
	put32(&p, crc32_update(0, buf, BODY_LEN));
	return (size_t)(p - buf);
}

int state_decode(const uint8_t *buf, size_t len, struct soc_persist *out, uint64_t *wall_s,
		 char *err, size_t n)
{
	struct soc_persist s;
	const uint8_t *p = buf;
	uint16_t ver, flen;
	unsigned int want_len, body;
	uint8_t flags, lflags = 0, welded = 0;
	uint16_t reserved = 0;
	uint64_t w;

	if (memcmp(buf, magic, len < 4 ? len : 4)) {
		snprintf(err, n, "not a bmsd state file (bad magic)");
		return -EINVAL;
	}
	if (len < 8) {
		snprintf(err, n, "truncated: %zu of %u bytes", len, STATE_FILE_LEN);
		return -EINVAL;
	}
	p += 4;
	ver = get16(&p);
	flen = get16(&p);
	if (ver != STATE_VERSION && ver != 1u) {
		snprintf(err, n, "version %u, this bmsd reads versions 1 and %u", ver,
			 STATE_VERSION);
		return -EINVAL;
	}
	want_len = ver == 1u ? STATE_FILE_LEN_V1 : STATE_FILE_LEN;
	body = want_len - 4u;
	if (flen != want_len) {
		snprintf(err, n, "bad length field %u, expected %u", flen, want_len);
		return -EINVAL;
	}
	if (len < want_len) {
		snprintf(err, n, "truncated: %zu of %u bytes", len, want_len);
		return -EINVAL;
	}
	if (len > want_len) {
		snprintf(err, n, "%zu bytes, expected %u", len, want_len);
		return -EINVAL;
	}
	{
		const uint8_t *q = buf + body;
		uint32_t want = get32(&q), got = crc32_update(0, buf, body);

		if (want != got) {
			snprintf(err, n, "bad CRC (0x%08x, computed 0x%08x)", want, got);
			return -EINVAL;
		}
	}
	memset(&s, 0, sizeof(s));
	w = get64(&p);
	flags = *p++;
	s.soc_valid = flags & 1u;
	s.soh_n = *p++;
	s.soh_dpct = get16(&p);
	s.soc_ppm = get32(&p);
	s.nominal_mAh = get32(&p);
	s.capacity_meas_mAh = get32(&p);
	for (unsigned int i = 0; i < SOC_SOH_AVG; i++)
		s.soh_hist_mAh[i] = get32(&p);
	s.charge_in_mAs = get64(&p);
	s.charge_out_mAs = get64(&p);
	s.energy_in_mJ = get64(&p);
	s.energy_out_mJ = get64(&p);
	s.cycles_dcyc = get32(&p);
	s.cycle_rem_mAs = get64(&p);
	for (unsigned int i = 0; i < SOC_RELAYS; i++)
		s.contactor_cycles[i] = get32(&p);
	s.temp_min_dC = (int16_t)get16(&p);
	s.temp_max_dC = (int16_t)get16(&p);
	s.syncs = get32(&p);
	s.last_sync_wall_s = get64(&p);
	if (ver >= 2u) {
		s.prot_latched = get32(&p);
		welded = *p++;
		lflags = *p++;
		reserved = get16(&p);
		s.welded_mask = welded;
		s.precharge_failed = lflags & 1u;
		s.disconnect = (lflags & 2u) != 0;
	}
	if ((welded & ~0x0Fu) || (lflags & ~3u) || reserved) {
		snprintf(err, n, "latches out of range (welded 0x%02x, flags 0x%02x, reserved 0x%04x)",
			 welded, lflags, reserved);
		return -EINVAL;
	}
	if ((flags & ~1u) || s.soc_ppm > SOC_PPM || s.soh_n > SOC_SOH_AVG || s.soh_dpct > 1000) {
		snprintf(err, n, "values out of range (flags 0x%02x, SOC %u ppm, %u measurements, "
			 "SOH %u)", flags, s.soc_ppm, s.soh_n, s.soh_dpct);
		return -EINVAL;
	}
	*out = s;
	if (wall_s)
		*wall_s = w;
	return 0;
}

int state_read(const char *path, struct soc_persist *p, uint64_t *wall_s, char *err,
	       size_t n)
{
	uint8_t buf[READ_MAX];
	size_t len = 0;
	char why[200];
	int fd, rc;

	/* not through a symbolic link in place of the file; and a FIFO
	 * there must not block the caller */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			snprintf(err, n, "%s: no state file", path);
		else if (rc == -ELOOP)
			snprintf(err, n, "%s is a symbolic link; refusing to read through it", path);
		else
			snprintf(err, n, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	while (len < sizeof(buf)) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			close(fd);
			snprintf(err, n, "%s: cannot read: %s", path, strerror(-rc));
			return rc;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	rc = state_decode(buf, len, p, wall_s, why, sizeof(why));
	if (rc)
		snprintf(err, n, "%s: refused: %s", path, why);
	return rc;
}

static int write_all(int fd, const uint8_t *b, size_t len)
{
	while (len) {
		ssize_t w = write(fd, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The directory of @path ("/" for "/state"). */
static void dir_of(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash) {
		snprintf(dir, n, ".");
		return;
	}
	len = (size_t)(slash - path);
	if (!len)
		len = 1;
	snprintf(dir, n, "%.*s", (int)len, path);
}

/* The last component of @path. */
static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Open the directory of the state file, @dir, making it (not its parents:
 * a typo must not build a tree) if it is missing. Not through a symbolic
 * link: bmsd runs as root, and a link planted in place of the directory
 * would make it create and replace files elsewhere. Returns the descriptor
 * or -errno with @err filled (@tmp is the file about to be created).
 */
static int dir_open(const char *dir, const char *tmp, char *err, size_t n)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct stat sb;
	int fd, rc;

	fd = open(dir, flags);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0750) == 0 || errno == EEXIST)
			fd = open(dir, flags);
		else
			errno = ENOENT; /* the open's error (a missing parent) */
	}
	if (fd >= 0)
		return fd;
	rc = -errno;
	/* O_NOFOLLOW | O_DIRECTORY on a link gives ENOTDIR (or ELOOP) */
	if ((rc == -ENOTDIR || rc == -ELOOP) && lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		snprintf(err, n, "cannot create %s: the directory %s is a symbolic link; refusing "
			 "to write through it", tmp, dir);
		return -ELOOP;
	}
	snprintf(err, n, "cannot create %s: %s", tmp, strerror(-rc));
	return rc;
}

/*
 * Create the temporary file @name in @dfd, exclusively and never through a
 * symbolic link (O_EXCL | O_NOFOLLOW). One that is already there, left
 * over from a crash or planted (a link, a file, hard-linked elsewhere), is
 * removed (unlink removes a link, not what it points to) and the creation
 * tried once more.
 */
static int tmp_create(int dfd, const char *name, const char *tmp, char *err, size_t n)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	int fd, rc;

	fd = openat(dfd, name, flags, 0640);
	if (fd < 0 && errno == EEXIST) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
			rc = -errno;
			snprintf(err, n, "cannot remove the leftover %s: %s", tmp, strerror(-rc));
			return rc;
		}
		fd = openat(dfd, name, flags, 0640);
	}
	if (fd < 0) {
		rc = -errno;
		snprintf(err, n, "cannot create %s: %s", tmp, strerror(-rc));
		return rc;
	}
	return fd;
}

int state_write(const char *path, const struct soc_persist *p, uint64_t wall_s, char *err,
		size_t n)
{
	char tmp[SOC_PATH_MAX + 8], dir[SOC_PATH_MAX];
	uint8_t buf[STATE_FILE_LEN];
	size_t len = state_encode(p, wall_s, buf);
	const char *step, *name = base_of(path), *tmp_name;
	int fd, dfd, rc;

	if (strlen(path) >= SOC_PATH_MAX) {
		snprintf(err, n, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	tmp_name = base_of(tmp);
	dir_of(path, dir, sizeof(dir));
	/* the file is created, renamed and synced relative to one directory
	 * descriptor: the same directory throughout */
	dfd = dir_open(dir, tmp, err, n);
	if (dfd < 0)
		return dfd;
	fd = tmp_create(dfd, tmp_name, tmp, err, n);
	if (fd < 0) {
		close(dfd);
		return fd;
	}
	step = "write";
	rc = write_all(fd, buf, len);
	if (!rc) {
		step = "fsync";
		rc = fsync(fd) < 0 ? -errno : 0;
	}
	if (close(fd) < 0 && !rc) {
		step = "close";
		rc = -errno;
	}
	if (rc) {
		snprintf(err, n, "cannot %s %s: %s", step, tmp, strerror(-rc));
		unlinkat(dfd, tmp_name, 0);
		close(dfd);
		return rc;
	}
	/* a link in place of the file is replaced, not followed */
	if (renameat(dfd, tmp_name, dfd, name) < 0) {
		rc = -errno;
		snprintf(err, n, "cannot rename %s to %s: %s", tmp, path, strerror(-rc));
		unlinkat(dfd, tmp_name, 0);
		close(dfd);
		return rc;
	}
	/* the rename is durable only once the directory is */
	if (fsync(dfd) < 0) {
		rc = -errno;
		snprintf(err, n, "cannot fsync the directory %s: %s", dir, strerror(-rc));
	}
	close(dfd);
	return rc;
}

/* ---- the saver ---------------------------------------------------------- */

struct state_saver {
	struct diskw *dw;
	state_news_fn news;
	void *arg;
	uint64_t ticket;             /* the last copy handed to the writer */
	unsigned int jobs;           /* handed over, not completed back */
	bool held;                   /* a copy waiting for a job (see hand_over) */
	struct soc_persist held_copy;
	int last_rc;
	char last_err[320];
	bool failing;                /* the last write failed */
	struct state_saver_stats st;
	char path[SOC_PATH_MAX];
};

/* On the writer's thread: the file, saved now. */
static int save_job(void *arg, const void *data, size_t len, char *err, size_t n)
{
	const struct state_saver *sv = arg;
	struct soc_persist p;
	struct timespec ts;

	memcpy(&p, data, sizeof(p));
	clock_gettime(CLOCK_REALTIME, &ts);
	return state_write(sv->path, &p, ts.tv_sec > 0 ? (uint64_t)ts.tv_sec : 0, err, n);
}

static void hand_over(struct state_saver *sv, const struct soc_persist *p);

/* In the owner's thread, from the writer's completion: a failure is news
 * once, and so is the first success after it. */
static void saved(void *arg, int rc, const char *err)
{
	struct state_saver *sv = arg;
	char msg[360];

	sv->jobs--;
	sv->last_rc = rc;
	snprintf(sv->last_err, sizeof(sv->last_err), "%s", err);
	if (rc) {
		sv->st.errors++;
		snprintf(msg, sizeof(msg), "state file not saved: %s", err);
		if (!sv->failing && sv->news)
			sv->news(sv->arg, rc, msg);
		sv->failing = true;
	} else {
		sv->st.written++;
		snprintf(msg, sizeof(msg), "state file %s saved again", sv->path);
		if (sv->failing && sv->news)
			sv->news(sv->arg, 1, msg);
		sv->failing = false;
	}
	if (sv->held)
		hand_over(sv, &sv->held_copy);
}

static void hand_over(struct state_saver *sv, const struct soc_persist *p)
{
	struct diskw_job j = { .op = DISKW_CALL, .call = save_job, .data = p, .len = sizeof(*p),
			       .done = saved, .arg = sv };

	/* One write running and one waiting is all a saver needs (a newer
	 * copy replaces the waiting one), and leaves the writer's other slots
	 * to the event log. Beyond that, or with every slot taken, the copy
	 * waits here for the next completion or submission. */
	if (sv->jobs >= 2 || diskw_submit(sv->dw, &j, &sv->ticket) < 0) {
		if (p != &sv->held_copy)
			sv->held_copy = *p;
		sv->held = true;
		return;
	}
	sv->jobs++;
	sv->held = false;
}

int state_saver_start(const char *path, struct diskw *w, state_news_fn news, void *arg,
		      struct state_saver **out)
{
	struct state_saver *sv;

	*out = NULL;
	if (!path || path[0] != '/' || strlen(path) >= SOC_PATH_MAX || !w)
		return -EINVAL;
	sv = calloc(1, sizeof(*sv));
	if (!sv)
		return -ENOMEM;
	snprintf(sv->path, sizeof(sv->path), "%s", path);
	sv->dw = w;
	sv->news = news;
	sv->arg = arg;
	*out = sv;
	return 0;
}

void state_saver_submit(struct state_saver *sv, const struct soc_persist *p)
{
	sv->st.submitted++;
	/* a copy that waits for its turn is replaced: only the newest counts */
	if (sv->held) {
		sv->held = false;
		sv->st.replaced++;
	}
	if (sv->ticket && diskw_update(sv->dw, sv->ticket, p, sizeof(*p)) == 0) {
		sv->st.replaced++;
		return;
	}
	hand_over(sv, p);
}

int state_saver_flush(struct state_saver *sv, char *msg, size_t n)
{
	if (sv->held)
		hand_over(sv, &sv->held_copy);
	diskw_flush(sv->dw);
	if (msg && n)
		snprintf(msg, n, "%s", sv->last_rc ? sv->last_err : "");
	return sv->last_rc;
}

void state_saver_get_stats(struct state_saver *sv, struct state_saver_stats *st)
{
	*st = sv->st;
}

void state_saver_stop(struct state_saver *sv)
{
	if (!sv)
		return;
	/* the writer's jobs call back into @sv: what is pending is written,
	 * and completed back, first */
	state_saver_flush(sv, NULL, 0);
	free(sv);
}
