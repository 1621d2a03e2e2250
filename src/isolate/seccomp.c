/*
 * seccomp.c - compile a seccomp profile once, in the parent, into a classic
 * BPF program for the native architecture and its compat ABIs; load it in the
 * service's process with a single prctl() (no libseccomp, no allocation).
 *
 * Unknown versus denied: the filter's default action is ERRNO(ENOSYS), and
 * every syscall that libseccomp's tables name for one of the filter's
 * architectures but the profile does not list gets an explicit rule with the
 * profile's "known" action (EPERM for the default profile), as systemd-nspawn
 * does.  A syscall newer than those tables thus fails like on an older kernel
 * and libc falls back, while a known dangerous one fails with EPERM.
 */
#include "isolate/security.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

/* The ioctl requests the default profile denies: faking terminal input and
 * the VT's subcommands (selection paste, console messages).  The same numbers
 * on x86, arm and arm64 (asm-generic/ioctls.h). */
#define SECCOMP_TIOCSTI 0x5412U
#define SECCOMP_TIOCLINUX 0x541CU
/* personality() values Docker allows: PER_LINUX, PER_LINUX32, UNAME26,
 * UNAME26|PER_LINUX32 and the 0xffffffff query. */
static const uint32_t seccomp_safe_personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

/* The filter's architectures for NATIVE: the Pi's (arm64 + arm, arm) and the
 * developer's x86-64 with its two compat ABIs.  Returns how many, 0 if unsupported. */
static size_t seccomp_arches(uint32_t native, uint32_t arches[3])
{
	switch (native) {
	case SCMP_ARCH_X86_64:
		arches[0] = SCMP_ARCH_X86_64, arches[1] = SCMP_ARCH_X86, arches[2] = SCMP_ARCH_X32;
		return 3;
	case SCMP_ARCH_AARCH64:
		arches[0] = SCMP_ARCH_AARCH64, arches[1] = SCMP_ARCH_ARM;
		return 2;
	case SCMP_ARCH_ARM:
		arches[0] = SCMP_ARCH_ARM;
		return 1;
	}
	return 0;
}

/* The libseccomp action of A. */
static uint32_t seccomp_action_value(struct seccomp_action a)
{
	switch (a.kind) {
	case SECCOMP_ACTION_ALLOW:
		return SCMP_ACT_ALLOW;
	case SECCOMP_ACTION_ERRNO:
		return SCMP_ACT_ERRNO((uint32_t)a.errnum);
	case SECCOMP_ACTION_KILL:
		return SCMP_ACT_KILL_PROCESS;
	case SECCOMP_ACTION_LOG:
		return SCMP_ACT_LOG;
	case SECCOMP_ACTION_TRAP:
		return SCMP_ACT_TRAP;
	}
	return SCMP_ACT_KILL_PROCESS;
}

/* The libseccomp comparison of C. */
static struct scmp_arg_cmp seccomp_cond_value(const struct seccomp_cond *c)
{
	static const enum scmp_compare ops[] = {
		[SECCOMP_OP_EQ] = SCMP_CMP_EQ,
		[SECCOMP_OP_NE] = SCMP_CMP_NE,
		[SECCOMP_OP_LT] = SCMP_CMP_LT,
		[SECCOMP_OP_LE] = SCMP_CMP_LE,
		[SECCOMP_OP_GT] = SCMP_CMP_GT,
		[SECCOMP_OP_GE] = SCMP_CMP_GE,
		[SECCOMP_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};

	if (c->op == SECCOMP_OP_MASKED_EQ)
		return (struct scmp_arg_cmp){ c->arg, SCMP_CMP_MASKED_EQ, c->mask, c->value };
	return (struct scmp_arg_cmp){ c->arg, ops[c->op], c->value, 0 };
}

/* A sorted, unique list of syscall names. */
struct name_set {
	char **v;
	size_t n, cap;
};

/* Free S and its names. */
static void name_set_release(struct name_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* strcmp over char * elements, for qsort and bsearch. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add every name libseccomp knows for ARCH to S (unsorted); -ENOMEM. */
static int name_set_add_arch(struct name_set *s, uint32_t arch)
{
	/* Syscall numbers stay under 1024 on our architectures (x32's live at
	 * 512..547 above its marker bit, which libseccomp strips); 32-bit arm
	 * has its private calls (breakpoint, cacheflush, set_tls) at 0x0f0000. */
	static const struct {
		int from, to;
	} ranges[] = { { 0, 1024 }, { 0x0f0000, 0x0f0100 } };

	for (size_t r = 0; r < ARRAY_SIZE(ranges); r++) {
		if (r == 1 && arch != SCMP_ARCH_ARM)
			continue;
		for (int nr = ranges[r].from; nr < ranges[r].to; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(arch, nr);

			if (!name)
				continue;
			if (s->n == s->cap) {
				size_t ncap = s->cap ? s->cap * 2 : 512;
				char **v = realloc(s->v, ncap * sizeof(*v));

				if (!v) {
					free(name);
					return -ENOMEM;
				}
				s->v = v, s->cap = ncap;
			}
			s->v[s->n++] = name;
		}
	}
	return 0;
}

/* Sort S and drop duplicates. */
static void name_set_sort(struct name_set *s)
{
	size_t out = 0;

	qsort(s->v, s->n, sizeof(*s->v), name_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (out > 0 && strcmp(s->v[out - 1], s->v[i]) == 0)
			free(s->v[i]);
		else
			s->v[out++] = s->v[i];
	}
	s->n = out;
}

/* Add the rule R of a profile to CTX; a name libseccomp does not know is skipped. */
static int seccomp_add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r, uint32_t def,
			    struct error *err)
{
	struct scmp_arg_cmp cmp[SECCOMP_MAX_ARGS];
	uint32_t action = seccomp_action_value(r->action);
	int nr = seccomp_syscall_resolve_name(r->name), rc;

