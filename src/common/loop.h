/*
 * loop.h - one event loop per process: epoll for descriptors, plus timers
 * multiplexed onto one timerfd (CLOCK_MONOTONIC, milliseconds).
 */
#ifndef PISTACK_COMMON_LOOP_H
#define PISTACK_COMMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
typedef void (*loop_fd_fn)(struct loop *l, int fd, uint32_t events, void *data);
typedef void (*loop_timer_fn)(struct loop *l, void *data);

struct loop_timer {
	uint64_t when_ms;        /* CLOCK_MONOTONIC deadline; 0 = not armed */
	loop_timer_fn fn;
	void *data;
	struct loop_timer *next; /* armed timers, sorted by deadline */
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch FD for EVENTS (EPOLLIN...); FN is called with what happened. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *data);
int loop_mod(struct loop *l, int fd, uint32_t events);
/* Stop watching FD (call before closing it). */
void loop_del(struct loop *l, int fd);

/* Arm T to fire AFTER_MS from now (re-arming moves it); cancel disarms. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t after_ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t loop_now_ms(void);

/* Dispatch until loop_stop(); returns 0, or a negative errno of epoll. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
