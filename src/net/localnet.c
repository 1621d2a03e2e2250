/*
 * localnet.c - published ports on 127.0.0.0/8 of the host: cgroup sock_addr
 * eBPF programs, assembled here instruction by instruction and loaded with
 * the raw bpf(2) syscall, that redirect loopback connects and datagrams of
 * the host's network namespace to the services (see localnet.h for why).
 */
#include "net/localnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "isolate/cgroup.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define LN_PREFIX "pistack_" /* every program and map we create is named so */
#define LN_PORTS_MAX 1024 /* published loopback ports */
#define LN_PEERS_MAX 4096 /* redirected sockets remembered for the way back (LRU) */
#define LN_INSNS_MAX 80
#define LN_QUERY_MAX 64
#define LN_MOUNTS_MAX 16
#define LN_LOG_SIZE 65536

/* The peers map: which socket was redirected to which service address, and
 * the loopback address and port it had asked for.  Network byte order. */
struct localnet_peer_key {
	uint64_t cookie; /* bpf_get_socket_cookie() */
	uint32_t addr; /* the service's address and port */
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

static const struct {
	const char *name; /* at most 15 characters */
	enum bpf_attach_type type;
	bool redirect; /* true: loopback -> service; false: the way back */
} ln_progs[LOCALNET_NPROGS] = {
	[LOCALNET_CONNECT] = {LN_PREFIX "conn4", BPF_CGROUP_INET4_CONNECT, true},
	[LOCALNET_SENDMSG] = {LN_PREFIX "send4", BPF_CGROUP_UDP4_SENDMSG, true},
	[LOCALNET_RECVMSG] = {LN_PREFIX "recv4", BPF_CGROUP_UDP4_RECVMSG, false},
	[LOCALNET_GETPEERNAME] = {LN_PREFIX "peer4", BPF_CGROUP_INET4_GETPEERNAME, false},
};

/* ---- a tiny assembler: instructions, and jumps to labels fixed up at the end ---- */

#define LN_INSN(c, d, s, o, i)                                                                               \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LN_MOV_REG(d, s) LN_INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define LN_MOV_IMM(d, i) LN_INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define LN_ADD_IMM(d, i) LN_INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LN_AND32_IMM(d, i) LN_INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define LN_LDX(sz, d, s, o) LN_INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define LN_STX(sz, d, s, o) LN_INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define LN_ST(sz, d, o, i) LN_INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define LN_JNE_REG(d, s) LN_INSN(BPF_JMP | BPF_JNE | BPF_X, d, s, 0, 0)
#define LN_JEQ_IMM(d, i) LN_INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, 0, i)
#define LN_JNE_IMM(d, i) LN_INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, 0, i)
#define LN_JNE32_IMM(d, i) LN_INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, 0, i)
#define LN_CALL(fn) LN_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define LN_EXIT() LN_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LN_CTX(field) ((short)offsetof(struct bpf_sock_addr, field))

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, FP };
enum { L_OUT, L_FOUND, L_COUNT };

struct ln_asm {
	struct bpf_insn insn[LN_INSNS_MAX];
	unsigned n;
	int label[L_COUNT]; /* instruction index, -1 until placed */
	unsigned jump_at[16], jump_to[16], n_jumps;
	bool overflow;
};

/* Append one instruction. */
static void ln_emit(struct ln_asm *a, struct bpf_insn insn)
{
	if (a->n >= LN_INSNS_MAX) {
		a->overflow = true;
		return;
	}
	a->insn[a->n++] = insn;
}

/* Append a conditional jump to LABEL (its offset is set by ln_link()). */
static void ln_jump(struct ln_asm *a, struct bpf_insn insn, unsigned label)
{
	if (a->n_jumps >= ARRAY_SIZE(a->jump_at)) {
		a->overflow = true;
		return;
	}
	a->jump_at[a->n_jumps] = a->n;
	a->jump_to[a->n_jumps++] = label;
	ln_emit(a, insn);
}

