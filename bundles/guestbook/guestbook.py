#!/usr/bin/python3
"""guestbook - a small web app that keeps its entries in Redis.

GET /          the entries, newest first, and a form to add one
POST /         add an entry (form fields name and message), then back to /
GET /entries   the entries as JSON
GET /healthz   200 "ok" when the database answers, 503 otherwise

The database is found by name on pistack's intercontainer network:
$REDIS_HOST (default "redis", the service of that name), port $REDIS_PORT
(6379).  Python 3's standard library and python3-redis only.
"""
import html
import http.server
import json
import os
import sys
import time
import urllib.parse

import redis

KEY = "guestbook:entries"
KEEP = 1000            # entries kept in the database
SHOWN = 50             # entries on the page
MAX_FORM = 16 * 1024   # largest accepted request body
MAX_NAME, MAX_MESSAGE = 64, 1000

db = redis.Redis(
    host=os.environ.get("REDIS_HOST", "redis"),
    port=int(os.environ.get("REDIS_PORT", "6379")),
    socket_timeout=2,
    socket_connect_timeout=2,
    decode_responses=True,
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Guestbook</title>
<style>
body {{ font: 1.05em/1.5 system-ui, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; color: #222; }}
form {{ display: grid; gap: 0.5em; margin-bottom: 2em; }}
blockquote {{ margin: 0 0 1em; padding: 0.5em 1em; background: #f4f4f4; border-left: 3px solid #888; }}
small {{ color: #666; }}
</style>
</head>
<body>
<h1>Guestbook</h1>
<form method="post" action="/">
<input name="name" maxlength="{max_name}" placeholder="your name" required>
<textarea name="message" maxlength="{max_message}" rows="3" placeholder="a message" required></textarea>
<button>Sign</button>
</form>
{entries}
<p><small>{count} entries, kept in Redis at {where}; served by {host}.</small></p>
</body>
</html>
"""


def entries(limit):
    """The newest LIMIT entries, as dicts."""
    out = []
    for raw in db.lrange(KEY, 0, limit - 1):
        try:
            out.append(json.loads(raw))
        except ValueError:
            pass  # not ours
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "guestbook"

    def send(self, status, body, ctype="text/html; charset=utf-8", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def unavailable(self, e):
        self.log_message("database: %s", e)
        self.send(503, "the database is not available; try again soon\n", "text/plain; charset=utf-8")

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/healthz":
                db.ping()
                self.send(200, "ok\n", "text/plain; charset=utf-8")
            elif path == "/entries":
                self.send(200, json.dumps(entries(KEEP), indent=1) + "\n", "application/json")
            elif path == "/":
                shown = entries(SHOWN)
                items = "\n".join(
                    "<blockquote>{}<br><small>{}, {}</small></blockquote>".format(
                        html.escape(e.get("message", "")),
                        html.escape(e.get("name", "")),
                        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(e.get("time", 0))),
                    )
                    for e in shown
                )
                self.send(
                    200,
                    PAGE.format(
                        entries=items or "<p>No entries yet: be the first.</p>",
                        count=db.llen(KEY),
                        where=html.escape(f"{db.connection_pool.connection_kwargs['host']}"),
                        host=html.escape(os.uname().nodename),
                        max_name=MAX_NAME,
                        max_message=MAX_MESSAGE,
                    ),
                )
            else:
                self.send(404, "not found\n", "text/plain; charset=utf-8")
        except redis.RedisError as e:
            self.unavailable(e)

    do_HEAD = do_GET

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/":
            self.send(404, "not found\n", "text/plain; charset=utf-8")
            return
        try:
            length = int(self.headers.get("Content-Length") or "x")
        except ValueError:
            self.send(411, "a Content-Length is required\n", "text/plain; charset=utf-8")
            return
        if length < 0 or length > MAX_FORM:
            self.send(413, "too large\n", "text/plain; charset=utf-8", [("Connection", "close")])
            self.close_connection = True
            return
        form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        name = form.get("name", [""])[0].strip()[:MAX_NAME]
        message = form.get("message", [""])[0].strip()[:MAX_MESSAGE]
        if not name or not message:
            self.send(400, "name and message are required\n", "text/plain; charset=utf-8")
            return
        entry = json.dumps({"name": name, "message": message, "time": int(time.time())})
        try:
            with db.pipeline() as p:
                p.lpush(KEY, entry).ltrim(KEY, 0, KEEP - 1).execute()
        except redis.RedisError as e:
            self.unavailable(e)
            return
        self.send(303, "", "text/plain", [("Location", "/")])

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))


def main():
    port = int(os.environ.get("PORT", "8080"))
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer(("", port), Handler)
    server.daemon_threads = True
    print(f"guestbook: listening on port {port}, database {db.connection_pool.connection_kwargs['host']}",
          file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
