/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbmap_sunspec: the head of the SunSpec chain, SunSpec models 1 (common)
 * and 802 (battery base), which show the pack as one battery: their
 * points, and how each is filled from the view and the setup.
 *
 * Pure: no I/O, no clock, no allocation.
 */
#ifndef MBMAP_SUNSPEC_H
#define MBMAP_SUNSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "mbmap_point.h"
#include "view.h"

/* Model lengths (L: registers after ID and L). */
#define MBMAP_L1 66u
#define MBMAP_L802 62u

/* What the map takes from the configuration. */
struct mbmap_setup {
	bool write_enable;
	uint8_t address;          /* SunSpec DA: the RTU unit address */
	char manufacturer[33];    /* Mn */
	char model[33];           /* Md: the board profile */
	int8_t w_sf;              /* scale factor of W (model 802), 0..9 */
	int8_t wmax_sf;           /* scale factor of WChaRteMax, WDisChaRteMax, 0..9 */
};

extern const struct mbmap_table mbmap_model1, mbmap_model802;

/* The SunSpec Evt1 bit that protection @prot raises while active at tier
 * warning (@warning) or alarm and critical; -1 when it raises none. Bit 0
 * (COMMUNICATION_ERROR) also follows the MCU link and Logic board faults. */
int mbmap_evt1_bit(unsigned int prot, bool warning);

/* The smallest scale factor (0..9) that keeps a power up to @max_pack_mV x
 * @max_current_mA within @limit counts (32767 for int16, 65534 for uint16). */
int8_t mbmap_power_sf(uint32_t max_pack_mV, uint32_t max_current_mA, uint32_t limit);

/* Write models 1 and 802 from @v at @d, for mbmap_build(); @disconnect:
 * the SetOp request in force. Returns the register after model 802. */
uint16_t *mbmap_sunspec_build(uint16_t *d, const struct mbmap_setup *s, const struct view *v,
			      bool disconnect);

#endif /* MBMAP_SUNSPEC_H */