	/* Newer than this libseccomp: the default action applies, like Docker. */
	if (nr == __NR_SCMP_ERROR)
		return 0;
	/* libseccomp refuses rules that repeat the default (-EACCES); leaving
	 * them out means the same. */
	if (action == def)
		return 0;
	for (unsigned i = 0; i < r->n_conds; i++)
		cmp[i] = seccomp_cond_value(&r->conds[i]);
	rc = seccomp_rule_add_array(ctx, action, nr, r->n_conds, cmp);
	/* The parser rejects conflicting rules, so a conflict here comes from
	 * libseccomp's rewriting of multiplexed calls on i386: a conditional
	 * socket() rule becomes socketcall(SYS_SOCKET) without the conditions. */
	if (rc == -EEXIST)
		return error_set(
			err, 0,
			"%u: add seccomp rule '%s': conflicts with another rule for it on the i386 ABI, where socket "
			"and IPC calls may go through socketcall(2) and ipc(2), whose arguments a filter cannot read",
			r->line, r->name);
	if (rc < 0) {
		if (r->line)
			return error_set(err, -rc, "%u: add seccomp rule '%s'", r->line, r->name);
		return error_set(err, -rc, "add seccomp rule '%s'", r->name);
	}
	return 0;
}

/* Give every syscall libseccomp knows for ARCHES and PROF does not name the
 * profile's known action: explicit rules, so the default can stay ENOSYS. */
static int seccomp_add_known(scmp_filter_ctx ctx, const struct seccomp_profile *prof, const uint32_t *arches,
			     size_t n_arches, uint32_t def, struct error *err)
{
	struct seccomp_rule rule = { .action = prof->known_action };
	struct name_set known = { 0 };
	const char **named;
	int r = 0;

	if (seccomp_action_value(prof->known_action) == def)
		return 0;
	named = malloc((prof->n_rules + 1) * sizeof(*named));
	if (!named)
		return error_set(err, ENOMEM, "list the syscalls of the seccomp profile");
	for (size_t i = 0; i < prof->n_rules; i++)
		named[i] = prof->rules[i].name;
	qsort(named, prof->n_rules, sizeof(*named), name_cmp);
	for (size_t a = 0; a < n_arches; a++) {
		if (name_set_add_arch(&known, arches[a]) < 0) {
			r = error_set(err, ENOMEM, "list the syscalls libseccomp knows");
			goto out;
		}
	}
	name_set_sort(&known);
	for (size_t i = 0; i < known.n; i++) {
		if (bsearch(&known.v[i], named, prof->n_rules, sizeof(*named), name_cmp))
			continue;
		snprintf(rule.name, sizeof(rule.name), "%s", known.v[i]);
		if ((r = seccomp_add_rule(ctx, &rule, def, err)) < 0)
			goto out;
	}
out:
	free(named); /* the names belong to PROF */
	name_set_release(&known);
	return r;
}

/* Write the BPF of CTX to memory: libseccomp 2.5 exports only to a descriptor. */
static int seccomp_export(scmp_filter_ctx ctx, struct sock_filter **out, size_t *len, struct error *err)
{
	cleanup_close int fd = memfd_create("pistack-seccomp", MFD_CLOEXEC);
	struct stat st;
	int rc;

	if (fd < 0)
		return error_set(err, errno, "create a memfd for the seccomp filter");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return error_set(err, -rc, "export the seccomp filter");
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "export the seccomp filter");
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter)))
		return error_set(err, 0,
				 "export the seccomp filter: %lld bytes is not a loadable BPF program",
				 (long long)st.st_size);
	*out = malloc((size_t)st.st_size);
	if (!*out)
		return error_set(err, ENOMEM, "export the seccomp filter");
	if (pread(fd, *out, (size_t)st.st_size, 0) != st.st_size) {
		free(*out);
		*out = NULL;
		return error_set(err, errno ? errno : EIO, "read back the seccomp filter");
	}
	*len = (size_t)st.st_size / sizeof(struct sock_filter);
	return 0;
}

