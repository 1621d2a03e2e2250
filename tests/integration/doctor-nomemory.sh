#!/bin/bash
# A kernel booted without the memory controller (as Raspberry Pi kernels boot by default):
# `pistack doctor` fails its memory line and names the fix (cgroup_enable=memory in
# /boot/firmware/cmdline.txt), exit 1, the other controllers ok; a service with a memory limit
# is refused with the same fix, one without runs.
# vm-cmdline: cgroup_disable=memory
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

case " $(</proc/cmdline) " in
*" cgroup_disable=memory "*) ;;
*) skip "the VM was not booted with cgroup_disable=memory (tests/vm/run does it for this test)" ;;
esac

rc=0
out=$("$PISTACK" -C "$tmpdir" doctor 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 1 "exit status of doctor without the memory controller"
assert_contains "$out" "fail  cgroup memory: the memory controller is off, so memory limits are refused: add cgroup_enable=memory to the kernel command line (/boot/firmware/cmdline.txt on Raspberry Pi OS) and reboot" \
	"doctor's memory line"
assert_contains "$out" "ok    cgroup controllers: cpu pids io" "doctor's controllers line"
assert_eq "$(grep -c '^fail' <<<"$out")" 1 "fail lines of doctor"

mkdir -p "$tmpdir/conf.d" "$tmpdir/bundles"
cat >"$tmpdir/conf.d/pistack.ini" <<EOT
[paths]
volumes = $tmpdir/vol
state = $tmpdir/state
run = $tmpdir/run
logs = $tmpdir/logs
EOT
cat >"$tmpdir/conf.d/limited.ini" <<EOT
[service]
exec = /bin/true
[limits]
memory = 64M
[network]
mode = none
EOT
cat >"$tmpdir/conf.d/plain.ini" <<EOT
[service]
exec = /bin/echo ran
[network]
mode = none
EOT
rc=0
err=$("$PISTACK" -C "$tmpdir" run limited 2>&1) || rc=$?
note "run limited: exit $rc: $err"
assert_eq "$rc" 125 "exit status of a service with a memory limit"
assert_contains "$err" "pistack: limited: unable to set memory limit of 'limited': the memory controller is not enabled; add cgroup_enable=memory to the kernel command line" \
	"the refusal of a memory limit"
[ ! -e /sys/fs/cgroup/pistack/limited ] || fail "a cgroup was left for the refused service"
rc=0
out=$("$PISTACK" -C "$tmpdir" run plain 2>&1) || rc=$?
assert_eq "$rc $out" "0 ran" "a service without limits"
echo "no memory controller OK"
