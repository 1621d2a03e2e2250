/*
 * loop.c - the epoll event loop and its timers.  Handlers are looked up by
 * descriptor in a growable table, so a handler may remove any descriptor
 * (even one with events pending in the same batch) safely; a generation
 * number per registration keeps a stale event of a closed descriptor from
 * reaching a new one that got the same number within that batch.
 */
#include "common/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct loop_watch {
	loop_fd_fn fn;
	void *data;
	uint32_t gen;  /* bumped by every loop_add() of this descriptor number */
};

struct loop {
	int epfd;
	int timerfd;
	bool stop;
	struct loop_watch *watch;  /* indexed by fd */
	size_t n_watch;
	struct loop_timer *timers; /* sorted by when_ms */
};

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Program the timerfd for the first armed timer. */
static void loop_timer_program(struct loop *l)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (l->timers) {
		uint64_t when = l->timers->when_ms;
		its.it_value.tv_sec = (time_t)(when / 1000);
		its.it_value.tv_nsec = (long)(when % 1000) * 1000000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Fire every timer whose deadline has passed. */
static void loop_timers_fire(struct loop *l, int fd, uint32_t events, void *data)
{
	uint64_t expirations, now = loop_now_ms();

	(void)fd;
	(void)events;
	(void)data;
	(void)!read(l->timerfd, &expirations, sizeof(expirations));
	while (l->timers && l->timers->when_ms <= now) {
		struct loop_timer *t = l->timers;
		l->timers = t->next;
		t->next = NULL;
		t->when_ms = 0;
		t->fn(l, t->data);
	}
	loop_timer_program(l);
}

/* Create a loop. */
struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->timerfd < 0 || loop_add(l, l->timerfd, EPOLLIN, loop_timers_fire, NULL) < 0) {
		loop_free(l);
		return NULL;
	}
	return l;
}

/* Free a loop (watched descriptors are the callers' to close). */
void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	free(l->watch);
	free(l);
}

/* Watch FD. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *data)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0)
		return -EBADF;
	if ((size_t)fd >= l->n_watch) {
		size_t n = (size_t)fd * 2 + 16;
		struct loop_watch *w = realloc(l->watch, n * sizeof(*w));
		if (!w)
			return -ENOMEM;
		memset(w + l->n_watch, 0, (n - l->n_watch) * sizeof(*w));
		l->watch = w;
		l->n_watch = n;
	}
	ev.data.u64 = ((uint64_t)(l->watch[fd].gen + 1) << 32) | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->watch[fd].gen++;
	l->watch[fd].fn = fn;
	l->watch[fd].data = data;
	return 0;
}

/* Change the events of FD. */
int loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= l->n_watch)
		return -EBADF;
	ev.data.u64 = ((uint64_t)l->watch[fd].gen << 32) | (uint32_t)fd;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

/* Stop watching FD. */
void loop_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->n_watch)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->watch[fd].fn = NULL;
	l->watch[fd].data = NULL;
}

/* Arm T. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t after_ms)
{
	struct loop_timer **p;

	loop_timer_cancel(l, t);
	t->when_ms = loop_now_ms() + after_ms;
	if (t->when_ms == 0)
		t->when_ms = 1;
	for (p = &l->timers; *p && (*p)->when_ms <= t->when_ms; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	loop_timer_program(l);
}

/* Disarm T. */
void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	for (struct loop_timer **p = &l->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->next = NULL;
	t->when_ms = 0;
}

/* Dispatch events until stopped. */
int loop_run(struct loop *l)
{
	struct epoll_event evs[32];

	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			int fd = (int)(uint32_t)evs[i].data.u64;
			uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
			/* A previous handler of this batch may have removed FD, or
			 * closed it and registered a new one with the same number. */
			if ((size_t)fd < l->n_watch && l->watch[fd].fn && l->watch[fd].gen == gen)
				l->watch[fd].fn(l, fd, evs[i].events, l->watch[fd].data);
		}
	}
	return 0;
}

/* Make loop_run() return after the current handler. */
void loop_stop(struct loop *l)
{
	l->stop = true;
}
