#!/bin/bash
# Services outlive the daemon: after `kill -9` of the daemon a service keeps running (same init,
# its ticks go on), `pistack status` says there is no daemon (and does not start one), then the
# next `pistack start OTHER` starts a daemon that re-adopts the service: same pid, uptime going
# on, its output (including what it wrote while nobody read) reaches `pistack logs`, `exec`,
# `stats` and `stop` work on it.  A service whose init was killed while the daemon was away is seen as ended and
# handled by its policy: restarted under on-failure (and counted in RESTARTS), failed under
# `restart = no`; a service that had failed before stays failed, one in the middle of its
# restarts goes on, and one whose restarts fail after a long run backs off (1 s, 2 s, 4 s).
# A running service whose file was removed while the daemon was away is stopped.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"

[ -x /bin/bash ] || skip "no /bin/bash for the services"

# One tick per 0.2 s: on stdout (the log) and into the volume (seen without the daemon).
script ticker.sh <<'EOF'
n=0
while :; do
	n=$((n + 1))
	echo "tick $n"
	echo "$n" >/data/tick.new
	mv /data/tick.new /data/tick
	sleep 0.2
done
EOF
service ticker <<EOF
[service]
exec = /bin/bash /s.sh
restart = on-failure
[mount]
/s.sh = host:$scripts/ticker.sh ro
/data = volume
[network]
mode = none
EOF
# norestart: like victim, but restart = no; oneshot: restart = no, fails at once (before the
# daemon dies), counting its starts in its volume.
service norestart <<EOF
[service]
exec = /bin/sleep 1000
restart = no
[network]
mode = none
EOF
script oneshot.sh <<'EOF'
echo start >>/data/starts
exit 1
EOF
service oneshot <<EOF
[service]
exec = /bin/bash /s.sh
restart = no
[mount]
/s.sh = host:$scripts/oneshot.sh ro
/data = volume
[network]
mode = none
EOF
# crashy: fails at once, over and over (on-failure): mostly in backoff when the daemon dies.
service crashy <<EOF
[service]
exec = /bin/bash /s.sh
restart = on-failure
[mount]
/s.sh = host:$scripts/oneshot.sh ro
/data = volume
[network]
mode = none
EOF
# flaky: its mount source goes away while it runs, so that its restarts fail.
mkdir "$tmpdir/flaky-src"
service flaky <<EOF
[service]
exec = /bin/sleep 1000
restart = on-failure
[mount]
/src = host:$tmpdir/flaky-src
[network]
mode = none
EOF
for s in victim other orphan; do
	service $s <<EOF
[service]
exec = /bin/sleep 1000
restart = on-failure
[network]
mode = none
EOF
done

# tick: the last tick ticker wrote into its volume (0 before the first).
tick() {
	local t=0
	read -r t <"$vol/ticker/tick" 2>/dev/null || true
	echo "${t:-0}"
}
ticks_past() { [ "$(tick)" -gt "$1" ]; }

t_start=$SECONDS
pst_ok start ticker victim norestart oneshot flaky crashy orphan
wait_state oneshot failed 10
row norestart
nrpid=${ROW[C_PID]}
assert_eq "${ROW[C_STATE]}" running "STATE of norestart"
dpid=$(daemon_pid)
assert_eq "$(title "$dpid")" "pistack: daemon" "the daemon's title"
row ticker
tpid=${ROW[C_PID]}
assert_eq "${ROW[C_STATE]}" running "STATE of ticker"
row victim
vpid=${ROW[C_PID]}
assert_eq "${ROW[C_STATE]}" running "STATE of victim"
wait_until 10 ticks_past 2 || fail "ticker does not tick"

# ---- the daemon dies; the services do not ----
kill -9 "$dpid"
wait_until 5 gone "$dpid" || fail "the daemon $dpid survived kill -9"
assert_eq "$(title "$tpid")" "pistack: init ticker" "ticker's init $tpid after the daemon died"
assert_eq "$(title "$vpid")" "pistack: init victim" "victim's init $vpid after the daemon died"
t=$(tick)
wait_until 5 ticks_past "$((t + 2))" || fail "ticker stopped ticking without the daemon (at $(tick))"

