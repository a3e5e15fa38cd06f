# SPDX-License-Identifier: GPL-2.0-or-later
# The ADC pipeline: current sensors, NTCs, humidity, supply, charge integrator.
CORE_SRCS += mcu-bridge/core/meas.c

UNIT_TESTS += test_meas
test_meas_SRCS := tests/unit/test_meas.c mcu-bridge/core/meas.c
