#!/bin/bash
# pistack's init (pid 1 of the service): it reaps orphaned zombies, passes the service's
# exit status through and ends the rest of the tree with it; the service can neither
# open nor read /proc/1/exe (CVE-2019-5736 class), and the host's pistack binary is
# nowhere in its file system.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"
need findmnt

service in <<EOF
[service]
exec = /probe zombies 5
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF

# Orphans re-parented to init are reaped.
run_ok in
expect created 5
expect zombies 0
expect zombies_total 0

# The service's status passes through init, and init's exit ends whatever the service
# left running (a background sleep here): pistack does not wait for it, nothing survives.
start=$SECONDS
run_pistack in -- /bin/sh -c '/probe sleep 300 & echo started; exit 42'
assert_eq "$rc" 42 "exit status with a background process left"
assert_eq "$out" started "output"
[ $((SECONDS - start)) -lt 20 ] || fail "pistack waited for the service's background process"
for p in /proc/[0-9]*; do
	cmd=
	IFS= read -r -d '' cmd <"$p/cmdline" 2>/dev/null || true
	[ "$cmd" != /probe ] || fail "the service's background process survived (${p#/proc/})"
done
assert_no_leftovers in

# CVE-2019-5736 class: /proc/1/exe is the host's pistack binary; the service (root with
# Docker's capabilities) can neither open it for writing nor read nor resolve it.
run_ok in -- /probe exe
case $(get pid1_exe_open_write) in EACCES | EPERM) ;; *) fail "pid1_exe_open_write: $(get pid1_exe_open_write)" ;; esac
case $(get pid1_exe_link) in EACCES | EPERM) ;; *) fail "pid1_exe_link: $(get pid1_exe_link)" ;; esac
run_pistack in -- /bin/sh -c 'cat /proc/1/exe >/dev/null 2>&1 && echo exe-readable; ls /proc/1/root/ >/dev/null 2>&1 && echo root-listable; cat /proc/1/environ >/dev/null 2>&1 && echo environ-readable; echo done'
assert_eq "$out" "done" "what the service could read of pid 1"

# The binary is not in the service's file system.  assert_hidden PATH MOUNTINFO: every
# mount (in the service's MOUNTINFO) of the file system holding PATH whose root holds it
# shows it at some path in the service, which another mount (a mask) must cover.  The
# file system is the VM mount's (stat's st_dev of a file on an overlay is its layer's).
assert_hidden() {
	local fs fsroot target file dev root mnt shown masks=" "
	read -r fs fsroot target <<<"$(findmnt -no MAJ:MIN,FSROOT,TARGET -T "$1")"
	# PATH inside its file system.
	file=${fsroot%/}/${1#"${target%/}"/}
	note "$1 is '$file' of file system $fs"
	while read -r _ _ _ _ mnt _; do masks="$masks$mnt "; done <<<"$2"
	while read -r _ _ dev root mnt _; do
		[ "$dev" = "$fs" ] || continue
		case $file in
		"$root") shown=$mnt ;;
		"${root%/}"/*) shown=${mnt%/}/${file#"${root%/}"/} ;;
		*) continue ;;
		esac
		note "mount '$mnt' (root '$root') shows $1 at '$shown'"
		case $masks in
		*" $shown "*) ;;
		*) fail "$1 is visible in the service at '$shown' (through mount '$mnt' of '$root')" ;;
		esac
	done <<<"$2"
}

# The binary under test, from the build directory.
pistack_path=$(readlink -f "$PISTACK")
run_ok in -- /bin/cat /proc/self/mountinfo
assert_hidden "$pistack_path" "$out"

# Installed as `make install` puts it (PREFIX=/usr/local; in the VM's throw-away copy of
# the host), the binary is below /usr, which rootfs = host shows: run that copy, so that
# it is both init's binary and in the service's /usr.
installed=/usr/local/bin/pistack
[ ! -e "$installed" ] || fail "$installed exists in the VM: the test would remove it"
cp "$pistack_path" "$installed"
on_exit "rm -f '$installed'"
rc=0
out=$("$installed" -C "$conf" run in -- /bin/sh -c \
	'[ -s /usr/local/bin/pistack ] && echo installed-visible; cat /proc/self/mountinfo' 2>&1) || rc=$?
note "run by $installed: exit $rc"
assert_eq "$rc" 0 "exit status of the run by $installed"
assert_hidden "$installed" "$out"
assert_not_contains "$out" installed-visible "/usr/local/bin/pistack inside"
