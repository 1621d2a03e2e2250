#!/bin/bash
# The guestbook and redis bundles of the repository: a web app in a debian:python3,python3-redis
# tree and its database in a debian:redis-server tree, on the bridge, the app reaching the
# database by its name "redis"; an entry posted to the app is in the database, whose data is in
# its volume and survives the database's restart; /healthz follows the database. Both trees are
# built before the VM starts (it has no network) by `make VM_ROOTFS_BUNDLES=1 vm-rootfs`; without
# them the test skips.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
need curl

cache=${PISTACK_ROOTFS_CACHE:-$(dirname "$PISTACK")/vm/rootfs-cache}
for k in python3_python3-redis redis-server; do
	found=
	for d in "$cache/rootfs/$k"-*; do
		[ -d "$d" ] && found=$d
	done
	[ -n "$found" ] || skip "no $k tree in '$cache/rootfs': make VM_ROOTFS_BUNDLES=1 vm-rootfs builds it"
	read -r arch <"$found/var/lib/dpkg/arch"
	[ "$arch" = "$(dpkg --print-architecture)" ] || skip "the cached $k tree is $arch"
done

repo=${PISTACK_VM_REPO:-$PWD}
# [paths] is the last section daemon-lib.bash wrote.
echo "bundles = $repo/bundles" >>"$conf/conf.d/pistack.ini"
net_config 33
service guestbook </dev/null
service redis </dev/null
# STATE with the cache's trees bound in as STATE/rootfs.
mkdir -p "$tmpdir/state/rootfs"
mount --bind "$cache/rootfs" "$tmpdir/state/rootfs"
on_exit "umount -l '$tmpdir/state/rootfs'"
run_pst build guestbook redis
assert_eq "$rc" 0 "exit status of 'pistack build guestbook redis' (trees built: no network needed)"

pst_ok start redis guestbook
wait_state redis running 60
# running once healthy: its /healthz answers when redis does.
wait_state guestbook running 90
run_pst logs guestbook
app=http://${ROW[C_ADDRESS]}:8080
wait_until 60 curl -fs -o /dev/null "$app/healthz" || fail "guestbook's /healthz does not answer 200"

# ---- an entry goes through the app into the database, found by name ----
code=$(curl -sS -o /dev/null -w '%{http_code}' --data-urlencode 'name=tester' \
	--data-urlencode 'message=hello <b>world</b>' "$app/")
assert_eq "$code" 303 "status of posting an entry"
page=$(curl -fsS "$app/")
assert_contains "$page" "hello &lt;b&gt;world&lt;/b&gt;" "the entry on the page, escaped"
assert_contains "$page" "kept in Redis at redis" "the database's name on the page"
run_pst exec redis redis-cli lrange guestbook:entries 0 -1
assert_contains "$out" '"name": "tester"' "the entry in redis"
run_pst exec guestbook getent hosts redis
assert_eq "${out%% *}" "$(
	row redis
	echo "${ROW[C_ADDRESS]}"
)" "the address guestbook resolves for redis"
run_pst exec redis id -un
assert_eq "$out" "redis" "redis's user (from its tree's /etc/passwd)"

# ---- the data is in the volume and survives a restart of the database ----
[ -n "$(ls -A "$vol/redis" 2>/dev/null)" ] || fail "nothing in redis's volume $vol/redis"
pst_ok restart redis
wait_state redis running 60
wait_until 60 curl -fs -o /dev/null "$app/healthz" || fail "guestbook's /healthz after redis's restart"
assert_contains "$(curl -fsS "$app/entries")" '"message": "hello <b>world</b>"' "the entry after redis's restart"

# ---- /healthz follows the database ----
# (Under a loaded TCG the daemon may be restarting guestbook for a slow health check: retried.)
pst_ok stop redis
healthz_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$app/healthz"; }
healthz_503() { [ "$(healthz_code)" = 503 ]; }
if ! wait_until 30 healthz_503; then
	run_pst status
	run_pst logs guestbook
	fail "guestbook's /healthz without redis: got '$(healthz_code)', want 503"
fi
pst_ok down