run_pst status
assert_eq "$rc" 1 "exit status of 'pistack status' without a daemon"
assert_contains "$err" "daemon is not running" "'pistack status' without a daemon"
assert_eq "$(titled "pistack: daemon")" "" "'pistack: daemon' processes after 'status' (no autostart)"

# Age flaky by 2 minutes (the start time the daemon keeps for it in RUN/services/flaky): an
# instance up longer than a minute has its backoff start at 1 s again when it fails.
grep -q '^started_wall=[0-9]' "$rundir/services/flaky" || fail "no started_wall in $rundir/services/flaky"
sed -i "s/^started_wall=.*/started_wall=$(($(printf '%(%s)T' -1) - 120))/" "$rundir/services/flaky"

# victim's and norestart's inits die while nobody watches.
kill -9 "$vpid" "$nrpid"
wait_until 5 gone "$vpid" || fail "victim's init $vpid survived kill -9"
wait_until 5 gone "$nrpid" || fail "norestart's init $nrpid survived kill -9"

crashy_starts() {
	local l=()
	mapfile -t l 2>/dev/null <"$vol/crashy/starts" || true
	echo "${#l[@]}"
}
crashy_more() { [ "$(crashy_starts)" -gt "$1" ]; }

# ---- a new daemon re-adopts ----
# Old enough that a fresh instance would show a smaller uptime.
while [ $((SECONDS - t_start)) -lt 4 ]; do sleep 0.2; done
t_before=$(tick)
# orphan's file goes away while the daemon is away.
opid=$(titled "pistack: init orphan")
[[ $opid =~ ^[0-9]+$ ]] || fail "not exactly one 'pistack: init orphan': '$opid'"
rm "$conf/conf.d/orphan.ini"
crashy_before=$(crashy_starts)
pst_ok start other
dpid2=$(daemon_pid)
[ "$dpid2" != "$dpid" ] || fail "the pid file still names the killed daemon $dpid"
assert_eq "$(titled "pistack: daemon")" "$dpid2" "'pistack: daemon' processes after 'start other'"
row ticker
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]} ${ROW[C_RESTARTS]}" "running $tpid 0" "ticker re-adopted"
up=$(uptime_seconds "${ROW[C_UPTIME]}")
[ "$up" -ge 3 ] || fail "ticker's uptime restarted at adoption: ${ROW[C_UPTIME]} ($((SECONDS - t_start)) s since its start)"
[[ ${ROW[C_MEMORY]} =~ ^[0-9.]+[BKMG]$ ]] || fail "MEMORY of the adopted ticker: '${ROW[C_MEMORY]}'"
row other
assert_eq "${ROW[C_STATE]}" running "STATE of other"
# No longer configured: stopped, and gone.
wait_until 5 gone "$opid" || fail "orphan's init $opid still runs: its file was removed while the daemon was away"
assert_no_instance orphan
run_pst status orphan
assert_eq "$rc" 1 "exit status of 'status orphan' (its file is gone)"
# exec and stats work on the adopted instance.
pst_ok exec ticker /bin/cat /data/tick
[[ $out =~ ^[0-9]+$ ]] || fail "'exec ticker cat /data/tick' after the adoption: '$out'"
pst_ok stats ticker
[[ $out == *$'\n'ticker\ * ]] || fail "'stats ticker' after the adoption: $out"

# The log goes on: what ticker printed while nobody read, and what it prints now.
t_now=$(tick)
wait_until 5 ticks_past $((t_now + 3)) || fail "ticker stopped ticking after the adoption"
has_tick_in_log() {
	local line
	while IFS= read -r line; do
		[ "$line" = "tick $1" ] && return 0
	done <"$logs/ticker.log"
	return 1
}
wait_until 5 has_tick_in_log $((t_now + 3)) || fail "tick $((t_now + 3)) (after the adoption) is not in $logs/ticker.log"
run_pst logs ticker
assert_eq "$rc" 0 "exit status of 'pistack logs ticker' ($err)"
# Every tick from 1 on, in order, once: nothing lost while the daemon was away.
n=0
while IFS= read -r line; do
	case $line in
	"tick "*)
		n=$((n + 1))
		[ "$line" = "tick $n" ] || fail "'pistack logs ticker': '$line' where 'tick $n' was due"
		;;
	esac
