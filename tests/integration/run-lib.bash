# Helpers for the `pistack run` tests (tests/integration/run-*.sh); source it after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/run-lib.bash"
# Not a test itself: tests/vm/run only runs *.sh files.
# Every fork+exec costs ~0.1 s under TCG: the helpers use bash builtins only.
# shellcheck shell=bash

: "${tmpdir:?source lib.sh before run-lib.bash}"
[ -x "$PISTACK" ] || fail "no pistack binary at '$PISTACK' (build it first: make)"
# The static probe run inside containers; make builds it beside the binary ($O/probe).
PISTACK_PROBE=${PISTACK_PROBE:-$(dirname "$PISTACK")/probe}
[ -x "$PISTACK_PROBE" ] || fail "no probe at '$PISTACK_PROBE' (build it: make build/probe)"
# shellcheck disable=SC2034 # used by the tests
probe=$PISTACK_PROBE

# The configuration root of the test: every path pistack writes is below $tmpdir.
conf=$tmpdir/conf
vol=$tmpdir/vol
state=$tmpdir/state
rundir=$tmpdir/run
mkdir -p "$conf/conf.d" "$conf/bundles"
cat >"$conf/conf.d/pistack.ini" <<EOF
[paths]
volumes = $vol
state = $state
run = $rundir
logs = $tmpdir/logs
EOF

# pistack's cgroup base inside the VM (no systemd there: MOUNT/pistack).
cg_base=/sys/fs/cgroup/pistack

# service NAME: conf.d/NAME.ini from stdin.
service() {
	cat >"$conf/conf.d/$1.ini"
}

# run_pistack ARG...: `pistack -C $conf run ARG...` with stdin from /dev/null unless
# redirected by the caller; sets rc, out (stdout) and err (stderr), and notes them.
run_pistack() {
	local t0=${EPOCHREALTIME/./} t1
	rc=0
	out=$("$PISTACK" -C "$conf" run "$@" 2>"$tmpdir/.stderr") || rc=$?
	t1=${EPOCHREALTIME/./}
	err=$(<"$tmpdir/.stderr")
	note "pistack run $* -> exit $rc ($(((t1 - t0) / 1000)) ms)"
	[ -z "$out" ] || note "stdout: ${out//$'\n'/$'\n# '}"
	[ -z "$err" ] || note "stderr: ${err//$'\n'/$'\n# '}"
}

# run_ok ARG...: run_pistack that must exit 0 with nothing on stderr.
run_ok() {
	run_pistack "$@"
	assert_eq "$rc" 0 "exit status of 'pistack run $*' (stderr: $err)"
	assert_eq "$err" "" "stderr of 'pistack run $*'"
}

# get KEY: the value of the first KEY=VALUE line of $out ("" when absent).
get() {
	local line
	while IFS= read -r line; do
		if [ "${line%%=*}" = "$1" ] && [ "$line" != "$1" ]; then
			printf '%s' "${line#*=}"
			return 0
		fi
	done <<<"$out"
	return 0
}

# get_last KEY: the value of the last KEY=VALUE line of $out ("" when absent).
get_last() {
	local line value=
	while IFS= read -r line; do
		if [ "${line%%=*}" = "$1" ] && [ "$line" != "$1" ]; then
			value=${line#*=}
		fi
	done <<<"$out"
	printf '%s' "$value"
}

# expect KEY VALUE: assert the KEY=VALUE line of $out.
expect() {
	assert_eq "$(get "$1")" "$2" "$1"
}

# lines_of TEXT: TEXT with '\r' removed (a terminal's line ends).
lines_of() {
	printf '%s' "${1//$'\r'/}"
}

# init_processes: the number of processes named "pistack: init ..." in the VM.
init_processes() {
	local p cmd n=0
	for p in /proc/[0-9]*; do
		cmd=
		IFS= read -r -d '' cmd <"$p/cmdline" 2>/dev/null || true
		case $cmd in "pistack: init"*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}

# mount_count: lines of the VM's mount table.
mount_count() {
	local n=0 line
	while IFS= read -r line; do n=$((n + 1)); done </proc/self/mountinfo
	echo "$n"
}

# assert_no_leftovers NAME: no cgroup, runtime directory or init of NAME remain.
assert_no_leftovers() {
	[ ! -e "$cg_base/$1" ] || fail "cgroup $cg_base/$1 left behind"
	[ ! -e "$rundir/containers/$1" ] || fail "$rundir/containers/$1 left behind"
	assert_eq "$(init_processes)" 0 "'pistack: init' processes left"
}
