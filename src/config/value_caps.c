/*
 * value_caps.c - capability names and sets: the name table for capabilities 0..40, single
 * names, space-separated lists ("ALL" included), Docker's default set and [security] caps.
 * Sets are bit masks, bit N for capability N.
 */
#include "config/value.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/capability.h"

#define VALUE_CAP_LAST CAP_CHECKPOINT_RESTORE
#define VALUE_CAPS_ALL ((1ULL << (VALUE_CAP_LAST + 1)) - 1)

static const char *const value_cap_names[VALUE_CAP_LAST + 1] = {
	[CAP_CHOWN] = "CHOWN",
	[CAP_DAC_OVERRIDE] = "DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "DAC_READ_SEARCH",
	[CAP_FOWNER] = "FOWNER",
	[CAP_FSETID] = "FSETID",
	[CAP_KILL] = "KILL",
	[CAP_SETGID] = "SETGID",
	[CAP_SETUID] = "SETUID",
	[CAP_SETPCAP] = "SETPCAP",
	[CAP_LINUX_IMMUTABLE] = "LINUX_IMMUTABLE",
	[CAP_NET_BIND_SERVICE] = "NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "NET_BROADCAST",
	[CAP_NET_ADMIN] = "NET_ADMIN",
	[CAP_NET_RAW] = "NET_RAW",
	[CAP_IPC_LOCK] = "IPC_LOCK",
	[CAP_IPC_OWNER] = "IPC_OWNER",
	[CAP_SYS_MODULE] = "SYS_MODULE",
	[CAP_SYS_RAWIO] = "SYS_RAWIO",
	[CAP_SYS_CHROOT] = "SYS_CHROOT",
	[CAP_SYS_PTRACE] = "SYS_PTRACE",
	[CAP_SYS_PACCT] = "SYS_PACCT",
	[CAP_SYS_ADMIN] = "SYS_ADMIN",
	[CAP_SYS_BOOT] = "SYS_BOOT",
	[CAP_SYS_NICE] = "SYS_NICE",
	[CAP_SYS_RESOURCE] = "SYS_RESOURCE",
	[CAP_SYS_TIME] = "SYS_TIME",
	[CAP_SYS_TTY_CONFIG] = "SYS_TTY_CONFIG",
	[CAP_MKNOD] = "MKNOD",
	[CAP_LEASE] = "LEASE",
	[CAP_AUDIT_WRITE] = "AUDIT_WRITE",
	[CAP_AUDIT_CONTROL] = "AUDIT_CONTROL",
	[CAP_SETFCAP] = "SETFCAP",
	[CAP_MAC_OVERRIDE] = "MAC_OVERRIDE",
	[CAP_MAC_ADMIN] = "MAC_ADMIN",
	[CAP_SYSLOG] = "SYSLOG",
	[CAP_WAKE_ALARM] = "WAKE_ALARM",
	[CAP_BLOCK_SUSPEND] = "BLOCK_SUSPEND",
	[CAP_AUDIT_READ] = "AUDIT_READ",
	[CAP_PERFMON] = "PERFMON",
	[CAP_BPF] = "BPF",
	[CAP_CHECKPOINT_RESTORE] = "CHECKPOINT_RESTORE",
};

#define CAP_FORM "a capability name like NET_ADMIN or cap_net_admin"

/* One capability by name, "CAP_" optional, any case. */
int value_parse_cap(const char *s, int *out, struct error *err)
{
	const char *name = strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s;

	for (int i = 0; i <= VALUE_CAP_LAST; i++) {
		if (value_cap_names[i] && strcasecmp(name, value_cap_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return value_error(err, "capability", s, "expected " CAP_FORM);
}

/* The name of capability CAP without "CAP_", or NULL. */
const char *value_cap_name(int cap)
{
	if (cap < 0 || cap > VALUE_CAP_LAST)
		return NULL;
	return value_cap_names[cap];
}

/* Space-separated capability names, or ALL, as a bit set; an empty list is the empty set. */
int value_parse_caps(const char *s, uint64_t *out_bits, struct error *err)
{
	char word[80];
	const char *p = s;
	uint64_t bits = 0;
	size_t len;

	while ((len = value_next_word(&p, word, sizeof(word))) > 0) {
		int cap;

		if (strcasecmp(word, "ALL") == 0) {
			bits |= VALUE_CAPS_ALL;
			continue;
		}
		if (len >= sizeof(word))
			return value_error(err, "capability", word, "expected " CAP_FORM);
		if (value_parse_cap(word, &cap, err) < 0)
			return -EINVAL;
		bits |= 1ULL << cap;
	}
	*out_bits = bits;
	return 0;
}

/* The 14 capabilities Docker grants by default (CAPS_DOCKER_DEFAULT_NAMES). */
uint64_t caps_docker_default(void)
{
	return 1ULL << CAP_CHOWN | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FSETID |
	       1ULL << CAP_FOWNER | 1ULL << CAP_MKNOD | 1ULL << CAP_NET_RAW | 1ULL << CAP_SETGID |
	       1ULL << CAP_SETUID | 1ULL << CAP_SETFCAP | 1ULL << CAP_SETPCAP |
	       1ULL << CAP_NET_BIND_SERVICE | 1ULL << CAP_SYS_CHROOT | 1ULL << CAP_KILL |
	       1ULL << CAP_AUDIT_WRITE;
}

/* [security] caps: default | none | a non-empty list. */
int value_parse_cap_spec(const char *s, struct cap_spec *out, struct error *err)
{
	const char *p = s;
	char word[8];

	if (strcasecmp(s, "default") == 0) {
		out->bits = caps_docker_default();
		return 0;
	}
	if (strcasecmp(s, "none") == 0) {
		out->bits = 0;
		return 0;
	}
	if (value_next_word(&p, word, sizeof(word)) == 0)
		return value_error(err, "capabilities", s,
				   "expected default, none or a list of capability names");
	return value_parse_caps(s, &out->bits, err);
}
