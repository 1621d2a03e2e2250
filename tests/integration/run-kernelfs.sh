#!/bin/bash
# /proc, /sys and /dev of a service: Docker's masked paths hidden, /proc/sys and the
# other kernel tunables read-only, /sys read-only, and /dev holding exactly the standard
# nodes and links (null zero full random urandom tty, fd stdin stdout stderr ptmx, pts
# shm mqueue), read-only itself with working nodes.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=run-lib.bash
. "$(dirname "$0")/run-lib.bash"

# Masks must hide something that is there: the VM's kernel has these.
for f in /proc/kcore /proc/keys /proc/timer_list /proc/interrupts /sys/firmware; do
	[ -e "$f" ] || fail "the VM has no $f: the masks cannot be checked"
done

service kfs <<EOF
[service]
exec = /probe masked
[mount]
/probe = host:$probe ro
[network]
mode = none
EOF
run_ok kfs
for p in /proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list \
	/proc/timer_stats /proc/sched_debug /proc/scsi /proc/interrupts /sys/firmware \
	/sys/devices/virtual/powercap; do
	expect "$p" masked
done
for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
	case $(get "$p") in
	ro) ;;
	absent) [ ! -e "$p" ] || fail "$p absent inside, present on the host" ;;
	*) fail "$p: got '$(get "$p")', want ro" ;;
	esac
done

# Writes to the kernel's files fail (as root with the default capabilities); the
# masked files read as empty.
# shellcheck disable=SC2016 # expanded by the service's shell
run_ok kfs -- /bin/sh -c '
	w() { if (echo "$2" >"$1") 2>/dev/null; then echo "$1=written"; else echo "$1=refused"; fi; }
	w /proc/sys/kernel/hostname hacked; w /proc/sysrq-trigger h; w /sys/kernel/uevent_helper /x
	w /sys/fs/cgroup/cgroup.procs 1; w /dev/new-file x; w /dev/null x
	echo "kcore_bytes=$(head -c 16 /proc/kcore | wc -c)"; echo "keys_lines=$(wc -l </proc/keys)"
	/probe mounts | grep -E "^/(sys|proc|dev) " | while read -r m t o; do echo "mount$m=$t ${o%%,*}"; done
	/probe write /dev/full
	echo "zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")"
	echo "urandom_bytes=$(head -c 8 /dev/urandom | wc -c)"'
expect /proc/sys/kernel/hostname refused
expect /proc/sysrq-trigger refused
expect /sys/kernel/uevent_helper refused
expect /sys/fs/cgroup/cgroup.procs refused
expect /dev/new-file refused
expect /dev/null written
expect kcore_bytes 0
expect keys_lines 0
expect mount/sys "sysfs ro"
expect mount/proc "proc rw"
expect mount/dev "tmpfs ro"
expect /dev/full ENOSPC
expect zero 00000000
expect urandom_bytes 8
[ "$(hostname)" != hacked ] || fail "the service changed the host name"

# /dev: exactly these entries, with the right device numbers.
run_ok kfs -- /probe dev
want="/dev/fd l -> /proc/self/fd
/dev/full c 1:7
/dev/mqueue d
/dev/null c 1:3
/dev/ptmx l -> pts/ptmx
/dev/pts d
/dev/pts/ptmx c 5:2
/dev/random c 1:8
/dev/shm d
/dev/stderr l -> /proc/self/fd/2
/dev/stdin l -> /proc/self/fd/0
/dev/stdout l -> /proc/self/fd/1
/dev/tty c 5:0
/dev/urandom c 1:9
/dev/zero c 1:5"
assert_eq "$out" "$want" "the entries of /dev"
