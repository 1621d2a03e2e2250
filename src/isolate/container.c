/*
 * container.c - prepare, start and clean up one service instance; used by
 * `pistack run` in the foreground and by the daemon.
 */
#include "isolate/container.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolate/userns.h"

/* Read a whole small file, or NULL. */
static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *out = NULL, buf[512];
	size_t len = 0, n;
	FILE *m;

	if (!f)
		return NULL;
	m = open_memstream(&out, &len);
	while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0 && len < 65536)
		fwrite(buf, 1, n, m);
	if (m)
		fclose(m);
	fclose(f);
	return out;
}

/* See container.h. */
char *container_resolv_conf(const struct service_config *svc)
{
	char *s;

	/* The host's network: its resolver configuration applies as it is. */
	if (svc->net_mode == NET_HOST && (s = read_small_file("/etc/resolv.conf")))
		return s;
	return strdup(svc->net_mode == NET_NONE ? "# no network: [network] mode none\n" : "");
}

/* See container.h. */
int container_prepare(struct container *ct, const struct global_config *global,
		      const struct service_config *svc, const struct cgroup_root *cg,
		      char *const *argv_override, const char *term, const struct container_net *net,
		      struct seccomp_cache *cache, struct error *err)
{
	struct rootfs_request req = { .global = global, .svc = svc };
	char *resolv = NULL, *hosts = NULL, userdb[PATH_MAX];
	int r;

	memset(ct, 0, sizeof(*ct));
	ct->global = global;
	ct->svc = svc;
	ct->cg = cg;
	ct->cgroup_fd = -1;
	ct->sp.pidfd = ct->sp.sync_fd = ct->sp.sync_fd_in_init = ct->sp.pty_master = -1;
	/* Refused rather than started with only a loopback interface: the
	 * service would look up and reach nothing of what it was promised. */
	if (svc->net_mode == NET_INTERCONTAINER && !net)
		return error_set(err, EINVAL, "join network '%s' of '%s': no address", global->bridge, svc->name);
	for (char *const *a = argv_override ? argv_override : svc->exec.v; a && *a; a++)
		if (strv_push(&ct->argv, *a) < 0)
			return error_set(err, ENOMEM, "copy the command of '%s'", svc->name);
	/* A debian: rootfs not built yet is refused here: the daemon does not
	 * build (`pistack run` did before it got here). */
	if ((r = rootfs_user_db_dir(global, svc, userdb, sizeof(userdb), err)) < 0 ||
	    (r = identity_resolve(userdb, &svc->user, &ct->id, err)) < 0)
		return r;
	if (svc->userns && (r = userns_lease(global->state, svc->name, &ct->userns_base, err)) < 0)
		return r;
	/* Checked before anything is made: a limit that cannot be enforced
	 * refuses the start, with the fix in the message. */
	if ((r = cgroup_check_limits(cg, svc, err)) < 0)
		return r;
	/* A service of that name still running refuses the start before
	 * anything of it is touched (its runtime files, its writable layer);
	 * cgroup_create() below checks again. */
	if ((r = cgroup_remove_stale(cg, svc->name, err)) < 0)
		return r;
	/* Compiled here (or once per daemon), so the child only has to load it. */
	if (cache) {
		if ((r = seccomp_cache_get(cache, &svc->seccomp, service_effective_caps(svc), &ct->filter, err)) < 0)
			return r;
	} else {
		if ((r = seccomp_program_build(&svc->seccomp, service_effective_caps(svc), &ct->seccomp, err)) < 0)
			return r;
		ct->filter = &ct->seccomp;
	}
	resolv = net ? strdup(net->resolv_conf) : container_resolv_conf(svc);
	{
		char self[INET_ADDRSTRLEN] = "127.0.1.1";
		/* On the bridge the hostname names the service's own address,
		 * as in Docker; alone, a loopback address as in Debian. */
		if (net)
			inet_ntop(AF_INET, &net->addr, self, sizeof(self));
		if (asprintf(&hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n",
			     self, svc->hostname) < 0)
			hosts = NULL;
	}
	if (!resolv || !hosts) {
		free(resolv);
		free(hosts);
		return error_set(err, ENOMEM, "generate /etc files of '%s'", svc->name);
	}
	req.id = &ct->id;
	req.userns = svc->userns;
	req.host_uid_base = ct->userns_base;
	req.resolv_conf = resolv;
	req.hosts = hosts;
	r = rootfs_prepare(&req, &ct->plan, err);
	free(resolv);
	free(hosts);
	if (r < 0)
		return r;
	ct->plan_ready = true;
	if (spawn_build_env(svc, &ct->id, term, &ct->env) < 0)
		return error_set(err, ENOMEM, "build the environment of '%s'", svc->name);
	/* Under systemd the cgroup is made once the child exists
	 * (container_enter_scope()): systemd's scope needs its first process. */
	if (!cg->scopes) {
		if ((r = cgroup_create(cg, svc, &ct->cgroup_fd, err)) < 0)
			return r;
		ct->cgroup_made = true;
	}
	return 0;
}

