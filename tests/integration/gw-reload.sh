#!/bin/bash
# `pistack reload` and a new certificate under continuous load lose no request: clients on
# keep-alive and on new connections, over http and https, all get their answers while the
# gateway starts a new worker generation (the worker pids change) and lets the old one drain;
# the master and the listening sockets stay the same throughout; a certificate dropped into
# the certs directory is served afterwards.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
# shellcheck source-path=SCRIPTDIR source=gw-lib.bash
. "$(dirname "$0")/gw-lib.bash"

need python3 curl openssl

gw_config 26
echo_service web "a.test b.test"
certs=$vol/gateway/certs

# load.py HTTP HTTPS DIR: threads of clients on keep-alive (two over http, two over https) and
# on a new connection per request (one over each), each sending GET /KIND/N to a.test and
# checking that the answer names that request, until DIR/stop exists. A keep-alive client
# reconnects only when an answer says "Connection: close". Writes the number of answers to DIR/count as it goes;
# prints the counts and the failures, and exits 1 if there was any.
script load.py <<'EOF'
import os, socket, ssl, sys, threading, time
HTTP, HTTPS, DIR = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
lock = threading.Lock()
done, failures = {}, []

def connect(tls):
    s = socket.create_connection(("127.0.0.1", HTTPS if tls else HTTP), timeout=30)
    return ctx.wrap_socket(s, server_hostname="a.test") if tls else s

def exchange(s, path):
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: a.test\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = s.recv(65536)
        if not c:
            raise EOFError("closed after %d bytes of the answer" % len(buf))
        buf += c
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    n, close = 0, False
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            n = int(v)
        elif k == b"connection" and b"close" in v.lower():
            close = True
    while len(body) < n:
        c = s.recv(65536)
        if not c:
            raise EOFError("closed in the body")
        body += c
    if lines[0].split()[1] != b"200" or b"web GET " + path + b"\n" not in body:
        raise ValueError("answer %r %r" % (lines[0], body[:60]))
    return close

def client(kind, tls, keep):
    s, i = None, 0
    while not os.path.exists(DIR + "/stop"):
        i += 1
        path = b"/%s/%d" % (kind.encode(), i)
        try:
            if s is None:
                s = connect(tls)
            close = exchange(s, path)
            with lock:
                done[kind] = done.get(kind, 0) + 1
            if close or not keep:
                s.close()
                s = None
        except Exception as e:
            with lock:
                failures.append("%s: %s: %r" % (kind, path.decode(), e))
            if s is not None:
                s.close()
            s = None
            time.sleep(0.1)

kinds = [("http-keepalive", False, True), ("http-keepalive-2", False, True),
         ("https-keepalive", True, True), ("https-keepalive-2", True, True),
         ("http-new", False, False), ("https-new", True, False)]
threads = [threading.Thread(target=client, args=k) for k in kinds]
for t in threads:
    t.start()
while any(t.is_alive() for t in threads):
    with lock:
        total = sum(done.values())
    with open(DIR + "/count.new", "w") as f:
        f.write("%d\n" % total)
    os.rename(DIR + "/count.new", DIR + "/count")
    time.sleep(0.3)
print("answers:", " ".join("%s=%d" % kv for kv in sorted(done.items())), "failures:", len(failures))
for f in failures[:10]:
    print("  ", f)
sys.exit(1 if failures else 0)
EOF

# The certificate dropped in later, made now (openssl is slow under emulation); it is moved
# into the certs directory from the same file system.
mkdir "$tmpdir/new"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=b.test \
	-addext subjectAltName=DNS:b.test -keyout "$tmpdir/new/b.test.key" -out "$tmpdir/new/b.test.crt" 2>/dev/null ||
	fail "openssl could not make a certificate"
chown 65534:65534 "$tmpdir/new/b.test.key" "$tmpdir/new/b.test.crt"

pst_ok start web
wait_state web running
wait_until 60 sh -c "curl -s --resolve a.test:$http_port:127.0.0.1 http://a.test:$http_port/ | grep -q 'web GET /' &&
	curl -sk --resolve a.test:$https_port:127.0.0.1 https://a.test:$https_port/ | grep -q 'web GET /'" ||
	fail "the gateway does not answer for a.test; daemon log: $(tail -n 8 "$logs/pistack.log")"

