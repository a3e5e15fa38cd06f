/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsctl: the command-line client of bmsd. status, watch and reset-faults
 * talk to the daemon over its control socket (protocol in src/iface/ctl.h);
 * events reads the event log from its files and check-config parses a
 * configuration file, so both work while bmsd is down.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "evlog.h"
#include "json.h"
#include "version.h"

#define DEFAULT_SOCKET BMSD_DEFAULT_SOCKET
#define DEFAULT_EVDIR BMSD_DEFAULT_EVDIR
#define REPLY_TIMEOUT_S 10
#define STR_(x) #x
#define STR(x) STR_(x)
#define LINE_MAX_BYTES (1024 * 1024)
#define FOLLOW_MS 500
#define EVENTS_N_MAX 1000000ul

/* exit statuses; documented in bmsctl(1) */
#define EXIT_OK 0
#define EXIT_FAIL 1     /* bmsd answered with an error, invalid config, unreadable log */
#define EXIT_CONN 2     /* bmsd not reachable, or the connection broke */

static const char *prog = "bmsctl";
static volatile sig_atomic_t stop;

struct opts {
	bool json;
	const char *socket;
};

/* ---- output helpers ---- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void die_nomem(void)
{
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(EXIT_FAIL);
}

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			die_nomem();
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Text for a terminal: control characters become '?'. */
static void text_safe(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/* ---- usage ---- */

struct cmd {
	const char *name;
	const char *args;       /* synopsis after the name */
	const char *summary;
	const char *help;       /* options and details for "COMMAND --help" */
	int (*fn)(int argc, char **argv, struct opts *o);
};

static const struct cmd *cmds(void);

static void usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f,
		"Usage: %s [--json] [-s PATH] COMMAND [ARGS]\n"
		"Show and control bmsd, the battery-management daemon.\n"
		"\n"
		"Commands:\n", prog);
	for (c = cmds(); c->name; c++) {
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

static void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "Usage: %s %s%s%s\n%s.\n", prog, c->name, *c->args ? " " : "", c->args,
		c->summary);
	if (*c->help)
		fprintf(f, "\n%s", c->help);
	fprintf(f, "\nCommon options: --json, -s/--socket PATH, -h/--help (see '%s help').\n",
		prog);
}

static int usage_error(const struct cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	if (c)
		cmd_usage(stderr, c);
	else
		usage(stderr);
	return EX_USAGE;
}

/*
 * Options of a command. Every command takes the common ones; @extra adds
 * its own (short letters in @extra_short). Returns -1 when done (optind
 * at the first operand), the option character of an extra option, or an
 * exit status >= 0 with the 0x100 bit set for help and usage errors.
 */
#define OPT_JSON 0x200
#define OPT_SINCE 0x201
#define OPT_DONE 0x100

