/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slowsync: an LD_PRELOAD stand-in for a stalled disk. fsync() and
 * fdatasync() sleep SLOWSYNC_MS (default 800) before doing their work.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

int fsync(int fd);
int fdatasync(int fd);

static void stall(void)
{
	const char *e = getenv("SLOWSYNC_MS");
	long ms = e ? atol(e) : 800;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	stall();
	return real(fd);
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	stall();
	return real(fd);
}