/*
 * The argument checks of the default profile, as a hand-assembled prelude
 * that runs before libseccomp's program.  libseccomp cannot express them:
 * it compares arguments as 64-bit values, while the kernel reads these three
 * as 32-bit ints, so a caller could set high bits to slip past (the
 * CVE-2019-10063 pattern for TIOCSTI; socket(0x100000028) is AF_VSOCK to the
 * kernel but above 40 to a 64-bit comparison).  And "allow unless the low word
 * is one of these" is the complement of equalities, which libseccomp's
 * one-comparison-per-argument rules need dozens of masked rules to say, while
 * an unconditional allow would erase them.  The prelude can only deny, never
 * allow: anything it lets through still meets the libseccomp program, which
 * also kills foreign architectures.
 */
enum prelude_label {
	L_OUT,
	L_IOCTL,
	L_SOCKET,
	L_PERSONALITY,
	L_EPERM,
	L_EAFNOSUPPORT,
	L_ARCH0,
	L_MAX = L_ARCH0 + 4
};

struct prelude {
	struct sock_filter f[96];
	int jt[96], jf[96]; /* label of a conditional or BPF_JA (jt) jump, or -1: the next insn */
	int at[L_MAX]; /* where each label is, -1 if not yet placed */
	size_t n;
	bool overflow;
};

/* Append one instruction with its jump labels. */
static void prelude_emit(struct prelude *p, uint16_t code, uint32_t k, int jt, int jf)
{
	if (p->n == ARRAY_SIZE(p->f)) {
		p->overflow = true;
		return;
	}
	p->f[p->n] = (struct sock_filter)BPF_STMT(code, k);
	p->jt[p->n] = jt;
	p->jf[p->n] = jf;
	p->n++;
}

/* Offset of the low 32 bits of argument I in struct seccomp_data. */
static uint32_t arg_low(unsigned i)
{
	uint32_t off = (uint32_t)(offsetof(struct seccomp_data, args) + i * sizeof(uint64_t));

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	off += sizeof(uint32_t);
#endif
	return off;
}

/* The number of NAME on ARCH, or -1.  x86's socket() resolves to a socketcall
 * pseudo-number, so fall back to scanning the table for its direct number. */
static int syscall_nr(uint32_t arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);

	if (nr >= 0)
		return nr;
	for (int i = 0; i < 1024; i++) {
		char *s = seccomp_syscall_resolve_num_arch(arch, i);
		bool match = s && strcmp(s, name) == 0;

		free(s);
		if (match)
			return i;
	}
	return -1;
}

