/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the commands of bmsctl share (bmsctl_cmd.h). */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "bmsctl_cmd.h"

const char prog[] = "bmsctl";
volatile sig_atomic_t stop;

void die_nomem(void)
{
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(EXIT_FAIL);
}

void text_safe(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void on_signal(int sig)
{
	stop = 1;
}

void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "Usage: %s %s%s%s\n%s.\n", prog, c->name, *c->args ? " " : "", c->args,
		c->summary);
	if (*c->help)
		fprintf(f, "\n%s", c->help);
	fprintf(f, "\nCommon options: --json, -s/--socket PATH, -h/--help (see '%s help').\n",
		prog);
}

void usage_head(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputs("\n\n", stderr);
}

int usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_head(fmt, ap);
	va_end(ap);
	cmd_usage(stderr, c);
	return EX_USAGE;
}

int next_opt(int argc, char **argv, const struct cmd *c, struct opts *o,
	     const char *extra_short, const struct option *extra)
{
	struct option lopts[16];
	char sopts[32];
	size_t n = 0;
	int ch;

	lopts[n++] = (struct option){ "json", no_argument, 0, OPT_JSON };
	lopts[n++] = (struct option){ "socket", required_argument, 0, 's' };
	lopts[n++] = (struct option){ "help", no_argument, 0, 'h' };
	for (; extra && extra->name && n < 15; extra++)
		lopts[n++] = *extra;
	lopts[n] = (struct option){ 0, 0, 0, 0 };
	snprintf(sopts, sizeof(sopts), ":s:h%s", extra_short ? extra_short : "");

	for (;;) {
		ch = getopt_long(argc, argv, sopts, lopts, NULL);
		switch (ch) {
		case OPT_JSON:
			o->json = true;
			continue;
		case 's':
			o->socket = optarg;
			continue;
		case 'h':
			cmd_usage(stdout, c);
			return OPT_DONE | EXIT_OK;
		case '?':
			if (optopt > ' ' && optopt < 0x7f)
				return OPT_DONE | usage_error(c, "unknown option '-%c'", optopt);
			return OPT_DONE | usage_error(c, "bad option '%s'", argv[optind - 1]);
		case ':':
			return OPT_DONE | usage_error(c, "option '%s' needs a value",
						      argv[optind - 1]);
		default:
			return ch;
		}
	}
}

int plain_opts(int argc, char **argv, const struct cmd *c, struct opts *o)
{
	int ch = next_opt(argc, argv, c, o, NULL, NULL);

	if (ch >= 0)
		return ch;
	if (optind < argc)
		return OPT_DONE | usage_error(c, "unexpected argument '%s'", argv[optind]);
	return -1;
}
