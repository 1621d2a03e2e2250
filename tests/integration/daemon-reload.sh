#!/bin/bash
# `pistack reload` applies a changed configuration to the running daemon: a service whose
# settings changed (env) is restarted with them (new init), an unchanged one keeps its init, and
# the old instance is stopped with the stop_signal it was started with; a
# new service file appears as exited; a running service whose file was removed is stopped and
# disappears.  An invalid file makes `reload` exit 3 with FILE:LINE: messages, and nothing
# changes (not even the valid edits made at the same time).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"

# sleeper NAME [ENV]: a service sleeping, with env = ENV.
sleeper() {
	service "$1" <<EOF
[service]
exec = /bin/sleep 1000
restart = on-failure
${2:+env = $2}
[network]
mode = none
EOF
}
sleeper keep
sleeper change COLOR=red
sleeper gone1

# sig: says which signal stopped it (into its volume); [service] stop_signal = $1.
script sig.sh <<'EOF'
trap 'echo INT >/data/signal; exit 0' INT
trap 'echo TERM >/data/signal; exit 0' TERM
echo up >/data/up
sleep 1000 &
wait $!
EOF
sig_service() {
	service sig <<EOF
[service]
exec = /bin/bash /s.sh
restart = on-failure
stop_signal = $1
[mount]
/s.sh = host:$scripts/sig.sh ro
/data = volume
[network]
mode = none
EOF
}
sig_service INT

# color_is NAME COLOR WHAT: COLOR as the service NAME sees it (through exec).
color_is() {
	# shellcheck disable=SC2016 # expanded inside the service
	run_pst exec "$1" /bin/sh -c 'echo "$COLOR"'
	assert_eq "$rc" 0 "exit status of 'exec $1' ($err)"
	assert_eq "$out" "$2" "$3"
}
# pid_of NAME: the PID cell of NAME.
pid_of() {
	row "$1"
	echo "${ROW[C_PID]}"
}

pst_ok start keep change gone1
keep_pid=$(pid_of keep)
change_pid=$(pid_of change)
gone_pid=$(pid_of gone1)
color_is change red "COLOR in change before the reload"

# ---- one setting changed: that service restarts, the other keeps running ----
sleeper change COLOR=blue
pst_ok reload
wait_state change running 10
[ "${ROW[C_PID]}" != "$change_pid" ] || fail "change kept its init $change_pid after its env changed"
wait_until 5 gone "$change_pid" || fail "change's old init $change_pid still runs"
change_pid=${ROW[C_PID]}
color_is change blue "COLOR in change after the reload"
assert_eq "$(pid_of keep)" "$keep_pid" "keep's init after a reload that did not touch it"
assert_eq "$(pid_of gone1)" "$gone_pid" "gone1's init after a reload that did not touch it"
# Nothing changed: nothing restarts.
pst_ok reload
assert_eq "$(pid_of change)" "$change_pid" "change's init after a reload without changes"

# ---- stop settings changed: the running instance is stopped with its own ----
pst_ok start sig
sig_up() { [ -f "$vol/sig/up" ]; }
wait_until 10 sig_up || fail "sig never wrote $vol/sig/up"
sig_pid=$(pid_of sig)
rm "$vol/sig/up"
sig_service TERM
pst_ok reload
wait_until 10 gone "$sig_pid" || fail "sig's init $sig_pid still runs after its stop_signal changed"
[ -f "$vol/sig/signal" ] || fail "sig's old instance was not stopped by a signal it traps"
assert_eq "$(<"$vol/sig/signal")" INT "signal that stopped sig's instance started with stop_signal = INT"
wait_state sig running 10
wait_until 10 sig_up || fail "sig's new instance never wrote $vol/sig/up"
pst_ok stop sig
assert_eq "$(<"$vol/sig/signal")" TERM "signal that stopped sig's instance started with stop_signal = TERM"

# ---- a new file: the service appears, down ----
sleeper added
pst_ok reload
row added
assert_eq "${ROW[*]}" "added exited - - - 0 - - -" "row of the added service"
pst_ok start added
row added
assert_eq "${ROW[C_STATE]}" running "STATE of added once started"
added_pid=${ROW[C_PID]}

# ---- a removed file: the running service is stopped and disappears ----
rm "$conf/conf.d/gone1.ini"
pst_ok reload
wait_until 10 gone "$gone_pid" || fail "gone1's init $gone_pid still runs 10 s after its file was removed"
listed() {
	local line cells
	run_pst status
	while IFS= read -r line; do
		read -ra cells <<<"$line"
		[ "${cells[0]}" = "$1" ] && return 0
	done <<<"$out"
	return 1
}
wait_until 5 eval '! listed gone1' || fail "gone1 is still listed after its file was removed: $out"
run_pst status gone1
assert_eq "$rc" 1 "exit status of 'status gone1' after its file was removed"
assert_no_instance gone1
assert_eq "$(pid_of keep)" "$keep_pid" "keep's init after gone1 was removed"

# ---- an invalid file: exit 3, FILE:LINE, nothing changes ----
sleeper change COLOR=green
printf '[service]\nexec = /bin/sleep 1000\nno_such_key = 1\n' >"$conf/conf.d/broken.ini"
_dl_names+=(broken)
run_pst reload
assert_eq "$rc" 3 "exit status of 'reload' with an invalid file"
[[ $err =~ (^|$'\n')"$conf/conf.d/broken.ini:3: "[^$'\n']+ ]] ||
	fail "'reload' does not say FILE:LINE: message for broken.ini line 3: $err"
# While the file is invalid the CLI refuses every command (it loads the whole configuration
# for [paths] run): look at the processes themselves.
assert_eq "$(titled "pistack: init keep")" "$keep_pid" "keep's init after a failed reload"
assert_eq "$(titled "pistack: init change")" "$change_pid" "change's init after a failed reload (its edit must wait)"
assert_eq "$(titled "pistack: init added")" "$added_pid" "added's init after a failed reload"
assert_eq "$(titled "pistack: init broken")" "" "'pistack: init broken' after a failed reload"
# The daemon agrees once the file is gone (no reload since the failed one).
rm "$conf/conf.d/broken.ini"
assert_eq "$(pid_of keep)" "$keep_pid" "keep's init after a failed reload"
assert_eq "$(pid_of change)" "$change_pid" "change's init after a failed reload"
assert_eq "$(pid_of added)" "$added_pid" "added's init after a failed reload"
color_is change blue "COLOR in change after a failed reload"
listed broken && fail "broken is listed after a failed reload: $out"
listed gone1 && fail "gone1 is listed again after a failed reload: $out"
pst_ok down
