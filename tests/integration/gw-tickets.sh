#!/bin/bash
# TLS session tickets work across the gateway's workers: a ticket one worker issued resumes the
# session (openssl s_client: "Reused,") on the other worker, on every one of many connections,
# and on a worker of the next generation after `pistack reload`. Which worker served a
# connection is told by the bytes each worker wrote (wchar of /proc/PID/io: only the one that
# served wrote any); the other worker is made the only one accepting by stopping the first
# (SIGSTOP: a stopped process is not waiting in epoll, so EPOLLEXCLUSIVE wakes the other).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
# shellcheck source-path=SCRIPTDIR source=gw-lib.bash
. "$(dirname "$0")/gw-lib.bash"

need python3 curl openssl

gw_config 27
echo_service web "t.test"
certs=$vol/gateway/certs
mkdir -p "$certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=t.test \
	-addext subjectAltName=DNS:t.test -keyout "$certs/t.test.key" -out "$certs/t.test.crt" 2>/dev/null ||
	fail "openssl could not make a certificate"
chown -R 65534:65534 "$vol/gateway"

pst_ok start web
wait_state web running
wait_until 60 sh -c "curl -sk --resolve t.test:$https_port:127.0.0.1 https://t.test:$https_port/ | grep -q 'web GET /'" ||
	fail "the gateway does not answer for https://t.test; daemon log: $(tail -n 8 "$logs/pistack.log")"

sess=$tmpdir/session.pem
# tls ARGS...: one https request to t.test with openssl s_client (ARGS: -sess_out/-sess_in);
# the output in $out. -ign_eof: read until the gateway closes, so the tickets it sends after
# the handshake (TLS 1.3) are taken too.
tls() {
	out=$(printf 'GET /tls HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n' |
		timeout 60 openssl s_client -connect "127.0.0.1:$https_port" -servername t.test -ign_eof "$@" 2>&1) ||
		fail "openssl s_client $*: $out"
	assert_contains "$out" "web GET /tls" "the answer over TLS (s_client $*)"
}
# wchar PID: the bytes PID wrote so far.
wchar() {
	local l=() line
	mapfile -t l <"/proc/$1/io"
	for line in "${l[@]}"; do
		[ "${line%%:*}" = wchar ] && { echo "${line#*: }"; return; }
	done
}
# served ARGS...: tls ARGS, and the worker that served it in $by (the only one of $workers
# whose wchar grew).
served() {
	local p before=() i=0
	for p in $workers; do before+=("$(wchar "$p")"); done
	tls "$@"
	by=""
	for p in $workers; do
		[ "$(wchar "$p")" != "${before[i]}" ] && by+="$p "
		i=$((i + 1))
	done
	by=${by% }
	case $by in
	"" | *" "*) fail "not exactly one worker wrote for the connection: '$by' (workers $workers)" ;;
	esac
}
# stopped PID: PID is stopped (state T).
stopped() { [ "$(status_field "$1" State | cut -c1)" = T ]; }
# only PID: stop every worker but PID (continued by resume_all).
only() {
	local p
	for p in $workers; do
		[ "$p" = "$1" ] && continue
		kill -STOP "$p"
		wait_until 30 stopped "$p" || fail "worker $p did not stop"
	done
}
resume_all() {
	local p
	for p in $workers; do kill -CONT "$p" 2>/dev/null || true; done
}
on_exit resume_all

workers=$(titled "pistack: gateway worker")
read -ra w <<<"$workers"
assert_eq "${#w[@]}" 2 "gateway workers ($workers)"

# ---- a ticket from the first worker ----
only "${w[0]}"
served -sess_out "$sess"
resume_all
assert_eq "$by" "${w[0]}" "the worker that served the first connection"
assert_contains "$out" "New, TLS" "the first connection (a new session)"
[ -s "$sess" ] || fail "s_client saved no session"

# ---- resumed on the other worker ----
only "${w[1]}"
served -sess_in "$sess"
resume_all
assert_eq "$by" "${w[1]}" "the worker that served the resumption"
assert_contains "$out" "Reused, TLS" "the session issued by worker ${w[0]}, on worker ${w[1]}"

# ---- many connections, whichever worker takes them: every one resumes ----
count=()
for i in $(seq 12); do
	served -sess_in "$sess"
	assert_contains "$out" "Reused, TLS" "resumption $i (served by $by)"
	count+=("$by")
done
note "12 resumptions served by: $(printf '%s\n' "${count[@]}" | sort | uniq -c | tr -s ' \n' ' ')"

# A control: without the session, a new one.
served
assert_contains "$out" "New, TLS" "a connection without a session"

# ---- after a reload: a worker of the next generation resumes it ----
pst_ok reload
gen_changed() {
	local now p
	now=$(titled "pistack: gateway worker")
	for p in "${w[@]}"; do
		case " $now " in *" $p "*) return 1 ;; esac
	done
	[ "$(wc -w <<<"$now")" = 2 ]
}
wait_until 90 gen_changed || fail "no new worker generation after reload: $(titled "pistack: gateway worker") (were $workers)"
workers=$(titled "pistack: gateway worker")
served -sess_in "$sess"
assert_contains "$out" "Reused, TLS" "the session after the reload (served by $by, of $workers)"
note "after the reload: resumed by worker $by of the new generation $workers (old: ${w[*]})"
true
