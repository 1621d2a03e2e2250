# Helpers for integration tests; source it first:  . "$(dirname "$0")/lib.sh"
# Tests run as root inside the test VM (tests/vm/run), cwd = repository root.
# Exit status: 0 pass, 1 fail, 77 skip. Not a test itself (tests/vm/run skips lib.sh).
# shellcheck shell=bash

set -euo pipefail

# These tests change the system they run on (bridges, namespaces, cgroups, ports): only inside
# the throw-away VM, which tests/vm/guest.sh marks with PISTACK_VM=1.
if [ "${PISTACK_VM:-}" != 1 ]; then
	echo "skip: not inside the test VM; run: tests/vm/run $(basename "$0")" >&2
	exit 77
fi

# The binary under test; tests/vm/run exports it ($O/pistack).
PISTACK=${PISTACK:-$PWD/build/pistack}
export PISTACK

TEST_NAME=$(basename "$0" .sh)

# fail MSG: the test failed.
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

# skip MSG: the test cannot run here (missing tool, unsupported kernel); not a failure.
skip() {
	echo "skip: $*" >&2
	exit 77
}

# note MSG: progress line, shown when the test fails.
note() {
	echo "# $*"
}

# assert_eq GOT WANT WHAT
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() {
	case $1 in
	*"$2"*) ;;
	*) fail "$3: '$2' not found in: $1" ;;
	esac
}

# assert_not_contains HAYSTACK NEEDLE WHAT
assert_not_contains() {
	case $1 in
	*"$2"*) fail "$3: '$2' unexpectedly found in: $1" ;;
	*) ;;
	esac
}

# need CMD...: skip unless every command exists.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "'$c' not installed"
	done
}

# A private scratch directory, removed when the test exits; tests add their own cleanup with
# on_exit CMD (run in reverse order before the directory is removed).
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX")
_lib_cleanups=()
on_exit() {
	_lib_cleanups=("$*" "${_lib_cleanups[@]}")
}
# shellcheck disable=SC2317 # invoked by the EXIT trap
_lib_exit() {
	local rc=$? c
	set +e
	for c in "${_lib_cleanups[@]}"; do
		# A subshell: a cleanup that calls fail must not skip the others.
		(eval "$c")
	done
	rm -rf "$tmpdir"
	exit "$rc"
}
trap _lib_exit EXIT
