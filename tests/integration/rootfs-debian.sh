#!/bin/bash
# rootfs = debian:PKG: a tree built by `pistack build` (mmdebstrap) before the VM started, cached
# in $O/vm/rootfs-cache (make vm-rootfs), used like dir:PATH: its own programs and users, the
# shared tree read-only and never written (readonly = no writes to STATE), found by `build` as
# built without any network; `run` and the daemon's start and exec use it. Not built: the daemon
# refuses the start with one line naming the fix; `run` tries to build it, and a failed build
# (here: no mmdebstrap on PATH) leaves nothing but the log; a stale temporary directory is removed
# first; a second build of the same list waits for the lock, then finds the tree built.
# A build by a real mmdebstrap that fails is rootfs-debian-build.sh.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
need flock

cache=${PISTACK_ROOTFS_CACHE:-$(dirname "$PISTACK")/vm/rootfs-cache}
tree=
for d in "$cache"/rootfs/busybox-*; do
	[ -d "$d" ] && tree=$d
done
[ -n "$tree" ] || skip "no debian:busybox tree in '$cache/rootfs': make vm-rootfs builds it"
# The arm64 VM shares the host's build directory: an amd64 tree cannot run there.
read -r tree_arch <"$tree/var/lib/dpkg/arch"
[ "$tree_arch" = "$(dpkg --print-architecture)" ] || skip "the cached tree is $tree_arch"
key=$(basename "$tree")

# STATE on a tmpfs (the VM's / is an overlay, which cannot hold another one's upper layer),
# with the cache's trees bound in as STATE/rootfs.
state=$tmpdir/state
mkdir -p "$state"
mount -t tmpfs -o mode=0755 pistack-test-state "$state"
on_exit "umount -l '$state'"
mkdir -p "$state/rootfs"
mount --bind "$cache/rootfs" "$state/rootfs"
on_exit "umount -l '$state/rootfs'"
grep -q '^systemd-network:' "$tree/etc/passwd" && fail "the tree has systemd-network: cannot tell its users"

script inside <<'EOF'
dpkg-query -W -f='pkg=${Package}\n' busybox
[ -e /usr/bin/python3 ] && echo python=yes || echo python=no
echo "user=$(id -un)"
cat /etc/hostname
(: >/x) 2>/dev/null && echo root_rw=yes || echo root_rw=no
: >/tmp/x && echo tmp_rw=yes
EOF
service deb <<EOF
[service]
rootfs = debian:busybox
exec = /bin/sh /inside
user = nobody
[mount]
/inside = host:$scripts/inside ro
[network]
mode = none
EOF

# ---- build: found built, no network needed ----
run_pst build deb
assert_eq "$rc" 0 "exit status of 'pistack build deb' ($err)"
assert_eq "$out" "deb: rootfs 'debian:busybox' is built: $state/rootfs/$key" "build of a built tree"

# ---- run: the tree's programs, packages and users; read-only ----
run_pst run deb
assert_eq "$rc" 0 "exit status of 'pistack run deb' ($err)"
assert_eq "$out" $'pkg=busybox\npython=no\nuser=nobody\ndeb\nroot_rw=no\ntmp_rw=yes' "inside the debian tree"
{ [ ! -e "$tree/x" ] && [ ! -e "$tree/tmp/x" ]; } || fail "a write in the service reached the tree"

# Users come from the tree's /etc/passwd, not the host's.
if grep -q '^systemd-network:' /etc/passwd; then
	service deb-hostuser <<EOF
[service]
rootfs = debian:busybox
exec = /bin/true
user = systemd-network
[network]
mode = none
EOF
	run_pst run deb-hostuser
	assert_eq "$rc" 125 "exit status of a run as a user only the host has"
	assert_contains "$err" "systemd-network" "error of a run as a user only the host has"
fi

# ---- readonly = no: an overlay; the writes land in STATE/containers/NAME, not in the tree ----
service debrw <<EOF
[service]
rootfs = debian:busybox
exec = /bin/sh -c 'cat /etc/written 2>/dev/null; echo here >/etc/written'
readonly = no
[network]
mode = none
EOF
run_pst run debrw
assert_eq "$rc" 0 "exit status of the first writable run ($err)"
run_pst run debrw
assert_eq "$out" "here" "a write of the first writable run, seen by the second"
[ ! -e "$tree/etc/written" ] || fail "a write through the overlay reached the shared tree"
[ -f "$state/containers/debrw/upper/etc/written" ] || fail "no upper layer in $state/containers/debrw"

