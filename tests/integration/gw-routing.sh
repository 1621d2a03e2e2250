#!/bin/bash
# The gateway as a user sees it: started with the first service that has [http] hosts, listed by
# `status` as `gateway`, a master and workers that are unprivileged and sandboxed; two services
# behind their host names over http and https (SNI picks the certificate of the name; a name
# without one, when the directory has no default, is refused); an unknown host gets [gateway] unknown_host; a stopped service
# 503 with Retry-After, and answers again once started; X-Forwarded-For/-Proto/-Host and
# Forwarded are set by the gateway, replacing what the client sent; Via and a request id are
# added; http is redirected (308) to https for a host with a certificate, except the ACME path,
# served from acme_webroot; HSTS on https.  The gateway ends with the last such service, and `down`
# returns once the daemon and its gateway are gone.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
# shellcheck source-path=SCRIPTDIR source=gw-lib.bash
. "$(dirname "$0")/gw-lib.bash"

need python3 curl openssl

gw_config 21 "hsts = 600
unknown_host = 421"
echo_service web1 "a.example.test"
echo_service web2 "b.example.test *.wild.test"

# A certificate for a.example.test; b.example.test has none (the default serves it).
certs=$vol/gateway/certs
# certbot --webroot layout: WEBROOT/.well-known/acme-challenge/TOKEN
mkdir -p "$certs" "$vol/gateway/acme/.well-known/acme-challenge"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=a.example.test \
	-addext subjectAltName=DNS:a.example.test -keyout "$certs/a.example.test.key" \
	-out "$certs/a.example.test.crt" 2>/dev/null || fail "openssl could not make a certificate"
chown -R 65534:65534 "$vol/gateway"
echo "token-123" >"$vol/gateway/acme/.well-known/acme-challenge/tok"

pst_ok start web1 web2
wait_state web1 running
wait_state web2 running
# Until both backends listen (python takes a while to start under emulation).
wait_until 60 sh -c "curl -s --resolve b.example.test:$http_port:127.0.0.1 http://b.example.test:$http_port/ | grep -q web2 &&
	curl -sk --resolve a.example.test:$https_port:127.0.0.1 https://a.example.test:$https_port/ | grep -q web1" ||
	fail "the gateway does not answer on 127.0.0.1:$http_port; daemon log: $(tail -n 8 "$logs/pistack.log")"

# ---- processes ----
row gateway
assert_eq "${ROW[C_STATE]}" running "the gateway's state in status"
master=${ROW[C_PID]}
assert_eq "$(title "$master")" "pistack: gateway master" "title of the gateway's pid"
workers=$(titled "pistack: gateway worker")
read -ra w <<<"$workers"
assert_eq "${#w[@]}" 2 "gateway workers ($workers)"
for p in "$master" "${w[@]}"; do
	uid=$(status_field "$p" Uid)
	[ "${uid%%[[:space:]]*}" != 0 ] || fail "gateway process $p runs as root"
	assert_eq "$(status_field "$p" CapEff)" 0000000000000000 "capabilities of gateway process $p"
	assert_eq "$(status_field "$p" Seccomp)" 2 "seccomp of gateway process $p"
done
[ ! -e "/proc/$master/root/etc/passwd" ] || fail "the gateway master sees the host's /etc"

