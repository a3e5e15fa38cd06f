/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bpdump: watch the bridge stream, decoded. With --arm it also plays the
 * daemon's minimal part (configuration push, heartbeat, relay command), so
 * that the safety floor can be seen arming and tripping.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "canio.h"
#include "port/host/simcfg.h"
#include "proto/bp.h"

static const char *prog = "bpdump";

struct view {
	struct bp_status status;
	struct bp_current cur;
	uint64_t in_mAs, out_mAs;
	struct bp_io io;
	struct bp_ext ext;
	struct bp_logic logic;
	struct bp_version ver;
	bool have_status, have_ver;
	struct bp_snapshot snap;
	bool have_snap;
	struct bp_asm as;
	struct bp_seq seq[BP_T_COUNT];
	uint64_t count[BP_T_COUNT], count_prev[BP_T_COUNT];
	uint64_t frames, bad, unknown;
};

static struct view v;
static struct canio *link_;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s --link URI [options]\n"
		"Decode and show the bridge stream of mcu-bridge or bms-sim.\n"
		"\n"
		"  -l, --link URI        socketcan:IFACE or slcan:TTY (required)\n"
		"  -i, --interval-ms N   refresh period (default 1000)\n"
		"  -j, --json            one JSON object per refresh, for scripts\n"
		"  -d, --duration S      stop after S seconds\n"
		"  -a, --arm             push a configuration, send heartbeats and --relays\n"
		"  -r, --relays MASK     relays to close once armed (default 0x5)\n"
		"  -b, --boards N        configuration pushed with --arm (default 1)\n"
		"  -c, --cells N         (default 16)\n"
		"  -t, --temps N         (default 4)\n"
		"      --heartbeat-ms N  heartbeat timeout pushed with --arm (default 500)\n"
		"  -h, --help\n",
		prog);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int send_msg(const struct bp_msg *m)
{
	struct bp_frame f;
	struct canio_frame cf = { 0 };

	if (bp_encode(m, &f) != BP_OK)
		return -EINVAL;
	cf.id = f.id;
	cf.len = f.len;
	memcpy(cf.data, f.data, 8);
	return canio_send(link_, &cf);
}

static uint32_t push_config(const struct bp_config *c)
{
	struct bp_frame f[BP_CFG_MAX_SEGMENTS + 1];
	struct canio_frame cf = { 0 };
	uint32_t crc = 0;
	int n = bp_config_push(c, f, BP_CFG_MAX_SEGMENTS + 1, &crc);

	for (int i = 0; i < n; i++) {
		cf.id = f[i].id;
		cf.len = f[i].len;
		memcpy(cf.data, f[i].data, 8);
		canio_send(link_, &cf);
	}
	return n > 0 ? crc : 0;
}

static void take(const struct canio_frame *cf)
{
	struct bp_frame f = { .id = (uint16_t)cf->id, .len = cf->len };
	struct bp_msg m;
	int rc;

	v.frames++;
	if (cf->ext || cf->rtr) {
		v.unknown++;
		return;
	}
	memcpy(f.data, cf->data, 8);
	rc = bp_decode(&f, &m);
	if (rc == BP_EUNKNOWN) {
		v.unknown++;
		return;
	}
	if (rc != BP_OK) {
		v.bad++;
		return;
	}
	v.count[m.type]++;
	switch (m.type) {
	case BP_T_STATUS:
		v.status = m.u.status;
		v.have_status = true;
		bp_seq_update(&v.seq[m.type], m.u.status.ctr);
		break;
	case BP_T_CURRENT:
		v.cur = m.u.cur;
		bp_seq_update(&v.seq[m.type], m.u.cur.ctr);
		break;
	case BP_T_CHARGE_IN:
		v.in_mAs = m.u.chg.mAs;
		bp_seq_update(&v.seq[m.type], m.u.chg.ctr);
		break;
	case BP_T_CHARGE_OUT:
		v.out_mAs = m.u.chg.mAs;
		bp_seq_update(&v.seq[m.type], m.u.chg.ctr);
		break;
	case BP_T_IO:
		v.io = m.u.io;
		bp_seq_update(&v.seq[m.type], m.u.io.ctr);
		break;
	case BP_T_EXT:
		v.ext = m.u.ext;
		bp_seq_update(&v.seq[m.type], m.u.ext.ctr);
		break;
	case BP_T_LOGIC:
		v.logic = m.u.logic;
		bp_seq_update(&v.seq[m.type], m.u.logic.ctr);
		break;
	case BP_T_VERSION:
		v.ver = m.u.ver;
		v.have_ver = true;
		break;
	case BP_T_CELLS:
	case BP_T_TEMPS:
	case BP_T_BSTATUS:
	case BP_T_CYCLE_END:
		if (bp_asm_feed(&v.as, &m, &v.snap) == 1)
			v.have_snap = true;
		break;
	default:
		break;
	}
}