# ---- the daemon: start and exec in a built tree ----
service debd <<EOF
[service]
rootfs = debian:busybox
exec = /bin/sleep 100000
[network]
mode = none
EOF
pst_ok start debd
wait_state debd running
# shellcheck disable=SC2016 # a dpkg-query format
run_pst exec debd dpkg-query -W -f='${Package}' busybox
assert_eq "$out" "busybox" "exec in the daemon's service of the tree"
pst_ok down

# ---- not built: the daemon refuses with the fix, in one line ----
service nb <<EOF
[service]
rootfs = debian:hello
exec = /usr/bin/hello
[network]
mode = none
EOF
run_pst start nb
assert_eq "$rc" 1 "exit status of starting a service whose tree is not built"
one_error_line "starting a service whose tree is not built" nb
assert_contains "$err" "rootfs of 'nb': not built; run \`pistack build nb\`" \
	"error of starting a service whose tree is not built"
pst_ok down

# ---- run builds on demand; a failed build leaves nothing but its log ----
# Without mmdebstrap on PATH the build fails at once (a real mmdebstrap failing offline takes a
# minute under TCG: rootfs-debian-build.sh).
real_pistack=$PISTACK
script pistack-nopath <<EOF
#!/bin/sh
PATH=/nonexistent exec "$real_pistack" "\$@"
EOF
chmod +x "$scripts/pistack-nopath"
PISTACK=$scripts/pistack-nopath
run_pst run nb
assert_eq "$rc" 125 "exit status of run when the build fails"
assert_contains "$err" "pistack: nb: building rootfs 'debian:hello' with mmdebstrap into $state/rootfs/hello-" \
	"progress of the build"
assert_contains "$err" "pistack: nb: unable to build rootfs 'debian:hello': mmdebstrap failed (exit status 127): E: pistack: unable to run 'mmdebstrap': No such file or directory (install it: apt install mmdebstrap); see '$state/rootfs/hello-" \
	"error of the build"
nb_log=$(ls "$state"/rootfs/hello-*.log)
nb_key=$(basename "$nb_log" .log)
assert_contains "$(cat "$nb_log")" "unable to run 'mmdebstrap'" "the build's log"
# left_over: what builds of nb left but the log and the lock file.
left_over() {
	local f
	for f in "$state"/rootfs/hello-* "$state"/rootfs/.hello-*; do
		[ "$f" = "$nb_log" ] || [ "$f" = "$state/rootfs/.$nb_key.lock" ] || printf '%s ' "$f"
	done
}
assert_eq "$(left_over)" "" "what a failed build left"

# A stale temporary directory (a crashed build's) is removed before the next build starts.
mkdir -p "$state/rootfs/.$nb_key.tmp/usr/bin"
echo stale >"$state/rootfs/.$nb_key.tmp/usr/bin/stale"
run_pst build nb
assert_eq "$rc" 1 "exit status of a build without mmdebstrap"
assert_contains "$err" "unable to run 'mmdebstrap'" "error of a build without mmdebstrap"
assert_eq "$(left_over)" "" "what a build over a stale temporary directory left"

# A build of the same list waits while another holds the lock, then finds the tree built.
PISTACK=$real_pistack
exec {lock}>"$state/rootfs/.$nb_key.lock"
flock "$lock"
"$PISTACK" -C "$conf" build nb >"$tmpdir/waiter.out" 2>"$tmpdir/waiter.err" {lock}>&- &
waiter=$!
wait_until 20 grep -q "waiting for another build" "$tmpdir/waiter.err" ||
	fail "no 'waiting' from a build behind the lock: $(cat "$tmpdir/waiter.err")"
alive "$waiter" || fail "the build behind the lock did not wait"
[ ! -e "$state/rootfs/.$nb_key.tmp" ] || fail "the build behind the lock started"
mkdir "$state/rootfs/$nb_key"
exec {lock}>&-
rc=0
wait "$waiter" || rc=$?
assert_eq "$rc" 0 "exit status of the build behind the lock ($(cat "$tmpdir/waiter.err"))"
assert_eq "$(cat "$tmpdir/waiter.out")" "nb: rootfs 'debian:hello' is built: $state/rootfs/$nb_key" \
	"the build behind the lock"
rmdir "$state/rootfs/$nb_key"
