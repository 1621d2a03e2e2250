# Helpers for the install tests (tests/integration/install-*.sh); source after lib.sh.
# Not a test itself: tests/vm/run only runs *.sh files.
# shellcheck shell=bash

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