static int next_opt(int argc, char **argv, const struct cmd *c, struct opts *o,
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

/* A command that takes no operands beyond the common options. */
static int plain_opts(int argc, char **argv, const struct cmd *c, struct opts *o)
{
	int ch = next_opt(argc, argv, c, o, NULL, NULL);

	if (ch >= 0)
		return ch;
	if (optind < argc)
		return OPT_DONE | usage_error(c, "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* ---- talking to bmsd ---- */

struct conn {
	int fd;
	const char *path;
	char *buf;
	size_t len, off, cap;
};

enum reply {
	REPLY_OK,       /* "." */
	REPLY_ERR,      /* "! message" */
	REPLY_STOP,     /* interrupted by a signal */
};

static void on_signal(int sig)
{
	stop = 1;
}

/* SIGINT and SIGTERM interrupt the blocking calls instead of killing us. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static const char *socket_path(const struct opts *o)
{
	const char *env = getenv("BMSD_SOCKET");

	if (o->socket)
		return o->socket;
	return env && *env ? env : DEFAULT_SOCKET;
}

static void conn_fail(const struct conn *c, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, c->path, what);
	exit(EXIT_CONN);
}

static void conn_open(struct conn *c, const struct opts *o)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };

	memset(c, 0, sizeof(*c));
	c->path = socket_path(o);
	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: cannot connect to %s: %s (is bmsd running?)\n", prog,
			c->path, strerror(ENAMETOOLONG));
		exit(EXIT_CONN);
	}
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s (is bmsd running?)\n", prog,
			c->path, strerror(errno));
		exit(EXIT_CONN);
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	c->buf = NULL;
}

static void conn_request(struct conn *c, const char *line)
{
	size_t n = strlen(line), done = 0;

	while (done < n) {
		ssize_t w = send(c->fd, line + done, n - done, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR && !stop)
			continue;
		if (w < 0) {
			if (stop)
				exit(EXIT_OK);
			conn_fail(c, strerror(errno));
		}
		done += (size_t)w;
	}
}

/* Next line, without its "\n", valid until the next call. Returns 1, or 0
 * when interrupted by a signal; exits on end-of-file or an error. */
static int conn_line(struct conn *c, char **line)
{
	for (;;) {
		char *nl = c->len > c->off ? memchr(c->buf + c->off, '\n', c->len - c->off) : NULL;
		ssize_t n;

		if (nl) {
			*nl = '\0';
			*line = c->buf + c->off;
			c->off = (size_t)(nl - c->buf) + 1;
			return 1;
		}
		if (c->off) {
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		if (c->len == c->cap) {
			char *p;

			if (c->cap >= LINE_MAX_BYTES)
				conn_fail(c, "reply line too long");
			p = realloc(c->buf, c->cap ? c->cap * 2 : 8192);
			if (!p)
				die_nomem();
			c->buf = p;
			c->cap = c->cap ? c->cap * 2 : 8192;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			if (stop)
				return 0;
			continue;
		}
		if (n == 0)
			conn_fail(c, "bmsd closed the connection before the reply ended");
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			conn_fail(c, "no reply from bmsd within " STR(REPLY_TIMEOUT_S) " s");
		conn_fail(c, strerror(errno));
	}
}

/* One reply: payload lines (with their "\n") into @payload, or the
 * message of "! message" into @err. */
static enum reply conn_reply(struct conn *c, struct sbuf *payload, struct sbuf *err)
{
	char *line;

	payload->len = 0;
	for (;;) {
		if (!conn_line(c, &line))
			return REPLY_STOP;
		if (line[0] == '.' && line[1] == '\0')
			return REPLY_OK;
		if (line[0] == '!') {
			const char *msg = line + 1;

			while (*msg == ' ')
				msg++;
			err->len = 0;
			sb_add(err, msg, strlen(msg));
			return REPLY_ERR;
		}
		sb_add(payload, line, strlen(line));
		sb_add(payload, "\n", 1);
	}
}

static int daemon_error(const struct sbuf *err)
{
	fprintf(stderr, "%s: ", prog);
	text_safe(stderr, err->len ? err->s : "bmsd reported an error");
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* One request, one reply; the payload (or, with @ok_json, {"ok":true})
 * goes to stdout. */
static int simple_request(struct opts *o, const char *req, bool ok_json)
{
	struct sbuf payload = { 0 }, err = { 0 };
	struct conn c;
	enum reply r;
	int rc = EXIT_OK;

	conn_open(&c, o);
	conn_request(&c, req);
	r = conn_reply(&c, &payload, &err);
	if (r == REPLY_ERR) {
		rc = daemon_error(&err);
	} else if (r == REPLY_OK && ok_json) {
		printf("{\"ok\":true");
		if (payload.len) {
			payload.s[--payload.len] = '\0';        /* the last "\n" */
			printf(",\"message\":");
			json_fprint_str(stdout, payload.s);
		}
		printf("}\n");
	} else if (r == REPLY_OK && payload.len) {
		fwrite(payload.s, 1, payload.len, stdout);
	}
	conn_close(&c);
	free(payload.s);
	free(err.s);
	return rc;
}

/* ---- commands ---- */

static int do_status(int argc, char **argv, struct opts *o);
static int do_watch(int argc, char **argv, struct opts *o);
static int do_events(int argc, char **argv, struct opts *o);
static int do_check_config(int argc, char **argv, struct opts *o);
static int do_reset_faults(int argc, char **argv, struct opts *o);
static int do_relays(int argc, char **argv, struct opts *o);
static int do_connect(int argc, char **argv, struct opts *o);
static int do_can(int argc, char **argv, struct opts *o);
static int do_set_soc(int argc, char **argv, struct opts *o);
static int do_reset_soc(int argc, char **argv, struct opts *o);
static int do_help(int argc, char **argv, struct opts *o);
static int do_version(int argc, char **argv, struct opts *o);

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

static const struct cmd *cmds(void)
{
	return cmd_table;
}

static const struct cmd *find_cmd(const char *name)
{
	for (const struct cmd *c = cmd_table; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int do_status(int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, find_cmd("status"), o);

	if (ch >= 0)
		return ch & 0xff;
	return simple_request(o, o->json ? "status json\n" : "status\n", false);
}

static int do_reset_faults(int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, find_cmd("reset-faults"), o);

	if (ch >= 0)
		return ch & 0xff;
	return simple_request(o, "reset-faults\n", o->json);
}

static int do_relays(int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, find_cmd("relays"), o);

	if (ch >= 0)
		return ch & 0xff;
	return simple_request(o, o->json ? "relays json\n" : "relays\n", false);
}

static int do_connect(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = find_cmd(argv[0]);
	int ch = plain_opts(argc, argv, c, o);
	char req[32];

	if (ch >= 0)
		return ch & 0xff;
	snprintf(req, sizeof(req), "%s\n", c->name);
	return simple_request(o, req, o->json);
}

static int do_can(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = find_cmd("can");
	int ch = next_opt(argc, argv, c, o, NULL, NULL);

	if (ch >= 0)
		return ch & 0xff;
	if (optind >= argc)
		return usage_error(c, "can needs a subcommand: stats");
	if (strcmp(argv[optind], "stats"))
		return usage_error(c, "unknown subcommand '%s' (expected stats)", argv[optind]);
	if (optind + 1 < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind + 1]);
	return simple_request(o, o->json ? "can-stats json\n" : "can-stats\n", false);
}

/* "REQ WORD WORD ...\n" from the operands, within the request limit; the
 * words may hold no control characters. Returns 0 or a usage status. */
static int join_request(const struct cmd *c, char *buf, size_t n, const char *req, int argc,
			char **argv, int from)
{
	size_t len = (size_t)snprintf(buf, n, "%s", req);

	for (int i = from; i < argc; i++) {
		for (const char *p = argv[i]; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return usage_error(c, "the reason may not hold control characters");
		for (const char *w = strtok(argv[i], " \t"); w; w = strtok(NULL, " \t")) {
			int k = snprintf(buf + len, n - len, " %s", w);

			if (k < 0 || (size_t)k >= n - len - 1)
				return usage_error(c, "the reason is too long (at most %zu bytes)",
						   n - strlen(req) - 3);
			len += (size_t)k;
		}
	}
	snprintf(buf + len, n - len, "\n");
	return 0;
}

static int do_set_soc(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = find_cmd("set-soc");
	char req[256], head[32], *end;
	int ch = next_opt(argc, argv, c, o, NULL, NULL), rc;
	double pct;

	if (ch >= 0)
		return ch & 0xff;
	if (optind >= argc)
		return usage_error(c, "set-soc needs a PERCENT and a REASON");
	pct = strtod(argv[optind], &end);
	if (end == argv[optind] || *end || !(pct >= 0.0 && pct <= 100.0))
		return usage_error(c, "PERCENT must be a number from 0 to 100, not '%s'",
				   argv[optind]);
	if (optind + 1 >= argc)
		return usage_error(c, "set-soc needs a REASON for the event log");
	snprintf(head, sizeof(head), "set-soc %u", (unsigned int)(pct * 10.0 + 0.5));
	rc = join_request(c, req, sizeof(req), head, argc, argv, optind + 1);
	if (rc)
		return rc;
	return simple_request(o, req, o->json);
}

static int do_reset_soc(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = find_cmd("reset-soc");
	char req[256];
	int ch = next_opt(argc, argv, c, o, NULL, NULL), rc;

	if (ch >= 0)
		return ch & 0xff;
	if (optind >= argc)
		return usage_error(c, "reset-soc needs a REASON for the event log");
	rc = join_request(c, req, sizeof(req), "reset-soc", argc, argv, optind);
	if (rc)
		return rc;
	return simple_request(o, req, o->json);
}

static int do_watch(int argc, char **argv, struct opts *o)
{
	struct sbuf payload = { 0 }, err = { 0 };
	int ch = plain_opts(argc, argv, find_cmd("watch"), o);
	bool tty, first = true;
	struct conn c;
	int rc = EXIT_OK;

	if (ch >= 0)
		return ch & 0xff;
	tty = !o->json && isatty(STDOUT_FILENO);
	catch_signals();
	conn_open(&c, o);
	conn_request(&c, o->json ? "watch json\n" : "watch\n");
	while (!stop) {
		enum reply r = conn_reply(&c, &payload, &err);

		if (r == REPLY_STOP)
			break;
		if (r == REPLY_ERR) {
			rc = daemon_error(&err);
			break;
		}
		if (tty) {
			/* home, each line cleared to its end, the rest cleared */
			fputs(first ? "\033[H\033[2J" : "\033[H", stdout);
			for (char *s = payload.s, *nl; s && *s; s = nl + 1) {
				nl = strchr(s, '\n');
				fwrite(s, 1, (size_t)(nl - s), stdout);
				fputs("\033[K\n", stdout);
			}
			fputs("\033[J", stdout);
		} else {
			fwrite(payload.s ? payload.s : "", 1, payload.len, stdout);
			if (!o->json)
				fputc('\n', stdout);
		}
		first = false;
		if (fflush(stdout) == EOF)
			break;
	}
	conn_close(&c);
	free(payload.s);
	free(err.s);
	return rc;
}

/* ---- events ---- */

static const char *prio_name(unsigned int p)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	};

	return p < 8 ? names[p] : "?";
}

static void print_rec(const struct evlog_rec *r, bool json)
{
	time_t t = (time_t)(r->realtime_us / 1000000u);
	unsigned int ms = (unsigned int)(r->realtime_us / 1000u % 1000u);
	char when[64];
	struct tm tm;

	if (json) {
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm))
			snprintf(when, sizeof(when), "?");
		printf("{\"seq\":%" PRIu64 ",\"time\":\"%s.%03uZ\",\"realtime_us\":%" PRIu64
		       ",\"mono_us\":%" PRIu64 ",\"prio\":\"%s\",\"code\":%u,\"text\":",
		       r->seq, when, ms, r->realtime_us, r->mono_us, prio_name(r->prio),
		       (unsigned int)r->code);
		json_fprint_str(stdout, r->text);
		fputs("}\n", stdout);
		return;
	}
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "(bad time)");
	printf("%s.%03u  %-7s  %3u  ", when, ms, prio_name(r->prio), (unsigned int)r->code);
	text_safe(stdout, r->text);
	fputc('\n', stdout);
}

