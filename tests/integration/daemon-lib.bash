# Helpers for the daemon life-cycle tests (tests/integration/daemon-*.sh written on top of it);
# source it after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/daemon-lib.bash"
# Not a test itself: tests/vm/run only runs *.sh files.
# The configuration root is $tmpdir itself (conf.d/ and bundles/ in it), every path pistack
# writes is below $tmpdir, and the daemon and every service are gone when the test exits.
# Every fork+exec costs ~0.1 s under TCG: the helpers use bash builtins where they can.
# shellcheck shell=bash

: "${tmpdir:?source lib.sh before daemon-lib.bash}"
[ -x "$PISTACK" ] || fail "no pistack binary at '$PISTACK' (build it first: make)"

conf=$tmpdir
vol=$tmpdir/vol
rundir=$tmpdir/run
logs=$tmpdir/logs
scripts=$tmpdir/scripts
mkdir -p "$conf/conf.d" "$conf/bundles" "$scripts"
cat >"$conf/conf.d/pistack.ini" <<EOF
[paths]
volumes = $vol
state = $tmpdir/state
run = $rundir
logs = $logs
EOF

# pistack's cgroup base inside the VM (no systemd there: MOUNT/pistack).
cg_base=/sys/fs/cgroup/pistack
# Every service name the test configured (for the cleanup).
_dl_names=()

# pst ARG...: pistack on this configuration root.
pst() {
	"$PISTACK" -C "$conf" "$@"
}

# service NAME: conf.d/NAME.ini from stdin.
service() {
	_dl_names+=("$1")
	cat >"$conf/conf.d/$1.ini"
}

# script NAME: $scripts/NAME from stdin; services mount it with `/NAME = host:$scripts/NAME ro`.
script() {
	cat >"$scripts/$1"
}

# run_pst ARG...: `pistack -C $conf ARG...`; sets rc, out (stdout), err (stderr), ms (duration)
# and notes them.
run_pst() {
	local t0=${EPOCHREALTIME/./} t1
	rc=0
	out=$("$PISTACK" -C "$conf" "$@" 2>"$tmpdir/.stderr") || rc=$?
	t1=${EPOCHREALTIME/./}
	ms=$(((t1 - t0) / 1000))
	err=$(<"$tmpdir/.stderr")
	note "pistack $* -> exit $rc ($ms ms)"
	[ -z "$out" ] || note "  stdout: ${out//$'\n'/$'\n#   '}"
	[ -z "$err" ] || note "  stderr: ${err//$'\n'/$'\n#   '}"
}

# pst_ok ARG...: run_pst that must exit 0 with nothing on stderr.
pst_ok() {
	run_pst "$@"
	assert_eq "$rc" 0 "exit status of 'pistack $*' (stderr: $err)"
	assert_eq "$err" "" "stderr of 'pistack $*'"
}

# one_error_line WHAT NAME: $err is exactly one line `pistack: NAME: unable to ...`.
one_error_line() {
	case $err in
	*$'\n'*) fail "$1: more than one line on stderr: $err" ;;
	"pistack: $2: unable to "?*) ;;
	*) fail "$1: stderr is not 'pistack: $2: unable to ...': '$err'" ;;
	esac
}

# row NAME: the cells of NAME's row in `pistack status NAME` into the array ROW
# (NAME STATE PID ADDRESS UPTIME RESTARTS MEMORY HOSTS HEALTH); fails if there is none.
# Quiet (no notes): it is polled.
row() {
	local line text r=0
	ROW=()
	text=$("$PISTACK" -C "$conf" status "$1" 2>&1) || r=$?
	assert_eq "$r" 0 "exit status of 'pistack status $1' ($text)"
	while IFS= read -r line; do
		read -ra ROW <<<"$line"
		[ "${ROW[0]:-}" = "$1" ] && return 0
	done <<<"$text"
	fail "no row for $1 in: $text"
}

# Column numbers of ROW.
# shellcheck disable=SC2034 # used by the tests
C_NAME=0 C_STATE=1 C_PID=2 C_ADDRESS=3 C_UPTIME=4 C_RESTARTS=5 C_MEMORY=6 C_HOSTS=7 C_HEALTH=8

