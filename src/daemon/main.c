/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd: the battery-management daemon. One event loop: the MCU link over
 * CAN, the control socket, signals, and the periodic work.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "bmsd.h"
#include "publish.h"
#include "bmsd_link.h"
#include "bmsd_batt.h"
#include "events.h"
#include "can_if.h"
#include "log.h"
#include "modbus_if.h"
#include "status.h"
#include "version.h"

#define DEFAULT_CONFIG BMSD_DEFAULT_CONFIG
#define DEFAULT_SOCKET BMSD_DEFAULT_SOCKET
#define TICK_MS 10u
#define SLOW_MS 1000u

static const char *prog = "bmsd";

/* ---- GPIO lines ------------------------------------------------------ */

static void gpio_close_all(struct bmsd *b)
{
	for (unsigned int i = 0; i < BMSD_GPIO_COUNT; i++) {
		gpio_line_close(b->gpio[i]);
		b->gpio[i] = NULL;
	}
}

static const char *const gpio_names[BMSD_GPIO_COUNT] = {
	[BMSD_GPIO_RUN_LED] = "run_led",
	[BMSD_GPIO_FAULT_LED] = "fault_led",
	[BMSD_GPIO_MCU_RESET] = "mcu_reset",
	[BMSD_GPIO_MCU_BOOT0] = "mcu_boot0",
	[BMSD_GPIO_RS485_DE] = "rs485_de",
};

static const struct cfg_gpio_line *cfg_gpio(const struct cfg *c, unsigned int which)
{
	switch (which) {
	case BMSD_GPIO_RUN_LED:
		return &c->gpio.run_led;
	case BMSD_GPIO_FAULT_LED:
		return &c->gpio.fault_led;
	case BMSD_GPIO_MCU_RESET:
		return &c->gpio.mcu_reset;
	case BMSD_GPIO_MCU_BOOT0:
		return &c->gpio.mcu_boot0;
	case BMSD_GPIO_RS485_DE:
		return &c->gpio.rs485_de;
	default:
		return NULL;
	}
}

/* Lines are optional; one that cannot be had is reported and left out,
 * so that a wrong LED line never keeps the pack from running. */
static void gpio_open_all(struct bmsd *b, const struct cfg *c)
{
	for (unsigned int i = 0; i < BMSD_GPIO_COUNT; i++) {
		const struct cfg_gpio_line *g = cfg_gpio(c, i);
		int rc;

		if (!g || !g->configured)
			continue;
		/* reset released, BOOT0 low (run from flash), transceiver in
		 * receive, LEDs off: every line starts at logical 0 */
		rc = gpio_line_open(&b->gpio[i], g->chip, g->line, g->active_low, 0, "bmsd");
		if (rc < 0)
			bmsd_event(b, EV_LINK_ERROR, LOG_WARNING, "gpio %s (%s line %s): %s",
				   gpio_names[i], g->chip, g->line, strerror(-rc));
	}
}

static void bmsd_gpio_set(struct bmsd *b, unsigned int which, int v)
{
	if (b->gpio[which])
		gpio_line_set(b->gpio[which], v);
}

/* ---- faults and the outputs ------------------------------------------ */

/* The bridge names its board in VERSION; a config written for the other
 * board means miswired roles, so it is said loudly (once per MCU start). */
static void check_board(struct bmsd *b)
{
	const struct bp_version *v = pmodel_version(&b->pm);
	const struct profile *p = cfg_profile(b->cfg);
	uint8_t hw;

	if (!v)
		return;
	hw = v->hw;
	if (hw == b->hw_seen)
		return;
	b->hw_seen = hw;
	if (hw == 0x7Fu || hw == p->hw_id)
		return;
	bmsd_event(b, EV_LINK_ERROR, LOG_ERR,
		   "the MCU reports board id %u, but the config is for %s (id %u): check board:",
		   hw, p->name, p->hw_id);
}

/* Faults that bmsd itself sees are logged as they change; the relays
 * and outputs are the battery logic's (batt.c). */
