#!/bin/bash
# Slow clients do not deny the gateway to others: with header_timeout = 2s, a client that
# trickles its head forever gets 408 and is closed; one whose body stops coming gets 408 after
# the fixed 30 s body inactivity; during a slowloris attack (slowhttptest -H: heads that never
# end) and a slow-body attack (slowhttptest -B: bodies one piece every few seconds), a normal
# client's requests all get their answer, and afterwards the gateway still serves with the
# same master and workers.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
# shellcheck source-path=SCRIPTDIR source=gw-lib.bash
. "$(dirname "$0")/gw-lib.bash"

need python3 curl slowhttptest

# slowhttptest names its target by URL: 127.0.0.1 is an unknown host, which web takes.
gw_config 25 "header_timeout = 2s
unknown_host = web"
echo_service web "s.test"

# trickle.py PORT: a head that never ends, one header line every 0.5 s; prints the status line
# the gateway answers with and how many lines it had sent.
script trickle.py <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
s.sendall(b"GET /trickle HTTP/1.1\r\nHost: s.test\r\n")
s.setblocking(False)
sent, data = 0, b""
deadline = time.monotonic() + 120
while b"\r\n" not in data and time.monotonic() < deadline:
    try:
        c = s.recv(4096)
        if not c:
            break
        data += c
        continue
    except BlockingIOError:
        pass
    try:
        s.sendall(b"X-T%d: 1\r\n" % sent)
        sent += 1
    except OSError:
        pass
    time.sleep(0.5)
print(data.split(b"\r\n")[0].decode(errors="replace") or "no answer", "after", sent, "lines")
EOF

# stall.py PORT: a request whose body stops after 1 of its 10 bytes; prints the status line
# the gateway answers with (waits up to 150 s).
script stall.py <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=150)
s.sendall(b"POST /stall HTTP/1.1\r\nHost: s.test\r\nContent-Length: 10\r\n\r\nx")
data = b""
try:
    while b"\r\n" not in data:
        c = s.recv(4096)
        if not c:
            break
        data += c
except socket.timeout:
    pass
print(data.split(b"\r\n")[0].decode(errors="replace") or "no answer")
EOF

pst_ok start web
wait_state web running
wait_until 60 sh -c "curl -s --resolve s.test:$http_port:127.0.0.1 http://s.test:$http_port/ | grep -q 'web GET /'" ||
	fail "the gateway does not answer for s.test; daemon log: $(tail -n 8 "$logs/pistack.log")"
row web
web_addr=${ROW[C_ADDRESS]}
row gateway
master=${ROW[C_PID]}
workers=$(titled "pistack: gateway worker")

# ---- the header timeout ends a head that keeps coming ----
out=$(python3 "$scripts/trickle.py" "$http_port")
note "trickling head: $out"
assert_contains "$out" "HTTP/1.1 408" "a head trickled past header_timeout"

# ---- a body that stops coming (checked after the attacks, which take longer) ----
python3 "$scripts/stall.py" "$http_port" >"$tmpdir/stall.out" 2>&1 &
stall_pid=$!
on_exit "kill $stall_pid 2>/dev/null"

# normal_client TAG: GET / over and over, each on a new connection, until $tmpdir/stop-TAG
# exists; counts answers (200) and failures in $tmpdir/TAG.ok and $tmpdir/TAG.bad, and the
# answers' times in $tmpdir/TAG.times (and those of the service asked directly in TAG.direct).
normal_client() {
	local ok=0 bad=0 code
	while [ ! -e "$tmpdir/stop-$1" ]; do
		code=$(curl -s -o /dev/null -m 30 -w '%{http_code} %{time_total}' --resolve "s.test:$http_port:127.0.0.1" \
			"http://s.test:$http_port/normal-$1") || true
		if [ "${code%% *}" = 200 ]; then
			ok=$((ok + 1))
			echo "${code#* }" >>"$tmpdir/$1.times"
		else
			bad=$((bad + 1))
			echo "request $((ok + bad)): '$code'" >>"$tmpdir/$1.errors"
		fi
		# For comparison, not checked: the same request straight to the service.
		curl -s -o /dev/null -m 30 -w '%{time_total}\n' "http://$web_addr:8080/direct-$1" \
			>>"$tmpdir/$1.direct" || true
		echo "$ok" >"$tmpdir/$1.ok"
		echo "$bad" >"$tmpdir/$1.bad"
		sleep 0.2
	done
}

# durations FILE: average and largest of the seconds in FILE.
durations() {
	awk '{ s += $1; if ($1 > m) m = $1 } END { if (NR) printf "avg %.2f s, max %.2f s", s / NR, m }' "$1" 2>/dev/null
}

# attackers N: at least N client connections to the gateway are established.
attackers() {
	[ "$(ss -Htn state established "( dport = :$http_port )" | wc -l)" -ge "$1" ]
}

# attack TAG SLOWHTTPTEST-ARGS...: slowhttptest for 20 s against the gateway while
# normal_client TAG runs; its requests must all succeed.
attack() {
	local tag=$1 spid cpid n
	shift
	slowhttptest "$@" -l 20 -p 10 -u "http://127.0.0.1:$http_port/" >"$tmpdir/$tag.out" 2>&1 &
	spid=$!
	on_exit "kill $spid 2>/dev/null"
	# Until the attack holds connections (slowhttptest counts them as "connected").
	wait_until 60 attackers 10 || note "$tag: fewer than 10 attacking connections seen"
	normal_client "$tag" &
	cpid=$!
	on_exit "kill $cpid 2>/dev/null"
	wait "$spid" || true
	touch "$tmpdir/stop-$tag"
	wait "$cpid" || true
	n=$(ss -Htn state established "( sport = :$http_port )" | wc -l)
	note "$tag: slowhttptest's last report: $(sed 's/\x1b\[[0-9;]*m//g' "$tmpdir/$tag.out" |
		grep -E 'service available|pending|connected|closed|Exit status' | tail -n 5 | tr -s ' \n\t' ' ')"
	note "$tag: normal client: $(cat "$tmpdir/$tag.ok") answered, $(cat "$tmpdir/$tag.bad") failed;" \
		"answer time $(durations "$tmpdir/$tag.times") (the service directly: $(durations "$tmpdir/$tag.direct"));" \
		"connections left: $n"
	[ "$(cat "$tmpdir/$tag.bad")" = 0 ] ||
		fail "$tag: the normal client's requests failed during the attack: $(head -n 5 "$tmpdir/$tag.errors")"
	# At least one answer, not a number: an emulated arm64 VM takes seconds per request even
	# from the service directly (each round asks both), so 20 s hold only two rounds there.
	[ "$(cat "$tmpdir/$tag.ok")" -ge 1 ] || fail "$tag: the normal client got no answer during the attack"
}

# ---- slowloris: 100 new connections a second, each sending a header line every second ----
attack slowloris -H -c 2000 -r 100 -i 1 -x 24
# ---- slow body: 400 connections, each sending a piece of an 8 kB body every 5 s ----
attack slowbody -B -c 400 -r 100 -i 5 -s 8192 -x 10

# ---- the stalled body ----
wait "$stall_pid" || true
out=$(cat "$tmpdir/stall.out")
note "stalled body: $out"
assert_contains "$out" "HTTP/1.1 408" "a request body that stopped coming"

# ---- afterwards ----
assert_contains "$(gw_curl s.test /after)" "web GET /after" "a request after the attacks"
row gateway
assert_eq "${ROW[C_PID]}" "$master" "the gateway master's pid after the attacks"
assert_eq "$(titled "pistack: gateway worker")" "$workers" "the gateway workers after the attacks"
true
