#!/bin/bash
# Published ports ([network] ports) answer from the host: tcp and udp, on a host address (a
# dummy interface the test adds) and on 127.0.0.1 — with net.ipv4.conf.all.route_localnet still 0
# (no CVE-2020-8558 trap) and no proxy process; only pistack's own nftables table is touched (a
# table the test made survives); a stopped service's rules go; masquerade is in the table with
# nat = yes.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"

need python3 curl nft ip

net_config 14
ip link add pst-dummy type dummy
on_exit "ip link del pst-dummy 2>/dev/null"
ip addr add 192.0.2.1/24 dev pst-dummy
ip link set pst-dummy up
nft add table inet othertable
nft add chain inet othertable c '{ type filter hook input priority 0; policy accept; }'
on_exit "nft delete table inet othertable 2>/dev/null"

http_service web 8080 "[network]
ports = 18080:8080/tcp"
script udpecho <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
while True:
    d, p = s.recvfrom(2048)
    s.sendto(b"echo " + d, p)
EOF
service echo <<EOF
[service]
exec = /usr/bin/python3 /udpecho
[mount]
/udpecho = host:$scripts/udpecho ro
[network]
ports = 15353:5353/udp
EOF

pst_ok start web echo
wait_state web running
wait_state echo running

assert_eq "$(sysctl -n net.ipv4.conf.all.route_localnet)" 0 "route_localnet"
# Until python listens in the service (slow to start under emulation).
wait_until 60 curl -fsS -m 2 http://192.0.2.1:18080/hello.txt >/dev/null ||
	fail "the published port does not answer on the host address 192.0.2.1:18080"
assert_eq "$(curl -fsS -m 2 http://192.0.2.1:18080/hello.txt)" "hello from web" "http://192.0.2.1:18080/"
assert_eq "$(curl -fsS -m 2 http://127.0.0.1:18080/hello.txt)" "hello from web" "http://127.0.0.1:18080/"
assert_eq "$(sysctl -n net.ipv4.conf.all.route_localnet)" 0 "route_localnet after the requests"

udp() { # udp ADDR PORT: send "ping", print the answer
	python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b"ping",(sys.argv[1],int(sys.argv[2]))); print(s.recv(100).decode())' "$@"
}
wait_until 60 udp 192.0.2.1 15353 >/dev/null 2>&1 || fail "no udp echo through 192.0.2.1:15353"
assert_eq "$(udp 192.0.2.1 15353)" "echo ping" "udp to 192.0.2.1:15353"
assert_eq "$(udp 127.0.0.1 15353)" "echo ping" "udp to 127.0.0.1:15353"

# No userland proxy: nothing listens on the published ports on the host.
assert_eq "$(ss -Hltn 'sport = :18080')" "" "host sockets on 18080"
table=$(nft list table inet pistack)
assert_contains "$table" "masquerade" "pistack's table"
assert_contains "$table" "18080" "pistack's table"
nft list table inet othertable >/dev/null || fail "pistack removed a table that is not its own"

# A stopped service's rules go with it.
pst_ok stop web
wait_until 3 sh -c "! nft list table inet pistack | grep -q 18080" || fail "web's rules stayed after its stop"
curl -fsS -m 2 http://192.0.2.1:18080/ >/dev/null 2>&1 && fail "port 18080 still answers after web's stop"
assert_contains "$(nft list table inet pistack)" "15353" "echo's rules after web's stop"

# down: the table goes; another table stays.
pst_ok down
nft list table inet pistack >/dev/null 2>&1 && fail "pistack's table is left after down"
nft list table inet othertable >/dev/null || fail "pistack removed othertable"
true