/* Assemble the prelude for ARCHES into P. */
static int prelude_build(struct prelude *p, const uint32_t *arches, size_t n_arches, struct error *err)
{
	static const char *const calls[] = { "ioctl", "socket", "personality" };
	static const int targets[] = { L_IOCTL, L_SOCKET, L_PERSONALITY };
	uint32_t audit[3];
	size_t n_audit = 0;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < L_MAX; i++)
		p->at[i] = -1;
	/* x32 syscalls arrive as AUDIT_ARCH_X86_64 with bit 30 in the number. */
	for (size_t a = 0; a < n_arches; a++)
		if (arches[a] != SCMP_ARCH_X32)
			audit[n_audit++] = arches[a];

	prelude_emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), -1, -1);
	for (size_t g = 0; g < n_audit; g++) {
		prelude_emit(p, BPF_JMP | BPF_JEQ | BPF_K, audit[g], -1, L_ARCH0 + (int)g);
		prelude_emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), -1, -1);
		for (size_t a = 0; a < n_arches; a++) {
			bool member = arches[a] == audit[g] ||
				(arches[a] == SCMP_ARCH_X32 && audit[g] == SCMP_ARCH_X86_64);

			for (size_t c = 0; member && c < ARRAY_SIZE(calls); c++) {
				int nr = syscall_nr(arches[a], calls[c]);

				if (nr < 0)
					return error_set(err, 0,
							 "build seccomp argument checks: no number for '%s'",
							 calls[c]);
				prelude_emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, targets[c], -1);
			}
		}
		prelude_emit(p, BPF_JMP | BPF_JA, 0, L_OUT, -1);
		p->at[L_ARCH0 + g] = (int)p->n;
	}
	prelude_emit(p, BPF_JMP | BPF_JA, 0, L_OUT, -1);

	p->at[L_IOCTL] = (int)p->n;
	prelude_emit(p, BPF_LD | BPF_W | BPF_ABS, arg_low(1), -1, -1);
	prelude_emit(p, BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_TIOCSTI, L_EPERM, -1);
	prelude_emit(p, BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_TIOCLINUX, L_EPERM, -1);
	prelude_emit(p, BPF_JMP | BPF_JA, 0, L_OUT, -1);

	/* EAFNOSUPPORT, not EPERM: what a kernel without the family answers,
	 * which programs probing AF_ALG or AF_VSOCK already handle. */
	p->at[L_SOCKET] = (int)p->n;
	prelude_emit(p, BPF_LD | BPF_W | BPF_ABS, arg_low(0), -1, -1);
	prelude_emit(p, BPF_JMP | BPF_JEQ | BPF_K, AF_ALG, L_EAFNOSUPPORT, -1);
	prelude_emit(p, BPF_JMP | BPF_JEQ | BPF_K, AF_VSOCK, L_EAFNOSUPPORT, -1);
	prelude_emit(p, BPF_JMP | BPF_JA, 0, L_OUT, -1);

	p->at[L_PERSONALITY] = (int)p->n;
	prelude_emit(p, BPF_LD | BPF_W | BPF_ABS, arg_low(0), -1, -1);
	for (size_t i = 0; i < ARRAY_SIZE(seccomp_safe_personalities); i++)
		prelude_emit(p, BPF_JMP | BPF_JEQ | BPF_K, seccomp_safe_personalities[i], L_OUT, -1);
	p->at[L_EPERM] = (int)p->n;
	prelude_emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM, -1, -1);
	p->at[L_EAFNOSUPPORT] = (int)p->n;
	prelude_emit(p, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT, -1, -1);
	p->at[L_OUT] = (int)p->n;

	/* Resolve the labels into the forward offsets BPF wants. */
	for (size_t i = 0; i < p->n && !p->overflow; i++) {
		for (int which = 0; which < 2; which++) {
			int label = which ? p->jf[i] : p->jt[i];
			long off;

			if (label < 0)
				continue;
			off = (long)p->at[label] - (long)i - 1;
			if (p->at[label] < 0 || off < 0 || (BPF_OP(p->f[i].code) != BPF_JA && off > 255)) {
				p->overflow = true;
				break;
			}
			if (BPF_OP(p->f[i].code) == BPF_JA)
				p->f[i].k = (uint32_t)off;
			else if (which)
				p->f[i].jf = (uint8_t)off;
			else
				p->f[i].jt = (uint8_t)off;
		}
	}
	if (p->overflow)
		return error_set(err, 0, "build seccomp argument checks: the prelude does not assemble");
	return 0;
}

