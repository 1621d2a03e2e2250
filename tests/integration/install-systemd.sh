#!/bin/bash
# The installed pistack.service under the real systemd: the host's (Debian 12's 252, older
# than DelegateSubgroup=), as PID 1 of pid, mount and cgroup namespaces of its own inside the
# VM, with the unit from `make install` (ExecStart pointed at this configuration root).
# `systemctl start` returns once READY=1 came, with the enabled services running, each in a
# scope unit of its own (pistack-NAME.scope in pistack.slice) with its limits in the leaf
# "service"; enable/disable work without a daemon and refuse unknown names with nothing
# applied.  `systemctl restart`, a crash (Restart=on-failure) and `systemctl stop` + `start`
# leave the services running and the next daemon re-adopts them: the unit's own cgroup never
# holds a service, so systemd can always place the new daemon (the 219/CGROUP failure of
# services kept below the unit).  daemon-reload leaves the limits alone; reload runs
# `pistack reload`; a stopped service's scope is gone and its name free at once; `pistack
# down` ends the services, their scopes and the unit.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need make python3 unshare nsenter
SYSTEMD=/lib/systemd/systemd
[ -x "$SYSTEMD" ] || skip "no systemd at $SYSTEMD"
CG=/sys/fs/cgroup
[ "$(stat -f -c %T $CG)" = cgroup2fs ] || skip "no cgroup2 at $CG"
[ ! -e /run/systemd/system ] || skip "systemd already runs in the VM"

# ---- install, and the unit as systemd will read it ----
# A build directory holding only the binary under test: make reads every *.d file of O, which
# costs seconds per run over the VM's 9p share.
build=$tmpdir/build
mkdir "$build"
ln -s "$PISTACK" "$build/pistack"
root=$tmpdir/root
out=$(make -s -C "$PWD" -o all O="$build" DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc install 2>&1) ||
	fail "make install: $out"
installed_unit=$root/usr/lib/systemd/system/pistack.service
assert_eq "$(sed -n 's/^ExecStart=//p' "$installed_unit")" "/usr/bin/pistack daemon -f" \
	"ExecStart of the installed unit"
PISTACK=$root/usr/bin/pistack

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
# The installed unit, its binary given this configuration root.
unit_file=$tmpdir/pistack.service
sed "s|^ExecStart=/usr/bin/pistack |ExecStart=$PISTACK -C $conf |;
	s|^ExecReload=/usr/bin/pistack |ExecReload=$PISTACK -C $conf |" "$installed_unit" >"$unit_file"

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

# ---- systemd, as PID 1 of namespaces of its own ----
# Its cgroup namespace's root: what it sees as /sys/fs/cgroup.
sdcg=$CG/install-systemd
mkdir "$sdcg"
sdlog=$tmpdir/systemd.log
# PID 1 of the new pid namespace moves into \$sdcg, then makes the cgroup namespace: the
# unshare(1) that forked it stays outside, as it must: a cgroup that is not the hierarchy's
# real root can enable controllers for its children (what systemd does in its root) only
# while it holds no process itself.
cat >"$tmpdir/boot.sh" <<EOF
set -e
if [ "\${1:-}" != in-cgroup ]; then
	echo 0 >"$sdcg/cgroup.procs"
	exec unshare --cgroup bash "\$0" in-cgroup
fi
umount -l /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/systemd/system
cp "$unit_file" /run/systemd/system/pistack.service
# Without the boot's ordering (sysinit.target and what it pulls in): that would take minutes
# under emulation, and systemd-tmpfiles-setup would empty /tmp, this test's directory.  The
# daemon's output into a file (no journald here).
mkdir /run/systemd/system/pistack.service.d
printf '[Unit]\nDefaultDependencies=no\n[Service]\nStandardOutput=append:%s\nStandardError=inherit\n' \
	"$tmpdir/daemon.log" >/run/systemd/system/pistack.service.d/test.conf
ln -s /dev/null /run/systemd/system/systemd-tmpfiles-setup.service
# The boot target: nothing but what systemd itself needs, and pistack.service when asked.
printf '[Unit]\nDescription=install-systemd test\nDefaultDependencies=no\n' \
	>/run/systemd/system/install-test.target
