#!/bin/bash
# Names that are not services are forwarded to the upstream resolvers: a fake resolver run by the
# test inside the VM (python3, udp and tcp on 127.0.0.2:53) answers ext.example.test; the service
# resolves it through pistack's name server, over udp and tcp; with a dead first upstream
# (nothing on 127.0.0.3) the query fails over to the second; an upstream reply that comes
# truncated over udp is retried over tcp.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"

need python3 dig getent

# The fake upstream: A 192.0.2.77 for ext.example.test, a truncated udp answer for
# big.example.test (the full answer, 192.0.2.88, only over tcp), NXDOMAIN otherwise; it logs
# "udp NAME" / "tcp NAME" per query.
cat >"$tmpdir/upstream.py" <<'EOF'
import socket, struct, sys, threading
log = open(sys.argv[1], "a", buffering=1)
def answer(q, tcp):
    qid, flags, qd = struct.unpack(">HHH", q[:6])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    name, question = ".".join(labels).lower(), q[12:i + 5]
    log.write(("tcp " if tcp else "udp ") + name + "\n")
    addr = {"ext.example.test": "192.0.2.77", "big.example.test": "192.0.2.88"}.get(name)
    if name == "big.example.test" and not tcp:
        return struct.pack(">HHHHHH", qid, 0x8380, 1, 0, 0, 0) + question
    if not addr:
        return struct.pack(">HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.2", 53))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.2", 53)); t.listen(8)
def tcp_loop():
    while True:
        c, _ = t.accept()
        n = struct.unpack(">H", c.recv(2, socket.MSG_WAITALL))[0]
        a = answer(c.recv(n, socket.MSG_WAITALL), True)
        c.sendall(struct.pack(">H", len(a)) + a); c.close()
threading.Thread(target=tcp_loop, daemon=True).start()
open(sys.argv[2], "w").close()
while True:
    q, peer = u.recvfrom(4096)
    u.sendto(answer(q, False), peer)
EOF
python3 "$tmpdir/upstream.py" "$tmpdir/upstream.log" "$tmpdir/upstream.ready" &
upstream_pid=$!
on_exit "kill $upstream_pid 2>/dev/null"
wait_until 10 test -e "$tmpdir/upstream.ready" || fail "the fake upstream did not start"

# 127.0.0.3 has no resolver: the first upstream fails, the second answers.
net_config 12 "upstream = 127.0.0.3 127.0.0.2"
sleeper client
pst_ok start client
wait_state client running

wait_until 5 "$PISTACK" -C "$conf" exec client getent hosts ext.example.test >/dev/null ||
	fail "client cannot resolve ext.example.test through the upstream"
run_pst exec client getent hosts ext.example.test
assert_eq "${out%% *}" 192.0.2.77 "getent hosts ext.example.test in client"
assert_eq "$(dig_short ext.example.test A)" 192.0.2.77 "dig ext.example.test (udp)"
assert_eq "$(dig_short +tcp ext.example.test A)" 192.0.2.77 "dig +tcp ext.example.test"
assert_eq "$(dig_status nothere.example.test A)" NXDOMAIN "the upstream's NXDOMAIN passed on"
grep -q '^udp ext.example.test$' "$tmpdir/upstream.log" || fail "the upstream saw no udp query: $(cat "$tmpdir/upstream.log")"

# Truncated over udp upstream: retried over tcp, the client gets the full answer.
assert_eq "$(dig_short +ignore big.example.test A)" 192.0.2.88 "dig big.example.test (upstream truncates udp)"
grep -q '^tcp big.example.test$' "$tmpdir/upstream.log" || fail "no tcp retry after truncation: $(cat "$tmpdir/upstream.log")"

# Service names never leave: the upstream did not see them.
dig_short web.pistack.internal A >/dev/null
assert_not_contains "$(cat "$tmpdir/upstream.log")" pistack.internal "queries the upstream saw"
