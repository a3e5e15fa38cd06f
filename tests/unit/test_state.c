/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state: the state file's encoding, every way a file can be wrong (torn,
 * bad CRC, another version, wrong length, trailing bytes, out-of-range
 * values), the atomic write (a rename that never happened, a leftover
 * temporary file, links planted as the temporary file, the file or the
 * directory, a read-only directory), and the saver on the disk writer
 * (hand-over, replacement of pending copies, error news once, recovery,
 * news through the event loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "diskw.h"
#include "loop.h"
#include "proto/crc.h"
#include "state.h"

#define NOBODY 65534

static char dir[64];
static char path[128];

static void mkdir_fresh(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_state.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
}

static void rm_dir(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s.tmp", path);
	unlink(p);
	chmod(dir, 0700);
	rmdir(dir);
}

static struct soc_persist sample(void)
{
	struct soc_persist p;

	memset(&p, 0, sizeof(p));
	p.soc_valid = true;
	p.soc_ppm = 654321;
	p.nominal_mAh = 100000;
	p.capacity_meas_mAh = 97123;
	p.soh_dpct = 971;
	p.soh_n = 3;
	p.soh_hist_mAh[0] = 96000;
	p.soh_hist_mAh[1] = 97500;
	p.soh_hist_mAh[2] = 97869;
	p.charge_in_mAs = 0x0123456789ABCDEFull;
	p.charge_out_mAs = 0x00FEDCBA98765432ull;
	p.energy_in_mJ = 1234567890123ull;
	p.energy_out_mJ = 987654321098ull;
	p.cycles_dcyc = 4294967295u;
	p.cycle_rem_mAs = 359999;
	p.contactor_cycles[0] = 1;
	p.contactor_cycles[1] = 22;
	p.contactor_cycles[2] = 333;
	p.contactor_cycles[3] = 4444;
	p.temp_min_dC = -273;
	p.temp_max_dC = 612;
	p.syncs = 17;
	p.last_sync_wall_s = 1700000123;
	p.prot_latched = (1u << 21) | (1u << 17) | 1u;
	p.welded_mask = 0x5;
	p.precharge_failed = true;
	p.disconnect = true;
	return p;
}

static bool same(const struct soc_persist *a, const struct soc_persist *b)
{
	bool ok = a->soc_valid == b->soc_valid && a->soc_ppm == b->soc_ppm &&
		  a->nominal_mAh == b->nominal_mAh && a->capacity_meas_mAh == b->capacity_meas_mAh &&
		  a->soh_dpct == b->soh_dpct && a->soh_n == b->soh_n &&
		  a->charge_in_mAs == b->charge_in_mAs && a->charge_out_mAs == b->charge_out_mAs &&
		  a->energy_in_mJ == b->energy_in_mJ && a->energy_out_mJ == b->energy_out_mJ &&
		  a->cycles_dcyc == b->cycles_dcyc && a->cycle_rem_mAs == b->cycle_rem_mAs &&
		  a->temp_min_dC == b->temp_min_dC && a->temp_max_dC == b->temp_max_dC &&
		  a->syncs == b->syncs && a->last_sync_wall_s == b->last_sync_wall_s &&
		  a->prot_latched == b->prot_latched && a->welded_mask == b->welded_mask &&
		  a->precharge_failed == b->precharge_failed && a->disconnect == b->disconnect;

	for (unsigned int i = 0; i < SOC_SOH_AVG; i++)
		ok &= a->soh_hist_mAh[i] == b->soh_hist_mAh[i];
	for (unsigned int i = 0; i < SOC_RELAYS; i++)
		ok &= a->contactor_cycles[i] == b->contactor_cycles[i];
	return ok;
}

static void put_file(const char *p, const uint8_t *b, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, b, n), (ssize_t)n);
	close(fd);
}

/* ---- encoding ----------------------------------------------------------- */

