/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bms-sim: the bridge firmware core on the host, around a simulated pack.
 * One epoll loop: a 1 ms timerfd runs the firmware tick, the CAN link and
 * the control socket are served as they become readable.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "canio.h"
#include "core/fw.h"
#include "hal/hal_gpio.h"
#include "hal/hal_sys.h"
#include "hal_host.h"
#include "scenario.h"
#include "simcfg.h"

#define MAX_CLIENTS 8
#define MAX_CATCHUP_TICKS 50 /* after a stall, run at most this many ticks at once */

struct client {
	int fd;
	char buf[512];
	size_t len;
};

static struct sim sim;
static struct fw fw;
static struct scenario_script script;
static bool have_script;
static struct client clients[MAX_CLIENTS];
static int verbose;
static uint32_t tick_ms;
static double pack_us_frac;
static struct bp_config preset;  /* the configuration bms-sim presets for itself */
static long watchdog_ms;         /* --watchdog: 0 = not emulated */

static const char *prog = "bms-sim";

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "bms-sim[%5" PRIu32 ".%03" PRIu32 "]: ", tick_ms / 1000, tick_ms % 1000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s --link URI [options]\n"
		"Run the bridge firmware core on a simulated pack, streaming the bridge\n"
		"protocol on URI (socketcan:IFACE or slcan:TTY).\n"
		"\n"
		"  -l, --link URI          CAN link to the daemon (required)\n"
		"  -p, --profile NAME      board profile: main-2r or main-2.1 (default main-2.1)\n"
		"  -b, --boards N          Logic boards, 1..32 (default 1)\n"
		"  -c, --cells N           cells per board, 1..24 (default 16)\n"
		"  -t, --temps N           temperature sensors per board, 0..8 (default 4)\n"
		"      --capacity-mAh N    cell capacity (default 100000)\n"
		"      --soc PCT           initial state of charge (default 50)\n"
		"      --chem lfp|nmc      cell chemistry (default lfp)\n"
		"      --current-mA N      demanded current at start, + = charging (default 0)\n"
		"      --gain-error PCT    gain error of both current sensors (default 0)\n"
		"  -s, --scale X           pack seconds per wall second, 0.1..1000 (default 1)\n"
		"  -S, --scenario FILE     run a timed scenario script\n"
		"  -C, --control PATH      serve the command language on a Unix socket\n"
		"      --feedback DI=RELAY wire discrete input DI to relay RELAY's contacts\n"
		"      --seed N            seed of spreads and noise (default 1)\n"
		"      --bitrate N         CAN bitrate to request (default 1000000)\n"
		"      --duration S        stop after S wall seconds\n"
		"      --watchdog MS       emulate the MCU's independent watchdog: a stall of\n"
		"                          the tick loop longer than MS resets the firmware\n"
		"  -v, --verbose           log LED and board changes too\n"
		"  -h, --help              this text\n"
		"  -V, --version           firmware and protocol versions\n",
		prog);
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "%s: %s: '%s' is not an integer in %ld..%ld\n", prog, opt, s, lo,
			hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "%s: %s: '%s' is not a number in %g..%g\n", prog, opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- firmware state as JSON, for the control socket ------------------- */

static int fw_json(char *buf, size_t cap)
{
	const struct safety *s = &fw.safety;

	return snprintf(buf, cap,
			"{\"safety\":\"%s\",\"trip\":%u,\"cfg_state\":%u,\"cfg_crc\":%" PRIu32
			",\"relays\":%u,\"relay_cmd\":%u,\"contacts\":%u,\"dos\":%u,\"di\":%u"
			",\"leds\":%u,\"hb_alive\":%s,\"trip_hb_age_ms\":%" PRIu32
			",\"boards_online\":%u,\"tx_frames\":%" PRIu32 ",\"tx_dropped\":%" PRIu32
			",\"rx_frames\":%" PRIu32 ",\"rx_bad\":%" PRIu32 ",\"trips\":%" PRIu32
			",\"in_mAs\":%" PRIu64 ",\"out_mAs\":%" PRIu64 ",\"I_mA\":%" PRId32
			",\"t_ms\":%" PRIu32 "}",
			safety_state_name(s->state), s->trip, fw.cfg_state, fw.cfg_crc, fw.relays,
			s->relay_cmd, sim.relay_contacts, fw.dos, fw.dio.stable, sim.leds,
			s->hb_alive ? "true" : "false", s->trip_hb_age_ms,
			lbus_online_count(&fw.lb), fw.st.tx_frames, fw.st.tx_dropped,
			fw.st.rx_frames, fw.st.rx_bad, fw.st.trips, fw.meas.out.in_mAs,
			fw.meas.out.out_mAs, fw.meas.out.I_mA, tick_ms);
}