# listen_inodes: the inodes of the sockets listening on the gateway's ports (from /proc/net/tcp:
# a socket closed and opened again would have another).
listen_inodes() {
	local addr st rest f found=()
	while read -r _ addr _ st rest; do
		[ "$st" = 0A ] || continue
		case ${addr#*:} in
		"$(printf '%04X' "$http_port")" | "$(printf '%04X' "$https_port")") ;;
		*) continue ;;
		esac
		read -ra f <<<"$rest"
		found+=("${addr#*:}:${f[5]}")
	done </proc/net/tcp
	printf '%s\n' "${found[@]}" | sort | tr '\n' ' '
}
# workers: the gateway's worker pids, sorted.
workers() { titled "pistack: gateway worker" | tr ' ' '\n' | sort -n | tr '\n' ' '; }
# answers: how many answers the load got so far.
answers() { cat "$tmpdir/load/count" 2>/dev/null || echo 0; }
# load_reaches N: the load got at least N answers.
load_reaches() { [ "$(answers)" -ge "$1" ]; }
# new_generation OLD: none of the pids OLD is a worker any more, and there are two workers.
new_generation() {
	local now p
	now=$(workers)
	for p in $1; do
		case " $now " in *" $p "*) return 1 ;; esac
	done
	[ "$(wc -w <<<"$now")" = 2 ]
}

row gateway
master=${ROW[C_PID]}
inodes=$(listen_inodes)
[ -n "$inodes" ] || fail "no listening socket found for ports $http_port and $https_port"
gen1=$(workers)
note "master $master, listening sockets (port:inode) $inodes, workers $gen1 (${SECONDS}s)"

mkdir "$tmpdir/load"
python3 "$scripts/load.py" "$http_port" "$https_port" "$tmpdir/load" >"$tmpdir/load.out" 2>&1 &
load_pid=$!
on_exit "touch $tmpdir/load/stop; kill $load_pid 2>/dev/null"
wait_until 120 load_reaches 20 || fail "the load got only $(answers) answers: $(cat "$tmpdir/load.out")"

# ---- pistack reload ----
n=$(answers)
note "reload (${SECONDS}s)"
pst_ok reload
wait_until 90 new_generation "$gen1" || fail "no new worker generation after reload: workers $(workers) (were $gen1)"
gen2=$(workers)
note "after reload (${SECONDS}s): workers $gen2 (answers so far: $n before, $(answers) now)"
wait_until 120 load_reaches $((n + 30)) || fail "the load stalled after the reload at $(answers) answers"

# ---- a certificate dropped into the certs directory ----
# subject: the subject of the certificate served for the name b.test.
subject() {
	openssl s_client -connect "127.0.0.1:$https_port" -servername b.test </dev/null 2>/dev/null |
		openssl x509 -noout -subject 2>/dev/null
}
new_cert_served() { [[ $(subject) =~ CN\ *=\ *b\.test ]]; }
! new_cert_served || fail "b.test has a certificate before one was dropped in: $(subject)"
# The key first: the gateway never sees a .crt without its .key.
mv "$tmpdir/new/b.test.key" "$certs/b.test.key"
mv "$tmpdir/new/b.test.crt" "$certs/b.test.crt"
note "the certificate is in place (${SECONDS}s)"
n=$(answers)
wait_until 90 new_cert_served ||
	fail "the new certificate is not served: $(subject); daemon log: $(tail -n 5 "$logs/pistack.log")"
note "the new certificate is served (${SECONDS}s)"
wait_until 90 new_generation "$gen2" || fail "no new worker generation after the certificate: $(workers) (were $gen2)"
gen3=$(workers)
note "after the certificate (${SECONDS}s): workers $gen3"
wait_until 120 load_reaches $((n + 30)) || fail "the load stalled after the certificate at $(answers) answers"

# ---- the load's verdict ----
touch "$tmpdir/load/stop"
rc=0
wait "$load_pid" || rc=$?
out=$(cat "$tmpdir/load.out")
note "load (${SECONDS}s): $out"
assert_eq "$rc" 0 "exit status of the load (failed requests: $out)"
assert_contains "$out" "failures: 0" "failed requests during the reloads"

# ---- what stayed ----
row gateway
assert_eq "${ROW[C_PID]}" "$master" "the gateway master's pid after the reloads"
assert_eq "$(listen_inodes)" "$inodes" "the listening sockets (port:inode) after the reloads"
grep -q "starting worker generation 2" "$logs/pistack.log" || fail "the daemon log does not show generation 2"
grep -q "certificates changed: starting worker generation 3" "$logs/pistack.log" ||
	fail "the daemon log does not show generation 3 for the certificate: $(grep gateway "$logs/pistack.log" | tail -n 5)"
# The certificate also turns http for b.test into a redirect (it has a certificate now).
assert_eq "$(gw_curl b.test / -o /dev/null -w '%{http_code}')" 308 "http://b.test/ with its certificate"
true