static void test_round_trip(void)
{
	struct soc_persist p = sample(), q;
	uint8_t b[STATE_FILE_LEN];
	uint64_t w = 0;
	char err[200];

	CU_ASSERT_EQUAL(state_encode(&p, 1711111111, b), STATE_FILE_LEN);
	CU_ASSERT_EQUAL(b[0], 0xB3);
	CU_ASSERT_EQUAL(b[4], STATE_VERSION);
	CU_ASSERT_EQUAL(b[6], STATE_FILE_LEN);
	memset(&q, 0xAA, sizeof(q));
	CU_ASSERT_EQUAL(state_decode(b, sizeof(b), &q, &w, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(same(&p, &q));
	CU_ASSERT_EQUAL(w, 1711111111);
	/* wall time may be left out; a SOC that was not known stays so */
	p.soc_valid = false;
	p.temp_min_dC = p.temp_max_dC = BP_TEMP_DC_NA;
	state_encode(&p, 0, b);
	CU_ASSERT_EQUAL(state_decode(b, sizeof(b), &q, NULL, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(q.soc_valid);
	CU_ASSERT_EQUAL(q.temp_min_dC, BP_TEMP_DC_NA);
	CU_ASSERT_TRUE(same(&p, &q));
}

static void test_torn(void)
{
	struct soc_persist p = sample(), q = sample();
	uint8_t b[STATE_FILE_LEN];
	char err[200];

	q.soc_ppm = 1;
	state_encode(&p, 5, b);
	/* every prefix is refused, and *out is never touched */
	for (size_t n = 0; n < STATE_FILE_LEN; n++) {
		err[0] = 0;
		CU_ASSERT_EQUAL(state_decode(b, n, &q, NULL, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
		CU_ASSERT_EQUAL(q.soc_ppm, 1);
	}
}

static void test_bad_crc(void)
{
	struct soc_persist p = sample(), q = sample();
	uint8_t b[STATE_FILE_LEN];
	char err[200];

	q.soc_ppm = 1;
	state_encode(&p, 5, b);
	/* any single flipped bit anywhere is caught */
	for (size_t i = 0; i < STATE_FILE_LEN; i++)
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			CU_ASSERT_EQUAL(state_decode(b, sizeof(b), &q, NULL, err, sizeof(err)),
					-EINVAL);
			b[i] ^= (uint8_t)(1u << bit);
		}
	CU_ASSERT_EQUAL(q.soc_ppm, 1);
	b[60] ^= 0x10;
	CU_ASSERT_EQUAL(state_decode(b, sizeof(b), &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad CRC"));
	b[60] ^= 0x10;
	b[STATE_FILE_LEN - 1] ^= 0x80;
	CU_ASSERT_EQUAL(state_decode(b, sizeof(b), &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad CRC"));
	b[1] = 'X';
	CU_ASSERT_EQUAL(state_decode(b, sizeof(b), &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a bmsd state file"));
}

/* Re-seal @b after an edit, so that only the edit is wrong. */
static void reseal(uint8_t *b)
{
	uint32_t c = crc32_update(0, b, STATE_FILE_LEN - 4);

	for (int i = 0; i < 4; i++)
		b[STATE_FILE_LEN - 4 + i] = (uint8_t)(c >> (8 * i));
}

static void test_version_length_values(void)
{
	struct soc_persist p = sample(), q;
	uint8_t b[STATE_FILE_LEN + 8];
	char err[200];

	state_encode(&p, 5, b);
	b[4] = 3;
	reseal(b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "version 3, this bmsd reads versions 1 and 2");
	b[4] = 0;
	b[5] = 1;
	reseal(b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "version 256"));
	/* a length field that is not the version's */
	state_encode(&p, 5, b);
	b[6] = STATE_FILE_LEN - 1;
	reseal(b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad length field"));
	/* bytes after the end */
	state_encode(&p, 5, b);
	memset(b + STATE_FILE_LEN, 0, 8);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN + 1, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected 136"));
	/* values a correct writer never writes */
	p = sample();
	p.soc_ppm = SOC_PPM + 1;
	state_encode(&p, 5, b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
	p = sample();
	p.soh_n = SOC_SOH_AVG + 1;
	state_encode(&p, 5, b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	p = sample();
	p.soh_dpct = 1001;
	state_encode(&p, 5, b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	p = sample();
	state_encode(&p, 5, b);
	b[16] = 0x81;
	reseal(b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "flags 0x81"));
	/* latches a correct writer never writes */
	p = sample();
	p.welded_mask = 0x10;
	state_encode(&p, 5, b);
	b[128] = 0x10;
	reseal(b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "latches out of range"));
	p = sample();
	state_encode(&p, 5, b);
	b[129] = 0x04;
	reseal(b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	state_encode(&p, 5, b);
	b[130] = 1;
	reseal(b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	/* the limits themselves are fine */
	p = sample();
	p.soc_ppm = SOC_PPM;
	p.soh_n = SOC_SOH_AVG;
	p.soh_dpct = 1000;
	state_encode(&p, 5, b);
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(same(&p, &q));
}

/* A version-1 file (written by the bmsd before latches were kept) is
 * still read, with no latch; the next write is version 2. */
static void test_version1_read(void)
{
	struct soc_persist p = sample(), q;
	uint8_t b[STATE_FILE_LEN];
	uint32_t c;
	uint64_t w = 0;
	char err[200];

	state_encode(&p, 1711111111, b);
	/* the same bytes up to 123, then the CRC of 0..123 */
	b[4] = 1;
	b[5] = 0;
	b[6] = STATE_FILE_LEN_V1;
	b[7] = 0;
	c = crc32_update(0, b, STATE_FILE_LEN_V1 - 4);
	for (int i = 0; i < 4; i++)
		b[STATE_FILE_LEN_V1 - 4 + i] = (uint8_t)(c >> (8 * i));
	memset(&q, 0xAA, sizeof(q));
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN_V1, &q, &w, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(w, 1711111111);
	CU_ASSERT_EQUAL(q.soc_ppm, p.soc_ppm);
	CU_ASSERT_EQUAL(q.charge_in_mAs, p.charge_in_mAs);
	CU_ASSERT_EQUAL(q.last_sync_wall_s, p.last_sync_wall_s);
	CU_ASSERT_EQUAL(q.prot_latched, 0);
	CU_ASSERT_EQUAL(q.welded_mask, 0);
	CU_ASSERT_FALSE(q.precharge_failed);
	CU_ASSERT_FALSE(q.disconnect);
	/* a version-1 file of version-2 length, or the reverse: refused */
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected 128"));
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN_V1 - 1, &q, NULL, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated: 127 of 128"));
	b[10] ^= 1;
	CU_ASSERT_EQUAL(state_decode(b, STATE_FILE_LEN_V1, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad CRC"));
}

/* ---- files -------------------------------------------------------------- */

static void test_file_round_trip(void)
{
	struct soc_persist p = sample(), q;
	char err[300], tmp[160];
	uint64_t w = 0;
	struct stat st;

	mkdir_fresh();
	CU_ASSERT_EQUAL(state_read(path, &q, &w, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no state file"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_EQUAL(state_write(path, &p, 1700000000, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, STATE_FILE_LEN);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0); /* renamed away */
	CU_ASSERT_EQUAL(state_read(path, &q, &w, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(same(&p, &q));
	CU_ASSERT_EQUAL(w, 1700000000);
	/* a second write replaces the first */
	p.soc_ppm = 42;
	CU_ASSERT_EQUAL(state_write(path, &p, 1700000001, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(q.soc_ppm, 42);
	rm_dir();
}

static void test_file_corrupt(void)
{
	struct soc_persist p = sample(), q;
	uint8_t b[STATE_FILE_LEN + 100];
	char err[300];

	mkdir_fresh();
	state_encode(&p, 5, b);
	/* torn: half a file */
	put_file(path, b, STATE_FILE_LEN / 2);
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "refused: truncated: 68 of 136 bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	/* empty */
	put_file(path, b, 0);
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), -EINVAL);
	/* a bad CRC */
	b[30] ^= 1;
	put_file(path, b, STATE_FILE_LEN);
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad CRC"));
	b[30] ^= 1;
	/* too long: the reader does not read on and on */
	memset(b + STATE_FILE_LEN, 'x', 100);
	put_file(path, b, sizeof(b));
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), -EINVAL);
	/* the path is a directory */
	CU_ASSERT_EQUAL(state_read(dir, &q, NULL, err, sizeof(err)), -EISDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot read"));
	rm_dir();
}

static void test_rename_never_happened(void)
{
	struct soc_persist p = sample(), q, old = sample();
	uint8_t b[STATE_FILE_LEN];
	char err[300], tmp[160];

	mkdir_fresh();
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* only the temporary file, complete and valid: never read */
	state_encode(&p, 5, b);
	put_file(tmp, b, sizeof(b));
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), -ENOENT);
	/* with the old file beside it: the old state */
	old.soc_ppm = 111111;
	CU_ASSERT_EQUAL(state_write(path, &old, 5, err, sizeof(err)), 0);
	put_file(tmp, b, sizeof(b) / 3); /* a write cut short by a crash */
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(q.soc_ppm, 111111);
	/* the next write goes over the leftover */
	CU_ASSERT_EQUAL(state_write(path, &p, 6, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(same(&p, &q));
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	rm_dir();
}

static void test_makes_its_directory(void)
{
	struct soc_persist p = sample(), q;
	char err[300], sub[100], file[120];
	struct stat st;

	mkdir_fresh();
	snprintf(sub, sizeof(sub), "%s/lib", dir);
	snprintf(file, sizeof(file), "%s/state", sub);
	CU_ASSERT_EQUAL(state_write(file, &p, 5, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(stat(sub, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0750);
	CU_ASSERT_EQUAL(state_read(file, &q, NULL, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(same(&p, &q));
	unlink(file);
	rmdir(sub);
	rm_dir();
}

static void test_write_errors(void)
{
	struct soc_persist p = sample();
	char err[300], longp[SOC_PATH_MAX + 10];

	/* the directory's parent is missing: nothing is created */
	CU_ASSERT_EQUAL(state_write("/nonexistent-bmsd-dir/sub/state", &p, 5, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot create /nonexistent-bmsd-dir/sub/state.tmp"));
	CU_ASSERT_NOT_EQUAL(access("/nonexistent-bmsd-dir", F_OK), 0);
	/* the target is a directory: the rename fails, the temporary goes */
	mkdir_fresh();
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(state_write(path, &p, 5, err, sizeof(err)), -EISDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "rename"));
	{
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	}
	rmdir(path);
	rm_dir();
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	CU_ASSERT_EQUAL(state_write(longp, &p, 5, err, sizeof(err)), -ENAMETOOLONG);
}

/* ---- links planted in the directory ------------------------------------ */

/* A file outside the state directory that a planted link points at. */
static char vdir[64], victim[128];
static const char victim_text[] = "root:x:0:0:precious, not a state file\n";

static void victim_make(void)
{
	snprintf(vdir, sizeof(vdir), "/tmp/test_state_victim.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(vdir));
	snprintf(victim, sizeof(victim), "%s/victim", vdir);
	put_file(victim, (const uint8_t *)victim_text, sizeof(victim_text) - 1);
}

/* The victim is as made (content, one link), and nothing appeared beside it. */
static bool victim_intact(void)
{
	char b[sizeof(victim_text) + 16], p[160];
	struct stat st;
	ssize_t r;
	int fd = open(victim, O_RDONLY);

	if (fd < 0)
		return false;
	r = read(fd, b, sizeof(b));
	close(fd);
	if (r != (ssize_t)sizeof(victim_text) - 1 || memcmp(b, victim_text, (size_t)r))
		return false;
	if (stat(victim, &st) || st.st_nlink != 1)
		return false;
	snprintf(p, sizeof(p), "%s/new", vdir);
	if (access(p, F_OK) == 0)
		return false;
	snprintf(p, sizeof(p), "%s/state", vdir);
	if (access(p, F_OK) == 0)
		return false;
	snprintf(p, sizeof(p), "%s/state.tmp", vdir);
	return access(p, F_OK) != 0;
}

static void victim_rm(void)
{
	char p[160];

	unlink(victim);
	snprintf(p, sizeof(p), "%s/state", vdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/state.tmp", vdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/new", vdir);
	unlink(p);
	rmdir(vdir);
}

/* @p is a regular file holding @want. */
static bool holds(const char *p, const struct soc_persist *want)
{
	struct soc_persist q;
	struct stat st;
	char err[300];

	return lstat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	       state_read(p, &q, NULL, err, sizeof(err)) == 0 && same(want, &q);
}

/* A link planted as <file>.tmp, to a file or to nothing: the write removes
 * the link, creates its own file and renames it; the victim is untouched. */
static void test_tmp_symlink(void)
{
	struct soc_persist p = sample();
	char err[300], tmp[160], dangling[128];
	struct stat st;

	mkdir_fresh();
	victim_make();
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_EQUAL_FATAL(symlink(victim, tmp), 0);
	CU_ASSERT_EQUAL(state_write(path, &p, 5, err, sizeof(err)), 0);
	CU_ASSERT(victim_intact());
	CU_ASSERT(holds(path, &p));
	CU_ASSERT_NOT_EQUAL(lstat(tmp, &st), 0);
	/* to a file that does not exist: O_CREAT would have made it */
	snprintf(dangling, sizeof(dangling), "%s/new", vdir);
	CU_ASSERT_EQUAL_FATAL(symlink(dangling, tmp), 0);
	p.soc_ppm = 5;
	CU_ASSERT_EQUAL(state_write(path, &p, 6, err, sizeof(err)), 0);
	CU_ASSERT(victim_intact());
	CU_ASSERT(holds(path, &p));
	CU_ASSERT_NOT_EQUAL(lstat(tmp, &st), 0);
	/* a hard link: O_TRUNC would have emptied the victim */
	if (link(victim, tmp) == 0) {
		p.soc_ppm = 6;
		CU_ASSERT_EQUAL(state_write(path, &p, 7, err, sizeof(err)), 0);
		CU_ASSERT(victim_intact());
		CU_ASSERT(holds(path, &p));
		CU_ASSERT_NOT_EQUAL(lstat(tmp, &st), 0);
	}
	victim_rm();
	rm_dir();
}

/* A link in place of the state file: not read, replaced by the next write. */
static void test_file_symlink(void)
{
	struct soc_persist p = sample(), q;
	uint8_t b[STATE_FILE_LEN];
	char err[300];

	mkdir_fresh();
	victim_make();
	/* even a valid state file behind the link is not read */
	state_encode(&p, 5, b);
	put_file(victim, b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(symlink(victim, path), 0);
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), -ELOOP);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "is a symbolic link"));
	put_file(victim, (const uint8_t *)victim_text, sizeof(victim_text) - 1);
	p.soc_ppm = 7;
	CU_ASSERT_EQUAL(state_write(path, &p, 5, err, sizeof(err)), 0);
	CU_ASSERT(victim_intact());
	CU_ASSERT(holds(path, &p));
	victim_rm();
	rm_dir();
}

/* The directory as a link: the writer refuses it, a dangling one too (it
 * is not made into a directory), and nothing appears where it points. */
static void test_dir_symlink(void)
{
	struct soc_persist p = sample();
	char err[300], lnk[100], file[120], dangling[128];

	mkdir_fresh();
	victim_make();
	snprintf(lnk, sizeof(lnk), "%s/lib", dir);
	snprintf(file, sizeof(file), "%s/state", lnk);
	CU_ASSERT_EQUAL_FATAL(symlink(vdir, lnk), 0);
	CU_ASSERT_EQUAL(state_write(file, &p, 5, err, sizeof(err)), -ELOOP);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, lnk));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "is a symbolic link"));
	CU_ASSERT(victim_intact());
	CU_ASSERT_EQUAL(unlink(lnk), 0);
	snprintf(dangling, sizeof(dangling), "%s/new", vdir);
	CU_ASSERT_EQUAL_FATAL(symlink(dangling, lnk), 0);
	CU_ASSERT_EQUAL(state_write(file, &p, 5, err, sizeof(err)), -ELOOP);
	CU_ASSERT(victim_intact());
	CU_ASSERT_EQUAL(unlink(lnk), 0);
	victim_rm();
	rm_dir();
}

/* A leftover <file>.tmp that cannot be removed: the write fails and says
 * so, the old file stays. */
static void test_tmp_not_removable(void)
{
	struct soc_persist p = sample(), old = sample();
	char err[300], tmp[160];

	mkdir_fresh();
	old.soc_ppm = 333333;
	CU_ASSERT_EQUAL_FATAL(state_write(path, &old, 5, err, sizeof(err)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_EQUAL_FATAL(mkdir(tmp, 0700), 0);
	CU_ASSERT_EQUAL(state_write(path, &p, 6, err, sizeof(err)), -EISDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot remove the leftover"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, tmp));
	CU_ASSERT(holds(path, &old));
	CU_ASSERT_EQUAL(rmdir(tmp), 0);
	rm_dir();
}

/* The saver's news, as the writer's completions deliver them. */
static struct {
	int n, rc;
	char msg[400];
	pthread_t thread;
	struct loop *quit;      /* stopped at the first news */
} news;

static void on_news(void *arg, int rc, const char *msg)
{
	news.n++;
	news.rc = rc;
	snprintf(news.msg, sizeof(news.msg), "%s", msg);
	news.thread = pthread_self();
	if (news.quit)
		loop_quit(news.quit);
}

/*
 * A read-only directory. root writes anywhere, so the check runs in a
 * child that gives up root for nobody (when the suite runs as root).
 * The child's exit status carries the first failed step.
 */
static int ro_child(void)
{
	struct soc_persist p = sample(), q;
	struct state_saver *sv;
	struct state_saver_stats st;
	struct diskw *w;
	char err[300], msg[400];
	int rc;

	if (geteuid() == 0 && (setgid(NOBODY) || setuid(NOBODY)))
		return 2;
	rc = state_write(path, &p, 5, err, sizeof(err));
	if (rc != -EACCES || !strstr(err, "cannot create") || !strstr(err, "Permission denied"))
		return 3;
	/* the old file is still there, and still good */
	if (state_read(path, &q, NULL, err, sizeof(err)) || q.soc_ppm != 222222)
		return 4;
	if (diskw_new(&w, NULL) || state_saver_start(path, w, on_news, NULL, &sv))
		return 5;
	state_saver_submit(sv, &p);
	if (state_saver_flush(sv, msg, sizeof(msg)) != -EACCES || !strstr(msg, "cannot create"))
		return 6;
	/* reported once ... */
	if (news.n != 1 || news.rc != -EACCES ||
	    !strstr(news.msg, "state file not saved: cannot create"))
		return 7;
	state_saver_submit(sv, &p);
	state_saver_flush(sv, NULL, 0);
	if (news.n != 1)
		return 8;
	/* ... and the recovery too */
	if (chmod(dir, 0755))
		return 9;
	state_saver_submit(sv, &p);
	if (state_saver_flush(sv, msg, sizeof(msg)) != 0)
		return 10;
	if (news.n != 2 || news.rc != 1 || !strstr(news.msg, "saved again"))
		return 11;
	state_saver_get_stats(sv, &st);
	if (st.errors != 2 || st.written != 1 || st.submitted != 3)
		return 12;
	state_saver_stop(sv);
	diskw_free(w);
	if (state_read(path, &q, NULL, err, sizeof(err)) || !same(&p, &q))
		return 13;
	return 0;
}

static void test_read_only_dir(void)
{
	struct soc_persist old = sample();
	char err[300];
	pid_t pid;
	int status = 0;

	mkdir_fresh();
	old.soc_ppm = 222222;
	CU_ASSERT_EQUAL_FATAL(state_write(path, &old, 5, err, sizeof(err)), 0);
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL_FATAL(chown(dir, NOBODY, NOBODY), 0);
		CU_ASSERT_EQUAL_FATAL(chown(path, NOBODY, NOBODY), 0);
	}
	CU_ASSERT_EQUAL_FATAL(chmod(dir, 0555), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(ro_child());
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fprintf(stderr, "\nread-only child failed at step %d\n", WEXITSTATUS(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	rm_dir();
}

/* ---- the saver ---------------------------------------------------------- */

static void test_saver(void)
{
	struct soc_persist p = sample(), q;
	struct state_saver *sv = NULL;
	struct state_saver_stats st;
	struct diskw *w;
	char err[300], msg[400];
	uint64_t w_s = 0;

	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, NULL), 0);
	CU_ASSERT_EQUAL(state_saver_start("relative/state", w, NULL, NULL, &sv), -EINVAL);
	CU_ASSERT_PTR_NULL(sv);
	CU_ASSERT_EQUAL(state_saver_start(NULL, w, NULL, NULL, &sv), -EINVAL);
	CU_ASSERT_EQUAL(state_saver_start("/tmp/state", NULL, NULL, NULL, &sv), -EINVAL);
	state_saver_stop(NULL);

	mkdir_fresh();
	memset(&news, 0, sizeof(news));
	CU_ASSERT_EQUAL_FATAL(state_saver_start(path, w, on_news, NULL, &sv), 0);
	CU_ASSERT_EQUAL(state_saver_flush(sv, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "");
	/* many copies in a row: the last one wins, none is torn; with no
	 * loop to take the completions, the writer's slots fill up and the
	 * copies wait in the saver */
	for (uint32_t i = 0; i <= 2000; i++) {
		p.soc_ppm = i * 100;
		p.charge_in_mAs = i;
		state_saver_submit(sv, &p);
	}
	CU_ASSERT_EQUAL(state_saver_flush(sv, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(state_read(path, &q, &w_s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(q.soc_ppm, 200000);
	CU_ASSERT_EQUAL(q.charge_in_mAs, 2000);
	CU_ASSERT(w_s > 1600000000);
	state_saver_get_stats(sv, &st);
	CU_ASSERT_EQUAL(st.submitted, 2001);
	CU_ASSERT_EQUAL(st.written + st.replaced, 2001);
	CU_ASSERT(st.written >= 1);
	CU_ASSERT_EQUAL(st.errors, 0);
	CU_ASSERT_EQUAL(news.n, 0);
	/* what is pending at stop is written */
	p.soc_ppm = 777;
	state_saver_submit(sv, &p);
	state_saver_stop(sv);
	CU_ASSERT_EQUAL(state_read(path, &q, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(q.soc_ppm, 777);
	diskw_free(w);
	rm_dir();
}

static void on_timeout(void *arg, uint64_t n)
{
	loop_quit(arg);
}

/* In bmsd the news comes through the event loop, in its thread, with no
 * timer asking for it: here a write that fails (the directory is a file). */
static void test_saver_loop(void)
{
	struct soc_persist p = sample();
	struct state_saver *sv;
	struct diskw *w;
	struct loop *l;
	char bad[200];
	int fd;

	mkdir_fresh();
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	snprintf(bad, sizeof(bad), "%s/state", path);
	CU_ASSERT_EQUAL_FATAL(loop_new(&l), 0);
	CU_ASSERT_EQUAL_FATAL(diskw_new(&w, l), 0);
	CU_ASSERT_EQUAL_FATAL(state_saver_start(bad, w, on_news, NULL, &sv), 0);
	memset(&news, 0, sizeof(news));
	news.quit = l;
	state_saver_submit(sv, &p);
	CU_ASSERT_EQUAL(news.n, 0);
	CU_ASSERT_FATAL(loop_add_timer(l, 5000, on_timeout, l) >= 0);
	CU_ASSERT_EQUAL(loop_run(l), 0);
	CU_ASSERT_EQUAL(news.n, 1);
	CU_ASSERT_EQUAL(news.rc, -ENOTDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(news.msg, "state file not saved: cannot create"));
	CU_ASSERT(pthread_equal(news.thread, pthread_self()));
	news.quit = NULL;
	state_saver_stop(sv);
	diskw_free(w);
	loop_free(l);
	rm_dir();
}

void cu_register(void)
{
	static const struct cu_test enc[] = {
		CU_TEST(test_round_trip),
		CU_TEST(test_torn),
		CU_TEST(test_bad_crc),
		CU_TEST(test_version_length_values),
		CU_TEST(test_version1_read),
		CU_END,
	};
	static const struct cu_test files[] = {
		CU_TEST(test_file_round_trip),
		CU_TEST(test_file_corrupt),
		CU_TEST(test_rename_never_happened),
		CU_TEST(test_makes_its_directory),
		CU_TEST(test_write_errors),
		CU_TEST(test_tmp_symlink),
		CU_TEST(test_file_symlink),
		CU_TEST(test_dir_symlink),
		CU_TEST(test_tmp_not_removable),
		CU_TEST(test_read_only_dir),
		CU_TEST(test_saver),
		CU_TEST(test_saver_loop),
		CU_END,
	};

	cu_add("state_encoding", enc);
	cu_add("state_files", files);
}