struct cellstat {
	uint16_t min_mV, max_mV;
	int16_t tmin_dC, tmax_dC;
	unsigned int ncells, nboards;
};

static struct cellstat cell_stats(void)
{
	struct cellstat s = { UINT16_MAX, 0, INT16_MAX, INT16_MIN, 0, 0 };

	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		const struct bp_board_snap *bs = &v.snap.board[b];

		if (!(v.snap.present & (1u << b)))
			continue;
		s.nboards++;
		for (unsigned int c = 0; c < BP_MAX_CELLS; c++) {
			if (bs->cell_mV[c] == BP_CELL_MV_NA || c >= bs->ncells)
				continue;
			s.ncells++;
			if (bs->cell_mV[c] < s.min_mV)
				s.min_mV = bs->cell_mV[c];
			if (bs->cell_mV[c] > s.max_mV)
				s.max_mV = bs->cell_mV[c];
		}
		for (unsigned int t = 0; t < BP_MAX_TEMPS && t < bs->ntemps; t++) {
			if (bs->temp_dC[t] == BP_TEMP_DC_NA)
				continue;
			if (bs->temp_dC[t] < s.tmin_dC)
				s.tmin_dC = bs->temp_dC[t];
			if (bs->temp_dC[t] > s.tmax_dC)
				s.tmax_dC = bs->temp_dC[t];
		}
	}
	if (!s.ncells)
		s.min_mV = s.max_mV = 0;
	if (s.tmin_dC > s.tmax_dC)
		s.tmin_dC = s.tmax_dC = 0;
	return s;
}

static const char *safety_name(uint8_t s)
{
	static const char *n[] = { "locked", "armed", "tripped" };

	return s < 3 ? n[s] : "?";
}

static const char *cfg_name(uint8_t s)
{
	static const char *n[] = { "none", "loading", "active", "rejected" };

	return s < 4 ? n[s] : "?";
}

static uint64_t lost_total(void)
{
	uint64_t l = 0;

	for (int t = 0; t < BP_T_COUNT; t++)
		l += v.seq[t].lost;
	return l;
}

static void show(bool json, bool tty, double dt)
{
	struct cellstat cs = cell_stats();
	double rate = 0;
	uint64_t fr = 0;

	for (int t = 0; t < BP_T_COUNT; t++) {
		fr += v.count[t] - v.count_prev[t];
		v.count_prev[t] = v.count[t];
	}
	rate = dt > 0 ? (double)fr / dt : 0;
	if (json) {
		printf("{\"safety\":\"%s\",\"cfg\":\"%s\",\"cfg_crc\":%" PRIu32 ",\"trip\":%u,"
		       "\"relays\":%u,\"relay_cmd\":%u,\"di\":%u,\"dos\":%u,\"faults\":%u,"
		       "\"I1_mA\":%" PRId32 ",\"I2_mA\":%" PRId32 ",\"in_mAs\":%" PRIu64
		       ",\"out_mAs\":%" PRIu64 ",\"cell_min_mV\":%u,\"cell_max_mV\":%u,"
		       "\"cells\":%u,\"boards\":%u,\"online\":%" PRIu32 ",\"snapshots\":%" PRIu32
		       ",\"discarded\":%" PRIu32 ",\"lost\":%" PRIu64 ",\"bad\":%" PRIu64
		       ",\"frames_per_s\":%.0f,\"supply_mV\":%u,\"fw\":\"%u.%u.%u\"}\n",
		       safety_name(v.status.safety), cfg_name(v.status.cfg_state),
		       v.status.cfg_crc, v.status.trip, v.io.relay_out, v.io.relay_cmd, v.io.di,
		       v.io.dos, v.io.faults, v.cur.mA[0], v.cur.mA[1], v.in_mAs, v.out_mAs,
		       cs.min_mV, cs.max_mV, cs.ncells, cs.nboards, v.logic.online,
		       v.as.committed, v.as.discarded, lost_total(), v.bad, rate,
		       v.io.supply_mV, v.ver.fw_major, v.ver.fw_minor, v.ver.fw_patch);
		fflush(stdout);
		return;
	}
	if (tty)
		printf("\033[H\033[J");
	printf("bridge  fw %u.%u.%u proto %u hw %u   safety %-7s (trip 0x%04x)  config %s "
	       "0x%08" PRIx32 "\n",
	       v.ver.fw_major, v.ver.fw_minor, v.ver.fw_patch, v.ver.proto, v.ver.hw,
	       safety_name(v.status.safety), v.status.trip, cfg_name(v.status.cfg_state),
	       v.status.cfg_crc);
	printf("current I1 %9.3f A  I2 %9.3f A  flags 0x%02x   charge in %.3f Ah  out %.3f Ah\n",
	       v.cur.mA[0] == BP_CURRENT_MA_NA ? 0.0 : v.cur.mA[0] / 1000.0,
	       v.cur.mA[1] == BP_CURRENT_MA_NA ? 0.0 : v.cur.mA[1] / 1000.0, v.cur.flags,
	       (double)v.in_mAs / 3.6e6, (double)v.out_mAs / 3.6e6);
	printf("cells   %u on %u boards  min %u mV  max %u mV  spread %u mV   temps %.1f..%.1f C\n",
	       cs.ncells, cs.nboards, cs.min_mV, cs.max_mV, cs.max_mV - cs.min_mV,
	       cs.tmin_dC / 10.0, cs.tmax_dC / 10.0);
	printf("io      relays out 0x%x cmd 0x%x  DI 0x%x  DO 0x%x  faults 0x%04x  supply %.2f V\n",
	       v.io.relay_out, v.io.relay_cmd, v.io.di, v.io.dos, v.io.faults,
	       v.io.supply_mV / 1000.0);
	printf("ext     T1 %.1f C  T2 %.1f C  RH %.1f %%   logic online 0x%08" PRIx32
	       " of %u\n",
	       v.ext.t_dC[0] / 10.0, v.ext.t_dC[1] / 10.0,
	       v.ext.rh_dpct == 0xFFFF ? 0.0 : v.ext.rh_dpct / 10.0, v.logic.online,
	       v.logic.boards);
	printf("link    %.0f frames/s  snapshots %" PRIu32 " (discarded %" PRIu32 ")  lost %" PRIu64
	       "  bad %" PRIu64 "  unknown %" PRIu64 "\n",
	       rate, v.as.committed, v.as.discarded, lost_total(), v.bad, v.unknown);
	if (!tty)
		printf("\n");
	fflush(stdout);
}

