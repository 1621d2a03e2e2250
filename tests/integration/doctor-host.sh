#!/bin/bash
# `pistack doctor` in the test VM, which has everything: cgroup v2 with every controller, the
# namespaces, seccomp, nftables, bridge and veth, free ports 80 and 443: every line is "ok",
# exit 0.  As nobody the root-only checks say so (warn), and nothing fails.  Under a systemd
# older than 254 it warns about restarts.  A listener on port 80 is named with its pid, and
# fails the check.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need busybox setpriv python3

# lines_ok OUT: every line is "ok|warn|fail  WHAT: detail".
lines_ok() {
	local line
	while IFS= read -r line; do
		[[ $line =~ ^(ok\ \ |warn|fail)\ \ [^:]+:\ .+$ ]] || fail "doctor line out of format: '$line'"
	done <<<"$1"
}

rc=0
out=$("$PISTACK" -C "$tmpdir" doctor 2>"$tmpdir/err") || rc=$?
note "$out"
assert_eq "$rc" 0 "exit status of doctor in the VM"
assert_eq "$(<"$tmpdir/err")" "" "doctor's stderr"
lines_ok "$out"
assert_not_contains "$out" $'\nwarn' "doctor in the VM"
assert_not_contains "$out" $'\nfail' "doctor in the VM"
for what in kernel "cgroup v2" "cgroup controllers: cpu memory pids io" systemd "cgroup BPF" \
	"namespaces: mount pid net uts ipc cgroup" "user namespaces" seccomp nftables \
	"network drivers: bridge veth" "port 80: free" "port 443: free"; do
	assert_contains "$out" "ok    $what" "doctor's '$what' line"
done

# As an unprivileged user: what needs root is not checked, and says so.
rc=0
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PISTACK" -C "$tmpdir" doctor 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 0 "exit status of doctor as nobody"
lines_ok "$out"
assert_contains "$out" "warn  privileges: not root" "doctor as nobody"
assert_contains "$out" "warn  nftables: not checked: run 'pistack doctor' as root" "doctor as nobody"
assert_contains "$out" "warn  port 80: not checked: run 'pistack doctor' as root" "doctor as nobody"

# Under systemd (faked: its runtime directory and a systemctl that tells its version): the
# services' scope units need systemd's private socket; without it doctor fails.
# (install-systemd runs the real systemd.)
[ ! -e /run/systemd/system ] || skip "systemd runs in the VM"
mkdir -p /run/systemd/system "$tmpdir/bin"
on_exit "rm -rf /run/systemd"
printf '#!/bin/sh\necho "systemd 252 (252.1-1)"\necho "+PAM +AUDIT"\n' >"$tmpdir/bin/systemctl"
chmod +x "$tmpdir/bin/systemctl"
rc=0
out=$(PATH=$tmpdir/bin:$PATH "$PISTACK" -C "$tmpdir" doctor 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of doctor under systemd without its private socket"
assert_contains "$out" "fail  systemd: version 252, but no socket '/run/systemd/private'" \
	"doctor under systemd without its private socket"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' /run/systemd/private
rc=0
out=$(PATH=$tmpdir/bin:$PATH "$PISTACK" -C "$tmpdir" doctor 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of doctor under systemd"
assert_contains "$out" \
	"ok    systemd: version 252; each service runs in a scope unit of its own, pistack-NAME.scope in pistack.slice" \
	"doctor under systemd"
rm -rf /run/systemd

# Port 80 taken by another server (inside the VM, on the wildcard address).
busybox nc -l -p 80 </dev/null >/dev/null 2>&1 &
server=$!
on_exit "kill $server 2>/dev/null"
# listening: /proc/net/tcp or tcp6 has a socket in state 0A (LISTEN) on port 80 (0050).
listening() {
	local f l st
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -e "$f" ] || continue
		while read -r _ l _ st _; do
			[ "${l##*:}" != 0050 ] || [ "$st" != 0A ] || return 0
		done <"$f"
	done
	return 1
}
for _ in $(seq 100); do listening && break; sleep 0.1; done
listening || fail "busybox nc did not listen on port 80"
rc=0
out=$("$PISTACK" -C "$tmpdir" doctor 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 1 "exit status of doctor with port 80 taken"
lines_ok "$out"
assert_contains "$out" "fail  port 80: in use by busybox (pid $server): stop it" "doctor with port 80 taken"
assert_contains "$out" "[gateway] http_port in conf.d/pistack.ini" "doctor with port 80 taken"
assert_contains "$out" "ok    port 443: free" "doctor with port 80 taken"
echo "doctor OK"