static void control(struct bmsd *b)
{
	unsigned int f = bmsd_faults(b);
	uint8_t relays, dos;
	char t[160];

	if (f != b->faults) {
		fault_list(f, t, sizeof(t), ", ", false);
		bmsd_event(b, EV_MCU_FAULTS, f ? LOG_WARNING : LOG_NOTICE, "faults: %s",
			   f ? t : "none");
		b->faults = f;
	}
	if (!b->cfg || !b->link_ready)
		return;
	check_board(b);
	bmsd_batt_tick(b, loop_now_us());
	link_get_outputs(&b->link, &relays, &dos);
	if (link_state(&b->link) != LINK_UP)
		relays = 0;
	if (relays != b->relays_logged) {
		bmsd_event(b, EV_RELAYS, LOG_NOTICE, "relays commanded 0x%x (was 0x%x)", relays,
			   b->relays_logged);
		b->relays_logged = relays;
	}
}

/* ---- control socket -------------------------------------------------- */

/* A status request shows the state of this moment, not the last 100 ms
 * publication: right after a reset, a connect or an input change, a view up
 * to 100 ms old would still show the state before it. The view is published
 * for the request, and the buses' 100 ms cycle keeps its phase. */
static const struct view *view_now(struct bmsd *b)
{
	uint64_t at = b->view_ms;

	bmsd_publish(b, loop_now_ms());
	b->view_ms = at;
	return &b->view;
}

static int cmd_status(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	bool json = argc > 1 && !strcmp(argv[1], "json");

	if (argc > 2 || (argc == 2 && !json))
		return ctl_error(r, "usage: %s [json]", argv[0]);
	return status_render(view_now(b), loop_now_ms(), r, json);
}

static int bmsd_reset_faults(struct bmsd *b, const char *who, char *why, size_t n)
{
	int rc;

	if (!b->cfg) {
		snprintf(why, n, "bmsd is unconfigured: %s", b->cfg_err.msg);
		return -EAGAIN;
	}
	rc = link_trip_reset(&b->link);
	if (rc < 0) {
		snprintf(why, n, "the MCU link is not up (%s); nothing was reset",
			 link_state_name(link_state(&b->link)));
		return rc;
	}
	batt_reset(&b->batt, link_mcu_safety(&b->link) == BP_SAFETY_TRIPPED);
	bmsd_event(b, EV_FAULT_RESET, LOG_NOTICE, "fault reset requested by %s", who);
	return 0;
}

static int bmsd_set_connect(struct bmsd *b, bool connect, const char *who, char *why, size_t n)
{
	if (!b->cfg) {
		snprintf(why, n, "bmsd is unconfigured: %s", b->cfg_err.msg);
		return -EAGAIN;
	}
	if (!batt_set_connect(&b->batt, connect))
		return 0;
	bmsd_event(b, EV_OPERATION, LOG_NOTICE, "%s requested by %s",
		   connect ? "connect" : "disconnect", who);
	return 0;
}

/* ---- the host of the interfaces (iface/host.h) ------------------------ */

static void host_ev(void *arg, unsigned int code, int prio, const char *text)
{
	bmsd_event(arg, code, prio, "%s", text);
}

static void host_output(void *arg, enum host_output which, bool on)
{
	if (which == HOST_OUT_RS485_DE)
		bmsd_gpio_set(arg, BMSD_GPIO_RS485_DE, on);
}

static int host_reset(void *arg, const char *who, char *why, size_t n)
{
	return bmsd_reset_faults(arg, who, why, n);
}

static int host_connect(void *arg, bool connect, const char *who, char *why, size_t n)
{
	return bmsd_set_connect(arg, connect, who, why, n);
}

static void init_host(struct bmsd *b)
{
	b->host = (struct host){ .arg = b, .event = host_ev, .set_output = host_output,
				 .reset = host_reset, .connect = host_connect };
}

static int cmd_reset_faults(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	char why[600];

	if (argc != 1)
		return ctl_error(r, "usage: reset-faults");
	if (bmsd_reset_faults(b, "the control socket", why, sizeof(why)) < 0)
		return ctl_error(r, "%s", why);
	ctl_printf(r, "fault reset sent to the MCU\n");
	return 0;
}

