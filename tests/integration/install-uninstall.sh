#!/bin/bash
# `make uninstall` after `make install` into a DESTDIR: it removes exactly what install added,
# and keeps a configuration file the user changed, the volumes, the state and a bundle the user
# added; after an untouched install nothing is left.  make runs in the guest on the build the
# host made (-o all: nothing is rebuilt).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source-path=SCRIPTDIR source=install-lib.bash
. "$(dirname "$0")/install-lib.bash"

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
