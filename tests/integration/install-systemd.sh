#!/bin/bash
# The installed daemon run the way pistack.service runs it: ExecStart from the installed unit,
# in the foreground, in a cgroup delegated like Delegate=yes does (trusted.delegate=1), with
# NOTIFY_SOCKET naming an abstract socket this test listens on.  READY=1 arrives once the enabled
# services run; the daemon moves into the leaf "supervisor" and each service gets a cgroup of its
# own beside it, with its limits.  Enable/disable work without a daemon and refuse unknown names
# with nothing applied.  After kill -9 the services keep running, and the kernel refuses new
# processes in the unit's own cgroup (why the unit has DelegateSubgroup=supervisor); a daemon
# started in the leaf re-adopts them (same pid) and starts the enabled one that was stopped.
# SIGHUP sends RELOADING=1 then READY=1, SIGTERM STOPPING=1; a disabled service is not started.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need make python3
# A build directory holding only the binary under test: make reads every *.d file of O, which
# costs seconds per run over the VM's 9p share.
build=$tmpdir/build
mkdir "$build"
ln -s "$PISTACK" "$build/pistack"
CG=/sys/fs/cgroup
[ "$(stat -f -c %T $CG)" = cgroup2fs ] || skip "no cgroup2 at $CG"

# ---- install, and read ExecStart as systemd would ----
root=$tmpdir/root
out=$(make -s -C "$PWD" -o all O="$build" DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc install 2>&1) ||
	fail "make install: $out"
exec_start=$(sed -n 's/^ExecStart=//p' "$root/usr/lib/systemd/system/pistack.service")
assert_eq "$exec_start" "/usr/bin/pistack daemon -f" "ExecStart of the installed unit"
read -ra exec_argv <<<"$exec_start"
PISTACK=$root${exec_argv[0]}

# The unit's cgroup, delegated as systemd does it (the slice enables the controllers for it).
slice=$CG/install-test.slice
unit=$slice/pistack.service
mkdir -p "$unit"
echo "+cpu +memory +pids +io" >"$slice/cgroup.subtree_control"
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.delegate", b"1")' "$unit" ||
	fail "unable to set trusted.delegate on $unit"
