/*
 * rootfs_host.c - rootfs = host: a read-only view of the host's operating
 * system on a fresh tmpfs root.  /usr and the merged-usr links as on the host,
 * an allow-listed /etc without host secrets, and empty /var, /home and /root.
 * Builds plan ops only; reads (never writes) the host under HOST_ROOT.
 */
#include "isolate/rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Host files are read-only, and never a way to gain privileges or reach a
 * device: see ROOTFS_SAFE in rootfs.c. */
#define ROOTFS_HOST_RO (MS_RDONLY | MS_NOSUID | MS_NODEV)

/*
 * The host's /etc entries a service sees; everything else in /etc stays out.
 * Deliberately absent, and why:
 *   shadow, gshadow, security/ (opasswd)  password hashes, current and old
 *   ssh/                                  the host's private host keys
 *   ssl/private                           TLS private keys (only ssl/certs is shown)
 *   sudoers, sudoers.d, pam.d, subuid, subgid  host privilege policy, nothing a service uses
 *   apt/                                  auth.conf.d holds repository credentials
 *   environment                           sites keep proxy credentials there; a service's
 *                                         environment comes from its configuration only
 *   machine-id                            machine-id(5): confidential, not for untrusted code
 *   ld.so.preload                         would inject a host library into every program
 *   hosts.allow, hosts.deny               the host's access policy, not the service's
 *   fstab, crypttab                       the host's disk layout
 *   hosts, hostname, resolv.conf          generated per service (rootfs.c)
 *   pistack/                              our own configuration
 */
static const char *const rootfs_host_etc[] = {
	/* user and group names: the service user is resolved there; no hashes */
	"passwd",
	"group",
	/* how glibc resolves names, addresses, services and protocols */
	"nsswitch.conf",
	"host.conf",
	"gai.conf",
	"protocols",
	"services",
	"networks",
	/* the dynamic linker's cache and configuration */
	"ld.so.cache",
	"ld.so.conf",
	"ld.so.conf.d",
	/* TLS trust anchors */
	"ssl/certs",
	"ssl/openssl.cnf",
	"ca-certificates",
	"ca-certificates.conf",
	/* Debian's /usr/bin/awk, editor, python3... resolve through alternatives */
	"alternatives",
	/* the time zone */
	"localtime",
	"timezone",
	/* what system this is (tools and installers read them) */
	"os-release",
	"debian_version",
	"lsb-release",
	/* web servers map extensions to types */
	"mime.types",
	/* terminals, shells and shell defaults for `pistack exec NAME sh` */
	"terminfo",
	"shells",
	"profile",
	"bash.bashrc",
	"inputrc",
	"login.defs",
	/* df and mount read the mount table through it */
	"mtab",
};

/* The top-level names that merged-usr turns into symlinks into /usr. */
static const char *const rootfs_host_usr_links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

/* Plan HOST_ROOT/NAME at /NAME as the host has it: a symlink is recreated with
 * the same text (so /etc/localtime -> /usr/share/zoneinfo/... and bin -> usr/bin
 * resolve inside the service's root), anything else is bound read-only.  An
 * absent entry is skipped: not every host has every file. */
static int rootfs_host_entry(struct rootfs_plan *plan, const char *host_root, const char *name,
			     struct error *err)
{
	char path[PATH_MAX], target[PATH_MAX], link[PATH_MAX];
	struct mount_op *op;
	struct stat st;
	ssize_t n;

	snprintf(target, sizeof(target), "/%s", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", strcmp(host_root, "/") ? host_root : "", name) >=
	    sizeof(path))
		return error_set(err, ENAMETOOLONG, "plan '%s'", target);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return error_set(err, errno, "inspect host '%s'", path);
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			return error_set(err, errno, "read link '%s'", path);
		link[n] = '\0';
		return rootfs_plan_add(plan, OP_SYMLINK, link, target, 0, NULL, 0, err) ? 0 : -ENOMEM;
	}
	op = rootfs_plan_add(plan, OP_BIND, path, target, ROOTFS_HOST_RO, NULL, st.st_mode & S_IFMT, err);
	if (!op)
		return -ENOMEM;
	/* It may go away before rootfs_prepare() opens it. */
	op->optional = true;
	return 0;
}

/* Plan the host view after the root tmpfs; see rootfs.h. */
int rootfs_host_plan(struct rootfs_plan *plan, const char *host_root, struct error *err)
{
	static const struct {
		const char *path;
		mode_t mode;
	} dirs[] = {
		/* Empty, and read-only with the root (readonly = yes): persistent data
		 * belongs in volumes, scratch space in /tmp.  Programs expect them. */
		{"/var", 0755},      {"/var/cache", 0755}, {"/var/lib", 0755}, {"/var/log", 0755},
		{"/var/tmp", 01777}, {"/home", 0755},      {"/root", 0700},
	};
	char usr[PATH_MAX];
	int r;

	/* /usr holds every program and library; a recursive read-only bind. */
	snprintf(usr, sizeof(usr), "%s/usr", strcmp(host_root, "/") ? host_root : "");
	if (!rootfs_plan_add(plan, OP_BIND, usr, "/usr", ROOTFS_HOST_RO, NULL, S_IFDIR, err))
		return -ENOMEM;
	/* Merged-usr hosts have /bin -> usr/bin and so on; older ones have real
	 * directories, bound read-only like /usr. */
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_host_usr_links); i++)
		if ((r = rootfs_host_entry(plan, host_root, rootfs_host_usr_links[i], err)) < 0)
			return r;
	if (!rootfs_plan_add(plan, OP_MKDIR, NULL, "/etc", 0, NULL, 0755, err))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_host_etc); i++) {
		char name[64];

		snprintf(name, sizeof(name), "etc/%s", rootfs_host_etc[i]);
		if ((r = rootfs_host_entry(plan, host_root, name, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (!rootfs_plan_add(plan, OP_MKDIR, NULL, dirs[i].path, 0, NULL, dirs[i].mode, err))
			return -ENOMEM;
	/* Debian's compatibility links; they point into our /run tmpfs. */
	if (!rootfs_plan_add(plan, OP_SYMLINK, "../run", "/var/run", 0, NULL, 0, err) ||
	    !rootfs_plan_add(plan, OP_SYMLINK, "../run/lock", "/var/lock", 0, NULL, 0, err))
		return -ENOMEM;
	return 0;
}
