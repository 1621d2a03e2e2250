#!/bin/bash
# rootfs = dir:PATH: a directory as the root, its own users; read-only by default; with
# readonly = no, writes persist between runs in STATE (never in PATH) until run --rm;
# symlinks in PATH (absolute or with ..) cannot lead a mount target out of the root.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"
need busybox

# A tiny root: static busybox and the probe, and users the host does not have.
rfs=$tmpdir/rfs
mkdir -p "$rfs/bin" "$rfs/etc"
cp "$(command -v busybox)" "$rfs/bin/busybox"
for applet in sh cat rm sleep; do ln -s busybox "$rfs/bin/$applet"; done
cp "$probe" "$rfs/probe"
cat >"$rfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1234:1235:app:/home/app:/bin/sh
EOF
cat >"$rfs/etc/group" <<'EOF'
root:x:0:
app:x:1235:
EOF
grep -q '^app:' /etc/passwd && fail "the VM has a user 'app': the test cannot tell the rootfs's users"

# The VM's /tmp is itself an overlay, which cannot hold the upper layer of another one:
# STATE goes on a tmpfs (on a real host it is /var/lib/pistack).
mkdir -p "$state"
mount -t tmpfs -o mode=0755 pistack-test-state "$state"
on_exit "umount -l '$state'"

service dirro <<EOF
[service]
rootfs = dir:$rfs
exec = /probe id
user = app
[network]
mode = none
EOF
run_ok dirro
expect uid 1234
expect gid 1235
expect hostname dirro
# Read-only root; the kernel filesystems and /tmp as everywhere; nothing of the host.
# shellcheck disable=SC2016 # expanded by the service's shell
run_ok dirro -- /bin/sh -c '(: >/x) 2>/dev/null && echo root_rw=yes || echo root_rw=no; : >/tmp/x && echo tmp_rw=yes; [ -e /usr ] && echo usr=yes || echo usr=no; cat /etc/hostname'
assert_eq "$out" $'root_rw=no\ntmp_rw=yes\nusr=no\ndirro' "read-only dir rootfs"
{ [ ! -e "$rfs/x" ] && [ ! -e "$rfs/tmp/x" ]; } || fail "a write in the service reached '$rfs'"

# readonly = no: an overlay over PATH, its upper layer in STATE/containers/NAME.
service dirrw <<EOF
[service]
rootfs = dir:$rfs
exec = /bin/cat /persist
readonly = no
[network]
mode = none
EOF
# shellcheck disable=SC2016
run_ok dirrw -- /bin/sh -c 'echo written >/persist && echo changed >/etc/passwd && rm /probe && echo wrote'
assert_eq "$out" wrote "writes into a readonly = no dir rootfs"
[ ! -e "$rfs/persist" ] || fail "the write reached the rootfs directory '$rfs'"
assert_eq "$(head -n 1 "$rfs/etc/passwd")" "root:x:0:0:root:/root:/bin/sh" "etc/passwd of '$rfs' after the service changed it"
[ -x "$rfs/probe" ] || fail "the service's rm reached '$rfs/probe'"
[ -e "$state/containers/dirrw/upper/persist" ] ||
	fail "no writable layer in $state/containers/dirrw/upper"
# The next run (without --rm) sees the writes.
run_ok dirrw
assert_eq "$out" written "/persist in the next run"

# A second run while one runs is refused before it touches anything of the first: the
# running one keeps its runtime files and writable layer (even with --rm), and runs on.
"$PISTACK" -C "$conf" run dirrw -- /bin/sh -c 'echo ready; exec sleep 60' >"$tmpdir/first.out" 2>&1 &
pid=$!
for _ in $(seq 50); do
	[ "$(<"$tmpdir/first.out")" = ready ] && break
	sleep 0.2
done
assert_eq "$(<"$tmpdir/first.out")" ready "output of the first run"
run_pistack --rm dirrw -- /bin/true
assert_eq "$rc" 125 "exit status of a second run of a running service"
assert_eq "$err" "pistack: dirrw: unable to create cgroup '$cg_base/dirrw': a service of that name is still running" \
	"message for a second run of a running service"
[ -e "$state/containers/dirrw/upper/persist" ] || fail "the second run removed the first one's writable layer"
[ -e "$rundir/containers/dirrw/hosts" ] || fail "the second run removed the first one's runtime files"
kill -0 "$pid" 2>/dev/null || fail "the first run ended with the second"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 143 "exit status of the first run after SIGTERM"
assert_no_leftovers dirrw
run_ok --rm dirrw -- /bin/sh -c 'cat /persist /etc/passwd; [ -e /probe ] || echo probe-gone'
assert_eq "$out" $'written\nchanged\nprobe-gone' "the writes of earlier runs, in the run with --rm"
# --rm removed the writable layer: the next run starts from PATH again.
[ ! -e "$state/containers/dirrw/upper" ] || fail "run --rm left $state/containers/dirrw/upper"
run_pistack dirrw
assert_eq "$rc" 1 "exit status of cat /persist after run --rm"
assert_contains "$err" "No such file or directory" "cat /persist after run --rm"

# Symlinks in PATH on the way to mount targets: an absolute one naming a host directory
# and a relative one climbing with .. both resolve inside the root, as after pivot_root.
mkdir "$tmpdir/outside-abs" "$tmpdir/outside-rel"
ln -s "$tmpdir/outside-abs" "$rfs/srv"
ln -s "../../../../../../../../../../..$tmpdir/outside-rel" "$rfs/opt"
service dirlink <<EOF
[service]
rootfs = dir:$rfs
exec = /bin/sh -c 'echo via-link >/srv/www/file && echo ok-www; : >/opt/cache/file && echo ok-cache'
[mount]
/srv/www = volume
/opt/cache = tmpfs:1M
[network]
mode = none
EOF
mounts_before=$(mount_count)
run_ok dirlink
assert_eq "$out" $'ok-www\nok-cache' "writes through the mounts behind symlinks"
assert_eq "$(cat "$vol/dirlink/file")" via-link "the volume file on the host"
assert_eq "$(ls -A "$tmpdir/outside-abs" "$tmpdir/outside-rel")" \
	"$tmpdir/outside-abs:"$'\n\n'"$tmpdir/outside-rel:" "host directories the symlinks name"
assert_eq "$(mount_count)" "$mounts_before" "host mount count after the run"
assert_no_leftovers dirlink
