#!/bin/bash
# pistack check compiles the seccomp profile files services name: a broken
# profile is reported as FILE:LINE of the setting, exit 3; a good one passes.
. "$(dirname "$0")/lib.sh"

mkdir -p "$tmpdir/conf.d"
printf 'default errno EPERM\nallow read write exit_group execve\nbogus line\n' >"$tmpdir/profile"
printf '[service]\nexec = /bin/true\n[security]\nseccomp = %s/profile\n' "$tmpdir" >"$tmpdir/conf.d/web.ini"

out=$("$PISTACK" -C "$tmpdir" check 2>&1) && fail "check passed a broken profile: $out"
code=$?
assert_eq "$code" 3 "exit status of check with a broken profile"
assert_contains "$out" "$tmpdir/conf.d/web.ini:4: seccomp: unable to parse seccomp profile" "the FILE:LINE of the setting"
assert_contains "$out" ": 3: " "the line of the profile"

printf 'default errno EPERM\nallow read write exit_group execve\n' >"$tmpdir/profile"
out=$("$PISTACK" -C "$tmpdir" check 2>&1) || fail "check refused a good profile: $out"
assert_eq "$out" "configuration OK" "check output with a good profile"
