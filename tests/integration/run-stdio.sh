#!/bin/bash
# `pistack run` attaches the service to the caller: stdout and stderr stay apart, stdin
# reaches it (and its end), and signals sent to pistack reach the service, whose status
# is pistack's.  (A terminal on stdin: run-tty.sh.)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

service io <<EOF
[service]
exec = /probe echo configured
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF

# stdout and stderr are the caller's, each on its own descriptor.
run_pistack io -- /bin/sh -c 'echo to-stdout; echo to-stderr >&2; echo more-stdout'
assert_eq "$rc" 0 "exit status"
assert_eq "$out" $'to-stdout\nmore-stdout' "stdout of the service"
assert_eq "$err" "to-stderr" "stderr of the service"

# stdin: the service reads what is piped in, and sees its end (cat exits).
rc=0
out=$(printf 'hi\nsecond line\n' | "$PISTACK" -C "$conf" run io -- /bin/cat 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of cat reading stdin"
assert_eq "$out" $'hi\nsecond line' "what cat read from stdin"

# Signals sent to pistack reach the service: it traps TERM, prints and exits 7.
: >"$tmpdir/sig.out"
"$PISTACK" -C "$conf" run io -- /bin/sh -c \
	'trap "echo got-TERM; exit 7" TERM; /probe sleep 60 & echo ready; wait' \
	>"$tmpdir/sig.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ "$(<"$tmpdir/sig.out")" = ready ] && break
	sleep 0.1
done
assert_eq "$(<"$tmpdir/sig.out")" ready "service output before the signal"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 7 "exit status of pistack after SIGTERM (the service's trap exits 7)"
assert_eq "$(<"$tmpdir/sig.out")" $'ready\ngot-TERM' "service output after SIGTERM"

# An untrapped signal kills the service, and pistack reports 128+N.
: >"$tmpdir/sig.out"
"$PISTACK" -C "$conf" run io -- /bin/sh -c 'echo ready; exec /probe sleep 30' >"$tmpdir/sig.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ "$(<"$tmpdir/sig.out")" = ready ] && break
	sleep 0.1
done
kill -HUP "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 129 "exit status of pistack after SIGHUP (the service dies of it)"
assert_no_leftovers io
