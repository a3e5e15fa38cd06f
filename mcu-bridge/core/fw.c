/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fw.h"

#include "../hal/hal_adc.h"
#include "../hal/hal_can.h"
#include "../hal/hal_gpio.h"
#include "../hal/hal_sys.h"
#include "../proto/crc.h"
#include "led.h"

#define RX_PER_TICK 64u /* bound the work one tick may do for a flooding peer */

static void lbus_from_cfg(struct lbus_cfg *lc, const struct bp_config *c)
{
	lc->boards = c->board_count;
	lc->cells = c->cells_per_board;
	lc->temps = c->temps_per_board;
	lc->cycle_ms = LBUS_CYCLE_MS_DEFAULT;
	lc->reply_timeout_ms = LBUS_REPLY_TIMEOUT_MS_DEFAULT;
	lc->retries = LBUS_RETRIES_DEFAULT;
	lc->offline_ms = c->logic_offline_ms;
}

void fw_init(struct fw *fw, uint8_t hw)
{
	struct lbus_cfg lc = { 0 };
	uint8_t *p = (uint8_t *)fw;

	hal_relays_set(0);
	hal_do_set(0);
	/* cleared in place: a zeroed copy would cost its 6 KiB on the stack */
	for (size_t i = 0; i < sizeof(*fw); i++)
		p[i] = 0;
	fw->hw = hw;
	safety_init(&fw->safety);
	meas_init(&fw->meas, hal_adc_info());
	dio_init(&fw->dio, 10);
	lbus_init(&fw->lb, &lc);
	if (hal_reset_by_watchdog())
		fw->faults |= BP_FAULT_WATCHDOG_RESET;
}

/* ---- transmit queue ---------------------------------------------------- */

static void txq_put(struct fw *fw, const struct bp_msg *m, bool urgent)
{
	struct bp_frame f;
	uint16_t slot;

	if (bp_encode(m, &f) != BP_OK) {
		fw->st.tx_dropped++;
		return;
	}
	if (fw->txq_len == FW_TXQ_LEN) {
		fw->st.tx_dropped++;
		fw->faults |= BP_FAULT_CAN_TX_OVERFLOW;
		return;
	}
	if (urgent) {
		fw->txq_head = (uint16_t)((fw->txq_head + FW_TXQ_LEN - 1u) % FW_TXQ_LEN);
		slot = fw->txq_head;
	} else {
		slot = (uint16_t)((fw->txq_head + fw->txq_len) % FW_TXQ_LEN);
	}
	fw->txq[slot] = f;
	fw->txq_len++;
}

static void txq_drain(struct fw *fw)
{
	while (fw->txq_len && hal_can_send(&fw->txq[fw->txq_head]) == 0) {
		fw->txq_head = (uint16_t)((fw->txq_head + 1u) % FW_TXQ_LEN);
		fw->txq_len--;
		fw->st.tx_frames++;
	}
}

static uint8_t next_ctr(struct fw *fw, enum bp_type t)
{
	return fw->ctr[t]++;
}

/* ---- configuration push ------------------------------------------------ */

static void cfg_apply(struct fw *fw, const struct bp_config *c, uint32_t crc)
{
	struct lbus_cfg lc;
	bool topo = c->board_count != fw->cfg.board_count ||
	       c->cells_per_board != fw->cfg.cells_per_board ||
	       c->temps_per_board != fw->cfg.temps_per_board ||
	       c->logic_offline_ms != fw->cfg.logic_offline_ms;
	fw->cfg = *c;
	fw->cfg_crc = crc;
	fw->cfg_state = BP_CFG_ACTIVE;
	safety_configure(&fw->safety, c, crc, fw->now_ms);
	meas_configure(&fw->meas, c);
	fw->dio.debounce_ms = c->di_debounce_ms;
	if (topo) {
		lbus_from_cfg(&lc, c);
		lbus_init(&fw->lb, &lc);
	}
}

int fw_preset(struct fw *fw, const struct bp_config *c)
{
	struct lbus_cfg lc;

	if (bp_config_check(c) != BP_OK)
		return BP_EINVAL;
	fw->cfg = *c;
	meas_configure(&fw->meas, c);
	fw->dio.debounce_ms = c->di_debounce_ms;
	lbus_from_cfg(&lc, c);
	lbus_init(&fw->lb, &lc);
	return BP_OK;
}

