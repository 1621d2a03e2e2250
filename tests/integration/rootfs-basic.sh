#!/bin/bash
# `pistack run` of a rootfs = host service shows what a service should see: a read-only
# root without host secrets, exactly the standard /dev, writable /tmp and volumes,
# nosuid/nodev everywhere, masked /proc files; the host's mount table is left as it was,
# and a volume whose sub-directory was replaced by a symlink out of it is refused.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "$PISTACK" ] || fail "no pistack binary at '$PISTACK' (build it first: make)"

conf=$tmpdir/conf
data=$tmpdir/data
mkdir -p "$conf/conf.d" "$conf/bundles/rfs" "$data/hostdir"
echo host-file >"$data/hostdir/file"
cat >"$conf/conf.d/pistack.ini" <<EOF
[paths]
volumes = $data/vol
state = $data/state
run = $data/run
logs = $data/logs
EOF
cat >"$conf/bundles/rfs/bundle.ini" <<EOF
[service]
rootfs = host
exec = /bin/sh /probe.sh
user = nobody
[mount]
/probe.sh = bundle:probe.sh
/data = volume
/srv/www = volume:www ro
/media = host:$data/hostdir ro
/cache = tmpfs:1M
[network]
mode = none
EOF
printf '[service]\n' >"$conf/conf.d/rfs.ini"
# The probe prints KEY=VALUE lines.
cat >"$conf/bundles/rfs/probe.sh" <<'EOF'
yn() { if "$@" 2>/dev/null; then echo yes; else echo no; fi; }
echo "uid=$(id -u)"
echo "hostname=$(cat /etc/hostname)"
echo "shadow=$(yn test -e /etc/shadow)"
echo "ssh=$(yn test -e /etc/ssh)"
echo "pistack_conf=$(yn test -e /etc/pistack)"
echo "passwd=$(yn test -s /etc/passwd)"
echo "root_rw=$(yn touch /probe-root)"
echo "usr_rw=$(yn touch /usr/probe)"
echo "tmp_rw=$(yn touch /tmp/probe)"
echo "data_rw=$(yn touch /data/probe)"
echo "www_rw=$(yn touch /srv/www/probe)"
echo "media=$(cat /media/file)"
echo "dev=$(ls /dev | tr '\n' ' ')"
echo "dev_rw=$(yn touch /dev/probe)"
echo "null_w=$(yn sh -c 'echo x >/dev/null')"
echo "kcore=$(if [ -e /proc/kcore ]; then wc -c </proc/kcore; else echo absent; fi)"
echo "sysrq_rw=$(yn sh -c 'echo h >/proc/sysrq-trigger')"
# Mounts without nosuid, and mounts with dev: only the /dev nodes and devpts may have it
# (and /dev/null bound over masked /proc files, which reads as empty).
echo "suid_mounts=$(awk '$6 !~ /nosuid/ { print $5 }' /proc/self/mountinfo | tr '\n' ' ')"
echo "dev_mounts=$(awk '$6 !~ /nodev/ && $5 !~ "^/proc/" { print $5 }' /proc/self/mountinfo | sort |
	tr '\n' ' ')"
EOF

mounts_before=$(wc -l </proc/self/mountinfo)
rc=0
out=$("$PISTACK" -C "$conf" run --rm rfs 2>&1) || rc=$?
note "pistack run --rm rfs -> exit $rc:"
note "$out"
assert_eq "$rc" 0 "exit status of 'pistack run --rm rfs'"
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }

assert_eq "$(get uid)" 65534 "user inside"
assert_eq "$(get hostname)" rfs "/etc/hostname"
assert_eq "$(get shadow)" no "/etc/shadow visible"
assert_eq "$(get ssh)" no "/etc/ssh visible"
assert_eq "$(get pistack_conf)" no "/etc/pistack visible"
assert_eq "$(get passwd)" yes "/etc/passwd present"
assert_eq "$(get root_rw)" no "root writable"
assert_eq "$(get usr_rw)" no "/usr writable"
assert_eq "$(get tmp_rw)" yes "/tmp writable"
assert_eq "$(get data_rw)" yes "volume /data writable"
assert_eq "$(get www_rw)" no "read-only volume /srv/www writable"
assert_eq "$(get media)" host-file "host:$data/hostdir at /media"
assert_eq "$(get dev)" "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " \
	"/dev contents"
assert_eq "$(get dev_rw)" no "/dev writable"
assert_eq "$(get null_w)" yes "/dev/null writable"
case $(get kcore) in absent | 0) ;; *) fail "/proc/kcore not masked: $(get kcore) bytes" ;; esac
assert_eq "$(get sysrq_rw)" no "/proc/sysrq-trigger writable"
assert_eq "$(get suid_mounts)" "" "mounts without nosuid"
assert_eq "$(get dev_mounts)" "/dev/full /dev/null /dev/pts /dev/random /dev/tty /dev/urandom /dev/zero " \
	"mounts without nodev"

# What the host sees afterwards: the same mount table, the volume file, no runtime files.
assert_eq "$(wc -l </proc/self/mountinfo)" "$mounts_before" "host mount count after the run"
[ -e "$data/vol/rfs/probe" ] || fail "the file written to /data is not in $data/vol/rfs"
assert_eq "$(stat -c %u "$data/vol/rfs/probe")" 65534 "owner of the file written to /data"
[ ! -e "$data/run/containers/rfs" ] || fail "$data/run/containers/rfs left behind"

# The service owns its volume: replacing a sub-directory by a symlink to a host directory
# must not make pistack bind that host directory.
rm -rf "$data/vol/rfs/www"
ln -s /etc "$data/vol/rfs/www"
rc=0
out=$("$PISTACK" -C "$conf" run --rm rfs 2>&1) || rc=$?
note "with a symlinked volume: exit $rc: $out"
assert_eq "$rc" 125 "exit status with a volume symlink out of the volume"
assert_contains "$out" "unable to create volume '$data/vol/rfs/www'" "error message"
assert_contains "$out" "a symlink in it leads out of the volume" "error message"
assert_eq "$(wc -l </proc/self/mountinfo)" "$mounts_before" "host mount count after the refused run"
