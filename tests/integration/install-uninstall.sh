#!/bin/bash
# `make uninstall` after `make install` into a DESTDIR: it removes exactly what install added,
# and keeps a configuration file the user changed, the volumes, the state and a bundle the user
# added; after an untouched install nothing is left.  make runs in the guest on the build the
# host made (-o all: nothing is rebuilt).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need make sed cmp
# A build directory holding only the binary under test: make reads every *.d file of O, which
# costs seconds per run over the VM's 9p share.
build=$tmpdir/build
mkdir "$build"
ln -s "$PISTACK" "$build/pistack"
root=$tmpdir/root
mk() { # mk TARGET...: the makefile's TARGET into $root, as a distribution would
	local t0=${EPOCHREALTIME/./} r=0
	make -s -C "$PWD" -o all O="$build" DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc "$@" || r=$?
	echo "# make $* took $(((${EPOCHREALTIME/./} - t0) / 1000)) ms" >&2
	return $r
}
conf=$root/etc/pistack/conf.d/pistack.ini
dist=$root/usr/share/pistack/conf.d/pistack.ini

# ---- uninstall: what install added, nothing else ----
mkdir -p "$root/var/vol/web" "$root/var/lib/pistack/enabled" "$root/usr/share/pistack/bundles/mine"
touch "$root/var/vol/web/data" "$root/var/lib/pistack/enabled/web" "$root/usr/share/pistack/bundles/mine/bundle.ini"
mk install >/dev/null 2>&1 || fail "make install"
echo "; changed by the user" >>"$conf"
# What an install of a newer default leaves beside it (install-update shows that it does).
cp "$dist" "$conf.dist"
out=$(mk uninstall 2>&1) || fail "make uninstall: $out"
assert_contains "$out" "keeping $conf (changed)" "make uninstall with a changed file"
left=$(cd "$root" && find . -type f | LC_ALL=C sort | tr '\n' ' ')
assert_eq "$left" "./etc/pistack/conf.d/pistack.ini ./usr/share/pistack/bundles/mine/bundle.ini ./var/lib/pistack/enabled/web ./var/vol/web/data " \
	"files left by make uninstall"

rm -rf "$root"
mk install >/dev/null 2>&1 || fail "make install into an empty root"
mk uninstall >/dev/null 2>&1 || fail "make uninstall"
left=$(cd "$root" && find . ! -type d | LC_ALL=C sort | tr '\n' ' ')
assert_eq "$left" "" "files left by make uninstall of an untouched install"
[ ! -e "$root/etc/pistack" ] || fail "$root/etc/pistack left behind"
[ ! -e "$root/usr/share/pistack" ] || fail "$root/usr/share/pistack left behind"
echo "uninstall OK"
