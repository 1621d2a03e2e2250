#!/bin/bash
# The control socket stands up to hostile clients: RUN/pistack.sock is mode 0600 and replaces a
# stale file; malformed requests (2 GiB length, a truncated frame then silence, garbage, no final
# NUL, 257 arguments, too many or unexpected descriptors, bytes after the request) are refused
# with a message or closed, 1000 connections at once are turned away beyond the limit, a non-root
# peer is refused even when the file mode would let it in, and after all of it `pistack status`,
# `exec` and `down` still work.  Without a daemon, `status` says so and `down` is a no-op.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "$PISTACK" ] || fail "no pistack binary at '$PISTACK' (build it first: make)"
need python3 setpriv stat

conf=$tmpdir/conf
run=$tmpdir/run
sock=$run/pistack.sock
mkdir -p "$conf/conf.d" "$conf/bundles/idle"
cat >"$conf/conf.d/pistack.ini" <<EOF
[paths]
volumes = $tmpdir/vol
state = $tmpdir/state
run = $run
logs = $tmpdir/logs
EOF
cat >"$conf/bundles/idle/bundle.ini" <<EOF
[service]
rootfs = host
exec = /bin/sleep 1000
restart = no
[network]
mode = none
EOF
printf '[service]\n' >"$conf/conf.d/idle.ini"
printf '[service]\nbundle = idle\n' >"$conf/conf.d/idle2.ini"

pst() { "$PISTACK" -C "$conf" "$@"; }
on_exit 'pst down >/dev/null 2>&1'