/* Compile PROF for NATIVE_ARCH; see security.h. */
int seccomp_profile_compile(const struct seccomp_profile *prof, uint32_t native_arch,
			    struct seccomp_program *out, struct error *err)
{
	uint32_t def = seccomp_action_value(prof->default_action), arches[3];
	size_t n_arches = seccomp_arches(native_arch, arches), len = 0;
	cleanup_free struct sock_filter *bpf = NULL;
	struct prelude pre = { .n = 0 };
	scmp_filter_ctx ctx;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (n_arches == 0)
		return error_set(err, 0, "build seccomp filter for architecture 0x%x: not supported",
				 native_arch);
	ctx = seccomp_init(def);
	if (!ctx)
		return error_set(err, ENOMEM, "create seccomp filter");
	/* A syscall from any other ABI (say i386 on arm64, which the kernel
	 * cannot run anyway, or a future one) kills the process. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0) {
		r = error_set(err, -r, "set seccomp filter attributes");
		goto out;
	}
	if (native_arch != seccomp_arch_native() && (r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE)) < 0) {
		r = error_set(err, -r, "remove the native seccomp architecture");
		goto out;
	}
	for (size_t a = 0; a < n_arches; a++) {
		r = seccomp_arch_add(ctx, arches[a]);
		if (r < 0 && r != -EEXIST) {
			r = error_set(err, -r, "add seccomp architecture 0x%x", arches[a]);
			goto out;
		}
	}
	for (size_t i = 0; i < prof->n_rules; i++)
		if ((r = seccomp_add_rule(ctx, &prof->rules[i], def, err)) < 0)
			goto out;
	if ((r = seccomp_add_known(ctx, prof, arches, n_arches, def, err)) < 0)
		goto out;
	if ((r = seccomp_export(ctx, &bpf, &len, err)) < 0)
		goto out;
	if (prof->arg_checks && (r = prelude_build(&pre, arches, n_arches, err)) < 0)
		goto out;
	if (pre.n + len > BPF_MAXINSNS) {
		r = error_set(err, 0, "build seccomp filter: %zu instructions, the kernel takes %d",
			      pre.n + len, BPF_MAXINSNS);
		goto out;
	}
	out->filter = malloc((pre.n + len) * sizeof(*out->filter));
	if (!out->filter) {
		r = error_set(err, ENOMEM, "build seccomp filter");
		goto out;
	}
	memcpy(out->filter, pre.f, pre.n * sizeof(*pre.f));
	memcpy(out->filter + pre.n, bpf, len * sizeof(*bpf));
	out->len = (unsigned short)(pre.n + len);
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

/* Read the profile file PATH whole; -EFBIG past 1 MiB. */
static int read_profile(const char *path, char **text, size_t *len, struct error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return error_set(err, errno, "open seccomp profile '%s'", path);
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "stat seccomp profile '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "read seccomp profile '%s': not a regular file", path);
	if (st.st_size > (1 << 20))
		return error_set(err, EFBIG, "read seccomp profile '%s'", path);
	*text = malloc((size_t)st.st_size + 1);
	if (!*text)
		return error_set(err, ENOMEM, "read seccomp profile '%s'", path);
	/* One byte more than the size, to notice a file growing meanwhile. */
	n = pread(fd, *text, (size_t)st.st_size + 1, 0);
	if (n < 0 || n > st.st_size) {
		int e = n < 0 ? errno : 0;

		free(*text);
		*text = NULL;
		return error_set(err, e, "read seccomp profile '%s'%s", path,
				 e ? "" : ": it changed while being read");
	}
	*len = (size_t)n;
	return 0;
}

/* Build SPEC's filter for NATIVE_ARCH; see security.h. */
int seccomp_program_build_arch(const struct seccomp_spec *spec, uint64_t caps, uint32_t native_arch,
			       struct seccomp_program *out, struct error *err)
{
	struct seccomp_profile prof;
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	switch (spec->kind) {
	case SECCOMP_UNCONFINED:
		return 0;
	case SECCOMP_DEFAULT:
		if ((r = seccomp_default_profile(caps, &prof, err)) < 0)
			return r;
		break;
	case SECCOMP_FILE:
		if ((r = read_profile(spec->path, &text, &len, err)) < 0)
			return r;
		if ((r = seccomp_profile_parse(text, len, &prof, err)) < 0) {
			/* A verb, as every message has: "unable to parse seccomp profile
			 * 'PATH': LINE: message". */
			error_prefix(err, "parse seccomp profile '%s'", spec->path);
			return r;
		}
		break;
	default:
		return error_set(err, 0, "build seccomp filter: unknown kind %d", (int)spec->kind);
	}
	r = seccomp_profile_compile(&prof, native_arch, out, err);
	if (r < 0 && spec->kind == SECCOMP_FILE)
		error_prefix(err, "compile seccomp profile '%s'", spec->path);
	seccomp_profile_release(&prof);
	return r;
}

/* Build SPEC's filter for this machine; see security.h. */
int seccomp_program_build(const struct seccomp_spec *spec, uint64_t caps, struct seccomp_program *out,
			  struct error *err)
{
	return seccomp_program_build_arch(spec, caps, seccomp_arch_native(), out, err);
}

/* Install PROG; see security.h.  Only a prctl(): safe in the cloned child. */
int seccomp_program_load(const struct seccomp_program *prog, struct error *err)
{
	struct sock_fprog fprog;

	if (!prog || prog->len == 0)
		return 0;
	fprog.len = prog->len;
	fprog.filter = prog->filter;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
		return error_set(err, errno, "load seccomp filter (%u instructions)", prog->len);
	return 0;
}

/* Free the instructions of PROG. */
void seccomp_program_release(struct seccomp_program *prog)
{
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}
