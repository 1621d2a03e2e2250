#!/bin/bash
# The binary under test runs in the VM and accepts the repository as a configuration root:
# `pistack -C . check` prints exactly "configuration OK" and exits 0.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -e "$PISTACK" ] || fail "no pistack binary at '$PISTACK' (build it first: make)"
[ -x "$PISTACK" ] || fail "'$PISTACK' is not executable"

rc=0
out=$("$PISTACK" -C . check 2>&1) || rc=$?
note "$PISTACK -C . check -> exit $rc: $out"
assert_eq "$rc" 0 "exit status of 'pistack -C . check'"
assert_eq "$out" "configuration OK" "output of 'pistack -C . check'"
