/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

static int log_max = LOG_INFO;
static bool log_journal;

/* systemd sets JOURNAL_STREAM=dev:ino for the stream it connected to
 * stderr; only then does a native journal call reach the same place. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(int max_prio)
{
	log_max = max_prio;
	log_journal = stderr_is_journal();
}

const char *log_prio_name(int prio)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	};

	return prio >= 0 && prio <= LOG_DEBUG ? names[prio] : "?";
}

void log_vmsg(int prio, const char *fmt, va_list ap)
{
	if (prio > log_max)
		return;
	if (log_journal) {
		sd_journal_printv(prio, fmt, ap);
		return;
	}
	fprintf(stderr, "bmsd: %s: ", log_prio_name(prio));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_event(int prio, unsigned int code, const char *text)
{
	if (prio > log_max)
		return;
	if (log_journal) {
		sd_journal_send("MESSAGE=%s", text, "PRIORITY=%i", prio, "BMSD_EVENT=%u", code,
				NULL);
		return;
	}
	fprintf(stderr, "bmsd: %s: %s\n", log_prio_name(prio), text);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}