/* Place LABEL at the next instruction. */
static void ln_label(struct ln_asm *a, unsigned label)
{
	a->label[label] = (int)a->n;
}

/* A 64-bit immediate (two instructions); SRC is BPF_PSEUDO_MAP_FD for a map. */
static void ln_ld_imm64(struct ln_asm *a, int dst, int src, uint64_t v)
{
	ln_emit(a, LN_INSN(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (int32_t)(uint32_t)v));
	ln_emit(a, LN_INSN(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
}

/* Resolve the jumps; -E2BIG when the program did not fit. */
static int ln_link(struct ln_asm *a)
{
	if (a->overflow)
		return -E2BIG;
	for (unsigned i = 0; i < a->n_jumps; i++) {
		int to = a->label[a->jump_to[i]];

		if (to < 0)
			return -EINVAL;
		a->insn[a->jump_at[i]].off = (short)(to - (int)a->jump_at[i] - 1);
	}
	return 0;
}

/* "Leave sockets of other network namespaces alone": R6 = ctx on entry. */
static void ln_emit_netns_check(struct ln_asm *a, uint64_t cookie)
{
	ln_emit(a, LN_MOV_REG(R6, R1));
	ln_emit(a, LN_CALL(BPF_FUNC_get_netns_cookie));
	ln_ld_imm64(a, R1, 0, cookie);
	ln_jump(a, LN_JNE_REG(R0, R1), L_OUT);
}

/* R0 = FUNC(map MAP_FD, key at fp+KEY_OFF): map_lookup_elem, or with R3 and
 * R4 already set, map_update_elem. */
static void ln_emit_map_call(struct ln_asm *a, int map_fd, int16_t key_off, int func)
{
	ln_ld_imm64(a, R1, BPF_PSEUDO_MAP_FD, (uint32_t)map_fd);
	ln_emit(a, LN_MOV_REG(R2, FP));
	ln_emit(a, LN_ADD_IMM(R2, key_off));
	ln_emit(a, LN_CALL(func));
}

/* The socket's destination (ctx in R6) becomes { addr, port } at REG. */
static void ln_emit_set_dest(struct ln_asm *a, int reg)
{
	ln_emit(a, LN_LDX(BPF_W, R1, reg, 0));
	ln_emit(a, LN_STX(BPF_W, R6, R1, LN_CTX(user_ip4)));
	ln_emit(a, LN_LDX(BPF_H, R1, reg, 4));
	ln_emit(a, LN_STX(BPF_W, R6, R1, LN_CTX(user_port)));
}

/* connect4 and sendmsg4: a destination in 127.0.0.0/8 whose (address, port,
 * protocol) or (any, port, protocol) is in the ports map becomes the service's
 * address and port; the peers map remembers the original for the way back. */
static void ln_emit_redirect(struct ln_asm *a, int ports_fd, int peers_fd, uint64_t cookie)
{
	in_addr_t net = htonl(0x7f000000), mask = htonl(0xff000000);

	ln_emit_netns_check(a, cookie);
	/* Only loopback destinations; the mask is in network byte order, so
	 * the test holds on either endianness. */
	ln_emit(a, LN_LDX(BPF_W, R2, R6, LN_CTX(user_ip4)));
	ln_emit(a, LN_MOV_REG(R3, R2));
	ln_emit(a, LN_AND32_IMM(R3, (int32_t)mask));
	ln_jump(a, LN_JNE32_IMM(R3, (int32_t)net), L_OUT);
	/* key at fp-8: { addr, port, proto, pad } */
	ln_emit(a, LN_STX(BPF_W, FP, R2, -8));
	ln_emit(a, LN_LDX(BPF_W, R3, R6, LN_CTX(user_port)));
	ln_emit(a, LN_STX(BPF_H, FP, R3, -4));
	ln_emit(a, LN_LDX(BPF_W, R3, R6, LN_CTX(protocol)));
	ln_emit(a, LN_STX(BPF_B, FP, R3, -2));
	ln_emit(a, LN_ST(BPF_B, FP, -1, 0));
	ln_emit_map_call(a, ports_fd, -8, BPF_FUNC_map_lookup_elem);
	ln_jump(a, LN_JNE_IMM(R0, 0), L_FOUND);
	/* Not published on that loopback address: on any address, then. */
	ln_emit(a, LN_ST(BPF_W, FP, -8, 0));
	ln_emit_map_call(a, ports_fd, -8, BPF_FUNC_map_lookup_elem);
	ln_jump(a, LN_JEQ_IMM(R0, 0), L_OUT);
	ln_label(a, L_FOUND);
	ln_emit(a, LN_MOV_REG(R7, R0));
	/* peers key at fp-32: { socket cookie, service addr, port, proto, pad } */
	ln_emit(a, LN_MOV_REG(R1, R6));
	ln_emit(a, LN_CALL(BPF_FUNC_get_socket_cookie));
	ln_emit(a, LN_STX(BPF_DW, FP, R0, -32));
	ln_emit(a, LN_LDX(BPF_W, R1, R7, 0));
	ln_emit(a, LN_STX(BPF_W, FP, R1, -24));
	ln_emit(a, LN_LDX(BPF_H, R1, R7, 4));
	ln_emit(a, LN_STX(BPF_H, FP, R1, -20));
	ln_emit(a, LN_LDX(BPF_B, R1, FP, -2));
	ln_emit(a, LN_STX(BPF_B, FP, R1, -18));
	ln_emit(a, LN_ST(BPF_B, FP, -17, 0));
	/* peers value at fp-40: { loopback addr, port, pad } as asked for */
	ln_emit(a, LN_LDX(BPF_W, R1, R6, LN_CTX(user_ip4)));
	ln_emit(a, LN_STX(BPF_W, FP, R1, -40));
	ln_emit(a, LN_LDX(BPF_W, R1, R6, LN_CTX(user_port)));
	ln_emit(a, LN_STX(BPF_H, FP, R1, -36));
	ln_emit(a, LN_ST(BPF_H, FP, -34, 0));
	ln_emit(a, LN_MOV_REG(R3, FP));
	ln_emit(a, LN_ADD_IMM(R3, -40));
	ln_emit(a, LN_MOV_IMM(R4, BPF_ANY));
	/* A failed update only means getpeername() shows the service's address. */
	ln_emit_map_call(a, peers_fd, -32, BPF_FUNC_map_update_elem);
	ln_emit_set_dest(a, R7);
	ln_label(a, L_OUT);
	/* 1 = carry on with the (possibly rewritten) address; we never refuse. */
	ln_emit(a, LN_MOV_IMM(R0, 1));
	ln_emit(a, LN_EXIT());
}

/* recvmsg4 and getpeername4: a service's address seen by a socket that was
 * redirected to it is shown as the loopback address the socket asked for. */
static void ln_emit_restore(struct ln_asm *a, int peers_fd, uint64_t cookie)
{
	ln_emit_netns_check(a, cookie);
	ln_emit(a, LN_MOV_REG(R1, R6));
	ln_emit(a, LN_CALL(BPF_FUNC_get_socket_cookie));
	ln_emit(a, LN_STX(BPF_DW, FP, R0, -16));
	ln_emit(a, LN_LDX(BPF_W, R1, R6, LN_CTX(user_ip4)));
	ln_emit(a, LN_STX(BPF_W, FP, R1, -8));
	ln_emit(a, LN_LDX(BPF_W, R1, R6, LN_CTX(user_port)));
	ln_emit(a, LN_STX(BPF_H, FP, R1, -4));
	ln_emit(a, LN_LDX(BPF_W, R1, R6, LN_CTX(protocol)));
	ln_emit(a, LN_STX(BPF_B, FP, R1, -2));
	ln_emit(a, LN_ST(BPF_B, FP, -1, 0));
	ln_emit_map_call(a, peers_fd, -16, BPF_FUNC_map_lookup_elem);
	ln_jump(a, LN_JEQ_IMM(R0, 0), L_OUT);
	ln_emit_set_dest(a, R0);
	ln_label(a, L_OUT);
	ln_emit(a, LN_MOV_IMM(R0, 1));
	ln_emit(a, LN_EXIT());
}

/* ---- bpf(2) ---- */

/* The bpf(2) system call; returns its result or -errno. */
static long ln_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : r;
}

/* Create a map named NAME. */
static int ln_map_create(enum bpf_map_type type, const char *name, unsigned key, unsigned value, unsigned max,
			 struct error *err)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = key;
	attr.value_size = value;
	attr.max_entries = max;
	snprintf(attr.map_name, sizeof(attr.map_name), "%s", name);
	fd = ln_bpf(BPF_MAP_CREATE, &attr);
	if (fd < 0)
		return error_set(err, (int)-fd, "create eBPF map '%s'%s", name,
				 fd == -ENOSYS ? " (a kernel without bpf(2), CONFIG_BPF_SYSCALL)" : "");
	return (int)fd;
}

