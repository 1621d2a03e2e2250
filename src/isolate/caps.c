/*
 * caps.c - which capabilities a service gets (cap_plan_for) and the switch to
 * its identity and capabilities in its own process just before exec.  The
 * switch runs in the cloned child: raw prctl/capset/set*id calls only, no
 * allocation, no file access.
 */
#include "isolate/security.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config/value.h"

/* The capability sets of a service; see security.h. */
struct cap_plan cap_plan_for(uint64_t caps, uint64_t added, uid_t uid)
{
	struct cap_plan plan = { .bounding = caps, .ambient = 0 };

	/* Root gets its capabilities from exec itself (the kernel treats root's
	 * programs as carrying every file capability, cut by the bounding set).
	 * Another user gets nothing from exec except the ambient set, and only
	 * what its configuration added explicitly goes there. */
	if (uid != 0)
		plan.ambient = caps & added;
	return plan;
}

/* The highest capability this kernel knows: PR_CAPBSET_READ fails with EINVAL
 * past it.  Probed rather than read from /proc, which the child may not see. */
static int cap_last_valid(void)
{
	int cap = 0;

	while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
		cap++;
	return cap;
}

/* The name of CAP for messages ("NET_RAW", or its number), in BUF. */
static const char *cap_label(int cap, char buf[16])
{
	const char *name = value_cap_name(cap);

	if (name)
		return name;
	snprintf(buf, 16, "%d", cap);
	return buf;
}

/* The user of ID for messages: "'nobody' (65534)" or "'65534'", in BUF. */
static const char *user_label(const struct identity *id, char buf[NAME_MAX_LEN + 32])
{
	if (id->name)
		snprintf(buf, NAME_MAX_LEN + 32, "'%.*s' (%u)", NAME_MAX_LEN, id->name, (unsigned)id->uid);
	else
		snprintf(buf, NAME_MAX_LEN + 32, "'%u'", (unsigned)id->uid);
	return buf;
}

/* capset(2) of the three sets, as 64-bit masks. */
static int caps_set(uint64_t permitted, uint64_t effective, uint64_t inheritable)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].permitted = (uint32_t)(permitted >> (32 * i));
		data[i].effective = (uint32_t)(effective >> (32 * i));
		data[i].inheritable = (uint32_t)(inheritable >> (32 * i));
	}
	return (int)syscall(SYS_capset, &hdr, data);
}

/* The permitted set of the calling process, or 0 if capget fails. */
static uint64_t caps_permitted(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	return (uint64_t)data[0].permitted | (uint64_t)data[1].permitted << 32;
}

/* Switch to ID with the capabilities of PLAN; see security.h. */
int security_apply_identity_caps(const struct identity *id, const struct cap_plan *plan, bool no_new_privs,
				 struct error *err)
{
	int last = cap_last_valid();
	uint64_t valid = last >= 63 ? UINT64_MAX : (1ULL << (last + 1)) - 1;
	uint64_t ambient = plan->ambient & plan->bounding & valid;
	uint64_t permitted = (id->uid == 0 ? plan->bounding : ambient) & valid, missing;
	char cbuf[16], ubuf[NAME_MAX_LEN + 32];

	/* The bounding set first, while we are still root with every
	 * capability effective: PR_CAPBSET_DROP needs CAP_SETPCAP in the
	 * effective set, which the switch to another uid below empties. */
	for (int cap = 0; cap <= last; cap++) {
		if (plan->bounding & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return error_set(err, errno, "drop capability '%s'", cap_label(cap, cbuf));
	}
	/* Without KEEPCAPS, setresuid() from root to another uid would clear
	 * the permitted set, leaving nothing to raise ambient capabilities from. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return error_set(err, errno, "keep capabilities for user %s", user_label(id, ubuf));
	/* Groups before the gid, the gid before the uid: each needs CAP_SETGID
	 * or CAP_SETUID in the effective set, which setresuid() empties.  Called
	 * even with no groups, to shed the supervisor's own. */
	if (setgroups(id->n_groups, id->groups) < 0)
		return error_set(err, errno, "set the supplementary groups of user %s", user_label(id, ubuf));
	if (setresgid(id->gid, id->gid, id->gid) < 0)
		return error_set(err, errno, "set group '%u' of user %s", (unsigned)id->gid,
				 user_label(id, ubuf));
	if (setresuid(id->uid, id->uid, id->uid) < 0)
		return error_set(err, errno, "set user %s", user_label(id, ubuf));

	/* Name what pistack itself lacks (say, it runs in a container without
	 * SYS_RESOURCE) instead of a bare EPERM from capset(). */
	missing = permitted & ~caps_permitted();
	for (int cap = 0; missing && cap <= last; cap++)
		if (missing & (1ULL << cap))
			return error_set(err, EPERM,
					 "grant capability '%s' to user %s: pistack does not hold it",
					 cap_label(cap, cbuf), user_label(id, ubuf));
	/* Inheritable must hold the ambient set: the kernel keeps an ambient
	 * capability only while it is both permitted and inheritable. */
	if (caps_set(permitted, permitted, ambient) < 0)
		return error_set(err, errno, "set the capabilities of user %s", user_label(id, ubuf));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return error_set(err, errno, "clear the ambient capabilities");
	for (int cap = 0; cap <= last; cap++) {
		if (!(ambient & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return error_set(err, errno, "raise ambient capability '%s'", cap_label(cap, cbuf));
	}
	/* Exec clears KEEPCAPS anyway; reset it so nothing in between relies on it. */
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return error_set(err, errno, "reset keep-capabilities");
	/* Securebits stay as they are, as in Docker: SECBIT_NOROOT would stop
	 * root in the service from gaining its set through exec (and break
	 * setuid-root programs), which the bounding set already limits. */
	if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set(err, errno, "set no_new_privs");
	return 0;
}
