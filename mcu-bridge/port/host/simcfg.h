/* SPDX-License-Identifier: GPL-2.0-or-later */
/* simcfg: the bridge configuration that matches bms-sim's default sensors. */
#ifndef SIMCFG_H
#define SIMCFG_H

#include "../../proto/bp.h"

/* Fill @c for a pack of @boards x @cells x @temps with the calibration of
 * the simulator's default sensors (pack_default_cfg) and LFP hard limits. */
void simcfg_default(struct bp_config *c, uint8_t boards, uint8_t cells, uint8_t temps);

#endif
