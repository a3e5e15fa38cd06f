/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands that talk to bmsd over its control socket (protocol in
 * src/iface/ctl.h): one request and its reply, or a watch that lasts until
 * a signal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bmsctl_cmd.h"
#include "bmsctl_req.h"
#include "json.h"

#define REPLY_TIMEOUT_S 10
#define STR_(x) #x
#define STR(x) STR_(x)
#define LINE_MAX_BYTES (1024 * 1024)

/* ---- the connection ---- */

struct sbuf {
	char *s;
	size_t len, cap;
};

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

/* ---- the commands ---- */

int do_status(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, c, o);

	if (ch >= 0)
		return ch & 0xff;
	return simple_request(o, o->json ? "status json\n" : "status\n", false);
}

int do_reset_faults(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, c, o);

	if (ch >= 0)
		return ch & 0xff;
	return simple_request(o, "reset-faults\n", o->json);
}

int do_relays(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, c, o);

	if (ch >= 0)
		return ch & 0xff;
	return simple_request(o, o->json ? "relays json\n" : "relays\n", false);
}

int do_connect(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	int ch = plain_opts(argc, argv, c, o);
	char req[32];

	if (ch >= 0)
		return ch & 0xff;
	snprintf(req, sizeof(req), "%s\n", c->name);
	return simple_request(o, req, o->json);
}

int do_can(const struct cmd *c, int argc, char **argv, struct opts *o)
{
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

int do_set_soc(const struct cmd *c, int argc, char **argv, struct opts *o)
{
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

int do_reset_soc(const struct cmd *c, int argc, char **argv, struct opts *o)
{
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

int do_watch(const struct cmd *cmd, int argc, char **argv, struct opts *o)
{
	struct sbuf payload = { 0 }, err = { 0 };
	int ch = plain_opts(argc, argv, cmd, o);
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