static void cfg_commit(struct fw *fw, const struct bp_cfg_commit *cm)
{
	struct bp_config c;
	unsigned int segs = (cm->len + BP_CFG_DATA_BYTES - 1u) / BP_CFG_DATA_BYTES;
	uint64_t need = segs >= 64u ? ~(uint64_t)0 : (((uint64_t)1 << segs) - 1u);

	fw->st.cfg_pushes++;
	if (cm->len > BP_CFG_BLOB_MAX || (fw->seg_seen & need) != need ||
	    crc32_update(0, fw->blob, cm->len) != cm->crc ||
	    bp_config_unpack(fw->blob, cm->len, &c) != BP_OK) {
		fw->cfg_state = BP_CFG_REJECTED;
		fw->st.cfg_rejects++;
	} else {
		cfg_apply(fw, &c, cm->crc);
	}
	fw->seg_seen = 0;
}

/* ---- receive ----------------------------------------------------------- */

void fw_rx(struct fw *fw, const struct bp_frame *f)
{
	struct bp_msg m;
	int rc = bp_decode(f, &m);

	fw->st.rx_frames++;
	if (rc == BP_EUNKNOWN) {
		fw->st.rx_unknown++;
		return;
	}
	if (rc != BP_OK) {
		fw->st.rx_bad++;
		fw->faults |= BP_FAULT_BAD_FRAME;
		return;
	}
	switch (m.type) {
	case BP_T_HEARTBEAT:
		safety_heartbeat(&fw->safety, m.u.hb.cfg_crc, fw->now_ms);
		break;
	case BP_T_OUTPUT_CMD:
		if (m.u.out.flags & BP_CMD_ZERO_CAL_S1)
			meas_zero_cal_start(&fw->meas, 0);
		if (m.u.out.flags & BP_CMD_ZERO_CAL_S2)
			meas_zero_cal_start(&fw->meas, 1);
		safety_command(&fw->safety, m.u.out.relays, m.u.out.flags & BP_CMD_TRIP_RESET,
			       fw->now_ms);
		fw->do_cmd = m.u.out.dos & 0x0Fu;
		break;
	case BP_T_BAL_CMD:
		if (fw->cfg_state == BP_CFG_ACTIVE && m.u.bal.board < fw->cfg.board_count &&
		    fw->safety.hb_alive)
			lbus_set_balance(&fw->lb, m.u.bal.board, m.u.bal.mask);
		break;
	case BP_T_CFG_DATA: {
		unsigned int off = (unsigned int)m.u.cfgd.seq * BP_CFG_DATA_BYTES;

		for (unsigned int i = 0; i < BP_CFG_DATA_BYTES; i++)
			fw->blob[off + i] = m.u.cfgd.bytes[i];
		fw->seg_seen |= (uint64_t)1 << m.u.cfgd.seq;
		if (fw->cfg_state != BP_CFG_ACTIVE)
			fw->cfg_state = BP_CFG_LOADING;
		break;
	}
	case BP_T_CFG_COMMIT:
		cfg_commit(fw, &m.u.cfgc);
		break;
	default:
		/* frames that only the MCU sends: another node talks on our ids */
		fw->st.rx_unknown++;
		break;
	}
}

/* ---- stream ------------------------------------------------------------ */

static void send_status(struct fw *fw, bool urgent)
{
	struct bp_msg m = { .type = BP_T_STATUS };

	m.u.status.ctr = next_ctr(fw, BP_T_STATUS);
	m.u.status.safety = fw->safety.state;
	m.u.status.cfg_state = fw->cfg_state;
	m.u.status.trip = fw->safety.trip;
	m.u.status.cfg_crc = fw->cfg_crc;
	txq_put(fw, &m, urgent);
}

static void send_io(struct fw *fw)
{
	struct bp_msg m = { .type = BP_T_IO };

	m.u.io.ctr = next_ctr(fw, BP_T_IO);
	m.u.io.relay_out = fw->relays;
	m.u.io.relay_cmd = fw->safety.relay_cmd;
	m.u.io.di = fw->dio.stable;
	m.u.io.di_raw = fw->dio.raw;
	m.u.io.dos = fw->dos;
	m.u.io.faults = fw->faults;
	m.u.io.supply_mV = fw->meas.out.supply_mV;
	txq_put(fw, &m, false);
	/* event-like faults are reported once, then re-armed */
	fw->faults &= (uint16_t) ~(BP_FAULT_BAD_FRAME | BP_FAULT_CAN_TX_OVERFLOW |
				   BP_FAULT_CAN_RX_OVERFLOW);
}

static void send_current(struct fw *fw)
{
	struct bp_msg m = { .type = BP_T_CURRENT };

	m.u.cur.ctr = next_ctr(fw, BP_T_CURRENT);
	m.u.cur.flags = fw->meas.out.cur_flags;
	m.u.cur.mA[0] = fw->meas.out.mA[0];
	m.u.cur.mA[1] = fw->meas.out.mA[1];
	txq_put(fw, &m, false);
}