# wait_state NAME STATE [SECONDS]: poll `status NAME` until its STATE is STATE (ROW holds the
# row then), or fail after SECONDS (default 10).
wait_state() {
	local deadline=$((SECONDS + ${3:-10}))
	while :; do
		row "$1"
		[ "${ROW[C_STATE]}" = "$2" ] && { note "$1: ${ROW[*]}"; return 0; }
		[ "$SECONDS" -lt "$deadline" ] || fail "$1 not $2 after ${3:-10} s: ${ROW[*]}"
		sleep 0.1
	done
}

# wait_until SECONDS CMD...: until CMD succeeds (return 0), or return 1 after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# title PID: the first string of PID's command line (its process title), "" if it is gone.
# /proc files are read whole with mapfile: a `read` that stops early leaves bash a buffered rest
# that it may hand to the next `read` of the same descriptor number (seen with /proc/PID/status).
title() {
	local a=()
	mapfile -t -d '' a 2>/dev/null <"/proc/$1/cmdline" || true
	printf '%s' "${a[0]:-}"
}

# titled TITLE: the pids whose process title is exactly TITLE, space-separated.
titled() {
	local p a pids=()
	for p in /proc/[0-9]*; do
		a=()
		mapfile -t -d '' a 2>/dev/null <"$p/cmdline" || true
		[ "${a[0]:-}" = "$1" ] && pids+=("${p#/proc/}")
	done
	printf '%s' "${pids[*]}"
}

# status_field PID FIELD: the value of FIELD: in /proc/PID/status ("" if PID is gone).
status_field() {
	local lines=() line
	mapfile -t lines 2>/dev/null <"/proc/$1/status" || true
	for line in "${lines[@]}"; do
		if [ "${line%%:*}" = "$2" ]; then
			line=${line#*:}
			printf '%s' "${line#"${line%%[![:space:]]*}"}"
			return 0
		fi
	done
}

# alive PID: whether PID exists (and is not a zombie).
alive() {
	local st
	st=$(status_field "$1" State)
	[ -n "$st" ] && [ "${st:0:1}" != Z ]
}
gone() { ! alive "$1"; }

# children PID: the pids of PID's children.
children() {
	local l=() c=()
	mapfile -t l 2>/dev/null <"/proc/$1/task/$1/children" || true
	read -ra c <<<"${l[0]:-}"
	printf '%s' "${c[*]}"
}

# daemon_pid: the pid in RUN/pistack.pid ("" when there is none).
daemon_pid() {
	local p=
	read -r p 2>/dev/null <"$rundir/pistack.pid" || true
	printf '%s' "$p"
}

# assert_no_instance NAME: no init process, no cgroup and no runtime directory of NAME remain.
assert_no_instance() {
	assert_eq "$(titled "pistack: init $1")" "" "'pistack: init $1' processes"
	[ ! -e "$cg_base/$1" ] || fail "cgroup $cg_base/$1 left behind"
	[ ! -e "$rundir/containers/$1" ] || fail "$rundir/containers/$1 left behind"
}

# uptime_seconds CELL: an UPTIME cell (12s, 3m4s, 1h2m) in seconds.
uptime_seconds() {
	local s=$1 total=0 n
	while [[ $s =~ ^([0-9]+)([dhms])(.*)$ ]]; do
		n=${BASH_REMATCH[1]}
		case ${BASH_REMATCH[2]} in
		d) total=$((total + n * 86400)) ;;
		h) total=$((total + n * 3600)) ;;
		m) total=$((total + n * 60)) ;;
		s) total=$((total + n)) ;;
		esac
		s=${BASH_REMATCH[3]}
	done
	[ -z "$s" ] || fail "UPTIME '$1' is not a duration"
	echo "$total"
}

# The cleanup: `down`, then whatever a failed test left: a daemon (by its pid file, only if it
# is ours), and the cgroups of this test's services (init dies with cgroup.kill).
# shellcheck disable=SC2317 # invoked by the EXIT trap
_dl_cleanup() {
	local p n
	timeout 60 "$PISTACK" -C "$conf" down >/dev/null 2>&1
	p=$(daemon_pid)
	if [ -n "$p" ] && [ "$(title "$p")" = "pistack: daemon" ]; then
		echo "# cleanup: killing the leftover daemon $p"
		kill -9 "$p" 2>/dev/null
	fi
	for n in "${_dl_names[@]}"; do
		[ -d "$cg_base/$n" ] || continue
		echo "# cleanup: killing what is left in $cg_base/$n"
		echo 1 2>/dev/null >"$cg_base/$n/cgroup.kill"
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$cg_base/$n" 2>/dev/null && break
			sleep 0.1
		done
	done
}
on_exit _dl_cleanup
