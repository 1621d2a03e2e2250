#!/bin/bash
# `pistack exec` runs a command inside a running service: in its pid namespace (a small pid),
# UTS namespace (the service's host name), cgroup and user; the command's exit status passes
# through (7 -> 7), a missing command is 127, `-i` passes stdin; exec into a stopped service
# fails with one line and exit 1.  `pistack stats` (and --json) shows a running service's memory and pids.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"

service box <<EOF
[service]
exec = /bin/sleep 1000
user = 65534:65534
restart = no
[network]
mode = none
EOF
service named <<EOF
[service]
exec = /bin/sleep 1000
hostname = custom-host
restart = no
[network]
mode = none
EOF
service idle <<EOF
[service]
exec = /bin/sleep 1000
restart = no
[network]
mode = none
EOF

pst_ok start box named
row box
init=${ROW[C_PID]}
main=$(children "$init")
[[ $main =~ ^[0-9]+$ ]] || fail "box's init $init has not exactly one child: '$main'"

# ---- namespaces: pid, hostname ----
# shellcheck disable=SC2016 # expanded inside the service
pst_ok exec box /bin/sh -c 'echo $$; hostname'
{
	read -r inner_pid
	read -r inner_host
} <<<"$out"
{ [[ $inner_pid =~ ^[0-9]+$ ]] && [ "$inner_pid" -lt 100 ]; } ||
	fail "exec's \$\$ is '$inner_pid': not a small pid inside the service's pid namespace"
assert_eq "$inner_host" box "hostname inside box (default: the service name)"
pst_ok exec named /bin/hostname
assert_eq "$out" custom-host "hostname inside named (hostname = custom-host)"

# ---- same user and cgroup as the service ----
# uid_of PID: the real uid of PID.
uid_of() {
	local u
	read -ra u <<<"$(status_field "$1" Uid)"
	printf '%s' "${u[0]:-}"
}
assert_eq "$(uid_of "$main")" 65534 "uid of box's command (user = 65534:65534)"
pst_ok exec box /bin/sh -c 'id -u; id -g'
assert_eq "$out" $'65534\n65534' "uid and gid of a command exec'd into box"
# A command that lasts, seen from the host: in box's cgroup (as its command), with its uid; and
# killed when the client goes away.
# (pistack itself in the background, not the pst function: $! must be the client.)
"$PISTACK" -C "$conf" exec box /bin/sleep 30 >/dev/null 2>&1 &
client=$!
on_exit "kill $client 2>/dev/null"
exec_pid=
find_exec() {
	local p procs
	mapfile -t procs <"$cg_base/box/cgroup.procs"
	for p in "${procs[@]}"; do
		[ "$p" != "$init" ] && [ "$p" != "$main" ] && [ "$(title "$p")" = /bin/sleep ] && exec_pid=$p && return 0
	done
	return 1
}
wait_until 10 find_exec || fail "no exec'd /bin/sleep in $cg_base/box/cgroup.procs: $(<"$cg_base/box/cgroup.procs")"
assert_eq "$(<"/proc/$exec_pid/cgroup")" "$(<"/proc/$main/cgroup")" "cgroup of an exec'd command against box's command"
assert_eq "$(uid_of "$exec_pid")" 65534 "uid of an exec'd command, from the host"
assert_eq "$(readlink "/proc/$exec_pid/ns/pid")" "$(readlink "/proc/$main/ns/pid")" "pid namespace of an exec'd command"
assert_eq "$(readlink "/proc/$exec_pid/ns/mnt")" "$(readlink "/proc/$main/ns/mnt")" "mount namespace of an exec'd command"
kill "$client"
wait "$client" 2>/dev/null || true
wait_until 5 gone "$exec_pid" || fail "the exec'd command $exec_pid outlived its client"

# ---- exit status: passed through; 127 for a missing command ----
run_pst exec box /bin/sh -c 'exit 7'
assert_eq "$rc" 7 "exit status of exec ... exit 7"
run_pst exec box /no/such/command
assert_eq "$rc" 127 "exit status of exec of a missing path"
one_error_line "exec of a missing path" box
run_pst exec box no-such-command-pistack
assert_eq "$rc" 127 "exit status of exec of an unknown command name"

# ---- -i: stdin ----
out=$(echo hi | pst exec -i box /bin/cat) || fail "exec -i box /bin/cat failed"
assert_eq "$out" hi "output of 'echo hi | pistack exec -i box /bin/cat'"

# ---- a service that is not running: one line, exit 1 ----
run_pst exec idle /bin/true
assert_eq "$rc" 1 "exit status of exec into the stopped idle"
one_error_line "exec into the stopped idle" idle
run_pst exec nosuch /bin/true
assert_eq "$rc" 1 "exit status of exec into an unknown service"
one_error_line "exec into an unknown service" nosuch

# ---- stats: memory and pids of the running services ----
run_pst stats
assert_eq "$rc" 0 "exit status of 'pistack stats' ($err)"
{
	read -ra head
	mapfile -t rows
} <<<"$out"
assert_eq "${head[*]}" "NAME CPU USER SYSTEM MEMORY PIDS READ WRITE" "stats header"
names=
for line in "${rows[@]}"; do
	read -ra cells <<<"$line"
	names+=" ${cells[0]}"
	assert_eq "${#cells[@]}" 8 "cells in the stats row '$line'"
	{ [[ ${cells[4]} =~ ^[0-9.]+[BKMG](/(max|[0-9.]+[BKMG]))?$ ]] && [[ ${cells[4]} != 0B* ]]; } ||
		fail "MEMORY of ${cells[0]} in stats: '${cells[4]}'"
	# init and sleep at least.
	{ [[ ${cells[5]} =~ ^([0-9]+)(/(max|[0-9]+))?$ ]] && [ "${BASH_REMATCH[1]}" -ge 2 ]; } ||
		fail "PIDS of ${cells[0]} in stats: '${cells[5]}'"
done
assert_eq "$names" " box named" "services in 'pistack stats' (the running ones)"
run_pst stats box
assert_eq "$rc" 0 "exit status of 'pistack stats box' ($err)"
assert_eq "$(wc -l <<<"$out")" 2 "lines of 'pistack stats box'"
run_pst stats --json box
assert_eq "$rc" 0 "exit status of 'pistack stats --json box' ($err)"
json=$(python3 -c 'import json, sys; r = json.load(sys.stdin); print(len(r), r[0]["name"], r[0]["memory"] > 0, r[0]["pids"] >= 2)' <<<"$out") ||
	fail "stats --json is not JSON: $out"
assert_eq "$json" "1 box True True" "stats --json of box (one entry, memory and pids filled)"
run_pst stats --jsn
assert_eq "$rc" 2 "exit status of 'pistack stats --jsn'"
assert_contains "$err" "pistack: stats: unknown option '--jsn'" "a mistyped long option named as typed"
run_pst stats idle
assert_eq "$rc" 1 "exit status of 'pistack stats idle' (not running)"
one_error_line "stats of the stopped idle" idle
pst_ok down
