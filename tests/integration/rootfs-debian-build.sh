#!/bin/bash
# `pistack run` of a service whose debian: tree is not built builds it with a real mmdebstrap,
# in a private mount namespace: in the VM, which has no network, apt fails; pistack relays
# mmdebstrap's status and error lines, exits 125 with one error line that quotes mmdebstrap's
# last error and names the log, and leaves nothing of the tree (no KEY, no temporary directory,
# no mount) but that log.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
need mmdebstrap unshare

state=$tmpdir/state
service nb <<EOF
[service]
rootfs = debian:hello
exec = /usr/bin/hello
[network]
mode = none
EOF

# The resolver's timeouts would add a minute: pistack runs with one that refuses at once (in a
# mount namespace of its own).
echo "nameserver 127.0.0.1" >"$tmpdir/resolv.conf"
script pistack-offline <<EOF
#!/bin/sh
exec unshare -m sh -c 'mount --bind "\$0" /etc/resolv.conf && exec "\$@"' "$tmpdir/resolv.conf" "$PISTACK" "\$@"
EOF
chmod +x "$scripts/pistack-offline"
PISTACK=$scripts/pistack-offline
mounts_before=$(wc -l </proc/self/mountinfo)

run_pst run nb
assert_eq "$rc" 125 "exit status of run when mmdebstrap fails"
assert_contains "$err" "pistack: nb: building rootfs 'debian:hello' with mmdebstrap into $state/rootfs/hello-" \
	"the first line of the build"
assert_contains "$err" $'\npistack: nb: I: running apt-get update...\n' "mmdebstrap's status lines"
assert_contains "$err" $'\npistack: nb: E: ' "mmdebstrap's error lines"
last=${err##*$'\n'}
assert_contains "$last" "pistack: nb: unable to build rootfs 'debian:hello': mmdebstrap failed (exit status " \
	"the error line"
assert_contains "$last" "; see '$state/rootfs/hello-" "the error line names the log"
nb_log=$(ls "$state"/rootfs/hello-*.log)
nb_key=$(basename "$nb_log" .log)
assert_contains "$(cat "$nb_log")" "apt-get update" "the build's log"
left=$(ls -A "$state/rootfs")
assert_eq "${left//$'\n'/ }" ".$nb_key.lock $nb_key.log" "what the failed build left in $state/rootfs"
assert_eq "$(wc -l </proc/self/mountinfo)" "$mounts_before" "mounts after the failed build"