done <<<"$out"
[ "$n" -gt "$t_before" ] || fail "'pistack logs ticker' ends at tick $n, before the adoption (tick $t_before)"
note "ticks 1..$n in the log, $t_before of them before the adoption"

# ---- a service up for long whose restarts fail: the backoff still grows ----
row flaky
assert_eq "${ROW[C_STATE]}" running "STATE of the adopted flaky"
fpid=${ROW[C_PID]}
up=$(uptime_seconds "${ROW[C_UPTIME]}")
[ "$up" -ge 120 ] || fail "flaky's uptime after adoption: ${ROW[C_UPTIME]} (started 2 minutes ago)"
rmdir "$tmpdir/flaky-src"
fmain=$(children "$fpid")
[[ $fmain =~ ^[0-9]+$ ]] || fail "flaky's init $fpid has not exactly one child: '$fmain'"
kill -9 "$fmain"
t_kill=$SECONDS
wait_until 5 gone "$fpid" || fail "flaky's init $fpid did not end after its command was killed"
# It ran 2 minutes: restart after 1 s, which fails (no mount source); then after 2 s, 4 s: at
# most 2 restarts in the first 4 s (retrying every second would make 4).

# ---- killed while the daemon was away: an end like any other, the policy decides ----
# on-failure: restarted, and counted as a restart.
wait_state victim running 10
[ "${ROW[C_PID]}" != "$vpid" ] || fail "victim shows its dead init $vpid"
assert_eq "$(titled "pistack: init victim")" "${ROW[C_PID]}" "'pistack: init victim' processes"
assert_eq "${ROW[C_RESTARTS]}" 1 "RESTARTS of victim, restarted by its policy after the daemon came back"
# no: failed, not started again.
row norestart
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "failed -" "norestart (restart = no), whose init was killed while the daemon was away"
assert_eq "$(titled "pistack: init norestart")" "" "'pistack: init norestart' processes"
# Failed before the daemon died: still failed, not run again.
row oneshot
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "failed -" "oneshot (restart = no, failed before the daemon died)"
assert_eq "$(<"$vol/oneshot/starts")" start "starts of oneshot"

# crashy, in the middle of its restarts when the daemon died: they go on.
wait_until 5 crashy_more "$crashy_before" ||
	fail "crashy (on-failure, fails at once) was not started again by the new daemon ($crashy_before starts)"
pst_ok stop crashy

# flaky, 4 s after its end: retried after 1 s and 2 s, not every second.
while [ $((SECONDS - t_kill)) -lt 5 ]; do sleep 0.2; done
row flaky
note "flaky $((SECONDS - t_kill)) s after its end: ${ROW[*]}"
assert_eq "${ROW[C_STATE]}" backoff "STATE of flaky, whose mount source is gone"
{ [ "${ROW[C_RESTARTS]}" -ge 1 ] && [ "${ROW[C_RESTARTS]}" -le 2 ]; } ||
	fail "flaky restarted ${ROW[C_RESTARTS]} times in about 4 s: its failed starts do not back off (1 s, 2 s, 4 s)"
assert_no_instance flaky
pst_ok stop flaky

# ---- the adopted ticker stops like any other ----
pst_ok stop ticker
row ticker
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "exited -" "ticker after stop"
gone "$tpid" || fail "ticker's init $tpid survived the stop"
assert_no_instance ticker
t=$(tick)
sleep 0.5
assert_eq "$(tick)" "$t" "ticks after ticker was stopped"
pst_ok down
for s in victim other norestart oneshot flaky crashy; do
	assert_no_instance "$s"
done