static int cmd_relays(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	bool json = argc > 1 && !strcmp(argv[1], "json");

	if (argc > 2 || (argc == 2 && !json))
		return ctl_error(r, "usage: %s [json]", argv[0]);
	return relays_render(view_now(b), r, json);
}

static int cmd_connect(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	bool on = !strcmp(argv[0], "connect");
	char why[600];

	if (argc != 1)
		return ctl_error(r, "usage: %s", argv[0]);
	if (bmsd_set_connect(b, on, "the control socket", why, sizeof(why)) < 0)
		return ctl_error(r, "%s", why);
	ctl_printf(r, on ? "connect requested: the contactors close when nothing blocks them\n"
			 : "disconnect requested: soft stop, then the contactors open\n");
	return 0;
}

static int cmd_version(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	ctl_printf(r, "bmsd %s (bridge protocol %u)\n", BMSD_VERSION, BP_PROTO_VERSION);
	return 0;
}

static void bmsd_ctl_close(struct bmsd *b)
{
	ctl_close(b->ctl);
	b->ctl = NULL;
}

/* The socket's directory comes from systemd (RuntimeDirectory=); when bmsd
 * runs by hand it makes the last level itself. */
static void make_parent(const char *path)
{
	char dir[CFG_SOCKET_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		log_warn("cannot create %s: %s", dir, strerror(errno));
}

static int cmd_can_stats(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	const struct bmsd *b = arg;
	bool json = argc == 2 && !strcmp(argv[1], "json");

	if (argc > 2 || (argc == 2 && !json))
		return ctl_error(r, "usage: %s [json]", argv[0]);
	return can_if_stats(b->xc, r, json);
}

static void bmsd_ctl_open(struct bmsd *b, const char *path, const char *group)
{
	char err[256];
	int rc;

	bmsd_ctl_close(b);
	make_parent(path);
	rc = ctl_open(&b->ctl, b->loop, path, group, err, sizeof(err));
	if (rc < 0) {
		b->ctl = NULL;
		bmsd_event(b, EV_LINK_ERROR, LOG_ERR, "%s", err);
		return;
	}
	ctl_register(b->ctl, "status", cmd_status, b);
	ctl_register(b->ctl, "reset-faults", cmd_reset_faults, b);
	ctl_register(b->ctl, "version", cmd_version, b);
	ctl_register(b->ctl, "relays", cmd_relays, b);
	ctl_register(b->ctl, "connect", cmd_connect, b);
	ctl_register(b->ctl, "disconnect", cmd_connect, b);
	bmsd_batt_ctl(b);
	ctl_register(b->ctl, CAN_IF_STATS_CMD, cmd_can_stats, b);
	ctl_register_watch(b->ctl, cmd_status, b);
}

static const char *bmsd_board_name(const struct cfg *c)
{
	const struct profile *p = c ? cfg_profile(c) : NULL;

	return p ? p->name : "none";
}

/* ---- configuration --------------------------------------------------- */

/* Apply @n (already valid) as the running config. @old is NULL at start. */
static void config_apply(struct bmsd *b, struct cfg *n)
{
	struct cfg *old = b->cfg;
	int rc;

	b->cfg = n;
	if (!old || strcmp(old->event_log.dir, n->event_log.dir) ||
	    old->event_log.max_KiB != n->event_log.max_KiB ||
	    old->event_log.sync != n->event_log.sync) {
		evlog_close(b->ev);
		b->ev = NULL;
		rc = evlog_open(&b->ev, n->event_log.dir, n->event_log.max_KiB * 1024u,
				n->event_log.sync, b->dw);
		if (rc < 0)
			log_err("event log %s: %s; events go to the journal only",
				n->event_log.dir, evlog_error());
	}
	if (!old || memcmp(&old->gpio, &n->gpio, sizeof(n->gpio))) {
		gpio_close_all(b);
		gpio_open_all(b, n);
	}
	if (b->socket_override) {
		if (!b->ctl)
			bmsd_ctl_open(b, b->socket_override, n->control.group);
	} else if (!old || strcmp(old->control.socket, n->control.socket) ||
	    strcmp(old->control.group, n->control.group))
		bmsd_ctl_open(b, n->control.socket, n->control.group);

	bmsd_link_apply(b, old);
	free(old);
	bmsd_batt_apply(b);
	modbus_if_reconfigure(&b->mb, &b->host, b->loop, b->cfg, &b->view);
	can_if_reconfigure(&b->xc, &b->host, b->loop, b->cfg, &b->view);
}

/* Load the file named at start. Returns 0 when applied. */
static int config_load(struct bmsd *b, bool reload)
{
	struct cfg *n = calloc(1, sizeof(*n));
	int rc;

	if (!n)
		return -ENOMEM;
	rc = cfg_load(b->cfg_path, n, &b->cfg_err);
	if (rc < 0) {
		b->cfg_err_set = true;
		free(n);
		if (reload && b->cfg)
			bmsd_event(b, EV_CONFIG_REFUSED, LOG_ERR,
				   "reload refused, keeping the running config: %s",
				   b->cfg_err.msg);
		else
			bmsd_event(b, EV_UNCONFIGURED, LOG_CRIT,
				   "no valid config, the pack does not run and the contactors stay open: %s",
				   b->cfg_err.msg);
		return rc;
	}
	config_apply(b, n);
	bmsd_event(b, EV_CONFIG_APPLIED, LOG_NOTICE, "config %s %s (board %s)", b->cfg_path,
		   reload ? "reloaded" : "applied", bmsd_board_name(n));
	return 0;
}

/* ---- supervision ----------------------------------------------------- */

static void notify_status(struct bmsd *b, bool force)
{
	char line[256], msg[sizeof(line) + 8];

	/* forced at start and after a reload: publish first, so that this line
	 * and the status requests that follow show the configuration just read */
	if (force) {
		bmsd_publish(b, loop_now_ms());
		modbus_if_publish(b->mb, &b->view);
	}
	status_line(&b->view, line, sizeof(line));
	if (!force && !strcmp(line, b->status_line))
		return;
	snprintf(b->status_line, sizeof(b->status_line), "%s", line);
	/* sd_notifyf() allocates; a stack buffer keeps the loop allocation-free */
	snprintf(msg, sizeof(msg), "STATUS=%s", line);
	sd_notify(0, msg);
}

/* The watchdog is fed only when the loop keeps turning and the 10 ms tick
 * keeps running: a stuck handler or a stalled timer starves it. */
static void on_watchdog(void *arg, uint64_t n)
{
	struct bmsd *b = arg;
	uint64_t now = loop_now_ms();
	uint64_t rounds = loop_rounds(b->loop);

	if (rounds != b->wd_rounds && now - b->last_tick_ms < 500u)
		sd_notify(0, "WATCHDOG=1");
	else
		log_warn("loop unhealthy (last tick %" PRIu64 " ms ago), watchdog not fed",
			 now - b->last_tick_ms);
	b->wd_rounds = rounds;
}

static void on_tick(void *arg, uint64_t n)
{
	struct bmsd *b = arg;
	uint64_t now = loop_now_ms();

	b->last_tick_ms = now;
	if (!b->cfg)
		return;
	bmsd_link_tick(b, now);
	if (b->link_ready)
		control(b);
	if (now - b->view_ms >= 100u) {
		bmsd_publish(b, now);
		modbus_if_publish(b->mb, &b->view);
	}
	can_if_tick(b->xc, now);
}

static void on_slow(void *arg, uint64_t n)
{
	struct bmsd *b = arg;
	bool fault = bmsd_faults(b) != 0 || b->view.alarms || b->view.criticals;

	/* run LED: 1 Hz heartbeat of the loop; fault LED: steady on fault */
	b->run_led_on = !b->run_led_on;
	bmsd_gpio_set(b, BMSD_GPIO_RUN_LED, b->run_led_on);
	bmsd_gpio_set(b, BMSD_GPIO_FAULT_LED, fault);
	notify_status(b, false);
	if (b->ctl)
		ctl_watch_tick(b->ctl);
}

/* ---- signals --------------------------------------------------------- */

static void on_signal(int fd, uint32_t events, void *arg)
{
	struct bmsd *b = arg;
	struct signalfd_siginfo si;
	char msg[64];

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
				 loop_now_us());
			sd_notify(0, msg);
			bmsd_event(b, EV_RELOAD, LOG_NOTICE, "SIGHUP: reloading %s", b->cfg_path);
			config_load(b, true);
			sd_notify(0, "READY=1");
			notify_status(b, true);
			break;
		case SIGTERM:
		case SIGINT:
			log_notice("%s: stopping", strsignal((int)si.ssi_signo));
			loop_quit(b->loop);
			break;
		default:
			break;
		}
	}
}

