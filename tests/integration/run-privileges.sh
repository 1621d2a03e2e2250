#!/bin/bash
# What a service may do: root gets Docker's 14 capabilities exactly (caps, caps_add,
# caps_drop change them; none is none), another user none unless caps_add (ambient);
# no_new_privs and a seccomp filter by default; its own user's groups and none of
# pistack's; [limits] nofile; and no descriptor inherited from the caller.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"
need setpriv

docker14=00000000a80425fb

# priv NAME [SECTION-LINES]: a service running `probe status`, the lines appended.
priv() {
	{
		printf '[service]\nexec = /probe status\n'
		cat
		printf '[mount]\n/probe = host:%s ro\n[network]\nmode = none\n' "$probe"
	} >"$conf/conf.d/$1.ini"
}
# expect_caps INH PRM EFF BND AMB
expect_caps() {
	assert_eq "$(get CapInh) $(get CapPrm) $(get CapEff) $(get CapBnd) $(get CapAmb)" "$*" \
		"CapInh CapPrm CapEff CapBnd CapAmb"
}

priv pdef </dev/null
run_ok pdef
expect_caps 0000000000000000 $docker14 $docker14 $docker14 0000000000000000
expect NoNewPrivs 1
expect Seccomp 2

priv pnone <<'EOF'
[security]
caps = none
EOF
run_ok pnone
expect_caps 0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000

# caps_drop CHOWN (bit 0) and NET_RAW (13), caps_add SYS_ADMIN (21).
priv pmod <<'EOF'
[security]
caps_drop = CHOWN NET_RAW
caps_add = SYS_ADMIN
EOF
run_ok pmod
expect_caps 0000000000000000 00000000a82405fa 00000000a82405fa 00000000a82405fa 0000000000000000

# An explicit list: KILL (5) and NET_BIND_SERVICE (10).
priv plist <<'EOF'
[security]
caps = KILL NET_BIND_SERVICE
EOF
run_ok plist
expect_caps 0000000000000000 0000000000000420 0000000000000420 0000000000000420 0000000000000000

# Another user: nothing effective; the bounding set still limits what exec could give.
priv pnobody <<'EOF'
user = nobody
EOF
run_ok pnobody
expect_caps 0000000000000000 0000000000000000 0000000000000000 $docker14 0000000000000000
expect NoNewPrivs 1
# caps_add reaches another user as an ambient capability (it survives the exec).
priv pamb <<'EOF'
user = nobody
[security]
caps_add = NET_BIND_SERVICE
EOF
run_ok pamb
expect_caps 0000000000000400 0000000000000400 0000000000000400 $docker14 0000000000000400

priv pnnp <<'EOF'
[security]
no_new_privs = no
EOF
run_ok pnnp
expect NoNewPrivs 0
expect Seccomp 2

# Groups: the user's own from the rootfs's etc/group, primary first; pistack's own
# supplementary groups never reach the service.
rfs=$tmpdir/rfs
mkdir -p "$rfs/etc"
cp "$probe" "$rfs/probe"
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$rfs/etc/passwd"
printf 'root:x:0:\nalice:x:1000:\nstaff:x:2000:bob,alice\nother:x:3000:bob\naudio:x:29:alice\n' >"$rfs/etc/group"
service pgrp <<EOF
[service]
rootfs = dir:$rfs
exec = /probe id
user = alice
[network]
mode = none
EOF
rc=0
out=$(setpriv --groups 4242,4343 -- "$PISTACK" -C "$conf" run pgrp 2>&1) || rc=$?
note "pgrp: exit $rc: $out"
assert_eq "$rc" 0 "exit status of pgrp"
expect uid 1000
expect gid 1000
expect groups 29,1000,2000 # the kernel keeps them sorted
rc=0
out=$(setpriv --groups 4242,4343 -- "$PISTACK" -C "$conf" run pdef -- /probe id 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of pdef -- /probe id"
expect groups "$(id -G root | tr ' ' ,)"

# RLIMIT_NOFILE: [limits] nofile (soft and hard), 1024 by default.
run_ok pdef -- /bin/sh -c 'ulimit -Sn; ulimit -Hn'
assert_eq "$out" $'1024\n1024' "default nofile (soft, hard)"
priv pfiles <<'EOF'
[limits]
nofile = 512
EOF
run_ok pfiles -- /bin/sh -c 'ulimit -Sn; ulimit -Hn'
assert_eq "$out" $'512\n512' "nofile = 512 (soft, hard)"

# Descriptors: only 0, 1, 2 (and the directory ls reads), though the caller has fd 7 open.
exec 7</etc/hostname
run_ok pdef -- /bin/ls /proc/self/fd
exec 7<&-
assert_eq "${out//$'\n'/ }" "0 1 2 3" "descriptors of the service"
