#!/bin/bash
# `stop` sends stop_signal, then SIGKILL after stop_timeout: a service that ignores TERM with
# stop_timeout = 2s takes at least 2 s (and well under the 10 s default) to stop and is killed;
# a service with stop_signal = INT gets SIGINT (its trap writes a file into its volume and exits
# at once, long before its stop_timeout); a stop interrupted by the daemon's death (kill -9) is
# finished by the next daemon, not forgotten.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"

[ -x /bin/bash ] || skip "no /bin/bash for the services"

script stubborn.sh <<'EOF'
trap '' TERM
echo up >/data/up
while :; do sleep 0.2; done
EOF
script polite.sh <<'EOF'
trap 'echo "got INT" >/data/signal; exit 0' INT
trap 'echo "got TERM" >/data/signal; exit 0' TERM
echo up >/data/up
# The wait builtin returns as soon as a trapped signal arrives.
sleep 1000 &
wait $!
EOF

service stubborn <<EOF
[service]
exec = /bin/bash /s.sh
restart = always
stop_timeout = 2s
[mount]
/s.sh = host:$scripts/stubborn.sh ro
/data = volume
[network]
mode = none
EOF
service polite <<EOF
[service]
exec = /bin/bash /s.sh
restart = always
stop_signal = INT
stop_timeout = 20s
[mount]
/s.sh = host:$scripts/polite.sh ro
/data = volume
[network]
mode = none
EOF

pst_ok start stubborn polite
up() { [ -f "$vol/$1/up" ]; }
wait_until 10 up stubborn || fail "stubborn never wrote $vol/stubborn/up"
wait_until 10 up polite || fail "polite never wrote $vol/polite/up"

# ---- stop_timeout: TERM ignored, SIGKILL after 2 s ----
row stubborn
init=${ROW[C_PID]}
main=$(children "$init")
[[ $main =~ ^[0-9]+$ ]] || fail "stubborn's init $init has not exactly one child: '$main'"
pst_ok stop stubborn
note "stop of stubborn took $ms ms"
[ "$ms" -ge 2000 ] || fail "stubborn (ignores TERM, stop_timeout = 2s) stopped after $ms ms"
[ "$ms" -lt 5000 ] || fail "stubborn (stop_timeout = 2s) took $ms ms to stop"
gone "$main" || fail "stubborn's command $main survived the stop"
gone "$init" || fail "stubborn's init $init survived the stop"
row stubborn
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]} ${ROW[C_RESTARTS]}" "exited - 0" \
	"stubborn after stop (restart = always must not restart a stopped service)"
assert_no_instance stubborn

# ---- stop_signal = INT ----
pst_ok stop polite
note "stop of polite took $ms ms"
[ "$ms" -lt 10000 ] || fail "polite (traps INT, stop_timeout = 20s) took $ms ms to stop: killed, not signalled?"
[ -f "$vol/polite/signal" ] || fail "polite's trap did not run: no $vol/polite/signal"
assert_eq "$(<"$vol/polite/signal")" "got INT" "the signal polite received"
row polite
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]} ${ROW[C_RESTARTS]}" "exited - 0" "polite after stop"
assert_no_instance polite

# ---- a stop cut short by the daemon's death is finished by the next daemon ----
rm -f "$vol/stubborn/up"
pst_ok start stubborn
wait_until 10 up stubborn || fail "stubborn never wrote $vol/stubborn/up"
row stubborn
init=${ROW[C_PID]}
dpid=$(daemon_pid)
# (pistack itself in the background: $! is the client.)
"$PISTACK" -C "$conf" stop stubborn >"$tmpdir/stop.out" 2>&1 &
client=$!
wait_state stubborn stopping 5
kill -9 "$dpid"
wait_until 5 gone "$dpid" || fail "the daemon $dpid survived kill -9"
crc=0
wait "$client" || crc=$?
note "the interrupted 'pistack stop stubborn' -> exit $crc: $(<"$tmpdir/stop.out")"
[ "$crc" != 0 ] || fail "'pistack stop stubborn' succeeded although the daemon died before stubborn stopped"
alive "$init" || fail "stubborn's init $init ended although it ignores TERM (stop_timeout = 2s)"
# The user asked for it to stop: the next daemon does not take it back as running.
pst_ok start polite
wait_state stubborn exited 8
assert_eq "${ROW[C_PID]}" - "PID of stubborn once the interrupted stop was finished"
gone "$init" || fail "stubborn's init $init still runs"
assert_no_instance stubborn
pst_ok down
