#!/bin/bash
# `pistack run` exits with the service's status: its exit code, 128+N when a signal N
# killed it, 125 when pistack failed before the exec, 126 when the command cannot be
# executed, 127 when it is not found (Docker's convention); `-- CMD` replaces the exec.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

service ex <<EOF
[service]
exec = /probe exit 3
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF

# The configured exec, and its status.
run_pistack ex
assert_eq "$rc" 3 "exit status of exec = /probe exit 3"
assert_eq "$err" "" "stderr of a service that printed nothing"
run_pistack ex -- /probe exit 0
assert_eq "$rc" 0 "exit status of -- /probe exit 0"
run_pistack ex -- /probe exit 255
assert_eq "$rc" 255 "exit status of -- /probe exit 255"

# -- replaces the exec entirely (not appended to it, not run before it).
run_pistack ex -- /probe echo replaced "two words"
assert_eq "$rc" 0 "exit status of -- /probe echo"
assert_eq "$out" "replaced two words" "output of -- /probe echo replaced 'two words'"

# Killed by a signal: 128+N.
run_pistack ex -- /bin/sh -c 'kill -TERM $$'
assert_eq "$rc" 143 "exit status of a service killed by SIGTERM"
run_pistack ex -- /probe signal KILL
assert_eq "$rc" 137 "exit status of a service killed by SIGKILL"
run_pistack ex -- /probe signal SEGV
assert_eq "$rc" 139 "exit status of a service killed by SIGSEGV"

# 126: found but not executable; 127: not found, by name or by path.
run_pistack ex -- /etc/passwd
assert_eq "$rc" 126 "exit status of -- /etc/passwd (not executable)"
assert_eq "$err" "pistack: ex: unable to execute '/etc/passwd': Permission denied" "message for 126"
run_pistack ex -- /usr
assert_eq "$rc" 126 "exit status of -- /usr (a directory)"
run_pistack ex -- no-such-command-pistack
assert_eq "$rc" 127 "exit status of an unknown command"
assert_eq "$err" "pistack: ex: unable to execute 'no-such-command-pistack': command not found" \
	"message for 127"
run_pistack ex -- /no/such/file
assert_eq "$rc" 127 "exit status of a missing path"
# Found through PATH inside the service (the host's /usr): a plain name works.
run_pistack ex -- true
assert_eq "$rc" 0 "exit status of -- true (found through PATH)"

# 125: pistack failed before the exec (here: a bind source that does not exist).
service exbad <<EOF
[service]
exec = /probe exit 0
[mount]
/probe = host:$probe ro
/data = host:$tmpdir/absent
[network]
mode = none
EOF
run_pistack exbad
assert_eq "$rc" 125 "exit status when a mount source is missing"
assert_eq "$out" "" "stdout when pistack failed before the exec"
assert_contains "$err" "pistack: exbad: unable to " "message when pistack failed before the exec"

# A failure inside the new namespaces (no such working directory) is also 125.
service exwd <<EOF
[service]
exec = /probe exit 0
workdir = /nonexistent-workdir
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF
run_pistack exwd
assert_eq "$rc" 125 "exit status when the working directory is missing"
assert_eq "$err" "pistack: exwd: unable to change directory to '/nonexistent-workdir': No such file or directory" \
	"message for a missing working directory"
assert_no_leftovers ex
assert_no_leftovers exbad
assert_no_leftovers exwd
