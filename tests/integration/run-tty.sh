#!/bin/bash
# A terminal on `pistack run`'s stdin becomes the service's own terminal: stdin and stdout
# are terminals, TERM is the caller's, typed input reaches the service, the exit status
# passes through, and tty(1) names the device (which must exist in the service's own
# /dev/pts); without a terminal there is none.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"
need script

service tt <<EOF
[service]
exec = /bin/sh -c 'tty; [ -t 0 ] || echo stdin-not-a-tty'
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF

# Without a terminal, the service has none either.
run_ok tt
assert_eq "$out" $'not a tty\nstdin-not-a-tty' "tty without a terminal"

# under_terminal [-s NAME] INPUT COMMAND: run `pistack run tt -- /bin/sh -c COMMAND` (or
# service NAME) under a pty (script), INPUT typed on it; sets rc and tout (the terminal's
# output, without '\r').
under_terminal() {
	local name=tt
	[ "$1" != -s ] || { name=$2 && shift 2; }
	rc=0
	tout=$(printf '%s' "$1" | script -qec "$PISTACK -C $conf run $name -- /bin/sh -c '$2'" /dev/null 2>&1) || rc=$?
	tout=$(lines_of "$tout")
	note "under a terminal: $name: $2: exit $rc: $tout"
}

# shellcheck disable=SC2016 # expanded by the service's shell
under_terminal "" 'tty; echo tty-status=$?; [ -t 0 ] && echo stdin-isatty; [ -t 1 ] && echo stdout-isatty; echo "TERM=[$TERM]"; exit 5'
assert_eq "$rc" 5 "exit status through a terminal"
assert_contains "$tout" "stdin-isatty" "stdin is a terminal"
assert_contains "$tout" "stdout-isatty" "stdout is a terminal"
assert_contains "$tout" "TERM=[${TERM:-xterm}]" "TERM inside (the caller's)"
tty_out=$tout

# Input typed on the terminal reaches the service.
# shellcheck disable=SC2016
under_terminal $'typed-line\n' 'read -r x; echo got=$x'
assert_eq "$rc" 0 "exit status of a service reading the terminal"
assert_contains "$tout" "got=typed-line" "what the service read from its terminal"

# tty(1) names the terminal: its device is in the service's own /dev/pts.
assert_contains "$tty_out" "tty-status=0" "tty(1) exit status (can the service name its terminal?)"
assert_contains "$tty_out" $'/dev/pts/' "tty(1) output"

# Another user, in a user namespace: the terminal is still its own, and belongs to it.
service ttu <<'EOF'
[service]
exec = /bin/true
user = nobody
[security]
userns = yes
[network]
mode = none
EOF
# shellcheck disable=SC2016
under_terminal -s ttu "" 't=$(tty) && echo "tty=$t owner=$(stat -c %u "$t")"; id -u'
assert_eq "$rc" 0 "exit status under a terminal as nobody in a user namespace"
assert_contains "$tout" "tty=/dev/pts/" "tty(1) as nobody in a user namespace"
assert_contains "$tout" "owner=65534" "owner of the terminal of nobody"