static void handle_line(struct client *c, char *line)
{
	char reply[2048];
	size_t n;

	if (!strcmp(line, "fw")) {
		fw_json(reply, sizeof(reply));
	} else {
		scenario_exec(&sim, line, reply, sizeof(reply));
	}
	n = strlen(reply);
	if (n < sizeof(reply) - 1)
		reply[n++] = '\n';
	if (write(c->fd, reply, n) < 0) {
		/* a client that does not read is dropped at its next read */
	}
}

static void client_close(int ep, struct client *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static void client_read(int ep, struct client *c)
{
	ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	char *nl;

	if (r <= 0) {
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			client_close(ep, c);
		return;
	}
	c->len += (size_t)r;
	c->buf[c->len] = 0;
	while ((nl = strchr(c->buf, '\n'))) {
		*nl = 0;
		if (nl > c->buf && nl[-1] == '\r')
			nl[-1] = 0;
		handle_line(c, c->buf);
		memmove(c->buf, nl + 1, c->len - (size_t)(nl + 1 - c->buf) + 1);
		c->len -= (size_t)(nl + 1 - c->buf);
	}
	if (c->len == sizeof(c->buf) - 1) {
		static const char msg[] = "error: line too long\n";

		if (write(c->fd, msg, sizeof(msg) - 1) < 0) {
			/* dropped below anyway */
		}
		client_close(ep, c);
	}
}

static int control_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: control socket path too long: %s\n", prog, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		fprintf(stderr, "%s: control socket %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the world around the firmware ------------------------------------ */

struct watch {
	uint8_t safety, cfg_state, leds;
	uint16_t trip;
	uint32_t online;
	bool link_down;
};

static void report_changes(struct watch *w)
{
	uint32_t online = lbus_online_mask(&fw.lb);

	if (fw.safety.state != w->safety || fw.safety.trip != w->trip) {
		if (fw.safety.state == BP_SAFETY_TRIPPED && (fw.safety.trip & BP_TRIP_HEARTBEAT))
			logf_("safety floor: %s (trip 0x%04x), heartbeat silent for %" PRIu32
			      " ms, relays open",
			      safety_state_name(fw.safety.state), fw.safety.trip,
			      fw.safety.trip_hb_age_ms);
		else
			logf_("safety floor: %s (trip 0x%04x)", safety_state_name(fw.safety.state),
			      fw.safety.trip);
	}
	if (fw.cfg_state != w->cfg_state)
		logf_("config: %s, crc 0x%08" PRIx32,
		      fw.cfg_state == BP_CFG_ACTIVE   ? "active" :
		      fw.cfg_state == BP_CFG_REJECTED ? "rejected" :
		      fw.cfg_state == BP_CFG_LOADING  ? "loading" :
							"none",
		      fw.cfg_crc);
	if (online != w->online && (verbose || w->online))
		logf_("logic: boards online 0x%08" PRIx32 " (%u of %u)", online,
		      lbus_online_count(&fw.lb), fw.lb.cfg.boards);
	if (verbose && sim.leds != w->leds)
		logf_("leds: run %d comm %d error %d relays %d%d%d%d", !!(sim.leds & 1),
		      !!(sim.leds & 2), !!(sim.leds & 4), !!(sim.leds & 8), !!(sim.leds & 16),
		      !!(sim.leds & 32), !!(sim.leds & 64));
	if (sim.link_down != w->link_down)
		logf_("can link %s", sim.link_down ? "dropped" : "restored");
	w->safety = fw.safety.state;
	w->trip = fw.safety.trip;
	w->cfg_state = fw.cfg_state;
	w->online = online;
	w->leds = sim.leds;
	w->link_down = sim.link_down;
}

/* The MCU's independent watchdog: the tick loop did not run for @stalled_ms
 * (the process was stopped, or starved), longer than --watchdog. A real MCU
 * whose loop hangs that long is reset by its IWDG: relays open, no
 * configuration, LOCKED, WATCHDOG_RESET in IO.faults; what was received in
 * the meantime is lost with the CAN controller's state. */
static void watchdog_reset(uint64_t stalled_ms)
{
	struct canio_frame cf;

	logf_("watchdog: the tick loop stalled %" PRIu64 " ms (timeout %ld ms): firmware reset",
	      stalled_ms, watchdog_ms);
	host.wd_reset = true;
	fw_init(&fw, host.board_id);
	fw_preset(&fw, &preset);
	host.wd_reset = false;
	while (host.link && canio_recv(host.link, &cf) > 0) {
	}
}

static void tick(struct watch *w)
{
	double dt_us = 1000.0 * sim.time_scale + pack_us_frac;
	uint64_t step = (uint64_t)dt_us;

	pack_us_frac = dt_us - (double)step;
	tick_ms++;
	pack_step(&sim.pack, step, sim.relay_contacts);
	sim.pack_us += step;
	host.adc_period_us = (uint32_t)step;
	pack_to_boards(&sim.pack, &sim.bus);
	simbus_advance(&sim.bus, 1000);
	fw_tick(&fw, tick_ms);
	pack_from_boards(&sim.pack, &sim.bus);
	if (have_script)
		scenario_run_due(&script, &sim);
	report_changes(w);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "link", required_argument, 0, 'l' },
		{ "profile", required_argument, 0, 'p' },
		{ "boards", required_argument, 0, 'b' },
		{ "cells", required_argument, 0, 'c' },
		{ "temps", required_argument, 0, 't' },
		{ "capacity-mAh", required_argument, 0, 1 },
		{ "soc", required_argument, 0, 2 },
		{ "chem", required_argument, 0, 3 },
		{ "current-mA", required_argument, 0, 4 },
		{ "gain-error", required_argument, 0, 5 },
		{ "scale", required_argument, 0, 's' },
		{ "scenario", required_argument, 0, 'S' },
		{ "control", required_argument, 0, 'C' },
		{ "feedback", required_argument, 0, 6 },
		{ "seed", required_argument, 0, 7 },
		{ "bitrate", required_argument, 0, 8 },
		{ "duration", required_argument, 0, 9 },
		{ "watchdog", required_argument, 0, 10 },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	const char *uri = NULL, *control = NULL, *scenario = NULL;
	struct pack_cfg pc;
	struct bp_config *bc = &preset;
	long v, boards = 1, cells = 16, temps = 4, bitrate = 1000000;
	double d, duration = 0, scale = 1;
	int opt, rc, ep, tfd, sfd, cfd = -1;
	int32_t demand = 0;
	struct watch w = { 0xFF, 0xFF, 0, 0, 0, false };
	struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
	sigset_t mask;
	uint64_t ticks_total = 0;

	pack_default_cfg(&pc);
	host.board_id = HAL_BOARD_MAIN_21;
	while ((opt = getopt_long(argc, argv, "l:p:b:c:t:s:S:C:vhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			uri = optarg;
			break;
		case 'p':
			if (!strcmp(optarg, "main-2r")) {
				host.board_id = HAL_BOARD_MAIN_2R;
			} else if (!strcmp(optarg, "main-2.1")) {
				host.board_id = HAL_BOARD_MAIN_21;
			} else {
				fprintf(stderr, "%s: --profile: '%s' is not main-2r or main-2.1\n",
					prog, optarg);
				return 2;
			}
			break;
		case 'b':
			if (parse_long("--boards", optarg, 1, 32, &boards))
				return 2;
			break;
		case 'c':
			if (parse_long("--cells", optarg, 1, 24, &cells))
				return 2;
			break;
		case 't':
			if (parse_long("--temps", optarg, 0, 8, &temps))
				return 2;
			break;
		case 1:
			if (parse_double("--capacity-mAh", optarg, 100, 10000000, &pc.capacity_mAh))
				return 2;
			break;
		case 2:
			if (parse_double("--soc", optarg, 0, 100, &pc.soc_pct))
				return 2;
			break;
		case 3:
			if (!strcmp(optarg, "lfp")) {
				pc.chem = PACK_CHEM_LFP;
			} else if (!strcmp(optarg, "nmc")) {
				pc.chem = PACK_CHEM_NMC;
			} else {
				fprintf(stderr, "%s: --chem: '%s' is not lfp or nmc\n", prog, optarg);
				return 2;
			}
			break;
		case 4:
			if (parse_long("--current-mA", optarg, -2000000, 2000000, &v))
				return 2;
			demand = (int32_t)v;
			break;
		case 5:
			if (parse_double("--gain-error", optarg, -50, 50, &d))
				return 2;
			pc.cs[0].gain_err_pct = pc.cs[1].gain_err_pct = d;
			break;
		case 's':
			if (parse_double("--scale", optarg, 0.1, 1000, &scale))
				return 2;
			break;
		case 'S':
			scenario = optarg;
			break;
		case 'C':
			control = optarg;
			break;
		case 6: {
			unsigned int di, relay;
			char extra;

			if (sscanf(optarg, "%u=%u%c", &di, &relay, &extra) != 2 || di < 1 || di > 4 ||
			    relay < 1 || relay > 4) {
				fprintf(stderr, "%s: --feedback: '%s' is not DI=RELAY (1..4=1..4)\n",
					prog, optarg);
				return 2;
			}
			sim.di_feedback[di - 1] = (uint8_t)relay;
			break;
		}
		case 7:
			if (parse_long("--seed", optarg, 0, LONG_MAX, &v))
				return 2;
			pc.seed = (uint64_t)v;
			break;
		case 8:
			if (parse_long("--bitrate", optarg, 0, 1000000, &bitrate))
				return 2;
			break;
		case 9:
			if (parse_double("--duration", optarg, 0.001, 1e9, &duration))
				return 2;
			break;
		case 10:
			if (parse_long("--watchdog", optarg, 0, 60000, &watchdog_ms))
				return 2;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("bms-sim %d.%d.%d, bridge protocol %u\n", FW_VERSION_MAJOR,
			       FW_VERSION_MINOR, FW_VERSION_PATCH, BP_PROTO_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!uri) {
		fprintf(stderr, "%s: --link is required\n", prog);
		usage(stderr);
		return 2;
	}

	pc.boards = (uint8_t)boards;
	pc.cells = (uint8_t)cells;
	pc.temps = (uint8_t)temps;
	pack_init(&sim.pack, &pc);
	pack_set_demand(&sim.pack, demand);
	sim.time_scale = scale;
	simbus_init(&sim.bus, (uint8_t)boards, (uint8_t)cells, (uint8_t)temps, LBUS_BAUD_DEFAULT);
	simbus_hal = &sim.bus;
	host.sim = &sim;

	if (scenario) {
		char err[256];

		if (scenario_load(&script, scenario, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return 1;
		}
		if (scenario_check(&script, &sim, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return 1;
		}
		script.log = stdout;
		have_script = true;
	}

	rc = canio_open(uri, (uint32_t)bitrate, &host.link);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot open link %s: %s\n", prog, uri, strerror(-rc));
		return 1;
	}

	fw_init(&fw, host.board_id);
	simcfg_default(bc, (uint8_t)boards, (uint8_t)cells, (uint8_t)temps);
	if (fw_preset(&fw, bc) != BP_OK) {
		fprintf(stderr, "%s: internal error: default bridge configuration invalid\n", prog);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		fprintf(stderr, "%s: event loop set-up: %s\n", prog, strerror(errno));
		return 1;
	}
	if (control) {
		cfd = control_open(control);
		if (cfd < 0)
			return 1;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;

	struct epoll_event ev = { .events = EPOLLIN };

	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (cfd >= 0) {
		ev.data.fd = cfd;
		epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
	}

	logf_("profile %s, %ld boards x %ld cells x %ld temps, %.0f mAh, SOC %.1f %%, scale %gx, "
	      "link %s (%s)",
	      host.board_id == HAL_BOARD_MAIN_2R ? "main-2r" : "main-2.1", boards, cells, temps,
	      pc.capacity_mAh, pc.soc_pct, scale, uri, canio_backend(host.link));

	while (!sim.quit) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: epoll_wait: %s\n", prog, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == tfd) {
				uint64_t exp = 0;

				if (read(tfd, &exp, sizeof(exp)) != sizeof(exp))
					continue;
				if (watchdog_ms && exp > (uint64_t)watchdog_ms) {
					watchdog_reset(exp);
					exp = 1;
				}
				if (exp > MAX_CATCHUP_TICKS)
					exp = MAX_CATCHUP_TICKS;
				while (exp--) {
					tick(&w);
					ticks_total++;
				}
				if (duration > 0 && ticks_total >= (uint64_t)(duration * 1000))
					sim.quit = true;
			} else if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
				    si.ssi_signo != SIGPIPE)
					sim.quit = true;
			} else if (fd == cfd) {
				int c = accept4(cfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				int slot = -1;

				if (c < 0)
					continue;
				for (int k = 0; k < MAX_CLIENTS; k++)
					if (clients[k].fd < 0)
						slot = k;
				if (slot < 0) {
					close(c);
					continue;
				}
				clients[slot].fd = c;
				clients[slot].len = 0;
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
			} else {
				for (int k = 0; k < MAX_CLIENTS; k++)
					if (clients[k].fd == fd)
						client_read(ep, &clients[k]);
			}
		}
	}
	logf_("stopping: %" PRIu32 " frames sent, %" PRIu32 " dropped, %" PRIu32
	      " received (%" PRIu32 " bad)",
	      fw.st.tx_frames, fw.st.tx_dropped, fw.st.rx_frames, fw.st.rx_bad);
	hal_relays_set(0);
	for (int k = 0; k < MAX_CLIENTS; k++)
		if (clients[k].fd >= 0)
			close(clients[k].fd);
	if (cfd >= 0) {
		close(cfd);
		unlink(control);
	}
	canio_close(host.link);
	close(ep);
	close(tfd);
	close(sfd);
	return 0;
}
