#!/bin/bash
# A WebSocket through the gateway, over http and https: the upgrade reaches the service (which
# does the RFC 6455 handshake itself), its 101 and the frame it sends along with it come back,
# then text, a 200 kB binary message (64-bit length), a fragmented message and a ping are
# echoed, and a close handshake ends the connection on both sides. Two sockets at once work
# independently.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
# shellcheck source-path=SCRIPTDIR source=gw-lib.bash
. "$(dirname "$0")/gw-lib.bash"

need python3 curl

gw_config 24

# The service: a plain request gets "ws ready"; an upgrade gets 101 plus, in the same write, a
# text frame "welcome PROTO" (PROTO from X-Forwarded-Proto); then every data frame is echoed
# as it came (unmasked), a ping gets its pong, a close is answered with the same close and the
# connection ends.
script ws.py <<'EOF'
import base64, hashlib, socket, struct, sys, threading
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def frame(op, payload, fin=True):
    n = len(payload)
    b0 = (0x80 if fin else 0) | op
    if n < 126:
        return bytes([b0, n]) + payload
    if n < 65536:
        return bytes([b0, 126]) + struct.pack("!H", n) + payload
    return bytes([b0, 127]) + struct.pack("!Q", n) + payload

class Reader:
    def __init__(self, c, buf):
        self.c, self.buf = c, buf
    def take(self, n):
        while len(self.buf) < n:
            chunk = self.c.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

def handle(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = c.recv(4096)
        if not chunk:
            return
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        fields[k.strip().lower()] = v.strip()
    if fields.get(b"upgrade", b"").lower() != b"websocket":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nws ready\n")
        return
    accept = base64.b64encode(hashlib.sha1(fields[b"sec-websocket-key"] + GUID).digest())
    proto = fields.get(b"x-forwarded-proto", b"none")
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + frame(1, b"welcome " + proto))
    r = Reader(c, rest)
    while True:
        b0, b1 = r.take(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", r.take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", r.take(8))[0]
        if not b1 & 0x80:
            c.sendall(frame(8, struct.pack("!H", 1002)))
            return
        mask = r.take(4)
        data = bytes(x ^ mask[i % 4] for i, x in enumerate(r.take(n)))
        op = b0 & 0x0F
        if op == 8:
            c.sendall(frame(8, data))
            return
        if op == 9:
            c.sendall(frame(10, data))
        elif op in (0, 1, 2):
            c.sendall(frame(op, data, bool(b0 & 0x80)))

def serve(c):
    try:
        handle(c)
    except (EOFError, OSError):
        pass
    finally:
        c.close()

s = socket.create_server(("0.0.0.0", int(sys.argv[1])), backlog=64)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
service ws <<EOF
[service]
exec = /usr/bin/python3 /ws.py 8080
[mount]
/ws.py = host:$scripts/ws.py ro
[http]
hosts = ws.test
port = 8080
EOF

# The client: ws_client.py PORT tls|plain TAG; prints one line per step that worked and
# exits 1 at the first that did not.
script ws_client.py <<'EOF'
import base64, hashlib, os, socket, ssl, struct, sys
port, mode, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def die(msg):
    print("FAIL", msg)
    sys.exit(1)

s = socket.create_connection(("127.0.0.1", port), timeout=60)
if mode == "tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(s, server_hostname="ws.test")
key = base64.b64encode(os.urandom(16))
s.sendall(b"GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    c = s.recv(65536)
    if not c:
        die("connection closed before the 101: %r" % buf[:200])
    buf += c
head, buf = buf.split(b"\r\n\r\n", 1)
lines = head.split(b"\r\n")
fields = {}
for line in lines[1:]:
    k, _, v = line.partition(b":")
    fields[k.strip().lower()] = v.strip()
if lines[0].split()[1] != b"101":
    die("status %r" % lines[0])
want = base64.b64encode(hashlib.sha1(key + GUID).digest())
if fields.get(b"sec-websocket-accept") != want:
    die("Sec-WebSocket-Accept %r, want %r" % (fields.get(b"sec-websocket-accept"), want))
if fields.get(b"upgrade", b"").lower() != b"websocket" or b"upgrade" not in fields.get(b"connection", b"").lower():
    die("Upgrade/Connection fields of the 101: %r" % head)
print("101 with the right Sec-WebSocket-Accept")

def take(n):
    global buf
    while len(buf) < n:
        c = s.recv(65536)
        if not c:
            raise EOFError
        buf += c
    out, buf = buf[:n], buf[n:]
    return out

def recv_frame():
    b0, b1 = take(2)
    if b1 & 0x80:
        die("the server masked a frame")
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", take(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", take(8))[0]
    return b0 & 0x0F, bool(b0 & 0x80), take(n)

