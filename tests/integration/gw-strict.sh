#!/bin/bash
# The gateway's strictness as a client sees it (the policy of src/gateway/http1.h): raw
# requests that break a rule get their status (400, 413, 414, 431, 501, 505) and the
# connection is closed after it; well-formed ones (equal Content-Length twice, a chunked body,
# a pipelined request) still pass and keep the connection; a Host that differs from the TLS
# server name gets 421. Request smuggling: CL.TE, TE.CL, TE.TE and obfuscated
# Transfer-Encoding attempts never bring their hidden second request to the service, whose
# echo backend logs every request it reads.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
# shellcheck source-path=SCRIPTDIR source=gw-lib.bash
. "$(dirname "$0")/gw-lib.bash"

need python3 curl

gw_config 22 "max_body = 1K"
echo_service_logged web "s.test"
reqlog=$vol/web/requests.log

# The client: every case is one connection; it sends the bytes, reads one response (status,
# Content-Length body) and then waits for the end of the connection: "closed" (FIN or reset),
# "open" (nothing within 30 s) or "extra" (more bytes: a second response). A case with a
# FOLLOW request sends it on the same connection after the first answer and reads its answer
# (the connection stayed usable). Prints one line per case; exit 1 if any is not as wanted.
script strict.py <<'EOF'
import socket, ssl, sys
HTTP, HTTPS = int(sys.argv[1]), int(sys.argv[2])
H = b"Host: s.test\r\n"

def req(path, fields=b"", body=b"", line=None):
    line = line or b"GET " + path + b" HTTP/1.1"
    return line + b"\r\n" + fields + b"\r\n" + body

def chunked(path, body, extra=b""):
    return req(path, H + b"Transfer-Encoding: chunked\r\n" + extra, body, b"POST " + path + b" HTTP/1.1")

def read_response(s, buf=b""):
    while b"\r\n\r\n" not in buf:
        c = s.recv(65536)
        if not c:
            return None, buf
        buf += c
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    n = 0
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(rest) < n:
        c = s.recv(65536)
        if not c:
            break
        rest += c
    return status, rest[n:]

def connect(tls, sni):
    s = socket.create_connection(("127.0.0.1", HTTPS if tls else HTTP), timeout=30)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=sni)
    return s

def exchange(data, follow=None, tls=False, sni=None):
    s = connect(tls, sni)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, extra = read_response(s)
        if status is None:
            return "no response (%r)" % extra[:80]
        if follow is not None:
            # An empty FOLLOW: the second request was pipelined behind the first.
            if follow:
                s.sendall(follow)
            status2, _ = read_response(s, extra)
            return "%d then %s" % (status, status2)
        if extra:
            return "%d extra %r" % (status, extra[:80])
        try:
            c = s.recv(65536)
            end = "closed" if not c else "extra %r" % c[:80]
        except ConnectionResetError:
            end = "closed"
        except socket.timeout:
            end = "open"
        return "%d %s" % (status, end)
    finally:
        s.close()

big_line = b"GET /c-414/" + b"a" * 8300 + b" HTTP/1.1"
many = b"".join(b"X-F%d: 1\r\n" % i for i in range(101))
huge = b"".join(b"X-B%d: %s\r\n" % (i, b"b" * 6000) for i in range(3))
smuggled = b"GET /smuggled HTTP/1.1\r\nHost: s.test\r\n\r\n"
ok = b"GET /c-follow HTTP/1.1\r\nHost: s.test\r\n\r\n"

