#!/bin/bash
# [limits] in the service's cgroup (the VM has every controller): the values are visible
# inside (cgroup namespace, /sys/fs/cgroup) and on the host; memory = 32M with
# memory_swap = 0 OOM-kills a hog (137) and lets a small allocation be; pids = 20 stops a
# fork bomb with EAGAIN; the cgroup is removed after every run, failed ones included.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

for c in memory pids cpu io; do
	case " $(</sys/fs/cgroup/cgroup.controllers) " in
	*" $c "*) ;;
	*) fail "the VM's cgroup2 root lacks the $c controller" ;;
	esac
done

service lim <<EOF
[service]
exec = /probe cgroup
[limits]
memory = 32M
memory_swap = 0
cpus = 0.5
cpu_weight = 50
pids = 20
io_weight = 70
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF

# Inside: the service's own cgroup, with the configured values.
run_ok lim
expect proc_cgroup "0::/"
expect memory.max 33554432
expect memory.swap.max 0
expect pids.max 20
expect cpu.max "50000 100000"
expect cpu.weight 50
expect io.weight "default 70"
assert_no_leftovers lim

# On the host, while it runs: pistack/lim holds the service, with the same limits.
"$PISTACK" -C "$conf" run lim -- /probe sleep 60 >"$tmpdir/sleep.out" 2>&1 &
pid=$!
procs=
for _ in $(seq 50); do
	# cgroup files have no size: read them; two lines = init and the service.
	[ ! -e "$cg_base/lim/cgroup.procs" ] || procs=$(<"$cg_base/lim/cgroup.procs")
	[[ $procs != *$'\n'* ]] || break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
note "background run: procs ${procs//$'\n'/ }; output: $(<"$tmpdir/sleep.out")"
pids=0
[ -z "$procs" ] || { mapfile -t lines <<<"$procs" && pids=${#lines[@]}; }
assert_eq "$pids" 2 "processes in $cg_base/lim (init and the service)"
assert_eq "$(<"$cg_base/lim/memory.max")" 33554432 "memory.max on the host"
assert_eq "$(<"$cg_base/lim/pids.max")" 20 "pids.max on the host"
assert_eq "$(<"$cg_base/lim/cpu.max")" "50000 100000" "cpu.max on the host"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 143 "exit status after SIGTERM"
assert_no_leftovers lim

# Memory: a hog is OOM-killed (SIGKILL: 137) before 32 MiB; 8 MiB is fine.
run_pistack lim -- /probe memhog 64
assert_eq "$rc" 137 "exit status of a 64 MiB hog under memory = 32M"
last=$(get_last allocated_mb)
{ [ -n "$last" ] && [ "$last" -lt 32 ]; } || fail "the hog allocated '$last' MiB under memory = 32M"
assert_not_contains "$out" "memhog=done" "hog output"
assert_no_leftovers lim
run_ok lim -- /probe memhog 8
assert_contains "$out" "memhog=done" "an 8 MiB allocation under memory = 32M"

# pids = 20: init and the probe count, so at most 18 children; then EAGAIN.
run_ok lim -- /probe forkbomb 100
forked=$(get forked)
{ [ "$forked" -ge 10 ] && [ "$forked" -le 18 ]; } || fail "forked $forked children under pids = 20"
expect first_error EAGAIN
assert_no_leftovers lim

# Failed runs leave nothing either: before the cgroup exists (a missing mount source),
# after it (command not found), and in the new namespaces (a missing working directory).
service limbad <<EOF
[service]
exec = /probe exit 0
[limits]
memory = 32M
pids = 20
[mount]
/probe = host:$probe ro
/data = host:$tmpdir/absent
[network]
mode = none
EOF
run_pistack limbad
assert_eq "$rc" 125 "exit status with a missing mount source"
assert_no_leftovers limbad
run_pistack lim -- /no-such-command
assert_eq "$rc" 127 "exit status of a missing command"
assert_no_leftovers lim
sed -i 's/^exec = .*/&\nworkdir = \/nonexistent/' "$conf/conf.d/lim.ini"
run_pistack lim
assert_eq "$rc" 125 "exit status with a missing workdir"
assert_no_leftovers lim
