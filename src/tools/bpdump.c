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

int main(int argc, char **argv)
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
	const char *uri = NULL;
	long interval = 1000, duration = 0, relays = 0x5, boards = 1, cells = 16, temps = 4;
	long hb = BP_HEARTBEAT_DEFAULT_MS;
	bool json = false, arm = false, tty = isatty(1);
	int opt, rc, ep, tfd, sfd;
	struct bp_config cfg;
	uint32_t crc = 0, ticks = 0;
	uint8_t hb_ctr = 0, out_ctr = 0;
	double t0, last_show;
	sigset_t mask;
	struct itimerspec its = { { 0, 100000000 }, { 0, 100000000 } };
	struct epoll_event ev = { .events = EPOLLIN };

	while ((opt = getopt_long(argc, argv, "l:i:jd:ar:b:c:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			uri = optarg;
			break;
		case 'i':
			if (parse_int("--interval-ms", optarg, 100, 3600000, &interval))
				return 2;
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			if (parse_int("--duration", optarg, 1, 86400 * 365, &duration))
				return 2;
			break;
		case 'a':
			arm = true;
			break;
		case 'r':
			if (parse_int("--relays", optarg, 0, 15, &relays))
				return 2;
			break;
		case 'b':
			if (parse_int("--boards", optarg, 1, 32, &boards))
				return 2;
			break;
		case 'c':
			if (parse_int("--cells", optarg, 1, 24, &cells))
				return 2;
			break;
		case 't':
			if (parse_int("--temps", optarg, 0, 8, &temps))
				return 2;
			break;
		case 1:
			if (parse_int("--heartbeat-ms", optarg, BP_HEARTBEAT_MIN_MS,
				      BP_HEARTBEAT_CEILING_MS, &hb))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!uri || optind < argc) {
		usage(stderr);
		return 2;
	}
	rc = canio_open(uri, 1000000, &link_);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, uri, strerror(-rc));
		return 1;
	}
	bp_asm_init(&v.as);
	simcfg_default(&cfg, (uint8_t)boards, (uint8_t)cells, (uint8_t)temps);
	cfg.heartbeat_timeout_ms = (uint16_t)hb;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return 1;
	}
	ev.data.fd = canio_fd(link_);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

	t0 = last_show = now_s();
	for (;;) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd)
				goto out;
			if (fd == tfd) {
				uint64_t exp;
				double t = now_s();

				if (read(tfd, &exp, sizeof(exp)) < 0)
					continue;
				ticks++;
				if (arm) {
					struct bp_msg m = { .type = BP_T_HEARTBEAT };
					bool ours = v.have_status &&
						    v.status.cfg_state == BP_CFG_ACTIVE &&
						    v.status.cfg_crc == crc && crc;

					if (!ours && ticks % 10 == 1)
						crc = push_config(&cfg);
					if (ours) {
						m.u.hb.ctr = hb_ctr++;
						m.u.hb.daemon_state = 1;
						m.u.hb.cfg_crc = crc;
						send_msg(&m);
						memset(&m, 0, sizeof(m));
						m.type = BP_T_OUTPUT_CMD;
						m.u.out.ctr = out_ctr++;
						m.u.out.relays = (uint8_t)relays;
						send_msg(&m);
					}
				}
				if ((t - last_show) * 1000 >= (double)interval) {
					show(json, tty, t - last_show);
					last_show = t;
				}
				if (duration && t - t0 >= (double)duration)
					goto out;
			} else {
				struct canio_frame cf;

				while ((rc = canio_recv(link_, &cf)) == 1)
					take(&cf);
				if (rc < 0) {
					fprintf(stderr, "%s: link: %s\n", prog, strerror(-rc));
					goto out;
				}
			}
		}
	}
out:
	if (!json)
		fprintf(stderr, "%s: %" PRIu64 " frames, %" PRIu64 " bad, %" PRIu64 " lost\n", prog,
			v.frames, v.bad, lost_total());
	canio_close(link_);
	return 0;
}