static void send_slow(struct fw *fw)
{
	struct bp_msg m = { .type = BP_T_CHARGE_IN };

	m.u.chg.ctr = next_ctr(fw, BP_T_CHARGE_IN);
	m.u.chg.mAs = fw->meas.out.in_mAs & BP_CHARGE_MAX;
	txq_put(fw, &m, false);

	m.type = BP_T_CHARGE_OUT;
	m.u.chg.ctr = next_ctr(fw, BP_T_CHARGE_OUT);
	m.u.chg.mAs = fw->meas.out.out_mAs & BP_CHARGE_MAX;
	txq_put(fw, &m, false);

	send_io(fw);

	m.type = BP_T_EXT;
	m.u.ext.ctr = next_ctr(fw, BP_T_EXT);
	for (unsigned int i = 0; i < BP_NUM_NTC; i++) {
		m.u.ext.ntc_state[i] = fw->meas.out.ntc_state[i];
		m.u.ext.t_dC[i] = fw->meas.out.t_dC[i];
	}
	m.u.ext.hum_state = fw->meas.out.hum_state;
	m.u.ext.rh_dpct = fw->meas.out.rh_dpct;
	txq_put(fw, &m, false);

	m.type = BP_T_LOGIC;
	m.u.logic.ctr = next_ctr(fw, BP_T_LOGIC);
	m.u.logic.online = lbus_online_mask(&fw->lb);
	m.u.logic.boards = fw->lb.cfg.boards;
	m.u.logic.crc_errors = (uint8_t)fw->lb.crc_errors;
	m.u.logic.timeouts = (uint8_t)fw->lb.timeouts;
	txq_put(fw, &m, false);
}

static void send_version(struct fw *fw)
{
	struct bp_msg m = { .type = BP_T_VERSION };

	m.u.ver.ctr = next_ctr(fw, BP_T_VERSION);
	m.u.ver.proto = BP_PROTO_VERSION;
	m.u.ver.fw_major = FW_VERSION_MAJOR;
	m.u.ver.fw_minor = FW_VERSION_MINOR;
	m.u.ver.fw_patch = FW_VERSION_PATCH;
	m.u.ver.hw = fw->hw;
	m.u.ver.uptime_s = (uint16_t)(fw->now_ms / 1000u);
	txq_put(fw, &m, false);
}

static void send_board(struct fw *fw, uint8_t b, uint8_t cycle)
{
	const struct lbus_board *lb = &fw->lb.board[b];
	struct bp_msg m;
	unsigned int ncells = fw->cfg.cells_per_board, ntemps = fw->cfg.temps_per_board;

	if (lb->fresh) {
		for (unsigned int g = 0; g * BP_CELLS_PER_FRAME < ncells; g++) {
			m.type = BP_T_CELLS;
			m.u.cells.cycle = cycle;
			m.u.cells.board = b;
			m.u.cells.group = (uint8_t)g;
			for (unsigned int k = 0; k < BP_CELLS_PER_FRAME; k++) {
				unsigned int c = g * BP_CELLS_PER_FRAME + k;

				m.u.cells.mV[k] = c < ncells && lb->cell_mV[c] <= BP_CELL_MV_MAX ?
							  lb->cell_mV[c] :
							  BP_CELL_MV_NA;
			}
			txq_put(fw, &m, false);
			fw->snap_frames++;
		}
		for (unsigned int g = 0; g * BP_TEMPS_PER_FRAME < ntemps; g++) {
			m.type = BP_T_TEMPS;
			m.u.temps.cycle = cycle;
			m.u.temps.board = b;
			m.u.temps.group = (uint8_t)g;
			for (unsigned int k = 0; k < BP_TEMPS_PER_FRAME; k++) {
				unsigned int t = g * BP_TEMPS_PER_FRAME + k;
				int16_t v = t < ntemps ? lb->temp_dC[t] : BP_TEMP_DC_NA;

				if (v < BP_TEMP_DC_MIN || v > BP_TEMP_DC_MAX)
					v = BP_TEMP_DC_NA;
				m.u.temps.dC[k] = v;
			}
			txq_put(fw, &m, false);
			fw->snap_frames++;
		}
	}
	m.type = BP_T_BSTATUS;
	m.u.bst.cycle = cycle;
	m.u.bst.board = b;
	m.u.bst.flags = (uint8_t)((lb->online ? BP_BOARD_ONLINE : 0) |
				  (lb->fresh ? BP_BOARD_FRESH : 0) |
				  (lb->bal_reported ? BP_BOARD_BALANCING : 0) |
				  (lb->crc_errors != fw->seen_crc[b] ? BP_BOARD_CRC_ERRORS : 0) |
				  (lb->timeouts != fw->seen_to[b] ? BP_BOARD_TIMEOUTS : 0));
	fw->seen_crc[b] = lb->crc_errors;
	fw->seen_to[b] = lb->timeouts;
	m.u.bst.bal_mask = lb->bal_reported & 0xFFFFFFu;
	m.u.bst.ntc_fault = lb->ntc_fault;
	m.u.bst.ncells = lb->fresh ? lb->ncells : 0;
	m.u.bst.ntemps = lb->fresh ? lb->ntemps : 0;
	txq_put(fw, &m, false);
	fw->snap_frames++;
}