struct ev_ctx {
	bool json;
	uint64_t since_us;      /* 0: everything */
	uint64_t after_seq;     /* print only records with a greater seq */
	uint64_t max_seq;       /* highest seq of this pass */
	unsigned long want;     /* -n: ring of this many records, 0: print directly */
	struct evlog_rec *ring;
	unsigned long ring_n, ring_head;
	uint64_t printed;
};

static int ev_cb(const struct evlog_rec *r, void *arg)
{
	struct ev_ctx *e = arg;

	if (r->seq > e->max_seq)
		e->max_seq = r->seq;
	if (r->seq <= e->after_seq || r->realtime_us < e->since_us)
		return 0;
	if (e->ring) {
		e->ring[e->ring_head] = *r;
		e->ring_head = (e->ring_head + 1) % e->want;
		if (e->ring_n < e->want)
			e->ring_n++;
		return 0;
	}
	print_rec(r, e->json);
	e->printed++;
	return 0;
}

static void ring_flush(struct ev_ctx *e)
{
	unsigned long i, start;

	if (!e->ring)
		return;
	start = (e->ring_head + e->want - e->ring_n) % e->want;
	for (i = 0; i < e->ring_n; i++)
		print_rec(&e->ring[(start + i) % e->want], e->json);
	e->printed += e->ring_n;
	e->ring_n = 0;
	e->ring_head = 0;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS]]" local, "@EPOCH", "-N{s,m,h,d}". */