/* The verifier's reason in LOG: its last line, not counting the statistics
 * ("processed N insns ...", "verification time ...") that follow it. */
static const char *ln_log_reason(char *log)
{
	size_t n = strnlen(log, LN_LOG_SIZE - 1);

	for (;;) {
		size_t start;

		while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == ' '))
			log[--n] = '\0';
		start = n;
		while (start > 0 && log[start - 1] != '\n')
			start--;
		if (start == 0 ||
		    (strncmp(log + start, "processed ", 10) != 0 &&
		     strncmp(log + start, "verification time", 17) != 0))
			return log + start;
		n = start;
	}
}

/* Assemble and load program I; on refusal, load again with the verifier's log. */
static int ln_prog_load(unsigned i, int ports_fd, int peers_fd, uint64_t cookie, struct error *err)
{
	struct ln_asm a = {.label = {-1, -1}};
	cleanup_free char *log = NULL;
	union bpf_attr attr;
	long fd;
	int r;

	if (ln_progs[i].redirect)
		ln_emit_redirect(&a, ports_fd, peers_fd, cookie);
	else
		ln_emit_restore(&a, peers_fd, cookie);
	r = ln_link(&a);
	if (r < 0)
		return error_set(err, -r, "assemble eBPF program '%s'", ln_progs[i].name);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	attr.expected_attach_type = ln_progs[i].type;
	attr.insns = (uintptr_t)a.insn;
	attr.insn_cnt = a.n;
	/* No GPL-only helper is called, so the project's own licence will do. */
	attr.license = (uintptr_t) "ISC";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", ln_progs[i].name);
	fd = ln_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return (int)fd;
	r = (int)-fd;
	if (r == EINVAL || r == EACCES) {
		log = calloc(1, LN_LOG_SIZE);
		if (log) {
			attr.log_level = 1;
			attr.log_buf = (uintptr_t)log;
			attr.log_size = LN_LOG_SIZE;
			fd = ln_bpf(BPF_PROG_LOAD, &attr);
			if (fd >= 0)
				return (int)fd;
			if (*ln_log_reason(log))
				return error_set(err, r, "load eBPF program '%s' (verifier: %s)",
						 ln_progs[i].name, ln_log_reason(log));
		}
	}
	if (r == EINVAL)
		return error_set(err, r,
				 "load eBPF program '%s' (a kernel without cgroup "
				 "eBPF, CONFIG_CGROUP_BPF, or older than 5.14?)",
				 ln_progs[i].name);
	return error_set(err, r, "load eBPF program '%s'", ln_progs[i].name);
}