static void send_cycle_end(struct fw *fw, uint8_t cycle)
{
	struct bp_msg m = { .type = BP_T_CYCLE_END };

	m.u.end.cycle = cycle;
	m.u.end.nframes = fw->snap_frames;
	m.u.end.time_ms = (fw->pack_us / 1000u) & BP_TIME_MAX;
	txq_put(fw, &m, false);
	fw->snap_frames = 0;
}

static bool due(uint32_t now, uint32_t *t, uint32_t period)
{
	if ((uint32_t)(now - *t) < period)
		return false;
	*t += period;
	if ((uint32_t)(now - *t) >= period) /* fell behind: do not burst */
		*t = now;
	return true;
}

/* ---- the tick ---------------------------------------------------------- */

static void trip_now(struct fw *fw)
{
	/* the floor acts in the sample that crossed the limit */
	fw->relays = 0;
	hal_relays_set(0);
}

static void adc_step(struct fw *fw)
{
	struct hal_adc_block blk;
	int32_t uV;
	uint32_t now = fw->now_ms;
	int16_t ext[BP_NUM_NTC];

	if (!hal_adc_fetch(&blk))
		return;
	meas_feed(&fw->meas, &blk);
	fw->pack_us += blk.period_us;
	if (safety_check_current(&fw->safety, fw->meas.out.I_mA, fw->meas.out.I_range, now))
		trip_now(fw);
	for (unsigned int i = 0; i < BP_NUM_NTC; i++)
		ext[i] = (fw->cfg.ntc_enable & (1u << i)) ? fw->meas.out.t_dC[i] : BP_TEMP_DC_NA;
	if (safety_check_temps(&fw->safety, SAFETY_EXT_SOURCE, ext, BP_NUM_NTC, now))
		trip_now(fw);
	for (uint8_t s = 0; s < BP_NUM_CURRENT; s++) {
		if (meas_cal_take(&fw->meas, s, &uV)) {
			struct bp_msg m = { .type = BP_T_CAL };

			m.u.cal.ctr = next_ctr(fw, BP_T_CAL);
			m.u.cal.sensor = s;
			m.u.cal.zero_uV = uV;
			txq_put(fw, &m, false);
		}
	}
}

static void lbus_step(struct fw *fw)
{
	struct lbus_ev ev;
	uint32_t now = fw->now_ms;

	while (lbus_poll(&fw->lb, now, &ev)) {
		if (ev.type == LBUS_EV_BOARD) {
			const struct lbus_board *b = &fw->lb.board[ev.board];

			if (b->fresh) {
				/* both checks run: each keeps its own causes current */
				bool cells = safety_check_cells(&fw->safety, ev.board, b->cell_mV,
								fw->cfg.cells_per_board, now);
				bool temps = safety_check_temps(&fw->safety, ev.board, b->temp_dC,
								fw->cfg.temps_per_board, now);

				if (cells || temps)
					trip_now(fw);
			} else if (!b->online) {
				safety_forget(&fw->safety, ev.board);
			}
			send_board(fw, ev.board, ev.cycle);
		} else if (ev.type == LBUS_EV_CYCLE) {
			if (fw->lb.cfg.boards)
				send_cycle_end(fw, ev.cycle);
		}
	}
}

