#!/bin/bash
# pistack test VM, stage 2: PID 1 of the guest after tests/vm/init switched root.
# Runs each integration test as root with a timeout from the repository root and records
# the results in the writable results share (/run/pistack-vm), which the host reads back.
# Whatever happens, the guest powers off at the end so qemu exits.
#
# Results share layout (the host side in tests/vm/run depends on it):
#   config       written by the host: bash assignments (PISTACK_VM_REPO, PISTACK, ...)
#   guest        written by the host: path of this script (read by stage 1)
#   booted       written here once the guest is up
#   results      one line per finished test: STATUS<TAB>NAME<TAB>EXIT<TAB>MICROSECONDS
#   running      name of the test being run
#   out/NAME.log the test's combined stdout+stderr (complete before its results line)
#   done         written here after the last test

set -uo pipefail
export LC_ALL=C.UTF-8

R=/run/pistack-vm

# shellcheck disable=SC2317 # invoked by the EXIT trap
guest_poweroff() {
	sync
	# busybox poweroff -f calls reboot(2) directly; sysrq is the fallback. As PID 1 we must
	# never return: the kernel would panic (panic=-1 then reboots, which -no-reboot turns
	# into a qemu exit, but slower and noisier).
	busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	while :; do sleep 1; done
}
trap guest_poweroff EXIT

# shellcheck source=/dev/null # written by tests/vm/run at run time
. "$R/config" || exit 1

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${PISTACK_VM_TERM:-dumb} PISTACK
# Tests refuse to run elsewhere (tests/integration/lib.sh): they create bridges, bind ports...
export PISTACK_VM=1
unset PISTACK_VM_TERM
cd "$PISTACK_VM_REPO" || exit 1

echo "$EPOCHREALTIME" >"$R/booted"

if [ "${PISTACK_VM_SHELL:-0}" = 1 ]; then
	echo "pistack-vm: interactive shell (exit or Ctrl-D powers the VM off)"
	if [ -n "${PISTACK_VM_STTY:-}" ]; then
		read -r rows cols <<<"$PISTACK_VM_STTY"
		stty -F /dev/console rows "$rows" cols "$cols" 2>/dev/null
	fi
	# setsid -c: a new session with the console as controlling terminal, for job control.
	setsid -c -w bash -l </dev/console >/dev/console 2>&1
	exit 0
fi

mkdir -p "$R/out"
for test in "${PISTACK_VM_TESTS[@]}"; do
	name=$(basename "$test" .sh)
	# Straight into the share, not via /tmp: if the test crashes or hangs the VM, the host still
	# has its output so far.
	log=$R/out/$name.log
	echo "$name" >"$R/running"
	start=${EPOCHREALTIME/./}
	# timeout makes itself a process group leader and, on expiry, signals the whole group;
	# -k: SIGKILL 5 s after SIGTERM if the test ignores it.
	timeout -k 5 "$PISTACK_VM_TEST_TIMEOUT" bash "$test" >"$log" 2>&1 </dev/null &
	tpid=$!
	wait "$tpid"
	rc=$?
	end=${EPOCHREALTIME/./}
	# Background processes the test left in its process group would disturb the next test.
	kill -KILL -- "-$tpid" 2>/dev/null
	case $rc in
	0) status=ok ;;
	77) status=skip ;;
	*) status=FAIL ;;
	esac
	printf '%s\t%s\t%s\t%s\n' "$status" "$name" "$rc" "$((end - start))" >>"$R/results"
done
echo "$EPOCHREALTIME" >"$R/done"
exit 0