/* The kernel's id and name of the program FD. */
static int ln_prog_info(int fd, uint32_t *id, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info;
	union bpf_attr attr;
	long r;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uintptr_t)&info;
	r = ln_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
	if (r < 0)
		return (int)r;
	*id = info.id;
	memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	name[BPF_OBJ_NAME_LEN - 1] = '\0';
	return 0;
}

/* Detach from CGROUP_FD every pistack program of attach type I except KEEP_ID
 * (0: none kept).  Goes on after a failure and reports the first one. */
static int ln_detach_stale(int cgroup_fd, unsigned i, uint32_t keep_id, struct error *err)
{
	uint32_t ids[LN_QUERY_MAX];
	union bpf_attr attr;
	int ret = 0;
	long r;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgroup_fd;
	attr.query.attach_type = ln_progs[i].type;
	attr.query.prog_ids = (uintptr_t)ids;
	attr.query.prog_cnt = LN_QUERY_MAX;
	r = ln_bpf(BPF_PROG_QUERY, &attr);
	if (r < 0)
		return error_set(err, (int)-r, "query eBPF programs of the cgroup2 root");
	for (uint32_t k = 0; k < attr.query.prog_cnt && k < LN_QUERY_MAX; k++) {
		union bpf_attr get, det;
		char name[BPF_OBJ_NAME_LEN];
		cleanup_close int fd = -1;
		uint32_t id;

		if (ids[k] == keep_id)
			continue;
		memset(&get, 0, sizeof(get));
		get.prog_id = ids[k];
		r = ln_bpf(BPF_PROG_GET_FD_BY_ID, &get);
		if (r < 0)
			continue; /* gone meanwhile */
		fd = (int)r;
		if (ln_prog_info(fd, &id, name) < 0 || strncmp(name, LN_PREFIX, strlen(LN_PREFIX)))
			continue;
		memset(&det, 0, sizeof(det));
		det.target_fd = (uint32_t)cgroup_fd;
		det.attach_bpf_fd = (uint32_t)fd;
		det.attach_type = ln_progs[i].type;
		r = ln_bpf(BPF_PROG_DETACH, &det);
		if (r < 0 && r != -ENOENT && ret == 0)
			ret = error_set(err, (int)-r, "detach eBPF program '%s' (id %u)", name, id);
	}
	return ret;
}

