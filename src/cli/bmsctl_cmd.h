/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsctl_cmd: what every command of bmsctl shares: its entry in the command
 * table, the common options and their parsing, usage errors, the exit
 * statuses, and the stop flag that SIGINT and SIGTERM set.
 */
#ifndef BMSCTL_CMD_H
#define BMSCTL_CMD_H

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "version.h"

#define DEFAULT_SOCKET BMSD_DEFAULT_SOCKET
#define DEFAULT_EVDIR BMSD_DEFAULT_EVDIR

/* exit statuses; documented in bmsctl(1) (and 64, EX_USAGE, for bad usage) */
#define EXIT_OK 0
#define EXIT_FAIL 1     /* bmsd answered with an error, invalid config, unreadable log */
#define EXIT_CONN 2     /* bmsd not reachable, or the connection broke */

/* option codes of the long options without a short letter */
#define OPT_JSON 0x200
#define OPT_SINCE 0x201
/* next_opt(): set in a return value that is an exit status */
#define OPT_DONE 0x100

extern const char prog[];

/* set by SIGINT and SIGTERM once catch_signals() ran */
extern volatile sig_atomic_t stop;

/* the common options */
struct opts {
	bool json;
	const char *socket;
};

struct cmd {
	const char *name;
	const char *args;       /* synopsis after the name */
	const char *summary;
	const char *help;       /* options and details for "COMMAND --help" */
	/* argv[0] is the command's name; returns the exit status */
	int (*fn)(const struct cmd *c, int argc, char **argv, struct opts *o);
};

/* SIGINT and SIGTERM interrupt the blocking calls instead of killing us. */
void catch_signals(void);

/* "bmsctl: out of memory" and exit 1 */
void die_nomem(void) __attribute__((noreturn));

/* Text for a terminal: control characters become '?'. */
void text_safe(FILE *f, const char *s);

/* "Usage: bmsctl COMMAND ..." and @c's help */
void cmd_usage(FILE *f, const struct cmd *c);

/* "bmsctl: MESSAGE" and a blank line on stderr, the head of a usage error */
void usage_head(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A usage error: its message, then @c's usage on stderr. Returns EX_USAGE. */
int usage_error(const struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Options of a command. Every command takes the common ones; @extra adds
 * its own (short letters in @extra_short). Returns -1 when done (optind
 * at the first operand), the option character of an extra option, or an
 * exit status >= 0 with the OPT_DONE bit set for help and usage errors.
 */
int next_opt(int argc, char **argv, const struct cmd *c, struct opts *o,
	     const char *extra_short, const struct option *extra);

/* A command that takes no operands beyond the common options. */
int plain_opts(int argc, char **argv, const struct cmd *c, struct opts *o);

#endif /* BMSCTL_CMD_H */
