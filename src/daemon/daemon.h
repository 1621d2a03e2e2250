/*
 * daemon.h - the supervisor's state: one struct daemon per process, one
 * struct service_rt per configured service.  Only the daemon's main loop
 * touches these (no threads); modules receive the daemon pointer.
 */
#ifndef PISTACK_DAEMON_DAEMON_H
#define PISTACK_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "common/loop.h"
#include "config/config.h"
#include "isolate/cgroup.h"
#include "isolate/container.h"
#include "net/attach.h"

/* The states of interface.md, in `status`. */
enum svc_state {
	SVC_EXITED,     /* not running: never started, stopped, or ended with status 0 */
	SVC_STARTING,   /* started; waiting for the first healthy check */
	SVC_RUNNING,
	SVC_STOPPING,   /* stop_signal sent; SIGKILL at stop_timeout */
	SVC_BACKOFF,    /* ended; restart when the backoff timer fires */
	SVC_FAILED,     /* ended with a failure and will not be restarted */
	SVC_N_STATES
};

enum health_state { HEALTH_UNKNOWN, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

struct ctl_conn;       /* daemon/ctl_server.c */
struct ctl_server;
struct waiter;         /* daemon/verbs.c */
struct log_sink;       /* daemon/logs.c */
struct health_check;   /* daemon/health.c */
struct daemon_net;     /* daemon/network.c */
struct daemon_gateway; /* daemon/gateway_ctl.c */

struct service_rt {
	struct daemon *d;
	char name[NAME_MAX_LEN + 1];
	const struct service_config *cfg;  /* into d->cfg; replaced on reload */
	enum svc_state state;
	bool want_up;                      /* the user asked for it to run */
	bool removed;                      /* no longer configured: gone once down */
	bool stop_requested;               /* this end was asked for (not a crash) */
	bool adopted;                      /* re-adopted after a daemon restart */
	struct container ct;               /* valid while running (not after adoption) */
	pid_t pid;                         /* the init, host pid; 0 when not running */
	int pidfd;
	int sync_fd;                       /* init's reports (EXIT) */
	unsigned long long start_time;     /* /proc/PID/stat field 22, to recognise the pid */
	uint64_t started_ms;               /* loop_now_ms() at start */
	uint64_t started_wall;             /* time(NULL) at start, for uptime after adoption */
	unsigned restarts;
	uint64_t backoff_ms;               /* next backoff delay */
	int last_status;                   /* wait status of the last end */
	struct loop_timer timer;           /* stop timeout or backoff */
	struct log_sink *log;
	struct health_check *health;
	enum health_state health_state;
	char address[16];                  /* bare IPv4, "" when none */
	struct net_attachment att;         /* mode intercontainer: lease and veth of the instance */
	uint64_t running_fingerprint;      /* settings of the running instance */
	char last_error[ERROR_MSG_MAX];    /* why the last start failed, "" if it did not */
	int log_fd_in_init;                /* numbers of init's copies, for re-adoption */
	int sync_fd_in_init;
};

struct daemon {
	struct loop *loop;
	const char *conf_root;
	struct config cfg;
	struct cgroup_root cg;
	struct seccomp_cache seccomp_cache; /* compiled filters, shared by every start and exec */
	char seccomp_dir[4096];            /* STATE/seccomp, where they are kept across restarts */
	/* One per configured service, sorted by name; pointers, so that reload
	 * can add services while handlers hold on to the existing ones. */
	struct service_rt **svcs;
	size_t n_svcs;
	struct config *retired;            /* configurations replaced by reload, still
	                                      referenced by running instances (freed at exit) */
	size_t n_retired;
	struct ctl_server *ctl;            /* the control socket's server (ctl_server.c) */
	struct daemon_net *net;            /* bridge, name server, NAT (network.c) */
	struct daemon_gateway *gw;         /* the gateway master (gateway_ctl.c) */
	int listen_fd;
	int signal_fd;
	int lock_fd;                       /* RUN/pistack.pid, locked while we live */
	struct waiter *waiters;            /* verbs waiting for state changes (verbs.c) */
	struct loop_timer exit_timer;      /* `down`: exit once the reply is out */
	bool stopping;                     /* `down` or SIGTERM: stop all, then exit */
	bool keep_services;                /* SIGTERM under systemd: leave services running */
};

/* The service NAME, or NULL. */
struct service_rt *daemon_find(struct daemon *d, const char *name);

/* The daemon process (daemon/daemon.c, daemon/reload.c). */
struct service_rt *daemon_new_service(struct daemon *d, const struct service_config *svc);
void daemon_service_timer(struct loop *l, void *data);
bool daemon_all_down(const struct daemon *d);
/* Re-read the configuration and apply it; errors go to C (or the log when C is NULL).
 * Returns 0, or EXIT_CONFIG when the new configuration is invalid (nothing changed). */
int daemon_reload(struct daemon *d, struct ctl_conn *c);
/* Called by supervise_event() after every state change: completes waiting verbs. */
void verbs_state_changed(struct service_rt *rt);

/* Service instances (daemon/service.c). */
int service_launch(struct service_rt *rt, struct error *err);   /* start one instance */
void service_signal(struct service_rt *rt, int sig);            /* to its init */
void service_kill(struct service_rt *rt);                       /* SIGKILL and cgroup.kill */
void service_release_instance(struct service_rt *rt);           /* after it ended */
/* The compiled seccomp filter of the running instance, for exec and [health]
 * cmd (from the daemon's cache for an adopted one); NULL: let them compile it. */
const struct seccomp_program *service_filter(const struct service_rt *rt);
/* The loop handler of an instance's sync socket (started or adopted). */
void service_sync_ready(struct loop *l, int fd, uint32_t events, void *data);


/* Supervision (daemon/supervise.c): events of the state table. */
enum svc_event {
	EV_START,       /* start requested */
	EV_STOP,        /* stop requested */
	EV_EXIT,        /* the service ended (rt->last_status) */
	EV_TIMER,       /* stop timeout or backoff elapsed */
	EV_HEALTHY,
	EV_UNHEALTHY,
	EV_N_EVENTS
};
void supervise_event(struct service_rt *rt, enum svc_event ev);
/* Where an instance that ended goes: started again, backoff, exited or failed. */
enum svc_state supervise_after_exit(struct service_rt *rt);
const char *svc_state_name(enum svc_state s);

/* Persisted runtime state of a service (daemon/state.c): RUN/services/NAME. */
int state_save(const struct service_rt *rt);
void state_remove(const struct service_rt *rt);
/* Re-adopt a service still running from before a daemon restart. */
int state_adopt(struct service_rt *rt);
/* Kill a service still running from before that is no longer configured. */
void state_kill_orphan(struct daemon *d, const char *name);
/* Release what an adopted instance left: its cgroup and runtime files. */
void state_cleanup_adopted(struct service_rt *rt);
/* Start time of PID from /proc (to recognise it after a restart). */
unsigned long long service_proc_start_time(pid_t pid);

/* Verbs (daemon/verbs.c, daemon/verb_*.c), called by the control server. */
void verb_dispatch(struct daemon *d, struct ctl_conn *c, int argc, char **argv, const int *fds, int n_fds);

#endif