# ---- routing by Host, over http and https ----
out=$(gw_curl b.example.test /x -H 'X-Forwarded-For: 6.6.6.6' -H 'Forwarded: for=6.6.6.6' -H 'X-Forwarded-Host: evil')
assert_contains "$out" "web2 GET /x" "http://b.example.test/x"
assert_contains "$out" "x-forwarded-for: 127.0.0.1" "X-Forwarded-For set by the gateway"
assert_not_contains "$out" "6.6.6.6" "client-sent forwarding headers"
assert_contains "$out" "x-forwarded-proto: http" "X-Forwarded-Proto"
assert_contains "$out" "x-forwarded-host: b.example.test" "X-Forwarded-Host"
assert_contains "$out" "forwarded: for=127.0.0.1" "Forwarded"
assert_contains "$out" "via: " "Via"
assert_contains "$out" "x-request-id: " "a request id"
assert_contains "$(gw_curl deep.sub.wild.test /)" "web2 GET /" "a wildcard host"
out=$(gws_curl a.example.test /y)
assert_contains "$out" "web1 GET /y" "https://a.example.test/y"
assert_contains "$out" "x-forwarded-proto: https" "X-Forwarded-Proto over https"
# b.example.test has no certificate and the directory no default one (the self-signed default
# is made only when the directory has no certificate at all): the handshake is refused.
rc=0
out=$(gws_curl b.example.test /z 2>&1) || rc=$?
assert_eq "$rc" 35 "curl's exit status for https://b.example.test/ without a certificate ($out)"
assert_contains "$out" "unrecognized name" "the refusal of https://b.example.test/"
hsts=$(gws_curl a.example.test / -o /dev/null -D - | tr -d '\r' | grep -i '^strict-transport-security:') || true
assert_eq "${hsts,,}" "strict-transport-security: max-age=600" "HSTS header"

# ---- SNI picks the certificate ----
subj=$(openssl s_client -connect 127.0.0.1:$https_port -servername a.example.test </dev/null 2>/dev/null |
	openssl x509 -noout -subject)
assert_contains "$subj" "a.example.test" "certificate for SNI a.example.test"

# ---- redirect and ACME ----
code=$(gw_curl a.example.test /page?q=1 -o /dev/null -w '%{http_code} %{redirect_url}')
assert_eq "$code" "308 https://a.example.test:$https_port/page?q=1" "http://a.example.test/page (has a certificate)"
assert_eq "$(gw_curl a.example.test /.well-known/acme-challenge/tok)" "token-123" "the ACME path on port 80"
code=$(gw_curl a.example.test /.well-known/acme-challenge/../../certs/a.example.test.key -o /dev/null -w '%{http_code}')
[ "$code" != 200 ] || fail "the ACME path leaks files outside acme_webroot"
assert_eq "$(gw_curl b.example.test / -o /dev/null -w '%{http_code}')" 200 "http://b.example.test/ (no certificate: no redirect)"

# ---- unknown host, stopped service ----
assert_eq "$(gw_curl nowhere.test / -o /dev/null -w '%{http_code}')" 421 "an unknown host"
pst_ok stop web2
hdrs=$(gw_curl b.example.test / -D - -o /dev/null | tr -d '\r')
assert_contains "$hdrs" " 503" "a stopped service"
assert_contains "${hdrs,,}" "retry-after:" "Retry-After of a stopped service"
pst_ok start web2
wait_state web2 running
wait_until 60 sh -c "curl -s --resolve b.example.test:$http_port:127.0.0.1 http://b.example.test:$http_port/ | grep -q web2" ||
	fail "web2 does not answer through the gateway after its start: $(gw_curl b.example.test / -i 2>&1 | head -n 3)"

# ---- the gateway goes with the last service that needs it ----
pst_ok stop web1 web2
# Bounded by the drain (GATEWAY_STOP_MS, 10 s, then SIGKILL 2 s later) and emulation's slowness.
# (A predicate function: `wait_until N test -z "$(...)"` would expand $(...) once, before the
# first try, and wait on that stale answer.)
gateway_runs() { [ -n "$(titled "pistack: gateway master")" ]; }
gateway_gone() { ! gateway_runs; }
wait_until 30 gateway_gone ||
	fail "the gateway still runs with no service behind it: $(tail -n 15 "$logs/pistack.log"; pgrep -af '^pistack: ')"

# ---- down returns once the daemon, gateway included, is gone ----
pst_ok start web1
wait_until 30 gateway_runs ||
	fail "no gateway after 'start web1': $(tail -n 15 "$logs/pistack.log"; pgrep -af '^pistack: ')"
dpid=$(daemon_pid)
pst_ok down
gone "$dpid" || fail "the daemon $dpid still runs when 'down' returned"
assert_eq "$(titled "pistack: gateway master")" "" "gateway master when 'down' returned"
true