static int parse_since(const char *s, uint64_t *out_us)
{
	struct tm tm;
	time_t t;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (s[0] == '@') {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(s + 1, &end, 10);
		if (errno || end == s + 1 || *end || v > UINT64_MAX / 1000000u)
			return -EINVAL;
		*out_us = (uint64_t)v * 1000000u;
		return 0;
	}
	if (s[0] == '-') {
		char *end;
		unsigned long v;
		unsigned long mul;
		struct timespec now;

		errno = 0;
		v = strtoul(s + 1, &end, 10);
		if (errno || end == s + 1 || !end[0] || end[1])
			return -EINVAL;
		switch (end[0]) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -EINVAL;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		if (v > (unsigned long)now.tv_sec / mul)
			*out_us = 0;
		else
			*out_us = ((uint64_t)now.tv_sec - (uint64_t)v * mul) * 1000000u;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 ||
	    n != 10)
		return -EINVAL;
	s += n;
	if (*s == ' ' || *s == 'T') {
		int m = 0;

		if (sscanf(s + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2 || m != 5)
			return -EINVAL;
		s += 1 + m;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &tm.tm_sec, &m) != 1 || m != 2)
				return -EINVAL;
			s += 1 + m;
		}
	}
	if (*s || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return -EINVAL;
	*out_us = (uint64_t)t * 1000000u;
	return 0;
}

