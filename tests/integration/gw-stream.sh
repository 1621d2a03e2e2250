#!/bin/bash
# Bodies stream through the gateway without being held: a download, an upload with
# Content-Length and a chunked upload arrive whole, while the workers' memory stays flat: their
# peak resident size, VmHWM, stays under 16 MiB (a worker that held a body would grow by its
# size). The figures are printed: sizes, times, the workers' VmRSS/VmHWM and the CPU seconds
# the workers and the service spent.
# Size: PISTACK_GW_STREAM_MB MiB each (default 128; the chunked upload at most 256). Under TCG
# on a busy host the gateway moves 10-20 MiB/s, so the default keeps the test within the
# default 120 s; PISTACK_GW_STREAM_MB=1024 (1 GiB) needs PISTACK_VM_TEST_TIMEOUT=600 there.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
# shellcheck source-path=SCRIPTDIR source=gw-lib.bash
. "$(dirname "$0")/gw-lib.bash"

need python3 curl

mb=${PISTACK_GW_STREAM_MB:-128}
size=$((mb << 20))
cmb=$((mb < 256 ? mb : 256))
csize=$((cmb << 20))
peak_kb=16384

gw_config 23 "max_body = 4G"
echo_service web "s.test"

# upload.py PORT BYTES chunked|length: PUT BYTES zero bytes to s.test; prints the echo's
# "body: N" line and the seconds it took.
script upload.py <<'EOF'
import socket, sys, time
port, size, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=120)
framing = b"Transfer-Encoding: chunked" if mode == "chunked" else b"Content-Length: %d" % size
t0 = time.monotonic()
s.sendall(b"PUT /up HTTP/1.1\r\nHost: s.test\r\n" + framing + b"\r\nConnection: close\r\n\r\n")
block = bytes(1 << 20)
left = size
while left > 0:
    n = min(left, len(block))
    if mode == "chunked":
        s.sendall(b"%x\r\n" % n + block[:n] + b"\r\n")
    else:
        s.sendall(block[:n])
    left -= n
if mode == "chunked":
    s.sendall(b"0\r\n\r\n")
data = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    data += c
t = time.monotonic() - t0
status = data.split(b"\r\n", 1)[0].decode(errors="replace")
body = [l for l in data.decode(errors="replace").splitlines() if l.startswith("body: ")]
print(status, "|", body[0] if body else "no body line", "| %.1f s" % t)
EOF

pst_ok start web
wait_state web running
wait_until 60 sh -c "curl -s --resolve s.test:$http_port:127.0.0.1 http://s.test:$http_port/ | grep -q 'web GET /'" ||
	fail "the gateway does not answer for s.test; daemon log: $(tail -n 8 "$logs/pistack.log")"

read -ra workers <<<"$(titled "pistack: gateway worker")"
assert_eq "${#workers[@]}" 2 "gateway workers (${workers[*]})"
kb() { local v; v=$(status_field "$1" "$2"); printf '%s' "${v%% kB}"; }
# cpu PID...: the CPU time (user + system) the PIDs spent so far, in 1/100 s.
cpu() {
	local p line f t=0
	for p in "$@"; do
		line=$(<"/proc/$p/stat") || continue
		# After "PID (NAME) ", utime and stime are the 12th and 13th fields.
		read -ra f <<<"${line##*) }"
		t=$((t + f[11] + f[12]))
	done
	echo "$t"
}
# The echo backend's processes (python3 /echo.py ...).
backend=()
for p in /proc/[0-9]*; do
	a=()
	mapfile -t -d '' a 2>/dev/null <"$p/cmdline" || true
	[ "${a[1]:-}" = /echo.py ] && backend+=("${p#/proc/}")
done
[ ${#backend[@]} -gt 0 ] || fail "no echo backend process found"
# phase WHAT SECONDS: note the CPU the workers and the service spent since the last phase.
last_w=$(cpu "${workers[@]}") last_b=$(cpu "${backend[@]}")
phase() {
	local w b
	w=$(cpu "${workers[@]}") b=$(cpu "${backend[@]}")
	note "  $1: $2 s; CPU: gateway workers $(((w - last_w) / 100)).$(((w - last_w) % 100 / 10)) s, service $(((b - last_b) / 100)).$(((b - last_b) % 100 / 10)) s"
	last_w=$w last_b=$b
}
before=""
for p in "${workers[@]}"; do
	before+=" $p:$(kb "$p" VmRSS)kB"
done
note "workers before: VmRSS$before"

# The largest VmRSS of the workers, sampled every 0.2 s while the transfers run.
sampler() {
	local max=0 v p
	while :; do
		for p in "${workers[@]}"; do
			v=$(kb "$p" VmRSS)
			[ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v && echo "$max" >"$tmpdir/rss-max"
		done
		sleep 0.2
	done
}
sampler &
sampler_pid=$!
on_exit "kill $sampler_pid 2>/dev/null"

# ---- download ----
t0=$SECONDS
got=$(gw_curl s.test "/big?n=$size" -m 900 -o /dev/null -w '%{http_code} %{size_download} %{speed_download}') ||
	fail "the download failed: $got"
read -r code bytes speed <<<"$got"
note "download of $mb MiB: $code, $bytes bytes ($((${speed%.*} >> 20)) MiB/s)"
phase download $((SECONDS - t0))
assert_eq "$code" 200 "status of the download"
assert_eq "$bytes" "$size" "bytes downloaded"

# ---- upload with Content-Length ----
t0=$SECONDS
out=$(python3 "$scripts/upload.py" "$http_port" "$size" length 2>&1) || fail "the upload failed: $out"
note "upload of $mb MiB (Content-Length): $out"
phase upload $((SECONDS - t0))
assert_contains "$out" "HTTP/1.1 200" "status of the upload"
assert_contains "$out" "body: $size |" "bytes the service got"

# ---- chunked upload ----
t0=$SECONDS
out=$(python3 "$scripts/upload.py" "$http_port" "$csize" chunked 2>&1) || fail "the chunked upload failed: $out"
note "upload of $cmb MiB (chunked): $out"
phase "chunked upload" $((SECONDS - t0))
assert_contains "$out" "HTTP/1.1 200" "status of the chunked upload"
assert_contains "$out" "body: $csize |" "bytes the service got (chunked)"

# ---- the workers' memory ----
kill "$sampler_pid" 2>/dev/null
wait "$sampler_pid" 2>/dev/null || true
after=""
for p in "${workers[@]}"; do
	alive "$p" || fail "gateway worker $p is gone after the transfers"
	after+=" $p:$(kb "$p" VmRSS)kB/$(kb "$p" VmHWM)kB"
done
note "workers after: VmRSS/VmHWM$after; largest VmRSS sampled during the transfers: $(cat "$tmpdir/rss-max" 2>/dev/null)kB"
for p in "${workers[@]}"; do
	hwm=$(kb "$p" VmHWM)
	[ "$hwm" -lt "$peak_kb" ] || fail "gateway worker $p peaked at $hwm kB (limit $peak_kb kB):$after"
done
true
