#!/bin/bash
# [mount]: a volume keeps its files between runs (VOLUMES/NAME on the host);
# volume:SUB is created owned by the service's user; ro refuses writes; tmpfs:SIZE has
# that size; host: and bundle: sources; every mount is nosuid and nodev (a set-uid
# root binary and a device node in a volume do nothing).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

mkdir -p "$tmpdir/host-ro" "$tmpdir/host-rw" "$conf/bundles/mnt"
echo host-file >"$tmpdir/host-ro/file"
chmod 0777 "$tmpdir/host-rw"
echo "bundle-config" >"$conf/bundles/mnt/app.conf"
cat >"$conf/bundles/mnt/bundle.ini" <<EOF
[service]
exec = /bin/sh /check.sh
user = nobody
[mount]
/data = volume
/srv/www = volume:www
/srv/ro = volume:ro ro
/cache = tmpfs:2M
/media = host:$tmpdir/host-ro ro
/shared = host:$tmpdir/host-rw
/etc/app.conf = bundle:app.conf ro
/probe = host:$probe ro
/check.sh = host:$tmpdir/check.sh ro
[network]
mode = none
EOF
printf '[service]\n' >"$conf/conf.d/mnt.ini"
cat >"$tmpdir/check.sh" <<'EOF'
# In a subshell: a failed redirection of a special builtin (:) ends the shell.
yn() { if (eval "$1") 2>/dev/null; then echo "$2=yes"; else echo "$2=no"; fi; }
n=$(cat /data/counter 2>/dev/null || echo 0)
echo "previous=$n"
echo $((n + 1)) >/data/counter
echo "counter=$(cat /data/counter)"
yn ": >/srv/www/file" www_rw
yn ": >/srv/ro/file" ro_rw
yn ": >/cache/file" cache_rw
df -P -k /cache | sed -n '2s/^[^ ]* *\([0-9]*\) .*/cache_kb=\1/p'
echo "media=$(cat /media/file)"
yn ": >/media/new" media_rw
yn "echo from-service >/shared/file" shared_rw
echo "app_conf=$(cat /etc/app.conf)"
yn ": >/etc/app.conf" app_conf_rw
EOF

run_ok mnt
expect previous 0
expect counter 1
expect www_rw yes
expect ro_rw no
expect cache_rw yes
expect cache_kb 2048
expect media host-file
expect media_rw no
expect shared_rw yes
expect app_conf bundle-config
expect app_conf_rw no
# On the host: the volume, its sub-directories owned by the service's user.
assert_eq "$(cat "$vol/mnt/counter")" 1 "VOLUMES/mnt/counter on the host"
assert_eq "$(stat -c %u:%g "$vol/mnt/counter")" 65534:65534 "owner of a file the service wrote"
assert_eq "$(stat -c %u:%g:%a "$vol/mnt/www")" 65534:65534:755 "owner and mode of volume:www"
assert_eq "$(stat -c %u:%g "$vol/mnt/ro")" 65534:65534 "owner of volume:ro"
[ ! -e "$vol/mnt/ro/file" ] || fail "a write to the read-only volume reached the host"
assert_eq "$(cat "$tmpdir/host-rw/file")" from-service "host:$tmpdir/host-rw written by the service"
[ ! -e "$tmpdir/host-ro/new" ] || fail "a write to the read-only host mount reached the host"
assert_eq "$(cat "$conf/bundles/mnt/app.conf")" bundle-config "the bundle file after the run"

# The next run finds the volume's file.
run_ok mnt
expect previous 1
expect counter 2

# nosuid and nodev on every mount: only the /dev nodes and devpts may allow devices
# (and the /proc files masked with /dev/null, which read as empty).
run_ok mnt -- /probe mounts
suid='' dev=''
while read -r target fstype options; do
	case ,$options, in *,nosuid,*) ;; *) suid="$suid $target" ;; esac
	case ,$options, in
	*,nodev,*) ;;
	*) case $target in
		/dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | /dev/tty | /dev/pts) ;;
		/proc/*) [ "$fstype" = devtmpfs ] || dev="$dev $target" ;;
		*) dev="$dev $target" ;;
		esac ;;
	esac
done <<<"$out"
assert_eq "$suid" "" "mounts without nosuid"
assert_eq "$dev" "" "mounts without nodev"

# And they work: a set-uid root copy of the probe in the volume runs as the user (even
# without no_new_privs, which would stop it too), a device node there cannot be opened.
cp "$probe" "$vol/mnt/suid-probe"
chown 0:0 "$vol/mnt/suid-probe"
chmod 4755 "$vol/mnt/suid-probe"
mknod -m 0666 "$vol/mnt/null" c 1 3
cat >"$conf/conf.d/mnt.ini" <<'EOF'
[service]
exec = /bin/sh -c '/data/suid-probe id; echo x >/data/null && echo dev_w=yes || echo dev_w=no'
[security]
no_new_privs = no
EOF
run_pistack mnt
expect uid 65534
expect euid 65534
expect dev_w no
# Without nosuid, the same binary would have run as root: check it on the host.
assert_eq "$(setpriv --reuid=65534 --regid=65534 --clear-groups "$vol/mnt/suid-probe" id | sed -n 's/^euid=//p')" 0 \
	"euid of the set-uid probe run on the host (the check above can fail)"
assert_no_leftovers mnt
