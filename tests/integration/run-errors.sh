#!/bin/bash
# When `pistack run` fails it says so in one line (`pistack: NAME: unable to ...`), exits
# 125 (3 for an invalid configuration, with FILE:LINE lines; 2 for usage errors), and
# leaves nothing behind: no cgroup, no mount on the host, no process, no runtime files.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

# assert_failed_cleanly NAME MOUNTS: one error line, exit 125, nothing left.
assert_failed_cleanly() {
	assert_eq "$rc" 125 "exit status of the failed run of $1"
	assert_eq "$out" "" "stdout of the failed run of $1"
	case $err in
	*$'\n'*) fail "more than one line on stderr: $err" ;;
	"pistack: $1: unable to "*": "*) ;;
	*) fail "stderr is not 'pistack: $1: unable to STEP: reason': $err" ;;
	esac
	assert_eq "$(mount_count)" "$2" "host mount count after the failed run of $1"
	assert_no_leftovers "$1"
}

# A mount source that does not exist.
service ebind <<EOF
[service]
exec = /bin/true
[mount]
/data = host:$tmpdir/nonexistent
[network]
mode = none
EOF
mounts=$(mount_count)
run_pistack ebind
assert_failed_cleanly ebind "$mounts"
assert_eq "$err" "pistack: ebind: unable to bind '$tmpdir/nonexistent' on '/data': No such file or directory" \
	"message for a missing mount source"

# A failure in the new namespaces, after the mounts began: a target below a file.
service etarget <<EOF
[service]
exec = /bin/true
[mount]
/etc/passwd/sub = tmpfs:1M
/data = volume
[network]
mode = none
EOF
run_pistack etarget
assert_failed_cleanly etarget "$mounts"
assert_contains "$err" "'/etc/passwd/sub'" "message for a target below a file"

# Failures after the cgroup exists: command not found (127), not executable (126).
service ecmd <<EOF
[service]
exec = /no/such/command
[network]
mode = none
EOF
run_pistack ecmd
assert_eq "$rc" 127 "exit status of a missing command"
assert_eq "$err" "pistack: ecmd: unable to execute '/no/such/command': command not found" "message for 127"
assert_eq "$(mount_count)" "$mounts" "host mount count after a missing command"
assert_no_leftovers ecmd

# An unknown service: 125, one line.
run_pistack nosuch
assert_eq "$rc" 125 "exit status for an unknown service"
assert_eq "$err" "pistack: nosuch: unable to find service 'nosuch': no conf.d/nosuch.ini in '$conf'" \
	"message for an unknown service"

# An invalid configuration: 3, one FILE:LINE line per error, nothing started.
cat >"$conf/conf.d/ebad.ini" <<'EOF'
[service]
exec = /bin/true
bogus = 1
[limits]
memory = lots
EOF
run_pistack ebind
assert_eq "$rc" 3 "exit status with an invalid configuration"
assert_eq "$out" "" "stdout with an invalid configuration"
mapfile -t lines <<<"$err"
assert_eq "${#lines[@]}" 2 "lines on stderr with two errors"
assert_contains "${lines[0]}" "$conf/conf.d/ebad.ini:3: " "first error"
assert_contains "${lines[0]}" "bogus" "first error"
assert_contains "${lines[1]}" "$conf/conf.d/ebad.ini:5: " "second error"
assert_eq "$(mount_count)" "$mounts" "host mount count after an invalid configuration"
assert_no_leftovers ebind
rm "$conf/conf.d/ebad.ini"

# Usage errors: 2, the usage line.
usage="usage: pistack run [--rm] NAME [-- CMD ARG...]"
for args in "" "--bogus ebind" "ebind --" "ebind other" "ebind --rm"; do
	# shellcheck disable=SC2086 # split on purpose
	run_pistack $args
	assert_eq "$rc" 2 "exit status of 'pistack run $args'"
	assert_eq "$err" "$usage" "stderr of 'pistack run $args'"
done