def send_frame(op, payload, fin=True):
    mask = os.urandom(4)
    n = len(payload)
    b0 = (0x80 if fin else 0) | op
    if n < 126:
        h = bytes([b0, 0x80 | n])
    elif n < 65536:
        h = bytes([b0, 0x80 | 126]) + struct.pack("!H", n)
    else:
        h = bytes([b0, 0x80 | 127]) + struct.pack("!Q", n)
    s.sendall(h + mask + bytes(x ^ mask[i % 4] for i, x in enumerate(payload)))

op, fin, data = recv_frame()
print("welcome frame:", op, data.decode())
text = ("hello " + tag).encode()
send_frame(1, text)
op, fin, data = recv_frame()
if (op, fin, data) != (1, True, text):
    die("text echo: %r" % ((op, fin, data[:50]),))
print("text echoed")
blob = os.urandom(200000)
send_frame(2, blob)
op, fin, data = recv_frame()
if (op, fin, data) != (2, True, blob):
    die("binary echo: op %d, %d bytes" % (op, len(data)))
print("binary 200000 echoed")
send_frame(1, b"frag-", fin=False)
send_frame(0, b"ment", fin=True)
parts = [recv_frame(), recv_frame()]
if parts != [(1, False, b"frag-"), (0, True, b"ment")]:
    die("fragments: %r" % parts)
print("fragments echoed")
send_frame(9, b"ping-" + tag.encode())
op, fin, data = recv_frame()
if (op, data) != (10, b"ping-" + tag.encode()):
    die("pong: %r" % ((op, data),))
print("pong")
send_frame(8, struct.pack("!H", 1000) + b"bye")
op, fin, data = recv_frame()
if op != 8 or data[:2] != struct.pack("!H", 1000):
    die("close: %r" % ((op, data),))
print("close 1000")
try:
    rest = s.recv(65536)
except (ConnectionResetError, ssl.SSLError) as e:
    die("after the close: %r" % e)
if rest:
    die("bytes after the close: %r" % rest[:80])
print("connection ended")
EOF

pst_ok start ws
wait_state ws running
wait_until 60 sh -c "curl -s --resolve ws.test:$http_port:127.0.0.1 http://ws.test:$http_port/ | grep -q 'ws ready'" ||
	fail "the gateway does not answer for ws.test; daemon log: $(tail -n 8 "$logs/pistack.log")"

# check_ws OUTPUT PROTO WHAT: every step of ws_client.py passed.
check_ws() {
	assert_contains "$1" "101 with the right Sec-WebSocket-Accept" "$3: the handshake"
	assert_contains "$1" "welcome frame: 1 welcome $2" "$3: the frame sent with the 101"
	assert_contains "$1" "text echoed" "$3: a text message"
	assert_contains "$1" "binary 200000 echoed" "$3: a 200 kB binary message"
	assert_contains "$1" "fragments echoed" "$3: a fragmented message"
	assert_contains "$1" "pong" "$3: ping"
	assert_contains "$1" "close 1000" "$3: the close handshake"
	assert_contains "$1" "connection ended" "$3: the end of the connection"
}

for mode in plain tls; do
	port=$http_port proto=http
	[ "$mode" = tls ] && port=$https_port proto=https
	out=$(python3 "$scripts/ws_client.py" "$port" "$mode" one 2>&1) || fail "WebSocket over $proto: $out"
	note "over $proto: ${out//$'\n'/ | }"
	check_ws "$out" "$proto" "WebSocket over $proto"
done

# Two at once, one over each, in parallel.
python3 "$scripts/ws_client.py" "$http_port" plain two >"$tmpdir/ws-plain" 2>&1 &
p1=$!
python3 "$scripts/ws_client.py" "$https_port" tls three >"$tmpdir/ws-tls" 2>&1 &
p2=$!
r1=0 r2=0
wait "$p1" || r1=$?
wait "$p2" || r2=$?
assert_eq "$r1" 0 "the parallel WebSocket over http ($(cat "$tmpdir/ws-plain"))"
assert_eq "$r2" 0 "the parallel WebSocket over https ($(cat "$tmpdir/ws-tls"))"
check_ws "$(cat "$tmpdir/ws-plain")" http "the parallel WebSocket over http"
check_ws "$(cat "$tmpdir/ws-tls")" https "the parallel WebSocket over https"

# ---- the gateway still serves plain requests ----
assert_contains "$(gw_curl ws.test /)" "ws ready" "a plain request after the WebSockets"
true
