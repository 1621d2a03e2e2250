#!/bin/bash
# [health] checks under the daemon: a service with `http = /healthz` goes from starting to running
# once it answers 200, and when it starts answering 500 it is restarted (RESTARTS in
# `pistack status` increases) after `retries` failed checks (start_period covers its slow start, not
# a failure once it was healthy); then it is healthy again.  The same
# with `cmd = ...` run inside the service.  The probe comes from inside the service's network
# namespace, with the header we document (User-Agent: pistack-health).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "$PISTACK" ] || fail "no pistack binary at '$PISTACK' (build it first: make)"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 for the test's HTTP service"

conf=$tmpdir/conf
vol=$tmpdir/vol
mkdir -p "$conf/conf.d" "$conf/bundles/web" "$conf/bundles/worker" "$vol/web" "$vol/worker"
cat >"$conf/conf.d/pistack.ini" <<EOF
[paths]
volumes = $vol
state = $tmpdir/state
run = $tmpdir/run
logs = $tmpdir/logs
EOF

# web: 200 on /healthz while /data/healthy exists, 500 otherwise; logs each probe's User-Agent.
cat >"$conf/bundles/web/bundle.ini" <<EOF
[service]
rootfs = host
exec = /usr/bin/python3 -u /srv.py
restart = always
[mount]
/srv.py = bundle:srv.py ro
/data = volume
[network]
mode = none
[http]
port = 8080
[health]
http = /healthz
interval = 1s
timeout = 5s
retries = 2
; python starts slowly under the VM's emulation: failures before it listens do not count
start_period = 30s
EOF
cat >"$conf/bundles/web/srv.py" <<'EOF'
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == '/healthz' and os.path.exists('/data/healthy')
        self.send_response(200 if ok else 500)
        self.end_headers()
        self.wfile.write(b'ok\n' if ok else b'sick\n')
    def log_message(self, fmt, *args):
        sys.stdout.write('probe %s %s\n' % (self.requestline, self.headers.get('User-Agent')))
http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()
EOF
printf '[service]\n' >"$conf/conf.d/web.ini"

# worker: no network at all; healthy while /data/healthy exists, checked by a command.
cat >"$conf/bundles/worker/bundle.ini" <<EOF
[service]
rootfs = host
exec = /bin/sleep 1000
restart = always
[mount]
/data = volume
[network]
mode = none
[health]
cmd = /bin/test -e /data/healthy
interval = 1s
timeout = 5s
retries = 2
EOF
printf '[service]\n' >"$conf/conf.d/worker.ini"

pst() { "$PISTACK" -C "$conf" "$@"; }
on_exit 'pst down >/dev/null 2>&1'

# wait_for SECONDS CMD...: until CMD succeeds, or return 1.
wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.1
	done
}

# column NAME N: column N of NAME's row in `pistack status`.
column() {
	pst status "$1" | awk -v n="$2" 'NR == 2 { print $n }'
}
state_is() { [ "$(column "$1" 2)" = "$2" ]; }
restarts_above() { [ "$(column "$1" 6)" -gt "$2" ]; }

for svc in web worker; do
	touch "$vol/$svc/healthy"
	out=$(pst start "$svc" 2>&1) || fail "pistack start $svc: $out"
	wait_for 60 state_is "$svc" running || fail "$svc never became running: $(pst status "$svc")"
	note "${SECONDS}s: $(pst status "$svc")"
	assert_eq "$(column "$svc" 9)" healthy "HEALTH of $svc"
	before=$(column "$svc" 6)

	# Sick: restarted after 2 failed checks (about 2 s); not before a failed check.
	rm "$vol/$svc/healthy"
	wait_for 60 restarts_above "$svc" "$before" || fail "$svc was not restarted: $(pst status "$svc")"
	note "${SECONDS}s: $(pst status "$svc")"
	# Well again: running and healthy after the restart, and it stays so.
	touch "$vol/$svc/healthy"
	wait_for 60 state_is "$svc" running || fail "$svc did not come back: $(pst status "$svc")"
	after=$(column "$svc" 6)
	note "${SECONDS}s: $(pst status "$svc")"
	sleep 4
	assert_eq "$(column "$svc" 6)" "$after" "RESTARTS of a healthy $svc"
	assert_eq "$(column "$svc" 9)" healthy "HEALTH of $svc after it recovered"
done

# The probe's request, as the service saw it.
out=$(pst logs -n 50 web)
assert_contains "$out" "probe GET /healthz HTTP/1.1 pistack-health" "web's log of the probes"
assert_contains "$out" "pistack: web: started" "web's log"
pst down >/dev/null 2>&1 || true
