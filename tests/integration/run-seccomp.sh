#!/bin/bash
# The default seccomp filter refuses every dangerous system call the probe tries (EPERM;
# clone3 ENOSYS so libc falls back to clone; AF_VSOCK EAFNOSUPPORT; unknown syscalls
# ENOSYS; TIOCSTI EPERM even with high bits set), seccomp = unconfined loads none, and a
# profile file (pistack-seccomp(5)) replaces the default.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

# sc NAME: a service running `probe syscalls`, [security] lines from stdin.
sc() {
	{
		printf '[service]\nexec = /probe syscalls\n'
		cat
		printf '[mount]\n/probe = host:%s ro\n[network]\nmode = none\n' "$probe"
	} >"$conf/conf.d/$1.ini"
}

denied="unshare_user unshare_mnt mount_tmpfs umount_proc pivot_root keyctl add_key request_key
	bpf perf_event_open ptrace_attach kexec_load init_module finit_module delete_module
	open_by_handle_at userfaultfd io_uring_setup swapon swapoff reboot acct quotactl
	personality_read_implies_exec personality_addr_no_randomize clone_newnet
	ioctl_tiocsti ioctl_tiocsti_high sethostname settimeofday"

# check_default: the default filter's answers in $out; CAPS_CALLS are the calls that
# the capabilities of the run decide (chroot, mknod).
check_default() {
	local name
	for name in $denied; do
		expect "$name" EPERM
	done
	# /proc/1/ns/net: init is not dumpable, so the open already fails.
	case $(get setns_net) in EPERM | EACCES) ;; *) fail "setns_net: got '$(get setns_net)'" ;; esac
	expect clone3 ENOSYS
	expect socket_vsock EAFNOSUPPORT
	expect syscall_1500 ENOSYS
}

# Root with Docker's capabilities: CAP_SYS_CHROOT and CAP_MKNOD let chroot and mknod
# through, as in Docker (mknod makes nothing usable: every mount is nodev).
sc sdef </dev/null
run_ok sdef
check_default
expect chroot ok
expect mknod_char ok
# Without capabilities, those are refused too.
sc snone <<'EOF'
[security]
caps = none
EOF
run_ok snone
check_default
expect chroot EPERM
expect mknod_char EPERM
run_ok snone -- /probe status
expect Seccomp 2
expect Seccomp_filters 1

# unconfined: no filter; calls fail (or not) as the kernel and the capabilities decide.
sc sunc <<'EOF'
[security]
seccomp = unconfined
EOF
run_ok sunc -- /probe status
expect Seccomp 0
expect Seccomp_filters 0
run_ok sunc -- /probe syscalls clone3 keyctl personality_addr_no_randomize socket_vsock
expect clone3 ok
expect keyctl ok
expect personality_addr_no_randomize ok

# A profile file replaces the default: everything known allowed except what it names.
cat >"$tmpdir/profile" <<'EOF'
# test profile
default errno ENOSYS
known allow
errno EACCES chroot
errno 42 sethostname
kill delete_module
EOF
sc sprof <<EOF
[security]
seccomp = $tmpdir/profile
EOF
run_ok sprof -- /probe syscalls chroot sethostname keyctl delete_module clone3
expect chroot EACCES
expect sethostname E42
expect keyctl ok
expect delete_module SIGSYS
expect clone3 ok
run_ok sprof -- /probe status
expect Seccomp 2

# A broken profile is refused before anything starts, naming the line.
printf 'allow read\nfrobnicate write\n' >"$tmpdir/bad-profile"
sc sbad <<EOF
[security]
seccomp = $tmpdir/bad-profile
EOF
run_pistack sbad
assert_eq "$rc" 125 "exit status with a broken profile"
assert_eq "$err" "pistack: sbad: unable to parse seccomp profile '$tmpdir/bad-profile': 2: unknown action 'frobnicate': expected allow, errno, kill, log or trap" \
	"message about a broken profile"
assert_no_leftovers sbad