# ---- no daemon ----
rc=0
out=$(pst status 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of 'status' without a daemon"
assert_eq "$out" "pistack: the daemon is not running (start a service with 'pistack start NAME')" \
	"'status' without a daemon"
rc=0
out=$(pst down 2>&1) || rc=$?
assert_eq "$rc/$out" "0/" "'down' without a daemon: exit 0, no output"
rc=0
out=$(pst stop Bad_Name 2>&1) || rc=$?
assert_eq "$rc" 2 "exit status of 'stop Bad_Name'"
assert_contains "$out" "usage: pistack stop NAME..." "'stop Bad_Name'"

# A daemon that cannot start: `start` says so (after the daemon's own reason) and fails.
mkdir -p "$tmpdir/bad/conf.d"
sed "s|^run = .*|run = /proc/pistack-no-such-dir/run|" "$conf/conf.d/pistack.ini" >"$tmpdir/bad/conf.d/pistack.ini"
rc=0
out=$("$PISTACK" -C "$tmpdir/bad" start idle 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of 'start' when the daemon cannot start"
assert_contains "$out" "pistack: unable to start the daemon: 'pistack daemon' exited with status 1" \
	"'start' when the daemon cannot start"

# A stale socket from a dead daemon: connect() is refused, so `start` launches a daemon, which
# replaces the file.
mkdir -p "$run"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
[ -S "$sock" ] || fail "could not make a stale socket"
chmod 0666 "$sock"

# ---- the daemon, started on demand ----
rc=0
out=$(pst start idle 2>&1) || rc=$?
note "start idle -> $rc: $out"
assert_eq "$rc" 0 "exit status of 'start idle' (daemon started on demand)"
[ -S "$sock" ] || fail "no control socket at $sock"
assert_eq "$(stat -c '%a %U' "$sock")" "600 root" "mode and owner of $sock"
out=$(pst status 2>&1) || fail "status failed: $out"
assert_contains "$out" "idle " "status lists idle"

# ---- hostile clients ----
cat >"$tmpdir/hostile.py" <<'EOF'
import array, os, resource, socket, struct, sys, time

path = sys.argv[1]
failed = []


def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def frame(payload):
    return struct.pack('>I', len(payload)) + payload


def req(*args):
    return frame(b''.join(a.encode() + b'\0' for a in args))


def reply(s, timeout=10.0):
    """Every frame until the daemon closes: [(type, bytes)], then ('TIMEOUT', b'') if it did not."""
    s.settimeout(timeout)
    data, timed_out, frames = b'', False, []
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except ConnectionResetError:
        pass
    except socket.timeout:
        timed_out = True
    s.close()
    i = 0
    while i + 5 <= len(data):
        n = struct.unpack('>I', data[i:i + 4])[0]
        frames.append((chr(data[i + 4]), data[i + 5:i + 4 + n]))
        i += 4 + n
    if timed_out:
        frames.append(('TIMEOUT', b''))
    return frames


def check(what, cond, detail):
    print(('ok   ' if cond else 'FAIL ') + what + ('' if cond else ': ' + repr(detail)[:300]))
    if not cond:
        failed.append(what)


def refused(frames, status, text):
    return (len(frames) == 2 and frames[1] == ('x', status) and frames[0][0] == 'e'
            and text in frames[0][1])


def status_answers():
    s = conn()
    s.sendall(req('status'))
    r = reply(s, 20)
    return bool(r) and r[-1] == ('x', b'0') and b'idle' in b''.join(f[1] for f in r), r


def still_serving(after):
    ok, r = status_answers()
    check('status answers after ' + after, ok, r)


s = conn(); s.sendall(b'\x80\x00\x00\x00' + b'A' * 1000)
r = reply(s)
check('2 GiB length header refused', refused(r, b'2', b'larger than 65536 bytes'), r)
still_serving('a 2 GiB header')

s = conn(); s.sendall(frame(b'status'))
r = reply(s)
check('frame without final NUL refused', refused(r, b'2', b'not terminated'), r)

s = conn(); s.sendall(frame(os.urandom(4096).replace(b'\0', b'\x01')))
r = reply(s)
check('garbage payload refused', refused(r, b'2', b'not terminated'), r)

s = conn(); s.sendall(frame(b'\0' * 64))
r = reply(s)
check('NUL-only payload refused', refused(r, b'2', b'command is empty'), r)

s = conn(); s.sendall(b'\0\0\0\0')
r = reply(s)
check('empty frame refused', refused(r, b'2', b'it is empty'), r)

s = conn(); s.sendall(frame(b'status\0' + b'idle\0' * 256))
r = reply(s)
check('257 arguments refused', refused(r, b'2', b'more than 256 arguments'), r)

s = conn(); s.sendall(frame(b'no-such-verb\0\xff\xfe\0'))
r = reply(s)
check('unknown verb answered', bool(r) and r[-1][0] == 'x' and r[-1][1] != b'0', r)
still_serving('garbage')

# Descriptors: 4 on the request, 3 + 3 over two messages, 16 at once (truncated).
null = os.open('/dev/null', os.O_RDWR)
s = conn(); s.sendmsg([req('status')], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [null] * 4))])
r = reply(s)
check('4 descriptors refused', refused(r, b'2', b'more than 3 descriptors'), r)
s = conn(); p = req('status')
s.sendmsg([p[:2]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [null] * 3))])
s.sendmsg([p[2:]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [null] * 3))])
r = reply(s)
check('3 + 3 descriptors refused', refused(r, b'2', b'more than 3 descriptors'), r)
s = conn(); s.sendmsg([req('status')], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [null] * 16))])
r = reply(s)
check('16 descriptors: connection closed', r == [], r)
# Descriptors on a verb that takes none: the daemon must close them and keep its own.
s = conn(); s.sendmsg([req('start', 'idle2')], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [null] * 3))])
r = reply(s, 60)
check("'start idle2' with 3 stray descriptors", bool(r) and r[-1] == ('x', b'0'), r)
os.close(null)
still_serving('wrong descriptors')

# Bytes after the request: the client is broken and dropped (the verb still runs).
s = conn(); s.sendall(req('status') + b'trailing garbage')
reply(s)

# A half-closed client (shutdown of its writing side) still gets its answer.
s = conn(); s.sendall(req('status')); s.shutdown(socket.SHUT_WR)
r = reply(s)
check('half-closed client answered', bool(r) and r[-1] == ('x', b'0'), r)

# A truncated frame, then silence: closed by the 5 s deadline.
s = conn(); s.sendall(b'\0\0\1\0' + b'start\0')
t0 = time.monotonic(); r = reply(s, 30); dt = time.monotonic() - t0
check('truncated request closed after 5 s', r == [] and 4.0 < dt < 10.0, (r, dt))
s = conn(); s.sendall(b'\0')
t0 = time.monotonic(); r = reply(s, 30); dt = time.monotonic() - t0
check('partial header closed after 5 s', r == [] and 4.0 < dt < 10.0, (r, dt))
still_serving('stalled requests')

# 1000 connections at once: beyond the limit they are told and closed; then all go away.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
socks = [conn() for _ in range(1000)]
# The first 64 hold their slots until the request deadline: ask at once.  A
# refused client is answered and closed as soon as it is accepted, so its
# request may meet a closed socket (EPIPE): the answer is there to read anyway.
s = conn()
try:
    s.sendall(req('status'))
