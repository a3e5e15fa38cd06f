# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks (bench/*.sh); programs built with the rest.
PROGRAMS += bench_codec
bench_codec_SRCS := bench/bench_codec.c mcu-bridge/proto/bp.c mcu-bridge/proto/crc.c
bench_codec_LIBS :=