/* ---- main ------------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [options]\n"
		"The battery-management daemon: runs the pack from the bridge MCU's stream.\n"
		"\n"
		"  -c, --config FILE        configuration (default " DEFAULT_CONFIG ")\n"
		"  -s, --socket PATH        control socket, in place of control.socket (and of\n"
		"                           " DEFAULT_SOCKET " while unconfigured)\n"
		"      --check-config FILE  validate FILE, print the result, exit 0 or 1\n"
		"  -v, --verbose            debug messages\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               this help\n"
		"\n"
		"Signals: SIGHUP reloads the configuration (kept if the new file is invalid);\n"
		"SIGTERM and SIGINT stop. See bmsd(8) and bmsd.yaml(5).\n",
		prog);
}

static int check_config(const char *path)
{
	struct cfg *c = calloc(1, sizeof(*c));
	struct cfg_error err;
	int rc;

	if (!c) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	rc = cfg_load(path, c, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	else
		printf("%s: ok (board %s)\n", path, bmsd_board_name(c));
	free(c);
	return rc < 0 ? 1 : 0;
}

/* Returns ARGS_RUN, or the exit status when the options end here
 * (--check-config, --version, --help, a usage error). */
#define ARGS_RUN (-1)

static int parse_args(struct bmsd *b, int argc, char **argv, bool *verbose)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;

	b->cfg_path = DEFAULT_CONFIG;
	while ((o = getopt_long(argc, argv, "c:s:vVh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			b->cfg_path = optarg;
			break;
		case 's':
			b->socket_override = optarg;
			break;
		case 'C':
			return check_config(optarg);
		case 'v':
			*verbose = true;
			break;
		case 'V':
			printf("bmsd %s (bridge protocol %u)\n", BMSD_VERSION, BP_PROTO_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 64;
	}
	return ARGS_RUN;
}

/*
 * Start-up and shutdown, one step each: main() runs the inits in order and
 * the finis in the reverse order. An init that fails ends the process at
 * once; what it leaves open, the exit closes, and with no heartbeat the
 * MCU keeps every contactor open.
 */

static void init_log(bool verbose)
{
	log_init(verbose ? LOG_DEBUG : LOG_INFO);
}

static int init_loop(struct bmsd *b)
{
	int rc = loop_new(&b->loop);

	if (rc < 0)
		log_err("event loop and disk writer: %s", strerror(-rc));
	return rc;
}

static void fini_loop(struct bmsd *b)
{
	loop_free(b->loop);
	b->loop = NULL;
}

static int init_diskw(struct bmsd *b)
{
	int rc = diskw_new(&b->dw, b->loop);

	if (rc < 0)
		log_err("event loop and disk writer: %s", strerror(-rc));
	return rc;
}

/* after everything that submits to it: what is queued is written first */
static void fini_diskw(struct bmsd *b)
{
	diskw_free(b->dw);
	b->dw = NULL;
}

static int init_signals(struct bmsd *b)
{
	sigset_t set;
	int rc;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		rc = -errno;
		goto fail;
	}
	/* a peer that vanishes mid-write is an EPIPE, not a death */
	signal(SIGPIPE, SIG_IGN);
	b->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (b->sfd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = loop_add_fd(b->loop, b->sfd, EPOLLIN, on_signal, b);
	if (rc == 0)
		return 0;
fail:
	log_err("signals: %s", strerror(-rc));
	return rc;
}

static void fini_signals(struct bmsd *b)
{
	loop_del_fd(b->loop, b->sfd);
	close(b->sfd);
	b->sfd = -1;
}

/* the view's serial, and the time from which the start is reported */
static void init_identity(struct bmsd *b)
{
	b->started_ms = loop_now_ms();
	b->last_tick_ms = b->started_ms;
	bmsd_identity(b);
}

/* The configuration and all that it opens: the event log, the GPIO lines,
 * the control socket, the MCU link, the battery logic and the interfaces. */
static void init_config(struct bmsd *b)
{
	if (config_load(b, false) < 0) {
		/* Unconfigured: no link, no heartbeat, so the MCU keeps every
		 * contactor open. The control socket tells why. */
		bmsd_ctl_open(b, b->socket_override ? b->socket_override : DEFAULT_SOCKET, "");
	}
}

static void fini_config(struct bmsd *b)
{
	bmsd_batt_stop(b);
	bmsd_ctl_close(b);
	modbus_if_fini(&b->mb);
	can_if_fini(&b->xc);
	bmsd_link_close(b);
	gpio_close_all(b);
	evlog_close(b->ev);
	b->ev = NULL;
	free(b->cfg);
	b->cfg = NULL;
}

static int init_timers(struct bmsd *b)
{
	if (loop_add_timer(b->loop, TICK_MS, on_tick, b) < 0 ||
	    loop_add_timer(b->loop, SLOW_MS, on_slow, b) < 0) {
		log_err("timers: cannot create");
		return -1;
	}
	return 0;
}

static void init_watchdog(struct bmsd *b)
{
	uint64_t wd_usec = 0;

	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000u) {
		uint32_t ms = (uint32_t)(wd_usec / 2000u);

		if (loop_add_timer(b->loop, ms ? ms : 1u, on_watchdog, b) < 0)
			log_err("watchdog timer: cannot create");
	}
}

static void init_ready(struct bmsd *b)
{
	bmsd_event(b, EV_START, LOG_NOTICE, "bmsd %s started in %" PRIu64 " ms, %s",
		   BMSD_VERSION, loop_now_ms() - b->started_ms,
		   b->cfg ? "configured" : "unconfigured");
	notify_status(b, true);
	sd_notify(0, "READY=1");
}

/* Before anything closes: the outputs are commanded open now rather than
 * at the floor's heartbeat timeout, and the stop reaches the event log. */
static void fini_ready(struct bmsd *b)
{
	sd_notify(0, "STOPPING=1");
	if (b->link_ready && link_state(&b->link) == LINK_UP)
		link_set_outputs(&b->link, 0, 0);
	bmsd_event(b, EV_STOP, LOG_NOTICE, "bmsd stopping: outputs commanded open, heartbeat ends");
}

int main(int argc, char **argv)
{
	static struct bmsd b;
	bool verbose = false;
	int rc;

	rc = parse_args(&b, argc, argv, &verbose);
	if (rc != ARGS_RUN)
		return rc;

	init_log(verbose);
	if (init_loop(&b) < 0 || init_diskw(&b) < 0 || init_signals(&b) < 0)
		return 1;
	init_identity(&b);
	init_host(&b);
	init_config(&b);
	if (init_timers(&b) < 0)
		return 1;
	init_watchdog(&b);
	init_ready(&b);

	rc = loop_run(b.loop);
	if (rc < 0)
		log_err("event loop: %s", strerror(-rc));

	fini_ready(&b);
	/* the watchdog's and the other timers go with the loop; the host and
	 * the identity hold nothing */
	fini_config(&b);
	fini_signals(&b);
	fini_diskw(&b);
	fini_loop(&b);
	return rc < 0 ? 1 : 0;
}
