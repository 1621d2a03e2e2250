#!/bin/bash
# The VM offers what pistack needs from cgroups: a pure cgroup v2 hierarchy at /sys/fs/cgroup
# with the controllers delegated from the root, and pids.max / memory.max really enforced.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup

# Pure v2: cgroup2 at /sys/fs/cgroup and no v1 hierarchy mounted anywhere.
assert_eq "$(stat -f -c %T "$CG")" cgroup2fs "file system type of $CG"
# mountinfo: fields after " - " are FSTYPE SOURCE OPTIONS; field 5 is the mount point.
fstype=$(awk -v m="$CG" '$5 == m { sub(/.* - /, ""); split($0, f, " "); print f[1] }' /proc/self/mountinfo)
assert_eq "$fstype" cgroup2 "mountinfo type of $CG"
v1=$(awk '{ sub(/.* - /, ""); split($0, f, " "); if (f[1] == "cgroup") print }' /proc/self/mountinfo)
assert_eq "$v1" "" "cgroup v1 mounts"

controllers=$(cat "$CG/cgroup.controllers")
subtree=$(cat "$CG/cgroup.subtree_control")
for c in cpu io memory pids; do
	assert_contains " $controllers " " $c " "controllers of the root"
	assert_contains " $subtree " " $c " "controllers enabled for the root's children"
done
note "controllers: $controllers"

# A parent with memory+pids for its children, and a leaf that holds processes
# ("no internal processes": only leaves hold processes once controllers are enabled).
parent=$CG/pistack-vmtest-$$
leaf=$parent/leaf
mkdir "$parent"
on_exit "rmdir '$parent'"
echo "+memory +pids" >"$parent/cgroup.subtree_control"
assert_eq "$(cat "$parent/cgroup.subtree_control")" "memory pids" "subtree_control of $parent"
mkdir "$leaf"
on_exit "rmdir '$leaf'"

# cg_drain DIR: kill what is left in DIR (cgroup.kill, 5.14+) and wait until it is empty, so
# rmdir can succeed. Killed processes take a moment to exit, seconds on a busy TCG host.
cg_drain() {
	local i
	echo 1 >"$1/cgroup.kill"
	for ((i = 0; i < 100; i++)); do
		[[ $(<"$1/cgroup.events") == *"populated 0"* ]] && return 0
		sleep 0.1
	done
	fail "$1 still holds processes after cgroup.kill: $(tr '\n' ' ' <"$1/cgroup.procs")"
}
on_exit "cg_drain '$leaf'"

echo 5 >"$leaf/pids.max"
echo 64M >"$leaf/memory.max"
echo 0 >"$leaf/memory.swap.max" 2>/dev/null || true
assert_eq "$(cat "$leaf/pids.max")" 5 "pids.max"
assert_eq "$(cat "$leaf/memory.max")" 67108864 "memory.max"

# pids.max=5: a shell that moved itself into the leaf can fork 4 children, not a 5th.
# dash reports the failed fork and stops; the sleeps do not hold the output pipe open.
out=$(sh -c '
	echo $$ >"$1/cgroup.procs"
	n=0
	while [ $n -lt 10 ]; do
		sleep 60 >/dev/null 2>&1 </dev/null &
		n=$((n + 1))
		echo "started $n"
	done' sh "$leaf" 2>&1) || true
note "$out"
assert_contains "$out" "started 4" "forks below pids.max"
assert_not_contains "$out" "started 5" "fork beyond pids.max"
assert_contains "$(cat "$leaf/pids.events")" "max 1" "pids.events after the refused fork"
assert_eq "$(cat "$leaf/pids.current")" 4 "pids.current (the 4 sleeps remain)"
cg_drain "$leaf"

# memory.max: a process that needs more than the limit is OOM-killed inside the cgroup.
echo max >"$leaf/pids.max"
echo 16M >"$leaf/memory.max"
rc=0
bash -c 'echo $$ >"$1/cgroup.procs"; x=$(head -c 64M /dev/zero | tr "\0" a); echo "${#x}"' bash "$leaf" \
	>"$tmpdir/oom.out" 2>&1 || rc=$?
note "memory hog exit status $rc: $(cat "$tmpdir/oom.out")"
[ "$rc" -ne 0 ] || fail "a 64 MiB allocation succeeded under memory.max=16M"
oom_kill=$(awk '$1 == "oom_kill" { print $2 }' "$leaf/memory.events")
[ "${oom_kill:-0}" -ge 1 ] || fail "memory.events shows no oom_kill: $(tr '\n' ' ' <"$leaf/memory.events")"

# The hog's pipeline partners (head, tr) die of SIGPIPE after it: wait for them.
cg_drain "$leaf"

# Removing the cgroups (the on_exit handlers do it too; doing it here asserts it works).
rmdir "$leaf" || fail "unable to remove $leaf"
rmdir "$parent" || fail "unable to remove $parent"
[ ! -e "$parent" ] || fail "$parent still exists"
_lib_cleanups=()
echo "cgroup2 OK"
