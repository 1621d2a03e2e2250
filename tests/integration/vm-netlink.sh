#!/bin/bash
# The VM can build what pistack builds for a service's network: a bridge, a veth pair with one
# end on the bridge and the other in a new network namespace, and IPv4 traffic between them.
# Everything stays inside the guest (it has no network device; asserted first).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need ip
if command -v ping >/dev/null 2>&1; then
	PING=(ping)
else
	PING=(busybox ping) # iputils-ping is not installed everywhere; busybox is (the VM needs it)
fi

# No physical NIC: only virtual devices (no 'device' link in sysfs) may exist.
for dev in /sys/class/net/*; do
	[ ! -e "$dev/device" ] || fail "the VM has a network device: $(basename "$dev")"
done

br=pvbr$$ host=pvh$$ peer=pvp$$ ns=pistack-vmtest-$$
net=10.213.250

ip link add "$br" type bridge
on_exit "ip link del '$br'"
ip addr add "$net.1/24" dev "$br"
ip link set "$br" up

ip link add "$host" type veth peer name "$peer"
on_exit "ip link del '$host' 2>/dev/null"
ip link set "$host" master "$br"
ip link set "$host" up

ip netns add "$ns"
on_exit "ip netns del '$ns'"
ip link set "$peer" netns "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add "$net.2/24" dev "$peer"
ip -n "$ns" link set "$peer" up

# What a user would check: the bridge port, the peer gone from here and present there.
[ -e "/sys/class/net/$br/brif/$host" ] || fail "$host is not a port of $br"
assert_contains "$(ip -o link show master "$br")" "$host" "ports of $br"
[ ! -e "/sys/class/net/$peer" ] || fail "$peer is still in the initial namespace"
assert_contains "$(ip -n "$ns" -o -4 addr show dev "$peer")" "$net.2/24" "address in $ns"
assert_contains "$(ip -n "$ns" -4 route show)" "$net.0/24 dev $peer" "route in $ns"

out=$(ip netns exec "$ns" "${PING[@]}" -c1 -W2 "$net.1" 2>&1) || fail "ping $ns -> bridge: $out"
note "$out"
# iputils says "1 received", busybox "1 packets received".
[[ $out =~ [^0-9]1\ (packets\ )?received ]] || fail "ping from $ns to $net.1: no reply: $out"
out=$("${PING[@]}" -c1 -W2 "$net.2" 2>&1) || fail "ping bridge -> $ns: $out"
[[ $out =~ [^0-9]1\ (packets\ )?received ]] || fail "ping to $ns: no reply: $out"
# The replies came over the veth: its counters moved.
rx=$(cat "/sys/class/net/$host/statistics/rx_packets")
[ "$rx" -ge 2 ] || fail "$host received $rx packets, want >= 2"

# Clean-up works (deleting the namespace destroys the peer, which destroys the veth pair).
ip netns del "$ns"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -e "/sys/class/net/$host" ] || break
	sleep 0.2
done
[ ! -e "/sys/class/net/$host" ] || fail "$host survived the deletion of $ns"
ip link del "$br"
[ ! -e "/sys/class/net/$br" ] || fail "$br survived its deletion"
_lib_cleanups=()
echo "netlink OK"