/* Open the root of the cgroup2 hierarchy, found in /proc/self/mountinfo. */
static int ln_cgroup_root(struct error *err)
{
	cleanup_free char *mountinfo = NULL;
	char *mounts[LN_MOUNTS_MAX];
	int r = cgroup_read_file(AT_FDCWD, "/proc/self/mountinfo", &mountinfo), n, fd = -1;

	if (r < 0)
		return error_set(err, -r, "read '/proc/self/mountinfo'");
	n = cgroup_parse_mountinfo(mountinfo, mounts, LN_MOUNTS_MAX);
	if (n < 0)
		return error_set(err, -n, "read '/proc/self/mountinfo'");
	for (int i = 0; i < n; i++) {
		struct statfs sfs;

		/* A later mount may hide a listed one: trust only what the path shows now. */
		if (fd < 0 && statfs(mounts[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			fd = open(mounts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(mounts[i]);
	}
	if (fd < 0)
		return error_set(err, ENOENT, "find the cgroup2 root in '/proc/self/mountinfo'");
	return fd;
}

/* The cookie of our own (the host's) network namespace. */
static int ln_netns_cookie(uint64_t *cookie, struct error *err)
{
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*cookie);

	if (fd < 0)
		return error_set(err, errno, "create a socket");
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0)
		return error_set(err, errno, "read the network namespace cookie%s",
				 errno == ENOPROTOOPT ? " (SO_NETNS_COOKIE needs Linux 5.14)" : "");
	return 0;
}

/* Create both maps and load every program into LN. */
static int ln_load(struct localnet *ln, struct error *err)
{
	int r;

	r = ln_map_create(BPF_MAP_TYPE_HASH, LN_PREFIX "ports", sizeof(struct localnet_key),
			  sizeof(struct localnet_target), LN_PORTS_MAX, err);
	if (r < 0)
		return r;
	ln->ports_fd = r;
	/* LRU: sockets come and go without telling us; the oldest are forgotten. */
	r = ln_map_create(BPF_MAP_TYPE_LRU_HASH, LN_PREFIX "peers", sizeof(struct localnet_peer_key),
			  sizeof(struct localnet_target), LN_PEERS_MAX, err);
	if (r < 0)
		return r;
	ln->peers_fd = r;
	for (unsigned i = 0; i < LOCALNET_NPROGS; i++) {
		r = ln_prog_load(i, ln->ports_fd, ln->peers_fd, ln->netns_cookie, err);
		if (r < 0)
			return r;
		ln->prog_fd[i] = r;
	}
	return 0;
}

/* An empty LN, every descriptor -1. */
static void ln_init(struct localnet *ln)
{
	memset(ln, 0, sizeof(*ln));
	ln->cgroup_fd = ln->ports_fd = ln->peers_fd = -1;
	for (unsigned i = 0; i < LOCALNET_NPROGS; i++)
		ln->prog_fd[i] = -1;
}

/* Load, attach, and retire older programs; see localnet.h. */
int localnet_open(struct localnet *ln, struct error *err)
{
	uint32_t ids[LOCALNET_NPROGS] = {0};
	struct error ignored;
	int r;

	ln_init(ln);
	r = ln_netns_cookie(&ln->netns_cookie, err);
	if (r < 0)
		return r;
	r = ln_cgroup_root(err);
	if (r < 0)
		return r;
	ln->cgroup_fd = r;
	r = ln_load(ln, err);
	if (r < 0)
		goto fail;
	/* New programs first, old ones detached after: no moment without one.
	 * While both run, the old one redirects first and the new one then sees
	 * a service address, which it leaves alone. */
	for (unsigned i = 0; i < LOCALNET_NPROGS; i++) {
		union bpf_attr attr;
		char name[BPF_OBJ_NAME_LEN];
		long e;

		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)ln->cgroup_fd;
		attr.attach_bpf_fd = (uint32_t)ln->prog_fd[i];
		attr.attach_type = ln_progs[i].type;
		/* MULTI: programs of systemd and others on the root keep running,
		 * and cgroups below may still attach their own. */
		attr.attach_flags = BPF_F_ALLOW_MULTI;
		e = ln_bpf(BPF_PROG_ATTACH, &attr);
		if (e == 0)
			e = ln_prog_info(ln->prog_fd[i], &ids[i], name);
		if (e < 0) {
			r = error_set(err, (int)-e, "attach eBPF program '%s' to the cgroup2 root",
				      ln_progs[i].name);
			goto fail;
		}
	}
	for (unsigned i = 0; i < LOCALNET_NPROGS; i++) {
		r = ln_detach_stale(ln->cgroup_fd, i, ids[i], err);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	/* Ours and older ones alike: an older program's map would never be
	 * updated again, so it would send connections to stale addresses. */
	if (ln->cgroup_fd >= 0) {
		for (unsigned i = 0; i < LOCALNET_NPROGS; i++)
			ln_detach_stale(ln->cgroup_fd, i, 0, &ignored);
	}
	localnet_close(ln);
	return r;
}

/* Collect the map entries; see localnet.h. */
size_t localnet_entries(const struct nat_service *v, size_t n, struct localnet_key *keys,
			struct localnet_target *targets, size_t max)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n_ports; j++) {
			const struct portmap *p = &v[i].ports[j];
			uint32_t host = ntohl(p->host_addr.s_addr);

			/* Published on another specific address: not on loopback. */
			if (host != INADDR_ANY && (host >> 24) != 127)
				continue;
			if (count < max) {
				memset(&keys[count], 0, sizeof(keys[count]));
				memset(&targets[count], 0, sizeof(targets[count]));
				keys[count].addr = p->host_addr.s_addr;
				keys[count].port = htons(p->host_port);
				keys[count].proto = p->proto;
				targets[count].addr = v[i].addr.s_addr;
				targets[count].port = htons(p->port);
			}
			count++;
		}
	}
	return count;
}

