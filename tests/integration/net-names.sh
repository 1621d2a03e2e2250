#!/bin/bash
# Services on the intercontainer bridge reach each other by name, as on a Docker network: each
# gets an address (shown by `status`), eth0 with the bridge's MTU, a default route via the
# bridge, /etc/resolv.conf pointing at pistack's name server; `getent hosts` and a real TCP
# request by name work; dig gets A and PTR for NAME and NAME.DOMAIN (any case, trailing dot)
# over udp and tcp, NODATA for AAAA, NXDOMAIN for unknown names of the domain; the name goes
# when the service stops (the time it took is noted); a restarted service keeps its address; the name server runs
# unprivileged, titled `pistack: nameserver`, bound to the bridge address only.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"

need python3 dig getent ip ss

net_config 11
http_service web 8080
sleeper client

pst_ok start web client
wait_state web running
web_addr=${ROW[C_ADDRESS]}
wait_state client running
client_addr=${ROW[C_ADDRESS]}
[[ $web_addr == "$subnet_prefix"* ]] || fail "web's address '$web_addr' is not in ${subnet_prefix}0/24"
[[ $client_addr == "$subnet_prefix"* ]] || fail "client's address '$client_addr' is not in ${subnet_prefix}0/24"
[ "$web_addr" != "$client_addr" ] || fail "web and client share the address $web_addr"
[ "$web_addr" != "$gw" ] || fail "web got the bridge's address"

# ---- inside: eth0, route, resolv.conf, hosts ----
run_pst exec client cat /etc/resolv.conf
assert_contains "$out" "nameserver $gw" "client's /etc/resolv.conf"
assert_contains "$out" "search pistack.internal" "client's /etc/resolv.conf"
run_pst exec client cat /sys/class/net/eth0/mtu
assert_eq "$out" "$(cat /sys/class/net/"$bridge"/mtu)" "eth0's MTU in client"
run_pst exec client cat /proc/net/route
assert_contains "$out" $'eth0\t00000000\t' "client's default route"
run_pst exec client cat /etc/hosts
assert_contains "$out" "$client_addr" "client's /etc/hosts names its own address"

# ---- by name ----
wait_until 5 "$PISTACK" -C "$conf" exec client getent hosts web >/dev/null ||
	fail "client cannot resolve 'web'"
run_pst exec client getent hosts web
assert_eq "${out%% *}" "$web_addr" "getent hosts web in client"
run_pst exec client getent hosts web.pistack.internal
assert_eq "${out%% *}" "$web_addr" "getent hosts web.pistack.internal in client"
fetch='import urllib.request; print(urllib.request.urlopen("http://web:8080/hello.txt", timeout=5).read().decode(), end="")'
# Until python listens in web (slow to start under emulation).
wait_until 60 "$PISTACK" -C "$conf" exec client python3 -c "$fetch" >/dev/null 2>&1 ||
	fail "client gets no answer from http://web:8080/"
run_pst exec client python3 -c "$fetch"
assert_eq "$rc" 0 "a request from client to http://web:8080/ ($err)"
assert_eq "$out" "hello from web" "answer of http://web:8080/hello.txt from client"

# ---- dig: A, PTR, case, trailing dot, udp and tcp, NODATA, NXDOMAIN ----
assert_eq "$(dig_short web A)" "$web_addr" "dig web A"
assert_eq "$(dig_short WEB.Pistack.Internal. A)" "$web_addr" "dig WEB.Pistack.Internal. A"
assert_eq "$(dig_short +tcp web.pistack.internal A)" "$web_addr" "dig +tcp web.pistack.internal A"
assert_eq "$(dig_short -x "$web_addr")" "web.pistack.internal." "dig -x $web_addr"
assert_eq "$(dig_short +tcp -x "$client_addr")" "client.pistack.internal." "dig +tcp -x $client_addr"
assert_eq "$(dig_status web AAAA)" NOERROR "status of web AAAA"
assert_eq "$(dig_short web AAAA)" "" "answer of web AAAA (NODATA)"
assert_eq "$(dig_status nosuch.pistack.internal A)" NXDOMAIN "status of nosuch.pistack.internal"
assert_eq "$(dig_status +tcp nosuch.pistack.internal A)" NXDOMAIN "status of nosuch.pistack.internal over tcp"

# ---- the name server: unprivileged, on the bridge address only ----
ns=$(titled "pistack: nameserver")
[[ $ns =~ ^[0-9]+$ ]] || fail "no single 'pistack: nameserver' process: '$ns'"
uid=$(status_field "$ns" Uid)
[ "${uid%%[[:space:]]*}" != 0 ] || fail "the name server runs as root: $uid"
assert_eq "$(status_field "$ns" CapEff)" 0000000000000000 "the name server's effective capabilities"
assert_eq "$(status_field "$ns" NoNewPrivs)" 1 "the name server's no_new_privs"
assert_eq "$(status_field "$ns" Seccomp)" 2 "the name server's seccomp mode"
listen="$(ss -Hlnu 'sport = :53' 2>/dev/null) $(ss -Hlnt 'sport = :53' 2>/dev/null)"
assert_contains "$listen" "$gw:53" "sockets on port 53"
assert_not_contains "$listen" "0.0.0.0:53" "sockets on port 53"

# ---- a stop removes the name, a restart keeps the address ----
pst_ok stop web
t0=${EPOCHREALTIME/./}
web_unknown() { [ "$(dig_status web.pistack.internal A)" = NXDOMAIN ]; }
wait_until 10 web_unknown || fail "web still resolves after its stop"
note "web unresolvable $(((${EPOCHREALTIME/./} - t0) / 1000)) ms after stop returned"
pst_ok start web
wait_state web running
assert_eq "${ROW[C_ADDRESS]}" "$web_addr" "web's address after a stop and start"
web_resolves() { [ "$(dig_short web A)" = "$web_addr" ]; }
wait_until 10 web_resolves || fail "web does not resolve again after its start"
pst_ok restart client
wait_state client running
assert_eq "${ROW[C_ADDRESS]}" "$client_addr" "client's address after a restart"
grep -q "^web $web_addr " "$tmpdir/state/leases" || fail "no lease of web in $tmpdir/state/leases: $(cat "$tmpdir/state/leases")"

# ---- down removes the veths; the bridge stays ----
pst_ok down
no_veths() { [ -z "$(ip -o link show master "$bridge" 2>/dev/null)" ]; }
wait_until 5 no_veths ||
	fail "veths left on $bridge after down: $(ip -o link show master "$bridge")"
ip link show "$bridge" >/dev/null 2>&1 || fail "the bridge $bridge went away with down"