# Runs after daemon-lib's cleanup (`down`): whatever is left in the unit's cgroups.
# shellcheck disable=SC2016 # expanded by the cleanup's eval
on_exit 'for d in "$unit"/*/; do echo 1 >"$d/cgroup.kill" 2>/dev/null; done; sleep 0.3;
	for d in "$unit"/*/; do rmdir "$d" 2>/dev/null; done; rmdir "$unit" "$slice" 2>/dev/null'

# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"

for s in web db extra; do
	service $s <<EOF
[service]
exec = /bin/sleep 1000
[limits]
memory = 64M
[network]
mode = none
EOF
done

# ---- the notification socket: one line per datagram into $notes ----
notes=$tmpdir/notify.log
sock=@pistack-install-test-$$
: >"$notes"
python3 -u - "$sock" "$notes" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1][1:])
with open(sys.argv[2], "a") as out:
    out.write("listening\n")
    out.flush()
    while True:
        msg = s.recv(4096).decode(errors="replace")
        out.write(msg.replace("\n", " ") + "\n")
        out.flush()
EOF
listener=$!
on_exit "kill $listener 2>/dev/null"
# notes_count LINE: how many datagrams were exactly LINE; notes_has LINE: any.  Builtins only:
# they are polled.
notes_count() {
	local l n=0 lines=()
	mapfile -t lines <"$notes"
	for l in "${lines[@]}"; do [ "$l" != "$1" ] || n=$((n + 1)); done
	echo "$n"
}
notes_has() { [ "$(notes_count "$1")" -gt 0 ]; }
# ready N: READY=1 arrived at least N times.
ready() { [ "$(notes_count READY=1)" -ge "$1" ]; }
wait_until 20 notes_has listening || fail "the notification listener did not start"

# start_daemon CGROUP: the installed ExecStart in CGROUP, foreground, with NOTIFY_SOCKET; sets dpid.
start_daemon() {
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$1" \
		env NOTIFY_SOCKET="$sock" "$PISTACK" -C "$conf" "${exec_argv[@]:1}" >>"$tmpdir/daemon.log" 2>&1 &
	dpid=$!
}

# ---- enable and disable without a daemon ----
pst_ok enable web db
[ -f "$tmpdir/state/enabled/web" ] && [ -f "$tmpdir/state/enabled/db" ] ||
	fail "no marks in $tmpdir/state/enabled: $(ls "$tmpdir/state/enabled" 2>&1)"
run_pst enable extra nosuch
assert_eq "$rc" 1 "exit status of 'enable extra nosuch'"
assert_eq "$err" "pistack: nosuch: unable to enable 'nosuch': no such service in $conf/conf.d" \
	"'enable extra nosuch'"
[ ! -e "$tmpdir/state/enabled/extra" ] || fail "'enable extra nosuch' enabled extra"
run_pst enable Bad_Name
assert_eq "$rc" 2 "exit status of 'enable Bad_Name'"
run_pst disable nosuch
assert_eq "$rc" 1 "exit status of 'disable nosuch'"
pst_ok disable extra

# ---- first start, as systemd starts a unit: in the unit's own cgroup ----
start_daemon "$unit"
wait_until 30 ready 1 || fail "no READY=1 from the daemon: $(<"$tmpdir/daemon.log")"
# Ready means: the enabled services were started, the control socket answers.
row web
assert_eq "${ROW[C_STATE]}" running "web when READY=1 arrived"
wpid=${ROW[C_PID]}
row db
assert_eq "${ROW[C_STATE]}" running "db when READY=1 arrived"
dbpid=${ROW[C_PID]}
row extra
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "exited -" "extra (not enabled)"
assert_eq "$(daemon_pid)" "$dpid" "the pid file"
# The cgroups: the daemon in the leaf, each service beside it, the unit's cgroup itself empty.
rel=${unit#"$CG"}
assert_eq "$(</proc/"$dpid"/cgroup)" "0::$rel/supervisor" "the daemon's cgroup"
assert_eq "$(</proc/"$wpid"/cgroup)" "0::$rel/web" "web's cgroup"
assert_eq "$(<"$unit/cgroup.procs")" "" "processes in $unit itself"
assert_contains "$(<"$unit/cgroup.subtree_control")" memory "$unit/cgroup.subtree_control"
assert_eq "$(<"$unit/web/memory.max")" 67108864 "web's memory.max"

# ---- the daemon dies with web running and db stopped ----
pst_ok stop db
kill -KILL "$dpid"
wait_until 5 gone "$dpid" || fail "the daemon survived kill -9"
alive "$wpid" || fail "web's init $wpid died with the daemon"
# A new process in the unit's cgroup: refused while services run below it (no internal
# processes), so systemd must start the next daemon in the leaf (DelegateSubgroup=supervisor).
if sh -c 'echo $$ >"$1/cgroup.procs"' sh "$unit" 2>/dev/null; then
	fail "the kernel let a process into $unit while services run in its children"
fi
start_daemon "$unit/supervisor"
wait_until 30 ready 2 || fail "no READY=1 from the second daemon"
row web
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "running $wpid" "web re-adopted"
row db
assert_eq "${ROW[C_STATE]}" running "db (enabled, stopped when the daemon died) after the restart"
[ "${ROW[C_PID]}" != "$dbpid" ] || fail "db shows its old pid $dbpid"
assert_eq "$(<"$unit/web/memory.max")" 67108864 "web's memory.max after the restart"
row extra
assert_eq "${ROW[C_STATE]}" exited "extra (not enabled) after the restart"

# ---- reload and stop notifications ----
kill -HUP "$dpid"
wait_until 10 ready 3 || fail "no READY=1 after SIGHUP: $(<"$notes")"
reloading=0
mapfile -t lines <"$notes"
for l in "${lines[@]}"; do [[ ! $l =~ ^RELOADING=1\ MONOTONIC_USEC=[0-9]+$ ]] || reloading=1; done
[ "$reloading" = 1 ] || fail "no RELOADING=1 after SIGHUP: $(<"$notes")"
kill -TERM "$dpid"
wait_until 10 gone "$dpid" || fail "the daemon did not end on SIGTERM"
notes_has STOPPING=1 || fail "no STOPPING=1 on SIGTERM: $(<"$notes")"
alive "$wpid" || fail "web's init $wpid ended with the daemon's SIGTERM"

# ---- disable: not started by the next daemon ----
pst_ok disable db
[ ! -e "$tmpdir/state/enabled/db" ] || fail "'disable db' left its mark"
start_daemon "$unit/supervisor"
wait_until 30 ready 4 || fail "no READY=1 from the third daemon"
row db
assert_eq "${ROW[C_STATE]}" running "db (adopted; disabling does not stop it)"
pst_ok stop db
# --now: the mark and the start (stop) through the running daemon.
pst_ok enable --now extra
row extra
assert_eq "${ROW[C_STATE]}" running "extra after 'enable --now'"
[ -f "$tmpdir/state/enabled/extra" ] || fail "'enable --now extra' left no mark"
pst_ok disable extra --now
row extra
assert_eq "${ROW[C_STATE]}" exited "extra after 'disable extra --now'"
kill -TERM "$dpid"
wait_until 10 gone "$dpid" || fail "the daemon did not end on SIGTERM"
start_daemon "$unit/supervisor"
wait_until 30 ready 5 || fail "no READY=1 from the fourth daemon"
row db
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "exited -" "db (disabled) after a daemon restart"
row web
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "running $wpid" "web, adopted a third time"

# ---- down: the services and the daemon end, and the unit would be inactive ----
pst_ok down
wait_until 10 gone "$dpid" || fail "the daemon did not end after 'down'"
gone "$wpid" || fail "web's init $wpid survived 'down'"
wait "$dpid" || fail "the daemon's exit status after 'down' is not 0"
echo "daemon under a delegated cgroup OK"
