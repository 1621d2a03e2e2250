#!/bin/bash
# The daemon's life cycle as a user sees it: `start` starts the daemon on demand (pid file, 0600
# socket, a `pistack: daemon` process); `status` prints the documented table (a running service
# with the pid of its `pistack: init NAME`, its memory, `-` in empty cells), `--json` is valid
# JSON, `ps` is `status`; `restart` gives a new init, `stop` leaves nothing behind (no init, no
# cgroup); unknown services fail with one line and exit 1, usage errors exit 2; a service that
# cannot start (missing mount source) fails with one line, state failed, nothing left; `down`
# stops every service and the daemon and returns once the daemon is gone, and without a daemon is
# a quiet no-op.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"

need python3 stat

service web <<EOF
[service]
exec = /bin/sleep 1000
restart = no
[network]
mode = none
EOF
service other <<EOF
[service]
exec = /bin/sleep 1000
restart = no
[network]
mode = none
EOF
service badexec <<EOF
[service]
exec = /no/such/command
restart = no
[network]
mode = none
EOF
service bad <<EOF
[service]
exec = /bin/sleep 1000
restart = no
[mount]
/data = host:$tmpdir/absent
[network]
mode = none
EOF

# ---- start: the daemon on demand ----
[ -z "$(titled "pistack: daemon")" ] || fail "a daemon is running before the test: $(titled "pistack: daemon")"
pst_ok start web
dpid=$(daemon_pid)
[[ $dpid =~ ^[0-9]+$ ]] || fail "no pid in $rundir/pistack.pid: '$dpid'"
assert_eq "$(title "$dpid")" "pistack: daemon" "title of the process in $rundir/pistack.pid"
assert_eq "$(titled "pistack: daemon")" "$dpid" "'pistack: daemon' processes"
[ -S "$rundir/pistack.sock" ] || fail "no socket at $rundir/pistack.sock"
assert_eq "$(stat -c %a "$rundir/pistack.sock")" 600 "mode of $rundir/pistack.sock"

# ---- status ----
run_pst status
assert_eq "$rc" 0 "exit status of 'pistack status' ($err)"
assert_eq "$err" "" "stderr of 'pistack status'"
status_all=$out
{
	read -ra head
	read -ra r0
	read -ra r1
	read -ra r2
	read -ra r3
	extra=
	read -r extra || true
} <<<"$status_all"
assert_eq "${head[*]}" "NAME STATE PID ADDRESS UPTIME RESTARTS MEMORY HOSTS HEALTH" "status header"
assert_eq "${r0[0]}/${r1[0]}/${r2[0]}/${r3[0]}/$extra" "bad/badexec/other/web/" "rows of status (sorted by name)"
assert_eq "${#r3[@]}" 9 "cells in web's row: ${r3[*]}"
assert_eq "${#r2[@]}" 9 "cells in other's row: ${r2[*]}"
init=$(titled "pistack: init web")
[[ $init =~ ^[0-9]+$ ]] || fail "not exactly one 'pistack: init web' process: '$init'"
assert_eq "${r3[C_STATE]}" running "STATE of web"
assert_eq "${r3[C_PID]}" "$init" "PID of web (its 'pistack: init web' process)"
assert_eq "${r3[C_ADDRESS]}" - "ADDRESS of web (network mode none)"
[[ ${r3[C_UPTIME]} =~ ^[0-9]+s$ ]] || fail "UPTIME of web: '${r3[C_UPTIME]}'"
assert_eq "${r3[C_RESTARTS]}" 0 "RESTARTS of web"
[[ ${r3[C_MEMORY]} =~ ^[0-9.]+[BKMG]$ ]] || fail "MEMORY of web: '${r3[C_MEMORY]}'"
assert_eq "${r3[C_HOSTS]} ${r3[C_HEALTH]}" "- -" "HOSTS and HEALTH of web"
assert_eq "${r2[*]}" "other exited - - - 0 - - -" "row of other (never started)"
[ -d "$cg_base/web" ] || fail "no cgroup $cg_base/web for the running web"
# The init's child is the service's command.
assert_eq "$(title "$(children "$init")")" /bin/sleep "the command under web's init"

