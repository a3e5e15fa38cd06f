/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsctl: the command-line client of bmsd. status, watch and reset-faults
 * talk to the daemon over its control socket (protocol in src/iface/ctl.h);
 * events reads the event log from its files and check-config parses a
 * configuration file, so both work while bmsd is down.
 *
 * This file holds the command table, bmsctl's own options and usage, and
 * the commands that need neither bmsd nor its log; bmsctl_req.c talks to
 * bmsd, bmsctl_events.c reads the log, bmsctl_cmd.c is what they share.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bmsctl_cmd.h"
#include "bmsctl_events.h"
#include "bmsctl_req.h"
#include "cfg.h"
#include "json.h"
#include "version.h"

static int do_check_config(const struct cmd *c, int argc, char **argv, struct opts *o);
static int do_help(const struct cmd *c, int argc, char **argv, struct opts *o);
static int do_version(const struct cmd *c, int argc, char **argv, struct opts *o);

static const struct cmd cmd_table[] = {
	{ "status", "", "Show link, state, pack, cells, faults and relays", "",
	  do_status },
	{ "watch", "", "Show the status live, every second, until Ctrl-C",
	  "On a terminal the screen is redrawn in place; otherwise each update is\n"
	  "printed and followed by a blank line (with --json: one JSON object per\n"
	  "line). Ends on SIGINT or SIGTERM (exit 0), or when bmsd goes away (2).\n",
	  do_watch },
	{ "events", "[-d DIR] [-n N] [--since TIME] [-f]",
	  "Print the event log (read from its files)",
	  "Options:\n"
	  "  -d, --dir DIR          the log's directory (default " DEFAULT_EVDIR ")\n"
	  "  -n, --lines N          only the last N records\n"
	  "      --since TIME       only records from TIME on: 'YYYY-MM-DD [HH:MM[:SS]]'\n"
	  "                         (local time), '@EPOCH', or '-N{s,m,h,d}' (ago)\n"
	  "  -f, --follow           then wait for new records (Ctrl-C ends)\n"
	  "Each record: 'YYYY-MM-DD HH:MM:SS.mmm  PRIORITY  CODE  text' in local time,\n"
	  "or with --json one object per line.\n",
	  do_events },
	{ "check-config", "FILE", "Validate a configuration file",
	  "Prints 'FILE: ok' (exit 0) or the first error as FILE:LINE:COL: ... (exit 1).\n"
	  "With --json: {\"file\",\"valid\",\"error\",\"line\",\"col\"} on stdout.\n",
	  do_check_config },
	{ "reset-faults", "", "Reset the latched faults", "",
	  do_reset_faults },
	{ "relays", "", "Show each relay's role, command, drive and feedback, and the DI/DO",
	  "", do_relays },
	{ "connect", "", "Allow the contactors to close again after a disconnect",
	  "Undoes a disconnect (from bmsctl or a Modbus SetOp/Operation write). The\n"
	  "contactors close when no protection, input or charge mode keeps them open.\n"
	  "The request is an event (301).\n",
	  do_connect },
	{ "disconnect", "", "Open the contactors for maintenance, after a soft stop",
	  "The current limits go to zero, and the contactors open once the current\n"
	  "has fallen (or after contactors.soft_stop_timeout_ms). They stay open until\n"
	  "'bmsctl connect' or a restart of bmsd. The request is an event (301).\n",
	  do_connect },
	{ "can", "stats", "Show the CAN1 and CAN2 counters: frames, errors, drops",
	  "Per bus: the interface, its state, frames sent and received, error frames,\n"
	  "bus-off events, frames dropped, and the inverter keep-alive.\n",
	  do_can },
	{ "set-soc", "PERCENT REASON...", "Set the state of charge",
	  "PERCENT is 0 to 100 with at most one decimal. The REASON (free text, required)\n"
	  "goes into the event log with the old and the new value.\n",
	  do_set_soc },
	{ "reset-soc", "REASON...", "Reset SOC, measured capacity and SOH",
	  "The SOC is estimated again from the cell voltages (the OCV table), the\n"
	  "measured capacity returns to the nominal one and the SOH to 100 %. The REASON\n"
	  "(required) goes into the event log.\n",
	  do_reset_soc },
	{ "help", "[COMMAND]", "Show this text, or a command's help", "", do_help },
	{ "version", "", "Show the version of bmsctl", "", do_version },
	{ 0, 0, 0, 0, 0 },
};