# (name, bytes, wanted answer[, follow-up request]); the path /c-NAME tells the backend log
# whether the head reached the service.
cases = [
    # --- controls: the rules refuse only what breaks them ---
    ("valid", req(b"/c-valid", H), "200 then 200", ok),
    ("cl-equal-twice", req(b"/c-cl-equal-twice", H + b"Content-Length: 5\r\nContent-Length: 5\r\n", b"hello",
                           b"POST /c-cl-equal-twice HTTP/1.1"), "200 then 200", ok),
    ("chunked-ok", chunked(b"/c-chunked-ok", b"5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"), "200 then 200", ok),
    ("pipelined", chunked(b"/c-pipelined", b"3\r\nabc\r\n0\r\n\r\n") + req(b"/c-pipelined-2", H), "200 then 200", b""),
    # --- Host ---
    ("host-missing", req(b"/c-host-missing"), "400 closed"),
    ("host-twice", req(b"/c-host-twice", H + H), "400 closed"),
    ("host-slash", req(b"/c-host-slash", b"Host: s.test/x\r\n"), "400 closed"),
    ("host-port", req(b"/c-host-port", b"Host: s.test:65536\r\n"), "400 closed"),
    ("host-label", req(b"/c-host-label", b"Host: s..test\r\n"), "400 closed"),
    ("host-empty", req(b"/c-host-empty", b"Host:\r\n"), "400 closed"),
    ("host-userinfo", req(b"/c-host-userinfo", b"Host: evil@s.test\r\n"), "400 closed"),
    # --- fields ---
    ("space-before-colon", req(b"/c-space-before-colon", H + b"X-A : 1\r\n"), "400 closed"),
    ("tab-before-colon", req(b"/c-tab-before-colon", H + b"X-A\t: 1\r\n"), "400 closed"),
    ("obs-fold", req(b"/c-obs-fold", H + b"X-A: 1\r\n 2\r\n"), "400 closed"),
    ("cr-in-value", req(b"/c-cr-in-value", H + b"X-A: a\rb\r\n"), "400 closed"),
    ("lf-in-value", req(b"/c-lf-in-value", H + b"X-A: a\nb\r\n"), "400 closed"),
    ("nul-in-value", req(b"/c-nul-in-value", H + b"X-A: a\0b\r\n"), "400 closed"),
    ("bare-lf-lines", b"GET /c-bare-lf-lines HTTP/1.1\nHost: s.test\n\n", "400 closed"),
    ("bare-cr-line", b"GET /c-bare-cr-line HTTP/1.1\rHost: s.test\r\n\r\n", "400 closed"),
    # --- request line ---
    ("line-two-spaces", req(b"", H, line=b"GET  /c-line-two-spaces HTTP/1.1"), "400 closed"),
    ("version-2", req(b"", H, line=b"GET /c-version-2 HTTP/2.0"), "505 closed"),
    ("connect", req(b"", H, line=b"CONNECT s.test:443 HTTP/1.1"), "501 closed"),
    ("line-414", req(b"", H, line=big_line), "414 closed"),
    # --- head limits ---
    ("fields-101", req(b"/c-fields-101", H + many), "431 closed"),
    ("head-16k", req(b"/c-head-16k", H + huge), "431 closed"),
    # --- Content-Length ---
    ("cl-negative", req(b"/c-cl-negative", H + b"Content-Length: -1\r\n"), "400 closed"),
    ("cl-plus", req(b"/c-cl-plus", H + b"Content-Length: +1\r\n", b"x"), "400 closed"),
    ("cl-hex", req(b"/c-cl-hex", H + b"Content-Length: 0x1\r\n", b"x"), "400 closed"),
    ("cl-space", req(b"/c-cl-space", H + b"Content-Length: 1 1\r\n", b"x"), "400 closed"),
    ("cl-list", req(b"/c-cl-list", H + b"Content-Length: 1, 2\r\n", b"xx"), "400 closed"),
    ("cl-twice", req(b"/c-cl-twice", H + b"Content-Length: 1\r\nContent-Length: 2\r\n", b"xx"), "400 closed"),
    ("cl-19-digits", req(b"/c-cl-19-digits", H + b"Content-Length: 1000000000000000000\r\n"), "400 closed"),
    # --- Transfer-Encoding ---
    ("te-and-cl", req(b"/c-te-and-cl", H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                      b"0\r\n\r\n"), "400 closed"),
    ("te-chunked-not-last", chunked(b"/c-te-chunked-not-last", b"0\r\n\r\n").replace(
        b"chunked\r\n", b"chunked, gzip\r\n", 1), "400 closed"),
    ("te-gzip-only", req(b"/c-te-gzip-only", H + b"Transfer-Encoding: gzip\r\n"), "400 closed"),
    ("te-chunked-twice", chunked(b"/c-te-chunked-twice", b"0\r\n\r\n", b"Transfer-Encoding: chunked\r\n"),
     "400 closed"),
    ("te-gzip-chunked", chunked(b"/c-te-gzip-chunked", b"0\r\n\r\n").replace(
        b"chunked\r\n", b"gzip, chunked\r\n", 1), "501 closed"),
    ("te-http10", req(b"", H + b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n",
                      b"POST /c-te-http10 HTTP/1.0"), "400 closed"),
    # --- chunked framing (the head is fine and reaches the service; the body is refused) ---
    ("chunk-17-digits", chunked(b"/c-chunk-17-digits", b"00000000000000001\r\nx\r\n0\r\n\r\n"), "400 closed"),
    ("chunk-over-2^62", chunked(b"/c-chunk-over-2^62", b"4000000000000001\r\nx\r\n"), "400 closed"),
    ("chunk-0x", chunked(b"/c-chunk-0x", b"0x1\r\nx\r\n0\r\n\r\n"), "400 closed"),
    ("chunk-ext-4k", chunked(b"/c-chunk-ext-4k", b"1;" + b"e" * 5000 + b"\r\nx\r\n0\r\n\r\n"), "400 closed"),
    ("chunk-bare-cr", chunked(b"/c-chunk-bare-cr", b"1\rx\r\n0\r\n\r\n"), "400 closed"),
    ("chunk-bare-lf", chunked(b"/c-chunk-bare-lf", b"1\nx\r\n0\r\n\r\n"), "400 closed"),
    ("chunk-no-crlf", chunked(b"/c-chunk-no-crlf", b"1\r\nxy\r\n0\r\n\r\n"), "400 closed"),
    # --- max_body = 1K ---
    ("body-cl-413", req(b"/c-body-cl-413", H + b"Content-Length: 2000\r\n", b"x" * 2000,
                        b"POST /c-body-cl-413 HTTP/1.1"), "413 closed"),
    ("body-chunked-413", chunked(b"/c-body-chunked-413", b"800\r\n" + b"x" * 2048 + b"\r\n0\r\n\r\n"),
     "413 closed"),
    # --- request smuggling: the hidden request must never reach the service ---
    ("smuggle-cl-te", req(b"/c-smuggle-cl-te", H + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n"
                          % (5 + len(smuggled)), b"0\r\n\r\n" + smuggled, b"POST /c-smuggle-cl-te HTTP/1.1"),
     "400 closed"),
    ("smuggle-te-cl", req(b"/c-smuggle-te-cl", H + b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
                          b"%x\r\n" % len(smuggled) + smuggled + b"\r\n0\r\n\r\n",
                          b"POST /c-smuggle-te-cl HTTP/1.1"), "400 closed"),
    ("smuggle-te-te", req(b"/c-smuggle-te-te", H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"
                          b"Content-Length: 5\r\n", b"0\r\n\r\n" + smuggled, b"POST /c-smuggle-te-te HTTP/1.1"),
     "400 closed"),
    ("smuggle-te-space", req(b"/c-smuggle-te-space", H + b"Transfer-Encoding : chunked\r\n",
                             b"0\r\n\r\n" + smuggled, b"POST /c-smuggle-te-space HTTP/1.1"), "400 closed"),
    ("smuggle-te-vtab", req(b"/c-smuggle-te-vtab", H + b"Transfer-Encoding:\x0bchunked\r\n",
                            b"0\r\n\r\n" + smuggled, b"POST /c-smuggle-te-vtab HTTP/1.1"), "400 closed"),
    ("smuggle-te-fold", req(b"/c-smuggle-te-fold", H + b"X-A: 1\r\n Transfer-Encoding: chunked\r\n",
                            b"0\r\n\r\n" + smuggled, b"POST /c-smuggle-te-fold HTTP/1.1"), "400 closed"),
    ("smuggle-te-xchunked", req(b"/c-smuggle-te-xchunked", H + b"Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n",
                                b"0\r\n\r\n" + smuggled, b"POST /c-smuggle-te-xchunked HTTP/1.1"), "400 closed"),
    ("smuggle-chunk-lf", chunked(b"/c-smuggle-chunk-lf", b"0\n\n" + smuggled), "400 closed"),
    ("smuggle-cl-list", req(b"/c-smuggle-cl-list", H + b"Content-Length: 0, %d\r\n" % len(smuggled), smuggled,
                            b"POST /c-smuggle-cl-list HTTP/1.1"), "400 closed"),
]

