/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop: the one event loop of bmsd. epoll over registered descriptors,
 * timerfd for periodic work. Handlers run to completion and must not block.
 *
 * A module registers (fd, events, handler, arg) with loop_add_fd() and
 * periodic work with loop_add_timer(). Signals reach the loop as a
 * signalfd registered like any other descriptor.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

struct loop;

typedef void (*loop_fd_fn)(int fd, uint32_t events, void *arg);
typedef void (*loop_timer_fn)(void *arg, uint64_t expirations);

/* Create a loop. Returns 0 and sets *@out, or a negative errno. */
int loop_new(struct loop **out);

/* Close every timer this loop created and the epoll descriptor. Registered
 * descriptors other than timers belong to their modules. */
void loop_free(struct loop *l);

/* Watch @fd for @events (EPOLLIN, EPOLLOUT, ...). One registration per fd.
 * Returns 0 or a negative errno. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg);

/* Change the events watched on a registered @fd. */
int loop_mod_fd(struct loop *l, int fd, uint32_t events);

/* Stop watching @fd (does not close it). Safe to call from a handler,
 * including the handler of @fd itself. */
void loop_del_fd(struct loop *l, int fd);

/* Call @fn every @period_ms, first after @period_ms. Returns a timer id
 * (>= 0) or a negative errno. @expirations counts periods elapsed since the
 * last call (> 1 when the loop fell behind). */
int loop_add_timer(struct loop *l, uint32_t period_ms, loop_timer_fn fn, void *arg);

/* Remove a timer by id. */
void loop_del_timer(struct loop *l, int id);

/* Run until loop_quit(). Returns 0, or a negative errno if epoll fails. */
int loop_run(struct loop *l);

/* Make loop_run() return after the current dispatch round. */
void loop_quit(struct loop *l);

/* CLOCK_MONOTONIC now, in ms and in us. */
uint64_t loop_now_ms(void);
uint64_t loop_now_us(void);

/* Dispatch rounds completed; the watchdog checks that this advances. */
uint64_t loop_rounds(const struct loop *l);

#endif /* LOOP_H */
