#!/bin/bash
# `pistack exec -t` gives the command a terminal of the service's own /dev/pts, as `run -t`
# does for the service: tty(1) names it, stdin and stdout are terminals, it belongs to the
# service's user (in a user namespace too), it has the caller's size, the exit status passes
# through, and with -i what is typed reaches the command.  The daemon only hands the terminal's
# master to the client, which relays it.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
need script

service box <<EOF
[service]
exec = /bin/sleep 1000
user = 65534:65534
restart = no
[network]
mode = none
EOF
service ubox <<EOF
[service]
exec = /bin/sleep 1000
user = nobody
restart = no
[security]
userns = yes
[network]
mode = none
EOF

pst_ok start box ubox

# exec_terminal [-i] NAME INPUT COMMAND: `pistack exec -t NAME /bin/sh -c COMMAND` under a pty
# (script(1), through `command`: daemon-lib.bash has a function of that name), INPUT typed on
# it; sets rc and tout (the terminal's output, without '\r').
exec_terminal() {
	local opt=-t
	[ "$1" != -i ] || { opt=-it && shift; }
	rc=0
	tout=$(printf '%s' "$2" |
		command script -qec "$PISTACK -C $conf exec $opt $1 /bin/sh -c '$3'" /dev/null 2>&1) || rc=$?
	tout=${tout//$'\r'/}
	note "exec under a terminal: $1: $3: exit $rc: $tout"
}

# shellcheck disable=SC2016 # expanded by the service's shell
exec_terminal box "" 'tty; echo tty-status=$?; [ -t 0 ] && echo stdin-isatty; [ -t 1 ] && echo stdout-isatty; echo "TERM=[$TERM]"; exit 5'
assert_eq "$rc" 5 "exit status of exec -t ... exit 5"
assert_contains "$tout" "tty-status=0" "tty(1) exit status (can the command name its terminal?)"
assert_contains "$tout" "/dev/pts/" "tty(1) output"
assert_contains "$tout" "stdin-isatty" "stdin of exec -t is a terminal"
assert_contains "$tout" "stdout-isatty" "stdout of exec -t is a terminal"
assert_contains "$tout" "TERM=[xterm]" "TERM of exec -t"

# The terminal belongs to the service's user.
# shellcheck disable=SC2016
exec_terminal box "" 't=$(tty) && echo "owner=$(stat -c %u "$t")"'
assert_eq "$rc" 0 "exit status of exec -t stat"
assert_contains "$tout" "owner=65534" "owner of the terminal of exec -t"

# The same in a user namespace.
# shellcheck disable=SC2016
exec_terminal ubox "" 't=$(tty) && echo "tty=$t owner=$(stat -c %u "$t")"'
assert_eq "$rc" 0 "exit status of exec -t as nobody in a user namespace"
assert_contains "$tout" "tty=/dev/pts/" "tty(1) of exec -t as nobody in a user namespace"
assert_contains "$tout" "owner=65534" "owner of the terminal of exec -t in a user namespace"

# The caller's size: script(1)'s terminal, set beforehand.
tout=$(command script -qec "stty rows 31 cols 97; $PISTACK -C $conf exec -t box /bin/stty size" /dev/null \
	</dev/null 2>&1) || fail "exec -t box /bin/stty size: $tout"
tout=${tout//$'\r'/}
note "exec -t stty size: $tout"
assert_contains "$tout" "31 97" "size of the terminal of exec -t (the caller's)"

# -i: what is typed reaches the command through its terminal.
# shellcheck disable=SC2016
exec_terminal -i box $'typed-line\n' 'read -r x; echo got=$x; exit 3'
assert_eq "$rc" 3 "exit status of exec -it ... exit 3"
assert_contains "$tout" "got=typed-line" "what the command read from its terminal"

# Without a terminal on stdin, -t is refused by the client.
run_pst exec -t box /bin/true </dev/null
assert_eq "$rc" 2 "exit status of exec -t without a terminal"

pst_ok down