tls_cases = [
    ("tls-sni-host-match", req(b"/c-tls-sni-host-match", H), "200 then 200", ok, "s.test"),
    ("tls-sni-host-mismatch", req(b"/c-tls-sni-host-mismatch", b"Host: other.test\r\n"), "421 then 200", ok, "s.test"),
]

bad = 0
for name, data, want, *follow in cases:
    got = exchange(data, follow[0] if follow else None)
    ok_ = got == want
    bad += not ok_
    print("%s %s: %s%s" % ("ok" if ok_ else "FAIL", name, got, "" if ok_ else " (want %s)" % want))
for name, data, want, follow, sni in tls_cases:
    got = exchange(data, follow, tls=True, sni=sni)
    ok_ = got == want
    bad += not ok_
    print("%s %s: %s%s" % ("ok" if ok_ else "FAIL", name, got, "" if ok_ else " (want %s)" % want))
# The last request: once the service logged it, it has read everything sent before.
print("marker:", exchange(req(b"/marker", H + b"Connection: close\r\n")))
sys.exit(1 if bad else 0)
EOF

pst_ok start web
wait_state web running
wait_until 60 sh -c "curl -s --resolve s.test:$http_port:127.0.0.1 http://s.test:$http_port/ | grep -q 'web GET /'" ||
	fail "the gateway does not answer for s.test; daemon log: $(tail -n 8 "$logs/pistack.log")"

