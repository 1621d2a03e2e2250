/*
 * security.h - what the service's process applies to itself just before
 * exec: identity (user, groups), capabilities, no_new_privs and seccomp.
 * The expensive work (resolving the user, compiling the filter) happens in
 * the parent; the child only applies prepared values, using async-signal-safe
 * calls, and reports failures through the error object.
 */
#ifndef PISTACK_ISOLATE_SECURITY_H
#define PISTACK_ISOLATE_SECURITY_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"

/* A compiled seccomp BPF program, ready for prctl(PR_SET_SECCOMP). */
struct seccomp_program {
	struct sock_filter *filter;
	unsigned short len;
};

/* Compile the filter of SPEC for a process holding CAPS (like Docker, some
 * syscalls are allowed only with the matching capability).  Built for the
 * native architecture and its compat ABIs (x86_64+x86+x32, aarch64+arm, arm).
 * SECCOMP_UNCONFINED yields len == 0.  PATH profiles use the format of
 * pistack-seccomp(5) (see seccomp_profile.c). */
int seccomp_program_build(const struct seccomp_spec *spec, uint64_t caps, struct seccomp_program *out,
			  struct error *err);
/* Same for the filter architectures of NATIVE_ARCH (an SCMP_ARCH_* token:
 * X86_64, AARCH64 or ARM) instead of this machine's; tests build the Pi's
 * filters on any host with it. */
int seccomp_program_build_arch(const struct seccomp_spec *spec, uint64_t caps, uint32_t native_arch,
			       struct seccomp_program *out, struct error *err);
/* Install PROG in the calling process (no-op for len == 0).  Needs no_new_privs
 * or CAP_SYS_ADMIN; call last before exec. */
int seccomp_program_load(const struct seccomp_program *prog, struct error *err);
void seccomp_program_release(struct seccomp_program *prog);

/* A seccomp profile before compilation: the pistack-seccomp(5) format, or the
 * built-in default.  Rules name syscalls; a name this system's libseccomp does
 * not know is skipped when compiling. */
#define SECCOMP_NAME_MAX 64
#define SECCOMP_PROFILE_MAX_RULES 4096
#define SECCOMP_MAX_ARGS 6

enum seccomp_action_kind {
	SECCOMP_ACTION_ALLOW,
	SECCOMP_ACTION_ERRNO,
	SECCOMP_ACTION_KILL,     /* the whole process */
	SECCOMP_ACTION_LOG,
	SECCOMP_ACTION_TRAP,
};
struct seccomp_action {
	enum seccomp_action_kind kind;
	int errnum;              /* SECCOMP_ACTION_ERRNO: 1..4095 */
};
enum seccomp_op {
	SECCOMP_OP_EQ, SECCOMP_OP_NE, SECCOMP_OP_LT, SECCOMP_OP_LE, SECCOMP_OP_GT, SECCOMP_OP_GE,
	SECCOMP_OP_MASKED_EQ,    /* (arg & mask) == value */
};
struct seccomp_cond {
	unsigned arg;            /* 0..5 */
	enum seccomp_op op;
	uint64_t value, mask;
};
struct seccomp_rule {
	char name[SECCOMP_NAME_MAX];
	struct seccomp_action action;
	struct seccomp_cond conds[SECCOMP_MAX_ARGS];  /* all must hold; one per argument */
	unsigned n_conds;
	unsigned line;           /* in the profile file; 0 for built-in rules */
};
struct seccomp_profile {
	/* Syscalls without a name in libseccomp's tables (newer than it), and
	 * listed syscalls none of whose conditions matched. */
	struct seccomp_action default_action;
	/* Syscalls libseccomp knows that no rule names ("known" line). */
	struct seccomp_action known_action;
	struct seccomp_rule *rules;
	size_t n_rules;
	/* Built-in default only: deny TIOCSTI/TIOCLINUX, AF_ALG/AF_VSOCK sockets and
	 * unsafe personalities comparing 32-bit arguments (see seccomp.c). */
	bool arg_checks;
};

/* Parse a pistack-seccomp(5) profile of LEN bytes (no NUL needed).  A pure
 * function; errors read "LINE: message".  OUT is released on failure. */
int seccomp_profile_parse(const char *text, size_t len, struct seccomp_profile *out, struct error *err);
void seccomp_profile_release(struct seccomp_profile *prof);
/* The built-in default profile for a process holding CAPS (seccomp_lists.c). */
int seccomp_default_profile(uint64_t caps, struct seccomp_profile *out, struct error *err);
/* Compile PROF for NATIVE_ARCH and its compat ABIs. */
int seccomp_profile_compile(const struct seccomp_profile *prof, uint32_t native_arch,
			    struct seccomp_program *out, struct error *err);

/* The identity a service runs as, resolved in its root filesystem. */
struct identity {
	uid_t uid;
	gid_t gid;
	gid_t *groups;       /* supplementary groups */
	size_t n_groups;
	char *home;          /* from passwd, "/" when unknown */
	char *name;          /* user name, or NULL for a bare UID */
};

/* Resolve SPEC against ROOTFS_DIR's etc/passwd and etc/group, opened with
 * openat2(RESOLVE_IN_ROOT) so symlinks in the rootfs cannot point at host files.
 * A numeric UID without an entry is allowed (gid = uid unless given). */
int identity_resolve(const char *rootfs_dir, const struct user_spec *spec, struct identity *out,
		     struct error *err);
void identity_release(struct identity *id);
/* The pure halves of identity_resolve(), over the bytes of the files. Find
 * SPEC's entry in PASSWD (by name, or the first with its uid): fills uid, gid,
 * name and home of OUT and returns 0, or -ENOENT when there is none. */
int identity_parse_passwd(const char *text, size_t len, const struct user_spec *spec,
			  struct identity *out, struct error *err);
/* Set OUT's groups to its gid followed by every group of GROUP listing OUT's
 * name as a member, without duplicates; -E2BIG past NGROUPS_MAX. */
int identity_parse_group(const char *text, size_t len, struct identity *out, struct error *err);

/* The capability sets the service gets. Root keeps CAPS in bounding,
 * permitted and effective; a non-root user gets only CAPS & ADDED (the
 * caps_add of its config) as ambient+inheritable+permitted+effective, like
 * `setpriv --ambient-caps`: Docker's default set never reaches a non-root user. */
struct cap_plan {
	uint64_t bounding;
	uint64_t ambient;
};
struct cap_plan cap_plan_for(uint64_t caps, uint64_t added, uid_t uid);

/* In the service's process, in this order: drop the bounding set (while
 * still root with every capability effective), setgroups, setresgid,
 * setresuid (keeping capabilities across the switch), set
 * permitted/effective/inheritable, raise ambient, then PR_SET_NO_NEW_PRIVS when
 * NO_NEW_PRIVS.  No allocation: safe in the cloned child. */
int security_apply_identity_caps(const struct identity *id, const struct cap_plan *plan,
				 bool no_new_privs, struct error *err);

#endif
