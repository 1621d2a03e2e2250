#!/bin/bash
# Malformed DNS messages to pistack's name server (truncated header, truncated question,
# compression loop, pointer past the end, huge counts, a label over 63 bytes, wrong opcode, a
# response instead of a query, random bytes) get FORMERR or NOTIMP, or are dropped; the server
# keeps answering valid queries after each, over udp and tcp.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"

need python3 dig

net_config 13
sleeper web
pst_ok start web
wait_state web running
addr=${ROW[C_ADDRESS]}
web_resolves() { [ "$(dig_short web A)" = "$addr" ]; }
wait_until 5 web_resolves || fail "web does not resolve"

cat >"$tmpdir/malformed.py" <<'EOF'
import os, socket, struct, sys
server = sys.argv[1]
def hdr(qid, flags, qd, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)
good = hdr(0x4242, 0x0100, 1) + b"\x03web\x00" + struct.pack(">HH", 1, 1)
cases = {
    "short header": b"\x12\x34\x01",
    "truncated question": hdr(1, 0x0100, 1) + b"\x03we",
    "compression loop": hdr(2, 0x0100, 1) + b"\xc0\x0c" + struct.pack(">HH", 1, 1),
    "pointer past the end": hdr(3, 0x0100, 1) + b"\xc0\xff" + struct.pack(">HH", 1, 1),
    "huge counts": hdr(4, 0x0100, 65535, 65535, 65535, 65535) + b"\x03web\x00" + struct.pack(">HH", 1, 1),
    "label over 63": hdr(5, 0x0100, 1) + b"\x40" + b"a" * 64 + b"\x00" + struct.pack(">HH", 1, 1),
    "opcode status": hdr(6, 0x1100, 1) + b"\x03web\x00" + struct.pack(">HH", 1, 1),
    "a response": hdr(7, 0x8100, 1) + b"\x03web\x00" + struct.pack(">HH", 1, 1),
    "random bytes": os.urandom(300),
    "no question": hdr(8, 0x0100, 0),
}
def ask(s, msg):
    s.send(msg)
    try:
        return s.recv(4096)
    except socket.timeout:
        return None
failed = 0
for name, msg in cases.items():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1); s.connect((server, 53))
    r = ask(s, msg)
    rcode = None if r is None or len(r) < 4 else r[3] & 0xF
    ok = r is None or rcode in (1, 4)   # dropped, FORMERR or NOTIMP
    if r is not None and len(r) >= 2 and len(msg) >= 2 and r[:2] != msg[:2]:
        ok = False                       # an answer must carry the query's ID
    if name == "a response" and r is not None:
        ok = False                       # never answer a response (reflection loops)
    s.settimeout(3)
    g = ask(s, good)
    alive = g is not None and g[3] & 0xF == 0 and struct.unpack(">H", g[6:8])[0] == 1
    print(f"{name}: {'dropped' if r is None else 'rcode %s' % rcode}; then a valid query: {'answered' if alive else 'NOT ANSWERED'}")
    failed += (not ok) + (not alive)
# tcp: a length prefix larger than what follows, then a hang-up; then a valid query over tcp
t = socket.create_connection((server, 53), timeout=3)
t.send(struct.pack(">H", 500) + b"\x00" * 10); t.close()
t = socket.create_connection((server, 53), timeout=3)
t.send(struct.pack(">H", len(good)) + good)
n = struct.unpack(">H", t.recv(2, socket.MSG_WAITALL))[0]
g = t.recv(n, socket.MSG_WAITALL)
print("tcp after a short frame:", "answered" if g[3] & 0xF == 0 else "NOT ANSWERED")
failed += g[3] & 0xF != 0
sys.exit(1 if failed else 0)
EOF
out=$(python3 "$tmpdir/malformed.py" "$gw" 2>&1) || fail "malformed queries: $out"
note "$out"
assert_eq "$(dig_short web A)" "$addr" "dig web after the malformed queries"
[ -n "$(titled "pistack: nameserver")" ] || fail "the name server is gone"
