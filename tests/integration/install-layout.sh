#!/bin/bash
# `make install` into a DESTDIR with PREFIX=/usr: the binary, the man pages, the bundles, the
# systemd unit with its ExecStart filled in, conf.d in /etc/pistack (valid, with the installed
# bundles); installed again, a configuration file the user changed is kept, with no FILE.dist
# when the default did not change.  make runs in the guest on the build the host made (-o all:
# nothing is rebuilt).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source-path=SCRIPTDIR source=install-lib.bash
. "$(dirname "$0")/install-lib.bash"

out=$(mk install 2>&1) || fail "make install: $out"
note "make install: $out"
[ -x "$root/usr/bin/pistack" ] || fail "no $root/usr/bin/pistack"
assert_eq "$("$root/usr/bin/pistack" version)" "$("$PISTACK" version)" "the installed binary's version"
for m in man8/pistack.8 man5/pistack.ini.5; do
	[ -f "$root/usr/share/man/$m" ] || fail "no man page $root/usr/share/man/$m"
done
[ -f "$root/usr/share/pistack/bundles/README.md" ] || fail "bundles/ not installed in /usr/share/pistack/bundles"
unit=$root/usr/lib/systemd/system/pistack.service
[ -f "$unit" ] || fail "no $unit"
u=$(<"$unit")
for line in "Type=notify" "ExecStart=/usr/bin/pistack daemon -f" "ExecReload=/usr/bin/pistack reload" \
	"KillMode=process" "Restart=on-failure"; do
	assert_contains "$u" $'\n'"$line"$'\n' "$unit"
done
assert_not_contains "$u" "@BINDIR@" "$unit"
# The default pistack.ini names the bundles where they were installed, and is valid.
assert_contains "$(<"$conf")" $'\n'"bundles = /usr/share/pistack/bundles"$'\n' "bundles in $conf"
# (checked with [paths] bundles pointed at the DESTDIR's, where /usr/share/pistack/bundles is).
mkdir "$tmpdir/etc"
cp -R "$root/etc/pistack/conf.d" "$tmpdir/etc/"
sed -i "s|^bundles = /usr/share/pistack/bundles\$|bundles = $root/usr/share/pistack/bundles|" "$tmpdir/etc/conf.d/pistack.ini"
out=$("$root/usr/bin/pistack" -C "$tmpdir/etc" check 2>&1) || fail "check of the installed configuration: $out"
assert_eq "$out" "configuration OK" "check of the installed configuration"
cmp -s "$conf" "$dist" || fail "$dist is not the installed default"

# ---- a second install: the user's changes stay ----
echo "; changed by the user" >>"$conf"
mine=$(<"$conf")
out=$(mk install 2>&1) || fail "make install over a changed file: $out"
assert_contains "$out" "keeping $conf (changed)" "make install over a changed file"
assert_eq "$(<"$conf")" "$mine" "the changed $conf after make install"
[ ! -e "$conf.dist" ] || fail "$conf.dist written though the default did not change"

echo "install layout OK"