/* Whether KEY is among the N keys of KEYS. */
static bool ln_has_key(const struct localnet_key *keys, size_t n, const struct localnet_key *key)
{
	for (size_t i = 0; i < n; i++) {
		if (memcmp(&keys[i], key, sizeof(*key)) == 0)
			return true;
	}
	return false;
}

/* Replace the ports map's content; see localnet.h. */
int localnet_set(struct localnet *ln, const struct nat_service *v, size_t n, struct error *err)
{
	size_t count = localnet_entries(v, n, NULL, NULL, 0), n_stale = 0;
	cleanup_free struct localnet_key *keys = NULL, *stale = NULL;
	cleanup_free struct localnet_target *targets = NULL;
	struct localnet_key key, next;
	union bpf_attr attr;
	bool first = true;
	long r;

	if (count > LN_PORTS_MAX)
		return error_set(err, E2BIG, "publish %zu loopback ports (at most %d)", count, LN_PORTS_MAX);
	keys = calloc(count + 1, sizeof(*keys));
	targets = calloc(count + 1, sizeof(*targets));
	stale = calloc(LN_PORTS_MAX, sizeof(*stale));
	if (!keys || !targets || !stale)
		return error_set(err, ENOMEM, "allocate memory");
	localnet_entries(v, n, keys, targets, count);
	/* Add and update first, remove after: a port kept never disappears. */
	for (size_t i = 0; i < count; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)ln->ports_fd;
		attr.key = (uintptr_t)&keys[i];
		attr.value = (uintptr_t)&targets[i];
		attr.flags = BPF_ANY;
		r = ln_bpf(BPF_MAP_UPDATE_ELEM, &attr);
		if (r < 0)
			return error_set(err, (int)-r, "publish loopback port '%u/%s'", ntohs(keys[i].port),
					 keys[i].proto == IPPROTO_UDP ? "udp" : "tcp");
	}
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)ln->ports_fd;
		attr.key = first ? 0 : (uintptr_t)&key;
		attr.next_key = (uintptr_t)&next;
		r = ln_bpf(BPF_MAP_GET_NEXT_KEY, &attr);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return error_set(err, (int)-r, "read eBPF map '" LN_PREFIX "ports'");
		if (!ln_has_key(keys, count, &next) && n_stale < LN_PORTS_MAX)
			stale[n_stale++] = next;
		key = next;
		first = false;
	}
	for (size_t i = 0; i < n_stale; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)ln->ports_fd;
		attr.key = (uintptr_t)&stale[i];
		r = ln_bpf(BPF_MAP_DELETE_ELEM, &attr);
		if (r < 0 && r != -ENOENT)
			return error_set(err, (int)-r, "withdraw loopback port '%u/%s'", ntohs(stale[i].port),
					 stale[i].proto == IPPROTO_UDP ? "udp" : "tcp");
	}
	return 0;
}