exec env -i container=pistack-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	$SYSTEMD --unit=install-test.target --log-target=kmsg --show-status=no
EOF
unshare --mount --pid --uts --fork --mount-proc bash "$tmpdir/boot.sh" >"$sdlog" 2>&1 &
unshare_pid=$!
# Ending PID 1 of the namespace ends everything in it: systemd, the daemon, the services.
on_exit "pkill -KILL -P $unshare_pid; wait $unshare_pid 2>/dev/null;
	find '$sdcg' -depth -type d -exec rmdir {} + 2>/dev/null"
sdpid=
systemd_forked() { [ -n "$(pgrep -P "$unshare_pid")" ]; }
wait_until 10 systemd_forked || fail "systemd did not start: $(<"$sdlog")"
sdpid=$(pgrep -P $unshare_pid)
# sdctl ARG...: systemctl of that systemd: its /run/systemd/private is in its mount namespace,
# and it refuses a client whose pid it cannot see.
sdctl() { nsenter -t "$sdpid" -m -p -- systemctl "$@"; }
sd_fail() { fail "$*; $(sdctl status --no-pager --lines=0 pistack.service 2>&1; tail -n 20 "$tmpdir/daemon.log")"; }
booted() { case $(sdctl is-system-running 2>/dev/null) in running | degraded) return 0 ;; esac; return 1; }
# Seconds on x86_64, a minute or more on an emulated arm64.
wait_until 180 booted ||
	fail "systemd not running after 180 s: $(sdctl is-system-running 2>&1; dmesg | grep 'systemd\[1\]' | tail -n 20)"
note "$(sdctl --version | head -n 1)"
active() { [ "$(sdctl is-active "$1" 2>/dev/null)" = active ]; }
inactive() { ! active "$1"; }
main_pid() { sdctl show -P MainPID pistack.service; }
scope=$sdcg/pistack.slice/pistack-web.scope

# ---- first start: READY=1 comes once the enabled services run ----
out=$(sdctl start pistack.service 2>&1) || sd_fail "systemctl start pistack: $out"
active pistack.service || sd_fail "pistack.service not active after start"
row web
[ "${ROW[C_STATE]}" = running ] || sd_fail "web when 'systemctl start' returned: ${ROW[*]}"
wpid=${ROW[C_PID]}
row db
assert_eq "${ROW[C_STATE]}" running "db when 'systemctl start' returned"
dbpid=${ROW[C_PID]}
row extra
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "exited -" "extra (not enabled)"
dpid=$(main_pid)
assert_eq "$(daemon_pid)" "$dpid" "the pid file against systemd's MainPID"
# The cgroups: each service in a scope of its own, its processes in the leaf with the limits;
# the scope's own files are systemd's; the unit's cgroup holds no service.
for s in web db; do
	active "pistack-$s.scope" || sd_fail "pistack-$s.scope not active"
	assert_eq "$(sdctl show -P ControlGroup "pistack-$s.scope")" "/pistack.slice/pistack-$s.scope" \
		"the cgroup of pistack-$s.scope"
	assert_eq "$(sdctl show -P Description "pistack-$s.scope")" "pistack service $s" \
		"the description of pistack-$s.scope"
done
assert_eq "$(<"$scope/service/memory.max")" 67108864 "web's memory.max"
assert_eq "$(<"$scope/memory.max")" max "the scope's own memory.max (systemd's)"
assert_eq "$(<"$scope/cgroup.procs")" "" "processes in the scope's own cgroup"
assert_contains "$(<"$scope/service/cgroup.events")" "populated 1" "web's leaf"
assert_eq "$(sdctl show -P ControlGroup pistack.service)" /system.slice/pistack.service \
	"the cgroup of pistack.service"
[ ! -e "$sdcg/system.slice/pistack.service/web" ] || fail "a cgroup of web below pistack.service"

# ---- systemctl restart: the services stay, the new daemon re-adopts them ----
out=$(sdctl restart pistack.service 2>&1) || sd_fail "systemctl restart pistack with services running: $out"
[ "$(main_pid)" != "$dpid" ] || fail "MainPID $dpid unchanged by 'systemctl restart'"
dpid=$(main_pid)
row web
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "running $wpid" "web re-adopted after 'systemctl restart'"
row db
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "running $dbpid" "db re-adopted after 'systemctl restart'"

