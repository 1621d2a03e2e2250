#!/bin/bash
# Restart policies under the daemon: `restart = no` and a failure -> failed, never restarted;
# `on-failure` and status 0 -> exited; `on-failure` and status 1 -> backoff, then restarted with
# delays of 1 s, then 2 s (RESTARTS counts them), and `stop` during the backoff ends it for good;
# `always` and status 0 -> restarted; SIGKILL of the service's command (not its init) under
# `on-failure` -> backoff, then a new instance.  Each service writes the time of each of its
# starts into its volume, which is how the test sees the restarts and their delays.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"

[ -x /bin/bash ] || skip "no /bin/bash for the services"

script exit1.sh <<'EOF'
echo "$EPOCHREALTIME" >>/data/starts
exit 1
EOF
script exit0.sh <<'EOF'
echo "$EPOCHREALTIME" >>/data/starts
exit 0
EOF
script forever.sh <<'EOF'
echo "$EPOCHREALTIME" >>/data/starts
exec /bin/sleep 1000
EOF

# policy_service NAME POLICY SCRIPT
policy_service() {
	service "$1" <<EOF
[service]
exec = /bin/bash /s.sh
restart = $2
[mount]
/s.sh = host:$scripts/$3 ro
/data = volume
[network]
mode = none
EOF
}
policy_service no1 no exit1.sh
policy_service onf0 on-failure exit0.sh
policy_service onf1 on-failure exit1.sh
policy_service alw0 always exit0.sh
policy_service kill9 on-failure forever.sh

# starts NAME: the start times NAME wrote, into the array STARTS.
starts() {
	STARTS=()
	[ -f "$vol/$1/starts" ] || return 0
	mapfile -t STARTS <"$vol/$1/starts"
}
# has_starts NAME N: whether NAME started at least N times.
has_starts() {
	starts "$1"
	[ "${#STARTS[@]}" -ge "$2" ]
}
# gap_ms A B: milliseconds from EPOCHREALTIME A to B.
gap_ms() {
	echo $(((${2/./} - ${1/./}) / 1000))
}

t0=$SECONDS
pst_ok start no1 onf0 onf1 alw0 kill9

# ---- on-failure, status 1: backoff 1 s, then 2 s; RESTARTS counts ----
wait_state onf1 backoff 10
assert_eq "${ROW[C_PID]} ${ROW[C_UPTIME]} ${ROW[C_RESTARTS]}" "- - 0" "PID, UPTIME and RESTARTS of onf1 in its first backoff"
wait_until 15 has_starts onf1 3 || fail "onf1 did not start 3 times in 15 s: ${STARTS[*]}"
gap1=$(gap_ms "${STARTS[0]}" "${STARTS[1]}")
gap2=$(gap_ms "${STARTS[1]}" "${STARTS[2]}")
note "onf1 restarted after $gap1 ms, then after $gap2 ms"
[ "$gap1" -ge 950 ] || fail "onf1's first restart came $gap1 ms after its start, less than the 1 s backoff"
[ "$gap2" -ge 1950 ] || fail "onf1's second restart came $gap2 ms after the first, less than the 2 s backoff"
[ "$gap1" -lt 5000 ] || fail "onf1's first restart came $gap1 ms after its start (a 1 s backoff)"
# The third instance has ended (or is about to): backoff again (4 s) with RESTARTS 2.
wait_state onf1 backoff 5
assert_eq "${ROW[C_RESTARTS]}" 2 "RESTARTS of onf1 after 2 restarts"
# stop during the backoff: exited, and no further start (checked at the end).
pst_ok stop onf1
row onf1
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]} ${ROW[C_RESTARTS]}" "exited - 2" "onf1 stopped during its backoff"

# ---- always, status 0: restarted ----
wait_until 10 has_starts alw0 2 || fail "alw0 (restart = always, exit 0) was not restarted: ${STARTS[*]}"
row alw0
[ "${ROW[C_RESTARTS]}" -ge 1 ] || fail "RESTARTS of alw0 after a restart: ${ROW[*]}"
pst_ok stop alw0
row alw0
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "exited -" "alw0 after stop"

# ---- SIGKILL of the command (not init) under on-failure: backoff, then a new instance ----
row kill9
assert_eq "${ROW[C_STATE]}" running "STATE of kill9"
init=${ROW[C_PID]}
main=$(children "$init")
[[ $main =~ ^[0-9]+$ ]] || fail "kill9's init $init has not exactly one child: '$main'"
assert_eq "$(title "$main")" /bin/sleep "kill9's command"
kill -9 "$main"
wait_until 5 gone "$init" || fail "kill9's init $init did not end after its command was killed"
wait_state kill9 running 10
[ "${ROW[C_PID]}" != "$init" ] || fail "kill9 runs with the same init $init"
assert_eq "${ROW[C_RESTARTS]}" 1 "RESTARTS of kill9 after its command was killed"
assert_eq "$(titled "pistack: init kill9")" "${ROW[C_PID]}" "'pistack: init kill9' processes"
wait_until 5 has_starts kill9 2 || fail "kill9 did not start twice: ${STARTS[*]}"
gap=$(gap_ms "${STARTS[0]}" "${STARTS[1]}")
note "kill9 restarted $gap ms after its first start"
# The kill came after the first start; the backoff came after the kill.
[ "$gap" -ge 950 ] || fail "kill9 was restarted $gap ms after its start: no 1 s backoff"

# ---- no, status 1: failed; on-failure, status 0: exited; neither restarted ----
wait_state no1 failed 5
assert_eq "${ROW[C_PID]} ${ROW[C_RESTARTS]}" "- 0" "PID and RESTARTS of no1 (restart = no, exit 1)"
wait_state onf0 exited 5
assert_eq "${ROW[C_PID]} ${ROW[C_RESTARTS]}" "- 0" "PID and RESTARTS of onf0 (on-failure, exit 0)"
# Long enough after their end for any restart to have come (the first backoff is 1 s).
while [ $((SECONDS - t0)) -lt 4 ]; do sleep 0.2; done
for s in no1 onf0; do
	starts "$s"
	assert_eq "${#STARTS[@]}" 1 "starts of $s"
	assert_no_instance "$s"
done
row no1
assert_eq "${ROW[C_STATE]}" failed "STATE of no1 in the end"
row onf0
assert_eq "${ROW[C_STATE]}" exited "STATE of onf0 in the end"
starts onf1
assert_eq "${#STARTS[@]}" 3 "starts of onf1 (stopped during its backoff)"
row onf1
assert_eq "${ROW[C_STATE]}" exited "STATE of onf1 in the end"

# A failed service starts again on request.
pst_ok start no1
wait_until 5 has_starts no1 2 || fail "no1 did not start again: ${STARTS[*]}"
wait_state no1 failed 5
pst_ok down