except (BrokenPipeError, ConnectionResetError):
    pass
r = reply(s)
check('status while the limit is reached is turned away', refused(r, b'1', b'too many clients'), r)
busy = 0
for s in socks[100:]:
    if refused(reply(s, 10), b'1', b'too many clients'):
        busy += 1
check('connections beyond the limit turned away', busy == 900, busy)
for s in socks:
    s.close()
time.sleep(0.5)
still_serving('1000 connections')

sys.exit(1 if failed else 0)
EOF
rc=0
out=$(python3 "$tmpdir/hostile.py" "$sock" 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 0 "hostile clients (see the FAIL lines above)"

# The stray descriptors did not break the service started with them.
out=$(pst status idle2 2>&1) || fail "status idle2 failed: $out"
assert_contains "$out" "idle2" "status idle2"
assert_not_contains "$out" "exited" "idle2 started by a request with stray descriptors"
assert_not_contains "$out" "failed" "idle2 started by a request with stray descriptors"
rc=0
out=$(pst stop idle2 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of 'stop idle2' ($out)"

# ---- a peer that is not root ----
# The file mode keeps it out...
chmod o+x "$tmpdir" "$run"
on_exit "chmod 0700 '$tmpdir'"
cat >"$tmpdir/peer.py" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except PermissionError:
    print('EACCES')
    sys.exit(0)
try:
    s.sendall(struct.pack('>I', 7) + b'status\0')
except (BrokenPipeError, ConnectionResetError):
    pass  # turned away before the request went out: the answer is queued anyway
data = b''
while True:
    try:
        b = s.recv(4096)
    except ConnectionResetError:
        break  # we did not read our request: the close resets after the data
    if not b:
        break
    data += b
frames = []
while len(data) >= 5:
    n = struct.unpack('>I', data[:4])[0]
    frames.append(data[4:4 + n].decode(errors='replace'))
    data = data[4 + n:]
print('|'.join(frames))
EOF
# The system's python: root's PATH may lead to an interpreter that uid 65534 cannot run.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$py" "$tmpdir/peer.py" "$sock" 2>&1) || true
assert_eq "$out" "EACCES" "uid 65534 connecting to the 0600 socket"
# ...and the credential check refuses it even when the mode would not.
chmod 0666 "$sock"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$py" "$tmpdir/peer.py" "$sock" 2>&1) || true
chmod 0600 "$sock"
assert_eq "$out" "epistack: permission denied
|x1" "reply to uid 65534"

# ---- still serving, end to end ----
out=$(pst status 2>&1) || fail "status after the hostile clients failed: $out"
assert_contains "$out" "idle " "status after the hostile clients"
out=$(pst exec idle /bin/echo hello 2>&1) || fail "exec echo failed: $out"
assert_eq "$out" "hello" "output of 'exec idle /bin/echo hello'"
out=$(echo piped | pst exec -i idle /bin/cat 2>&1) || fail "exec -i cat failed: $out"
assert_eq "$out" "piped" "output of 'exec -i idle /bin/cat'"
out=$(echo unread | pst exec idle /bin/cat 2>&1) || fail "exec cat failed: $out"
assert_eq "$out" "" "without -i, exec's stdin is /dev/null"
rc=0
pst exec idle /bin/sh -c 'exit 7' || rc=$?
assert_eq "$rc" 7 "exit status of 'exec idle sh -c \"exit 7\"'"

if command -v script >/dev/null; then
	# -t: the command's stdio is a terminal, relayed through ours (script(1) gives us one).
	out=$(script -qec "$PISTACK -C $conf exec -t idle /bin/sh -c 'test -t 0 && test -t 1 && echo on-a-tty; exit 3'" /dev/null 2>&1 </dev/null) && rc=0 || rc=$?
	assert_contains "$out" "on-a-tty" "output of 'exec -t'"
	assert_eq "$rc" 3 "exit status of 'exec -t ... exit 3'"
fi

rc=0
out=$(pst down 2>&1) || rc=$?
assert_eq "$rc" 0 "exit status of 'down' ($out)"
for _ in $(seq 50); do
	[ -e "$sock" ] || break
	sleep 0.1
done
[ ! -e "$sock" ] || fail "$sock still exists after 'down'"
rc=0
pst status >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "exit status of 'status' after 'down'"
