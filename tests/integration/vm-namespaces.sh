#!/bin/bash
# The VM supports every namespace pistack isolates a service with: mount, PID, UTS, IPC,
# network, cgroup and user (root mapped). Each is checked by what a process inside sees.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need unshare ipcmk ipcs ipcrm ip

nstypes="mnt pid uts ipc net cgroup user"
outer_host=$(hostname)

# Outside state the inner process must not see: a SysV message queue and a cgroup path.
qid=$(ipcmk -Q | awk '{ print $NF }')
on_exit "ipcrm -q '$qid'"
[ -n "$qid" ] || fail "ipcmk created no queue"
cg=/sys/fs/cgroup/pistack-vmtest-ns-$$
mkdir "$cg"
on_exit "rmdir '$cg'"
mkdir "$tmpdir/m"

# The inner script prints KEY=VALUE lines; $1 = tmpdir.
# shellcheck disable=SC2016 # expanded by the inner bash
inner='
echo "pid=$$"
hostname pistack-inner
echo "hostname=$(hostname)"
echo "uid=$(id -u)"
echo "uid_map=$(tr -s " " <"/proc/self/uid_map" | sed "s/^ //")"
echo "pid1=$(cat /proc/1/comm)"
echo "pids=$(cd /proc && echo [0-9]*)"
echo "links=$(ip -o link show | awk -F": " "{ print \$2 }" | tr "\n" " ")"
echo "lo=$(ip -o link show lo)"
echo "cgroup=$(cat /proc/self/cgroup)"
echo "ipc=$(ipcs -q | grep -c "^0x")"
for t in '"$nstypes"'; do echo "ns_$t=$(readlink /proc/self/ns/$t)"; done
mount -t tmpfs inner "$1/m" && echo secret >"$1/m/file" && echo "tmpfs=ok"
mknod "$1/m/null" c 1 3 2>/dev/null && echo "mknod=allowed" || echo "mknod=denied"
'

out=$(bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' bash "$cg" \
	unshare --mount --pid --fork --uts --ipc --net --cgroup --user --map-root-user --mount-proc \
	bash -c "$inner" bash "$tmpdir" 2>&1) || fail "unshare failed: $out"
note "$out"
# Parse once with builtins: every fork+exec costs ~0.1 s under TCG.
declare -A inside=()
while IFS= read -r line; do
	[[ $line == *=* ]] && inside[${line%%=*}]=${line#*=}
done <<<"$out"
get() { echo "${inside[$1]:-}"; }

assert_eq "$(get pid)" 1 "PID of the first process in the new PID namespace"
assert_eq "$(get pid1)" bash "command of PID 1 in the new PID namespace's /proc"
# Only the inner shell and its few helpers: PIDs restart at 1 in the new namespace.
for p in $(get pids); do
	[ "$p" -le 10 ] || fail "the new PID namespace's /proc shows PID $p: $(get pids)"
done
assert_eq "$(get hostname)" pistack-inner "hostname inside"
assert_eq "$(hostname)" "$outer_host" "hostname outside after the inner change"
assert_eq "$(get uid)" 0 "uid inside"
assert_eq "$(get uid_map)" "0 0 1" "uid_map inside"
assert_eq "$(get links)" "lo " "network devices inside"
assert_contains "$(get lo)" "state DOWN" "lo inside a fresh network namespace"
assert_eq "$(get cgroup)" "0::/" "cgroup path inside the cgroup namespace"
assert_eq "$(get ipc)" 0 "message queues visible inside"
assert_eq "$(ipcs -q | grep -c '^0x')" 1 "message queues visible outside"
assert_eq "$(get tmpfs)" ok "tmpfs mount inside"
assert_eq "$(get mknod)" denied "mknod of a device inside the user namespace"
# The inner mount stayed in its mount namespace.
[ ! -e "$tmpdir/m/file" ] || fail "the inner tmpfs leaked into the outer mount namespace"
for t in $nstypes; do
	in=${inside[ns_$t]:-}
	[ -n "$in" ] || fail "no $t namespace reported inside"
	[ "$in" != "$(readlink "/proc/$$/ns/$t")" ] || fail "$t namespace not new: $in"
done
echo "namespaces OK"