static int parse_int(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 0);
	if (errno || end == s || *end || *out < lo || *out > hi) {
		fprintf(stderr, "%s: %s: '%s' is not an integer in %ld..%ld\n", prog, opt, s, lo,
			hi);
		return -1;
	}
	return 0;
}

struct opts {
	const char *uri;
	long interval_ms, duration_s, relays, boards, cells, temps, hb_ms;
	bool json, arm, tty;
};

/* One option from getopt_long(): -1 to go on, or the status to exit with. */
static int set_option(int opt, const char *arg, struct opts *o)
{
	switch (opt) {
	case 'l':
		o->uri = arg;
		return -1;
	case 'i':
		return parse_int("--interval-ms", arg, 100, 3600000, &o->interval_ms) ? 2 : -1;
	case 'j':
		o->json = true;
		return -1;
	case 'd':
		return parse_int("--duration", arg, 1, 86400 * 365, &o->duration_s) ? 2 : -1;
	case 'a':
		o->arm = true;
		return -1;
	case 'r':
		return parse_int("--relays", arg, 0, 15, &o->relays) ? 2 : -1;
	case 'b':
		return parse_int("--boards", arg, 1, 32, &o->boards) ? 2 : -1;
	case 'c':
		return parse_int("--cells", arg, 1, 24, &o->cells) ? 2 : -1;
	case 't':
		return parse_int("--temps", arg, 0, 8, &o->temps) ? 2 : -1;
	case 1:
		return parse_int("--heartbeat-ms", arg, BP_HEARTBEAT_MIN_MS,
				 BP_HEARTBEAT_CEILING_MS, &o->hb_ms) ? 2 : -1;
	case 'h':
		usage(stdout);
		return 0;
	default:
		usage(stderr);
		return 2;
	}
}