static const struct cmd *find_cmd(const char *name)
{
	for (const struct cmd *c = cmd_table; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f,
		"Usage: %s [--json] [-s PATH] COMMAND [ARGS]\n"
		"Show and control bmsd, the battery-management daemon.\n"
		"\n"
		"Commands:\n", prog);
	for (c = cmd_table; c->name; c++) {
		char head[64];

		snprintf(head, sizeof(head), "%s%s%s", c->name, *c->args ? " " : "", c->args);
		if (strlen(head) > 22)
			fprintf(f, "  %s\n  %-22s %s\n", head, "", c->summary);
		else
			fprintf(f, "  %-22s %s\n", head, c->summary);
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  --json                 machine-readable output (JSON)\n"
		"  -s, --socket PATH      bmsd's control socket (default: $BMSD_SOCKET,\n"
		"                         else " DEFAULT_SOCKET ")\n"
		"  -h, --help             this text; COMMAND --help: that command's\n"
		"\n"
		"Exit status: 0 success; 1 bmsd answered with an error, the configuration\n"
		"is invalid or the event log unreadable; 2 bmsd cannot be reached or the\n"
		"connection broke; 64 bad usage.\n");
}

/* A usage error of bmsctl as a whole: its message, then bmsctl's usage. */
static int main_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int main_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_head(fmt, ap);
	va_end(ap);
	usage(stderr);
	return EX_USAGE;
}

/* ---- check-config ---- */

static int do_check_config(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	static struct cfg cfg;  /* large; one per run */
	struct cfg_error err;
	const char *file;
	int ch = next_opt(argc, argv, c, o, NULL, NULL);
	int rc;

	if (ch >= 0)
		return ch & 0xff;
	if (optind >= argc)
		return usage_error(c, "check-config needs a FILE");
	if (optind + 1 < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind + 1]);
	file = argv[optind];
	memset(&err, 0, sizeof(err));
	rc = cfg_load(file, &cfg, &err);
	if (rc < 0 && !err.msg[0])
		snprintf(err.msg, sizeof(err.msg), "%s: %s", file, strerror(-rc));
	if (o->json) {
		printf("{\"file\":");
		json_fprint_str(stdout, file);
		printf(",\"valid\":%s,\"error\":", rc == 0 ? "true" : "false");
		json_fprint_str(stdout, rc == 0 ? NULL : err.msg);
		if (rc < 0 && err.line > 0)
			printf(",\"line\":%d,\"col\":%d}\n", err.line, err.col);
		else
			printf(",\"line\":null,\"col\":null}\n");
	} else if (rc == 0) {
		printf("%s: ok\n", file);
	} else {
		text_safe(stderr, err.msg);
		fputc('\n', stderr);
	}
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- help, version ---- */

static int do_help(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	const struct cmd *t;
	int ch = next_opt(argc, argv, c, o, NULL, NULL);

	if (ch >= 0)
		return ch & 0xff;
	if (optind + 1 < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc) {
		t = find_cmd(argv[optind]);
		if (!t)
			return main_usage_error("unknown command '%s'", argv[optind]);
		cmd_usage(stdout, t);
		return EXIT_OK;
	}
	usage(stdout);
	return EXIT_OK;
}

static int do_version(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, c, o);

	if (ch >= 0)
		return ch & 0xff;
	if (o->json)
		printf("{\"program\":\"bmsctl\",\"version\":\"%s\"}\n", BMSD_VERSION);
	else
		printf("bmsctl %s\n", BMSD_VERSION);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, 0, OPT_JSON },
		{ "socket", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	struct opts o = { 0 };
	const struct cmd *c;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:s:h", lopts, NULL)) != -1) {
		switch (ch) {
		case OPT_JSON:
			o.json = true;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("bmsctl %s\n", BMSD_VERSION);
			return EXIT_OK;
		case ':':
			return main_usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt > ' ' && optopt < 0x7f)
				return main_usage_error("unknown option '-%c'", optopt);
			return main_usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return main_usage_error("no command given");
	c = find_cmd(argv[optind]);
	if (!c)
		return main_usage_error("unknown command '%s'", argv[optind]);
	/* the command parses its own options from its name on */
	argc -= optind;
	argv += optind;
	optind = 0;     /* GNU getopt: start afresh, at argv[1] */
	return c->fn(c, argc, argv, &o);
}
