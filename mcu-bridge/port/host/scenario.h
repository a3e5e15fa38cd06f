/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenario: the command language of bms-sim (docs/bms-sim.md), spoken on
 * its control socket and read from scenario files. One line is one
 * command; '#' starts a comment; blank lines are ignored. Boards, cells,
 * sensors, relays and inputs count from 1, as integrators count them.
 *
 *   current <mA>                            demanded current, + = charge
 *   soc <pct>                               every cell's SOC
 *   cell <board> <cell> <mV|auto>           force / release a cell voltage
 *   temp <board> <sensor> <dC|auto>         force / release a cell sensor
 *   ambient <dC>
 *   humidity <pct>
 *   supply <mV>
 *   ntc <n> ok|open|short                   external NTC 1..2
 *   cell-ntc <board> <sensor> ok|open|short
 *   board <board> online|offline|crc|slow|exception
 *   relay <n> ok|welded|stuck
 *   di <n> on|off|auto
 *   link up|down
 *   scale <x>                               pack seconds per wall second
 *   wait <seconds>                          scenario files only
 *   status                                  one JSON line of the truth
 *   help
 *   quit
 *
 * A scenario file may prefix a command with "@<seconds>" (absolute pack
 * time) and may use "wait <seconds>" (relative to the time reached).
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sim;

/* Longest command line accepted, without its end of line. */
#define SCENARIO_LINE_MAX 255

/* Execute one command line on @s. Returns 0 with @reply "ok" or the data
 * asked for ("status": one JSON object, "help": the command list), or an
 * empty @reply for a blank or comment-only line. Returns -1 with @reply
 * "error: <what>, expected <syntax>" and @s unchanged when the line is
 * malformed, a value is out of range, an index is beyond the simulated
 * pack, or the command is "wait" (scenario files only). @reply is always
 * NUL-terminated (truncated to @cap). */
int scenario_exec(struct sim *s, const char *line, char *reply, size_t cap);

struct scenario_step {
	uint64_t at_us;     /* pack time at which it runs */
	unsigned int line;  /* in the file, from 1 */
	char *text;         /* the command, comment stripped */
};

struct scenario_script {
	char *name;                  /* file name, for messages */
	struct scenario_step *step;
	size_t n;
	size_t next;                 /* first step not yet run */
	uint64_t end_us;             /* time reached by the last line */
	unsigned int errors;         /* steps that failed when run */
	FILE *log;                   /* if set, replies other than "ok" go here */
};

/* Read and check the scenario file @path into @sc. Every line is checked
 * before anything runs; the first bad one fails the load with -1 and
 * "file:line: <what>, expected <syntax>" in @err (@sc then holds nothing
 * to free). Returns 0 on success. */
int scenario_load(struct scenario_script *sc, const char *path, char *err, size_t cap);

/* The same from the text @text, with @name standing for the file name. */
int scenario_load_text(struct scenario_script *sc, const char *name, const char *text,
		       char *err, size_t cap);

/* Check the indexes in every step of @sc against the pack of @s (its
 * board, cell and sensor counts). Returns 0, or -1 with "file:line: ..."
 * in @err. Loading can only check the limits of the hardware. */
int scenario_check(const struct scenario_script *sc, const struct sim *s, char *err,
		   size_t cap);

/* Run, in file order, every step whose time has come (at_us <= s->pack_us). */
void scenario_run_due(struct scenario_script *sc, struct sim *s);

/* Pack time of the next step, UINT64_MAX when none is left. */
uint64_t scenario_next_us(const struct scenario_script *sc);

/* True when every step has run and pack time has reached the end of the
 * script (a trailing "wait" keeps it going). */
bool scenario_done(const struct scenario_script *sc, const struct sim *s);

void scenario_free(struct scenario_script *sc);

#endif
