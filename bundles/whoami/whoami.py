#!/usr/bin/python3
"""whoami - answer every HTTP request with what it received.

The first backend of any reverse proxy: the method, path, query, headers and
body the service got, the client's address, and the service's own host name
and addresses.  text/plain by default; JSON with ?format=json or
"Accept: application/json".  Only the Python standard library.

    python3 whoami.py [PORT]        (default 8080, or $PORT)
"""
import fcntl
import http.server
import json
import os
import socket
import struct
import sys
import urllib.parse

MAX_BODY = 1 << 20  # echoed bytes of a request body; the rest is read and dropped
SIOCGIFADDR = 0x8915


def addresses():
    """The IPv4 and IPv6 addresses of this network namespace's interfaces."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:
                req = struct.pack("256s", name.encode()[:15])
                found.append(socket.inet_ntoa(fcntl.ioctl(s.fileno(), SIOCGIFADDR, req)[20:24]))
            except OSError:
                pass  # no IPv4 address on it
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                raw = line.split()[0]
                found.append(str(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(raw))))
    except OSError:
        pass  # no IPv6
    return found


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length

    def version_string(self):
        return "whoami"

    def read_body(self):
        """The request body (sized or chunked), cut at MAX_BODY."""
        body = bytearray()

        def take(n):
            while n > 0:
                chunk = self.rfile.read(min(n, 65536))
                if not chunk:
                    raise ConnectionError("body ended early")
                if len(body) < MAX_BODY:
                    body.extend(chunk[: MAX_BODY - len(body)])
                n -= len(chunk)

        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                take(size)
                self.rfile.readline(8)  # the CRLF after the chunk
        else:
            take(int(self.headers.get("Content-Length") or 0))
        return bytes(body)

    def answer(self):
        try:
            body = self.read_body()
        except (ValueError, ConnectionError):
            self.send_error(400, "bad request body")
            return
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        host, port = self.client_address[:2]
        info = {
            "hostname": socket.gethostname(),
            "ip": addresses(),
            "remote_addr": f"{host}:{port}",
            "method": self.command,
            "url": self.path,
            "path": url.path,
            "query": query,
            "proto": self.request_version,
            "host": self.headers.get("Host", ""),
            "headers": {},
            "body": body.decode("utf-8", "replace"),
        }
        for name, value in self.headers.items():
            info["headers"].setdefault(name, []).append(value)
        want_json = query.get("format", [""])[-1] == "json" or "application/json" in self.headers.get(
            "Accept", ""
        )
        if want_json:
            out = (json.dumps(info, indent=2) + "\n").encode()
            ctype = "application/json"
        else:
            lines = [f"Hostname: {info['hostname']}"]
            lines += [f"IP: {a}" for a in info["ip"]]
            lines.append(f"RemoteAddr: {info['remote_addr']}")
            lines.append(f"{self.command} {self.path} {self.request_version}")
            lines += [f"{n}: {v}" for n, v in self.headers.items()]
            text = "\n".join(lines) + "\n"
            if body:
                text += "\n" + info["body"]
            out = text.encode()
            ctype = "text/plain; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = answer

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))


def main():
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8080"))
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer(("", port), Handler)
    server.daemon_threads = True
    print(f"whoami: listening on port {port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
