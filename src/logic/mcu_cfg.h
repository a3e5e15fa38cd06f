/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcu_cfg: the one place that builds the bridge MCU's configuration from
 * bmsd's (docs/bridge-protocol.md, the configuration push).
 */
#ifndef MCU_CFG_H
#define MCU_CFG_H

#include "cfg.h"
#include "proto/bp.h"

/* The configuration the MCU runs: cfg_to_bp(), then the floor's limits
 * tightened by the critical protections (prot_floor_limits()). For any @c
 * that cfg_parse() accepted, bp_config_check() accepts the result. */
void mcu_cfg_build(const struct cfg *c, struct bp_config *out);

/* Only the part of @c that the configuration names for the MCU, before
 * the protections tighten it (mcu_cfg_build's first half). */
void cfg_to_bp(const struct cfg *c, struct bp_config *out);

#endif /* MCU_CFG_H */