run_pst status --json
assert_eq "$rc" 0 "exit status of 'pistack status --json' ($err)"
# One python3 (~1 s under TCG): json.load is what `python3 -m json.tool` parses with.
got=$(printf '%s' "$out" | python3 -c '
import json, sys
rows = {r["name"]: r for r in json.load(sys.stdin)}
w = rows["web"]
print(sorted(rows), w["state"], w["pid"], w["restarts"], w["memory"] > 0, rows["other"]["pid"])') ||
	fail "'status --json' is not the expected JSON: $out"
assert_eq "$got" "['bad', 'badexec', 'other', 'web'] running $init 0 True 0" "status --json content"

# ps = status (UPTIME and MEMORY may move between two calls).
run_pst ps
assert_eq "$rc" 0 "exit status of 'pistack ps' ($err)"
cut_cols() {
	local line c
	while IFS= read -r line; do
		read -ra c <<<"$line"
		echo "${c[0]} ${c[1]} ${c[2]} ${c[3]} ${c[5]} ${c[7]} ${c[8]}"
	done <<<"$1"
}
assert_eq "$(cut_cols "$out")" "$(cut_cols "$status_all")" "'pistack ps' against 'pistack status'"
run_pst status web
assert_eq "$(wc -l <<<"$out")" 2 "lines of 'pistack status web' (header and web): $out"

# start of a running service: nothing to do, same init.
pst_ok start web
row web
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "running $init" "web after a second 'start web'"

# ---- restart: a new init ----
pst_ok restart web
row web
assert_eq "${ROW[C_STATE]}" running "STATE of web after restart"
[ "${ROW[C_PID]}" != "$init" ] || fail "restart kept the pid $init"
gone "$init" || fail "the old init $init still runs after restart"
assert_eq "$(titled "pistack: init web")" "${ROW[C_PID]}" "'pistack: init web' after restart"
init=${ROW[C_PID]}

# ---- stop: nothing left ----
pst_ok stop web
row web
assert_eq "${ROW[*]}" "web exited - - - 0 - - -" "row of web after stop"
gone "$init" || fail "init $init still runs after stop"
assert_no_instance web
# Stopping a stopped service is fine.
pst_ok stop web

# ---- unknown services: one line, exit 1 ----
for verb in start stop status; do
	run_pst "$verb" nosuch
	assert_eq "$rc" 1 "exit status of 'pistack $verb nosuch'"
	one_error_line "pistack $verb nosuch" nosuch
	assert_contains "$err" "nosuch" "'pistack $verb nosuch'"
done
# One unknown among known ones: the known one is still started, the status is 1.
run_pst start nosuch web
assert_eq "$rc" 1 "exit status of 'pistack start nosuch web'"
one_error_line "pistack start nosuch web" nosuch
wait_state web running 5
pst_ok stop web

# ---- usage errors: exit 2 ----
for args in "start" "status --bogus" "exec web" "down now" "frobnicate"; do
	# shellcheck disable=SC2086 # word splitting wanted
	run_pst $args
	assert_eq "$rc" 2 "exit status of 'pistack $args'"
	[ -n "$err" ] || fail "'pistack $args' says nothing on stderr"
done

# ---- a service that cannot start: one line, failed, nothing left ----
run_pst start bad
assert_eq "$rc" 1 "exit status of 'pistack start bad' (missing mount source)"
one_error_line "pistack start bad" bad
assert_contains "$err" "$tmpdir/absent" "the error names the missing source"
row bad
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "failed -" "STATE and PID of bad"
assert_no_instance bad

# The command does not exist: found out after the cgroup and the init were made.
run_pst start badexec
assert_eq "$rc" 1 "exit status of 'pistack start badexec' (no such command)"
one_error_line "pistack start badexec" badexec
assert_contains "$err" "/no/such/command" "the error names the missing command"
row badexec
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "failed -" "STATE and PID of badexec"
assert_no_instance badexec

# ---- more services than fit in one request (64): status lists them all ----
# s00..s63 sort between other and web: web is the 68th service.
for i in {00..63}; do
	printf '[service]\nexec = /bin/sleep 1000\nrestart = no\n[network]\nmode = none\n' >"$conf/conf.d/s$i.ini"
done
pst_ok reload
run_pst status
assert_eq "$rc" 0 "exit status of 'pistack status' with 68 services ($err)"
mapfile -t lines <<<"$out"
assert_eq "${#lines[@]}" 69 "lines of 'pistack status' with 68 services (and the header)"
read -ra last <<<"${lines[68]}"
assert_eq "${last[0]:-}" web "the last row of 'pistack status' with 68 services"

# ---- down: every service (even the 68th) and the daemon ----
pst_ok start web other
[ -n "$(titled "pistack: init other")" ] || fail "other has no init"
pst_ok down
assert_no_instance web
assert_no_instance other
# `down` returns once the daemon has exited: a command right after it finds no daemon.
gone "$dpid" || fail "the daemon $dpid still runs when 'down' returned"
assert_eq "$(titled "pistack: daemon")" "" "'pistack: daemon' processes after 'down'"
[ ! -e "$rundir/pistack.sock" ] || fail "$rundir/pistack.sock still exists after 'down'"

# Without a daemon: `down` is a quiet success, `status` fails and does not start one.
pst_ok down
assert_eq "$out" "" "stdout of 'pistack down' without a daemon"
run_pst status
assert_eq "$rc" 1 "exit status of 'pistack status' without a daemon"
assert_eq "$(titled "pistack: daemon")" "" "'pistack: daemon' processes after 'status'"
