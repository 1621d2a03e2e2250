#!/bin/bash
# A service runs in its own mount, uts, ipc, net, cgroup and pid namespaces: pistack's
# init is pid 1 and the service pid 2, the host name is the service's, the cgroup
# namespace starts at the service's cgroup; network mode none has only lo (up), mode host
# the host's interfaces; with userns = yes, container root is an unprivileged host uid.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"
need ip readlink

# A host interface that only a service sharing the host's network can see.
ip link add pst-dummy0 type dummy 2>/dev/null || skip "no dummy interfaces in this kernel"
on_exit "ip link del pst-dummy0"

nslist="mnt uts ipc net cgroup pid user"
nspaths=
for ns in $nslist; do nspaths="$nspaths /proc/self/ns/$ns"; done

service ns <<EOF
[service]
exec = /probe id
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF

run_ok ns
expect pid 2
expect ppid 1
expect hostname ns

# pid 1 is pistack's init, named after the service; the namespaces are new.
# shellcheck disable=SC2016 # expanded by the service's shell
run_ok ns -- /bin/sh -c 'tr "\0" "\n" </proc/1/cmdline | head -n 1; cat /etc/hostname; cat /proc/self/cgroup; readlink '"$nspaths"'; /probe net'
mapfile -t lines <<<"$out"
assert_eq "${lines[0]%"${lines[0]##*[! ]}"}" "pistack: init ns" "/proc/1/cmdline"
assert_eq "${lines[1]}" ns "/etc/hostname"
assert_eq "${lines[2]}" "0::/" "/proc/self/cgroup"
# shellcheck disable=SC2086 # one word per path
host_text=$(readlink $nspaths)
mapfile -t host_ns <<<"$host_text"
j=0
for ns in $nslist; do
	inside=${lines[j + 3]} host=${host_ns[j]}
	j=$((j + 1))
	{ [ -n "$inside" ] && [ -n "$host" ]; } || fail "no $ns namespace link (inside '$inside', host '$host')"
	if [ "$ns" = user ]; then
		assert_eq "$inside" "$host" "user namespace without userns"
	else
		[ "$inside" != "$host" ] || fail "$ns namespace is the host's: $inside"
	fi
done
i=$((j + 3))
# mode none: only lo, up.
assert_eq "${lines[*]:i}" "lo=UP,LOOPBACK,RUNNING lo.addr=127.0.0.1" "interfaces with mode none"

# [service] hostname names the host inside (uname, /etc/hostname, /etc/hosts).
service nshost <<EOF
[service]
exec = /bin/sh -c 'hostname; cat /etc/hostname; grep -c custom-host /etc/hosts'
hostname = custom-host
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF
run_ok nshost
assert_eq "$out" $'custom-host\ncustom-host\n1' "hostname, /etc/hostname, /etc/hosts with hostname = custom-host"

# mode host: the host's network namespace and its interfaces.
service nsnet <<EOF
[service]
exec = /bin/sh -c 'readlink /proc/self/ns/net; /probe net'
[mount]
/probe = host:$probe ro
[network]
mode = host
EOF
run_ok nsnet
mapfile -t lines <<<"$out"
assert_eq "${lines[0]}" "$(readlink /proc/self/ns/net)" "network namespace with mode host"
assert_contains "$out" "pst-dummy0=" "host interface seen with mode host"
assert_contains "$out" "lo=UP,LOOPBACK" "lo with mode host"

# userns = yes: root inside is the first uid of a leased range of 65536 host uids.
mkdir -m 0700 "$tmpdir/secret"
echo secret >"$tmpdir/secret/file"
chmod 0600 "$tmpdir/secret/file"
service nsuser <<EOF
[service]
exec = /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; id -u; : >/data/made-by-root && echo wrote; cat /secret/file 2>/dev/null || echo secret-unreadable'
[security]
userns = yes
[mount]
/probe = host:$probe ro
/data = volume
/secret = host:$tmpdir/secret ro
[network]
mode = none
EOF
run_ok nsuser
mapfile -t lines <<<"$out"
base=$(<"$state/userns/nsuser")
note "uid range lease: $base"
[ "$base" -ge 65536 ] || fail "userns base $base is not an unprivileged range"
read -r a b c <<<"${lines[0]}"
assert_eq "$a $b $c" "0 $base 65536" "uid_map inside"
read -r a b c <<<"${lines[1]}"
assert_eq "$a $b $c" "0 $base 65536" "gid_map inside"
[ "${lines[2]}" != "$(readlink /proc/self/ns/user)" ] || fail "user namespace is the host's with userns = yes"
assert_eq "${lines[3]}" 0 "uid inside"
assert_eq "${lines[4]}" wrote "write to the volume as container root"
# Not host root: its file belongs to the mapped host uid, and a root-only host file stays closed.
assert_eq "$(stat -c %u:%g "$vol/nsuser/made-by-root")" "$base:$base" "host owner of a file made by container root"
assert_eq "$(stat -c %u "$vol/nsuser")" "$base" "host owner of the volume of a userns service"
assert_eq "${lines[5]}" secret-unreadable "a root-only host file read by container root"
# The same service without userns is host root and can read it: the check above can fail.
sed -i 's/^userns = yes/userns = no/' "$conf/conf.d/nsuser.ini"
run_pistack nsuser -- /bin/cat /secret/file
assert_eq "$out" secret "root-only file read without userns"