static uint16_t compute_faults(const struct fw *fw)
{
	uint16_t f = fw->faults & (uint16_t)(BP_FAULT_BAD_FRAME | BP_FAULT_CAN_TX_OVERFLOW |
					     BP_FAULT_CAN_RX_OVERFLOW | BP_FAULT_WATCHDOG_RESET);
	const struct meas_out *o = &fw->meas.out;

	if (fw->lb.cfg.boards && lbus_online_count(&fw->lb) < fw->lb.cfg.boards)
		f |= BP_FAULT_LOGIC_OFFLINE;
	for (unsigned int s = 0; s < fw->cfg.current_sensors && s < BP_NUM_CURRENT; s++)
		if (o->mA[s] == BP_CURRENT_MA_NA)
			f |= BP_FAULT_CURRENT_SENSOR;
	if (o->cur_flags & BP_CUR_IMPLAUSIBLE)
		f |= BP_FAULT_CURRENT_SENSOR;
	for (unsigned int i = 0; i < BP_NUM_NTC; i++)
		if ((fw->cfg.ntc_enable & (1u << i)) && o->ntc_state[i] != BP_SENSOR_OK)
			f |= BP_FAULT_NTC;
	if (o->hum_state == BP_SENSOR_OPEN || o->hum_state == BP_SENSOR_SHORT)
		f |= BP_FAULT_HUMIDITY;
	if (o->supply_mV < 9000u || o->supply_mV > 32000u)
		f |= BP_FAULT_SUPPLY;
	return f;
}

static void leds_step(struct fw *fw)
{
	struct led_in in = { 0 };
	uint8_t leds, changed;

	in.boards = fw->lb.cfg.boards;
	in.established = in.boards && lbus_online_count(&fw->lb) == in.boards;
	in.logic_error = false;
	for (unsigned int b = 0; b < in.boards; b++) {
		const struct lbus_board *lb = &fw->lb.board[b];

		if ((lb->ever && !lb->online) || lb->err_this_cycle || lb->err_prev_cycle)
			in.logic_error = true;
	}
	in.relays = fw->relays;
	leds = led_pattern(fw->now_ms, &in);
	changed = (uint8_t)(leds ^ fw->leds);
	for (unsigned int i = 0; i < HAL_LED_COUNT; i++)
		if (changed & (1u << i) || !fw->started)
			hal_led_set((enum hal_led)i, leds & (1u << i));
	fw->leds = leds;
}

void fw_tick(struct fw *fw, uint32_t now_ms)
{
	struct bp_frame f;
	uint32_t dt = fw->started ? now_ms - fw->now_ms : 0;
	uint8_t key, io_key[2], was = fw->safety.state;
	uint16_t lost;

	fw->now_ms = now_ms;
	if (!fw->started) {
		fw->t_current = fw->t_status = fw->t_version = now_ms;
		fw->last_status_key = 0xFF;
	}

	for (unsigned int i = 0; i < RX_PER_TICK && hal_can_recv(&f) == 1; i++)
		fw_rx(fw, &f);
	lost = hal_can_rx_lost();
	if (lost) {
		fw->st.rx_lost += lost;
		fw->faults |= BP_FAULT_CAN_RX_OVERFLOW;
	}

	adc_step(fw);
	lbus_step(fw);

	fw->relays = safety_tick(&fw->safety, now_ms);
	if (fw->safety.state == BP_SAFETY_TRIPPED && was != BP_SAFETY_TRIPPED)
		fw->st.trips++;
	hal_relays_set(fw->relays);
	fw->dos = safety_dos(&fw->safety, fw->do_cmd);
	hal_do_set(fw->dos);
	if (!fw->safety.hb_alive)
		for (uint8_t b = 0; b < fw->lb.cfg.boards; b++)
			lbus_set_balance(&fw->lb, b, 0);
	dio_update(&fw->dio, hal_di_read(), dt);
	fw->faults = compute_faults(fw);
	leds_step(fw);

	key = (uint8_t)(fw->safety.state | fw->cfg_state << 4);
	if (key != fw->last_status_key) {
		send_status(fw, true);
		fw->last_status_key = key;
	} else if (due(now_ms, &fw->t_status, FW_PERIOD_STATUS_MS)) {
		send_status(fw, false);
		send_slow(fw);
	}
	io_key[0] = (uint8_t)(fw->relays | fw->safety.relay_cmd << 4);
	io_key[1] = (uint8_t)(fw->dio.stable | fw->dos << 4);
	if (fw->started && (io_key[0] != fw->last_io_key[0] || io_key[1] != fw->last_io_key[1]))
		send_io(fw);
	fw->last_io_key[0] = io_key[0];
	fw->last_io_key[1] = io_key[1];
	if (due(now_ms, &fw->t_current, FW_PERIOD_CURRENT_MS))
		send_current(fw);
	if (!fw->started || due(now_ms, &fw->t_version, FW_PERIOD_VERSION_MS))
		send_version(fw);

	txq_drain(fw);
	fw->started = true;
	hal_watchdog_kick();
}
