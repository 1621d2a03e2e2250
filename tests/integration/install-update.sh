#!/bin/bash
# `make install` over an earlier install whose default configuration differed: a file the user
# changed is kept and the new default goes beside it as FILE.dist; a file untouched since that
# install follows the new default.  make runs in the guest on the build the host made (-o all:
# nothing is rebuilt).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source-path=SCRIPTDIR source=install-lib.bash
. "$(dirname "$0")/install-lib.bash"
mk install >/dev/null 2>&1 || fail "make install"
[ -f "$dist" ] || fail "no pristine copy $dist"
echo "; changed by the user" >>"$conf"
mine=$(<"$conf")

# The default changed since the last install (an older one installed OLD):
# changed by the user -> kept, the new default as .dist;
sed -i 's/^hsts = .*/hsts = 600/' "$dist"
out=$(mk install 2>&1) || fail "make install with a new default: $out"
assert_contains "$out" "the new default is $conf.dist" "make install with a new default"
assert_eq "$(<"$conf")" "$mine" "the changed $conf after a new default"
[ -f "$conf.dist" ] || fail "no $conf.dist"
cmp -s "$conf.dist" "$dist" || fail "$conf.dist is not the new default"
# untouched since that install -> the new default.
sed -i 's/^hsts = .*/hsts = 600/' "$dist"
cp "$dist" "$conf"
out=$(mk install 2>&1) || fail "make install over an untouched file: $out"
assert_contains "$out" "updating $conf" "make install over an untouched file"
cmp -s "$conf" "$dist" || fail "$conf did not follow the new default"
assert_not_contains "$(<"$conf")" "hsts = 600" "$conf"
echo "install update OK"
