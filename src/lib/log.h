/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log: bmsd's messages. To journald (with priorities and a CODE= field)
 * when stderr is the journal's stream, otherwise to stderr as
 * "bmsd: <level>: message".
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <syslog.h>

/* Choose the sink and the least important priority shown (LOG_INFO, or
 * LOG_DEBUG when verbose). */
void log_init(int max_prio);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* One event-log event: like log_msg, and in the journal with the field
 * BMSD_EVENT=@code, so that "journalctl BMSD_EVENT=202" finds them. */
void log_event(int prio, unsigned int code, const char *text);

/* "err", "warning", ... for a syslog priority. */
const char *log_prio_name(int prio);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* LOG_H */