/* The command line into *o: -1 to go on, or the status to exit with. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "link", required_argument, 0, 'l' },
		{ "interval-ms", required_argument, 0, 'i' },
		{ "json", no_argument, 0, 'j' },
		{ "duration", required_argument, 0, 'd' },
		{ "arm", no_argument, 0, 'a' },
		{ "relays", required_argument, 0, 'r' },
		{ "boards", required_argument, 0, 'b' },
		{ "cells", required_argument, 0, 'c' },
		{ "temps", required_argument, 0, 't' },
		{ "heartbeat-ms", required_argument, 0, 1 },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int opt, rc;

	*o = (struct opts){
		.interval_ms = 1000, .relays = 0x5, .boards = 1, .cells = 16, .temps = 4,
		.hb_ms = BP_HEARTBEAT_DEFAULT_MS, .tty = isatty(1),
	};
	while ((opt = getopt_long(argc, argv, "l:i:jd:ar:b:c:t:h", opts, NULL)) != -1) {
		rc = set_option(opt, optarg, o);
		if (rc >= 0)
			return rc;
	}
	if (!o->uri || optind < argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

struct loop {
	const struct opts *o;
	struct bp_config cfg;
	uint32_t crc, ticks;
	uint8_t hb_ctr, out_ctr;
	double t0, last_show;
	int ep, tfd, sfd;
};

/*
 * SIGINT and SIGTERM arrive on a signalfd so that the summary is still
 * printed; a 100 ms timer paces the heartbeat and the refresh.
 */
static int open_loop(struct loop *l)
{
	struct itimerspec its = { { 0, 100000000 }, { 0, 100000000 } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->sfd < 0 || l->tfd < 0 || l->ep < 0 || timerfd_settime(l->tfd, 0, &its, NULL) < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return -1;
	}
	ev.data.fd = canio_fd(link_);
	epoll_ctl(l->ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = l->tfd;
	epoll_ctl(l->ep, EPOLL_CTL_ADD, l->tfd, &ev);
	ev.data.fd = l->sfd;
	epoll_ctl(l->ep, EPOLL_CTL_ADD, l->sfd, &ev);
	return 0;
}

/*
 * The daemon's part under --arm: once a second, push the configuration until
 * the bridge reports it active with our CRC; from then on, a heartbeat and
 * the relay command every tick.
 */
static void arm_tick(struct loop *l)
{
	struct bp_msg m = { .type = BP_T_HEARTBEAT };
	bool ours = v.have_status && v.status.cfg_state == BP_CFG_ACTIVE &&
		    v.status.cfg_crc == l->crc && l->crc;

	if (!ours && l->ticks % 10 == 1)
		l->crc = push_config(&l->cfg);
	if (!ours)
		return;
	m.u.hb.ctr = l->hb_ctr++;
	m.u.hb.daemon_state = 1;
	m.u.hb.cfg_crc = l->crc;
	send_msg(&m);
	memset(&m, 0, sizeof(m));
	m.type = BP_T_OUTPUT_CMD;
	m.u.out.ctr = l->out_ctr++;
	m.u.out.relays = (uint8_t)l->o->relays;
	send_msg(&m);
}

/* A timer tick: true when --duration is over. */
static bool on_tick(struct loop *l)
{
	const struct opts *o = l->o;
	uint64_t exp;
	double t = now_s();

	if (read(l->tfd, &exp, sizeof(exp)) < 0)
		return false;
	l->ticks++;
	if (o->arm)
		arm_tick(l);
	if ((t - l->last_show) * 1000 >= (double)o->interval_ms) {
		show(o->json, o->tty, t - l->last_show);
		l->last_show = t;
	}
	return o->duration_s && t - l->t0 >= (double)o->duration_s;
}

/* Decode every frame waiting on the link: false when the link failed. */
static bool drain_link(void)
{
	struct canio_frame cf;
	int rc;

	while ((rc = canio_recv(link_, &cf)) == 1)
		take(&cf);
	if (rc < 0) {
		fprintf(stderr, "%s: link: %s\n", prog, strerror(-rc));
		return false;
	}
	return true;
}

/* Until a signal, the end of --duration or a failure of the link or of epoll. */
static void watch(struct loop *l)
{
	l->t0 = l->last_show = now_s();
	for (;;) {
		struct epoll_event evs[4];
		int n = epoll_wait(l->ep, evs, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == l->sfd)
				return;
			if (fd == l->tfd) {
				if (on_tick(l))
					return;
			} else if (!drain_link()) {
				return;
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct loop l = { .o = &o };
	int rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = canio_open(o.uri, 1000000, &link_);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, o.uri, strerror(-rc));
		return 1;
	}
	bp_asm_init(&v.as);
	simcfg_default(&l.cfg, (uint8_t)o.boards, (uint8_t)o.cells, (uint8_t)o.temps);
	l.cfg.heartbeat_timeout_ms = (uint16_t)o.hb_ms;
	if (open_loop(&l) < 0)
		return 1;
	watch(&l);
	if (!o.json)
		fprintf(stderr, "%s: %" PRIu64 " frames, %" PRIu64 " bad, %" PRIu64 " lost\n", prog,
			v.frames, v.bad, lost_total());
	canio_close(link_);
	return 0;
}
