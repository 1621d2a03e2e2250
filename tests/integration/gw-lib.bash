# Helpers for the gateway tests (tests/integration/gw-*.sh); source after lib.sh,
# daemon-lib.bash and net-lib.bash. The gateway listens on 127.0.0.1 only, on ports 18080 and
# 18443, and its certificates live under $vol/gateway/certs.
# Not a test itself: tests/vm/run only runs *.sh files.
# shellcheck shell=bash

: "${conf:?source daemon-lib.bash before gw-lib.bash}"

http_port=18080
https_port=18443

# gw_config N [LINES]: the network of net_config N plus a [gateway] on 127.0.0.1.
gw_config() {
	net_config "$1"
	cat >>"$conf/conf.d/pistack.ini" <<EOF
[gateway]
listen = 127.0.0.1
http_port = $http_port
https_port = $https_port
workers = 2
${2:-}
EOF
}

# The echo backend: answers every request with "NAME METHOD PATH" and then each request
# header as "name: value" (lower-cased names), and the body's length (a chunked body is
# decoded); /big?n=BYTES streams BYTES zero bytes; /slow sleeps 2 s first. With a third
# argument LOG, it appends "METHOD PATH" to the file LOG for every request it reads.
script echo.py <<'EOF'
import http.server, os, sys
NAME = sys.argv[2]
LOG = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else None
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def skip(self, n):
        got = 0
        while got < n:
            chunk = self.rfile.read(min(1 << 16, n - got))
            if not chunk: raise ConnectionError("body cut short")
            got += len(chunk)
        return got
    def chunked(self):
        got = 0
        while True:
            line = self.rfile.readline(1 << 16)
            if not line.endswith(b"\r\n"): raise ConnectionError("bad chunk size line")
            size = int(line.split(b";")[0], 16)
            if size == 0: break
            got += self.skip(size)
            if self.rfile.read(2) != b"\r\n": raise ConnectionError("no CRLF after chunk")
        while self.rfile.readline(1 << 16) not in (b"\r\n", b""): pass
        return got
    def answer(self):
        if LOG: LOG.write(f"{self.command} {self.path}\n")
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            got = self.chunked()
        else:
            got = self.skip(int(self.headers.get("content-length") or 0))
        if self.path.startswith("/big?n="):
            size = int(self.path[7:])
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = b"\0" * (1 << 16)
            while size > 0:
                self.wfile.write(block[:min(size, len(block))]); size -= len(block)
            return
        lines = [f"{NAME} {self.command} {self.path}"]
        lines += [f"{k.lower()}: {v}" for k, v in self.headers.items()]
        lines.append(f"body: {got}")
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = answer
http.server.ThreadingHTTPServer.request_queue_size = 128
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
EOF

# echo_service NAME HOSTS [LINES]: the echo backend on port 8080 behind HOSTS.
echo_service() {
	service "$1" <<EOF
[service]
exec = /usr/bin/python3 /echo.py 8080 $1
[mount]
/echo.py = host:$scripts/echo.py ro
[http]
hosts = $2
port = 8080
${3:-}
EOF
}

# echo_service_logged NAME HOSTS [LINES]: echo_service that logs the requests it reads to
# its volume, $vol/NAME/requests.log.
echo_service_logged() {
	service "$1" <<EOF
[service]
exec = /usr/bin/python3 /echo.py 8080 $1 /data/requests.log
[mount]
/echo.py = host:$scripts/echo.py ro
/data = volume
[http]
hosts = $2
port = 8080
${3:-}
EOF
}

# gw_curl HOST PATH [CURL ARGS...]: an http request to the gateway for HOST.
gw_curl() {
	local host=$1 path=$2
	shift 2
	curl -sS -m 10 --resolve "$host:$http_port:127.0.0.1" "$@" "http://$host:$http_port$path"
}

# gws_curl HOST PATH [CURL ARGS...]: the same over https (the self-signed certificate: -k).
gws_curl() {
	local host=$1 path=$2
	shift 2
	curl -ksS -m 10 --resolve "$host:$https_port:127.0.0.1" "$@" "https://$host:$https_port$path"
}

# raw_request: send stdin to the gateway's http port as is; print the status line of the answer.
raw_request() {
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
data = b""
try:
    while b"\r\n" not in data:
        c = s.recv(4096)
        if not c: break
        data += c
except socket.timeout:
    pass
print(data.split(b"\r\n")[0].decode(errors="replace"))' "$http_port"
}