rc=0
out=$(python3 "$scripts/strict.py" "$http_port" "$https_port" 2>&1) || rc=$?
note "${out//$'\n'/$'\n# '}"
[ "$rc" = 0 ] || fail "requests not answered as the policy says: $(grep -v '^ok ' <<<"$out")"

# ---- what reached the service ----
wait_until 60 grep -q '^GET /marker$' "$reqlog" || fail "the service never logged /marker: $(cat "$reqlog" 2>&1)"
sleep 1   # a smuggled request would have travelled before the marker; give its log line a moment
log=$(<"$reqlog")
note "requests the service read: ${log//$'\n'/ | }"
assert_not_contains "$log" "smuggled" "the service's request log (a smuggled request)"
# The controls did reach it (so the log can show a request that passed).
for p in /c-valid /c-follow /c-cl-equal-twice /c-chunked-ok /c-pipelined /c-pipelined-2 /c-tls-sni-host-match; do
	grep -q " $p\$" <<<"$log" || fail "the service did not log the valid request $p"
done
# A head the gateway refused never reaches the service (chunked bodies are refused after it
# forwarded the head, and the misdirected request is answered by the gateway itself).
while read -r _ path; do
	case $path in
	/ | /c-valid | /c-follow | /c-cl-equal-twice | /c-chunked-ok | /c-pipelined | /c-pipelined-2 | \
		/c-tls-sni-host-match | /c-chunk-* | \
		/c-body-chunked-413 | /c-smuggle-chunk-lf | /marker) ;;
	*) fail "the service got $path, which the gateway should have refused" ;;
	esac
done <<<"$log"

# ---- the gateway is still fine ----
assert_contains "$(gw_curl s.test /after)" "web GET /after" "a request after the refused ones"
true
