#!/bin/bash
# rootfs = host: the host's /usr and an allow-listed /etc without secrets (shadow,
# gshadow, sudoers, ssh host keys), a read-only root with writable /tmp and /run tmpfs,
# generated /etc/hostname, /etc/hosts and /etc/resolv.conf; readonly = no makes the
# root writable (but never the host's files).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

# The secrets must exist on the (VM's throw-away copy of the) host, or their absence
# inside would prove nothing.
for f in /etc/shadow /etc/gshadow /etc/sudoers /etc/ssh/ssh_host_ed25519_key; do
	if [ ! -e "$f" ]; then
		mkdir -p "$(dirname "$f")"
		echo "pistack-test-secret" >"$f"
		chmod 0600 "$f"
		on_exit "rm -f '$f'"
	fi
done

# The checks, run by the service's shell; each write is a redirection, no process: KEY=yes|no.
cat >"$tmpdir/check.sh" <<'EOF'
# In a subshell: a failed redirection of a special builtin (:) ends the shell.
yn() { if (eval "$1") 2>/dev/null; then echo "$2=yes"; else echo "$2=no"; fi; }
yn "[ -x /usr/bin/env ]" usr
yn "[ -x /bin/sh ]" bin_sh
yn "[ -s /etc/passwd ] && [ -r /etc/passwd ]" passwd
yn "[ -e /etc/shadow ]" shadow
yn "[ -e /etc/gshadow ]" gshadow
yn "[ -e /etc/sudoers ]" sudoers
yn "[ -e /etc/ssh ]" ssh
yn ": >/root-file" root_rw
yn ": >/usr/file" usr_rw
yn ": >/etc/file" etc_rw
yn ": >>/etc/passwd" passwd_rw
yn ": >/tmp/file" tmp_rw
yn ": >/run/file" run_rw
yn ": >/var/tmp/file" vartmp_rw
echo "hostname=$(cat /etc/hostname)"
echo "hosts=$(grep -c "^127.0.1.1[[:space:]]*$(hostname)\$" /etc/hosts)"
echo "localhost=$(grep -c "^127.0.0.1[[:space:]]*localhost" /etc/hosts)"
echo "resolv_nameservers=$(grep -c nameserver /etc/resolv.conf)"
/probe mounts | grep -E "^/(tmp|run) " | while read -r m t o; do echo "mount$m=$t ${o%%,*}"; done
EOF
service hostfs <<EOF
[service]
exec = /bin/sh /check.sh
[mount]
/probe = host:$probe ro
/check.sh = host:$tmpdir/check.sh ro
[network]
mode = none
EOF
run_ok hostfs
expect usr yes
expect bin_sh yes
expect passwd yes
expect shadow no
expect gshadow no
expect sudoers no
expect ssh no
expect root_rw no
expect usr_rw no
expect etc_rw no
expect passwd_rw no
expect tmp_rw yes
expect run_rw yes
expect vartmp_rw no
expect hostname hostfs
expect hosts 1
expect localhost 1
expect resolv_nameservers 0
expect mount/tmp "tmpfs rw"
expect mount/run "tmpfs rw"

# readonly = no: the root is writable (a fresh tmpfs each run), the host's files never.
sed -i 's/^\[service\]$/[service]\nreadonly = no/' "$conf/conf.d/hostfs.ini"
run_ok hostfs
expect root_rw yes
expect etc_rw yes
expect vartmp_rw yes
expect usr_rw no
expect passwd_rw no
expect shadow no
expect tmp_rw yes
{ [ ! -e /root-file ] && [ ! -e /etc/file ]; } || fail "a write in the service reached the host's /"
run_ok hostfs -- /bin/sh -c '[ -e /root-file ] && echo kept || echo fresh'
assert_eq "$out" fresh "the root of rootfs = host after a run that wrote into it"

# mode host: the host's resolver configuration, as it is (mode none above: none at all).
grep -q nameserver /etc/resolv.conf 2>/dev/null ||
	fail "the VM has no /etc/resolv.conf with a nameserver to compare with"
service hostres <<EOF
[service]
exec = /bin/cat /etc/resolv.conf
[network]
mode = host
EOF
run_ok hostres
assert_eq "$out" "$(</etc/resolv.conf)" "/etc/resolv.conf with mode host"