/* Close our descriptors; attached programs stay (see localnet.h). */
void localnet_close(struct localnet *ln)
{
	if (ln->cgroup_fd >= 0)
		close(ln->cgroup_fd);
	if (ln->ports_fd >= 0)
		close(ln->ports_fd);
	if (ln->peers_fd >= 0)
		close(ln->peers_fd);
	for (unsigned i = 0; i < LOCALNET_NPROGS; i++) {
		if (ln->prog_fd[i] >= 0)
			close(ln->prog_fd[i]);
	}
	ln_init(ln);
}

/* Detach every pistack program; see localnet.h. */
int localnet_remove(struct error *err)
{
	cleanup_close int fd = ln_cgroup_root(err);
	int ret = 0;

	if (fd < 0)
		return fd;
	for (unsigned i = 0; i < LOCALNET_NPROGS; i++) {
		struct error later;
		int r = ln_detach_stale(fd, i, 0, ret == 0 ? err : &later);

		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* Load without attaching; see localnet.h. */
int localnet_probe(struct error *err)
{
	struct localnet ln;
	int r;

	ln_init(&ln);
	r = ln_netns_cookie(&ln.netns_cookie, err);
	if (r == 0)
		r = ln_load(&ln, err);
	localnet_close(&ln);
	return r;
}