/* spawn_config.enter_cgroup under systemd: the child's scope and leaf. */
static int container_enter_scope(pid_t pid, void *data, struct error *err)
{
	struct container *ct = data;

	/* Marked first: whatever part was made is removed by container_cleanup(). */
	ct->cgroup_made = true;
	return cgroup_enter_scope(ct->cg, ct->svc, pid, &ct->cgroup_fd, err);
}

/* See container.h. */
int container_start(struct container *ct, const int stdio[3], const struct container_start_opts *opts,
		    int *exit_code, struct error *err)
{
	struct spawn_config sc = { 0 };
	int r;

	sc.svc = ct->svc;
	sc.argv = ct->argv.v;
	sc.envp = ct->env.v;
	memcpy(sc.stdio, stdio, sizeof(sc.stdio));
	sc.tty = opts->tty;
	sc.new_tty = opts->new_tty;
	sc.tty_rows = opts->tty_rows;
	sc.tty_cols = opts->tty_cols;
	sc.die_with_parent = opts->die_with_parent;
	sc.adoptable = opts->adoptable;
	sc.init_keep_fds = opts->keep_fds;
	sc.n_init_keep_fds = opts->n_keep_fds;
	sc.rootfs = &ct->plan;
	sc.id = &ct->id;
	sc.caps = cap_plan_for(service_effective_caps(ct->svc), ct->svc->caps_add, ct->id.uid);
	sc.seccomp = ct->filter;
	sc.cgroup_fd = ct->cgroup_fd;
	sc.enter_cgroup = container_enter_scope;
	sc.enter_cgroup_data = ct;
	sc.userns_base = ct->userns_base;
	sc.setup_child = opts->setup_child;
	sc.setup_data = opts->setup_data;
	r = spawn_service(&sc, &ct->sp, exit_code, err);
	/* The child has entered its root (or failed): the sources are its. */
	rootfs_plan_close_mounts(&ct->plan);
	return r;
}

/* See container.h. */
void container_cleanup(struct container *ct, bool remove_state, struct error *err)
{
	error_clear(err);
	if (ct->cgroup_fd >= 0)
		close(ct->cgroup_fd);
	ct->cgroup_fd = -1;
	if (ct->cgroup_made)
		cgroup_destroy(ct->cg, ct->svc->name, err);
	ct->cgroup_made = false;
	if (ct->plan_ready) {
		struct error e2;
		if (rootfs_cleanup(&ct->plan, remove_state, &e2) < 0 && !err->msg[0])
			*err = e2;
		rootfs_plan_release(&ct->plan);
	}
	ct->plan_ready = false;
	if (ct->sp.sync_fd >= 0)
		close(ct->sp.sync_fd);
	if (ct->sp.pidfd >= 0)
		close(ct->sp.pidfd);
	ct->sp.sync_fd = ct->sp.pidfd = -1;
	seccomp_program_release(&ct->seccomp);
	ct->filter = NULL;
	identity_release(&ct->id);
	strv_release(&ct->env);
	strv_release(&ct->argv);
}