static void report_damage(const char *dir, const struct evlog_read_stats *st,
			  uint64_t *reported)
{
	if (st->corrupt <= *reported)
		return;
	fprintf(stderr, "%s: %s: skipped %" PRIu64 " bytes in %" PRIu64
		" corrupt stretch%s of the event log\n", prog, dir, st->skipped_bytes,
		st->corrupt, st->corrupt == 1 ? "" : "es");
	*reported = st->corrupt;
}

static int do_events(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "dir", required_argument, 0, 'd' },
		{ "lines", required_argument, 0, 'n' },
		{ "since", required_argument, 0, OPT_SINCE },
		{ "follow", no_argument, 0, 'f' },
		{ 0, 0, 0, 0 },
	};
	const struct cmd *c = find_cmd("events");
	struct evlog_read_stats st;
	struct ev_ctx e = { 0 };
	const char *dir = DEFAULT_EVDIR;
	uint64_t reported = 0;
	bool follow = false, none = false;
	int ch, rc;

	while ((ch = next_opt(argc, argv, c, o, "d:n:f", lopts)) >= 0) {
		char *end;

		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			errno = 0;
			e.want = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    e.want > EVENTS_N_MAX)
				return usage_error(c, "-n wants a number from 0 to %lu, not '%s'",
						   EVENTS_N_MAX, optarg);
			none = e.want == 0;     /* nothing now, only new ones */
			break;
		case OPT_SINCE:
			if (parse_since(optarg, &e.since_us) < 0)
				return usage_error(c, "--since wants 'YYYY-MM-DD [HH:MM[:SS]]', "
						   "'@EPOCH' or '-N{s,m,h,d}', not '%s'", optarg);
			break;
		case 'f':
			follow = true;
			break;
		default:
			return ch & 0xff;
		}
	}
	if (optind < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	e.json = o->json;
	if (none)
		e.after_seq = UINT64_MAX;
	if (e.want) {
		e.ring = calloc(e.want, sizeof(*e.ring));
		if (!e.ring)
			die_nomem();
	}
	catch_signals();
	rc = evlog_read(dir, ev_cb, &e, &st);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot read the event log in %s: %s\n", prog, dir,
			evlog_error());
		free(e.ring);
		return EXIT_FAIL;
	}
	report_damage(dir, &st, &reported);
	ring_flush(&e);
	free(e.ring);
	e.ring = NULL;
	e.after_seq = e.max_seq;
	fflush(stdout);
	while (follow && !stop) {
		struct timespec ts = { 0, FOLLOW_MS * 1000000L };
		uint64_t before = e.after_seq;

		if (nanosleep(&ts, NULL) < 0 && stop)
			break;
		e.max_seq = 0;
		rc = evlog_read(dir, ev_cb, &e, &st);
		if (rc < 0)
			continue;       /* rotation or a directory being recreated: retry */
		report_damage(dir, &st, &reported);
		if (st.records && e.max_seq < before) {
			/* the log was started afresh: everything in it is new */
			e.after_seq = 0;
			evlog_read(dir, ev_cb, &e, &st);
		}
		if (e.max_seq > e.after_seq)
			e.after_seq = e.max_seq;
		if (fflush(stdout) == EOF)
			break;
	}
	return EXIT_OK;
}

/* ---- check-config ---- */

static int do_check_config(int argc, char **argv, struct opts *o)
{
	static struct cfg cfg;  /* large; one per run */
	const struct cmd *c = find_cmd("check-config");
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

static int do_help(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = find_cmd("help"), *t;
	int ch = next_opt(argc, argv, c, o, NULL, NULL);

	if (ch >= 0)
		return ch & 0xff;
	if (optind + 1 < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc) {
		t = find_cmd(argv[optind]);
		if (!t)
			return usage_error(NULL, "unknown command '%s'", argv[optind]);
		cmd_usage(stdout, t);
		return EXIT_OK;
	}
	usage(stdout);
	return EXIT_OK;
}

static int do_version(int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, find_cmd("version"), o);

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
			return usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt > ' ' && optopt < 0x7f)
				return usage_error(NULL, "unknown option '-%c'", optopt);
			return usage_error(NULL, "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error(NULL, "no command given");
	c = find_cmd(argv[optind]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	/* the command parses its own options from its name on */
	argc -= optind;
	argv += optind;
	optind = 0;     /* GNU getopt: start afresh, at argv[1] */
	return c->fn(argc, argv, &o);
}