# ---- the daemon crashes with web running and db stopped: Restart=on-failure ----
pst_ok stop db
wait_until 10 inactive pistack-db.scope || sd_fail "pistack-db.scope still active after 'stop db'"
out=$(sdctl kill -s KILL pistack.service 2>&1) || sd_fail "systemctl kill: $out"
restarted() { active pistack.service && [ "$(main_pid)" != "$dpid" ] && [ "$(main_pid)" != 0 ]; }
wait_until 30 restarted || sd_fail "no new daemon 30 s after kill -9 (Restart=on-failure)"
dpid=$(main_pid)
row web
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "running $wpid" "web re-adopted after a crash"
row db
assert_eq "${ROW[C_STATE]}" running "db (enabled, stopped when the daemon died) after the restart"
[ "${ROW[C_PID]}" != "$dbpid" ] || fail "db shows its old pid $dbpid"
row extra
assert_eq "${ROW[C_STATE]}" exited "extra (not enabled) after the restart"

# ---- systemd's daemon-reload leaves the limits alone; reload runs `pistack reload` ----
out=$(sdctl daemon-reload 2>&1) || sd_fail "systemctl daemon-reload: $out"
assert_eq "$(<"$scope/service/memory.max")" 67108864 "web's memory.max after daemon-reload"
out=$(sdctl reload pistack.service 2>&1) || sd_fail "systemctl reload pistack: $out"
active pistack.service || sd_fail "pistack.service not active after reload"

# ---- systemctl stop: the daemon ends, the services run on; disable; start again ----
out=$(sdctl stop pistack.service 2>&1) || sd_fail "systemctl stop pistack: $out"
inactive pistack.service || sd_fail "pistack.service still active after stop"
active pistack-web.scope || sd_fail "pistack-web.scope ended with 'systemctl stop pistack'"
pst_ok disable db
[ ! -e "$tmpdir/state/enabled/db" ] || fail "'disable db' left its mark"
out=$(sdctl start pistack.service 2>&1) || sd_fail "systemctl start pistack after stop: $out"
row web
assert_eq "${ROW[C_STATE]} ${ROW[C_PID]}" "running $wpid" "web, adopted a third time"
row db
assert_eq "${ROW[C_STATE]}" running "db (adopted; disabling does not stop it)"
pst_ok stop db
# --now: the mark and the start (stop) through the running daemon.
pst_ok enable --now extra
row extra
assert_eq "${ROW[C_STATE]}" running "extra after 'enable --now'"
active pistack-extra.scope || sd_fail "no pistack-extra.scope after 'enable --now extra'"
[ -f "$tmpdir/state/enabled/extra" ] || fail "'enable --now extra' left no mark"
pst_ok disable extra --now
row extra
assert_eq "${ROW[C_STATE]}" exited "extra after 'disable extra --now'"

# ---- a stopped service's scope is gone, its name free for the next start at once ----
pst_ok restart web
row web
assert_eq "${ROW[C_STATE]}" running "web after 'pistack restart web'"
[ "${ROW[C_PID]}" != "$wpid" ] || fail "web kept its pid over a restart"
assert_eq "$(<"$scope/service/memory.max")" 67108864 "memory.max in web's new scope"
pst_ok stop web
scope_gone() { [ ! -e "$scope" ]; }
wait_until 10 scope_gone || sd_fail "$scope still exists after 'stop web'"
inactive pistack-web.scope || sd_fail "pistack-web.scope active after 'stop web'"

# ---- down: the services, their scopes and the daemon end; the unit is inactive ----
pst_ok start web
active pistack-web.scope || sd_fail "no pistack-web.scope after 'start web'"
pst_ok down
wait_until 10 inactive pistack.service || sd_fail "pistack.service still active after 'down'"
assert_eq "$(sdctl show -P Result pistack.service)" success "the unit's result after 'down'"
inactive pistack-web.scope || sd_fail "pistack-web.scope active after 'down'"
assert_eq "$(find "$sdcg/pistack.slice" -name 'pistack-*.scope' 2>/dev/null)" "" "scopes left after 'down'"
echo "pistack.service under systemd $(sdctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') OK"
