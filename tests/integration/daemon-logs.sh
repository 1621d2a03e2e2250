#!/bin/bash
# The daemon captures a service's output into LOGS/NAME.log and rotates it: 5 MB printed with
# [log] size = 64K, files = 3 leaves exactly NAME.log, .1 and .2, each within 64K and made of whole
# lines in order; `pistack logs -n 3` prints the last 3 lines, `pistack logs` all that is kept;
# `pistack logs -f` follows new output across rotations and across a restart of the service.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "$PISTACK" ] || fail "no pistack binary at '$PISTACK' (build it first: make)"
need seq awk

conf=$tmpdir/conf
logs=$tmpdir/logs
mkdir -p "$conf/conf.d" "$conf/bundles/chatty" "$conf/bundles/ticker"
cat >"$conf/conf.d/pistack.ini" <<EOF
[paths]
volumes = $tmpdir/vol
state = $tmpdir/state
run = $tmpdir/run
logs = $logs
EOF

# chatty: 80000 numbered lines (about 5.6 MB) at once, then stays up.
cat >"$conf/bundles/chatty/bundle.ini" <<EOF
[service]
rootfs = host
exec = /bin/sh /gen.sh
restart = no
[mount]
/gen.sh = bundle:gen.sh ro
[network]
mode = none
[log]
size = 64K
files = 3
EOF
cat >"$conf/bundles/chatty/gen.sh" <<'EOF'
seq -f 'line %06g: the quick brown fox jumps over the lazy dog 0123456789' 1 80000
exec sleep 1000
EOF
printf '[service]\n' >"$conf/conf.d/chatty.ini"

# ticker: waits a little (so a follower is attached first), then 20000 lines: ~20 rotations.
cat >"$conf/bundles/ticker/bundle.ini" <<EOF
[service]
rootfs = host
exec = /bin/sh /gen.sh
restart = no
[mount]
/gen.sh = bundle:gen.sh ro
[network]
mode = none
[log]
size = 64K
files = 2
EOF
cat >"$conf/bundles/ticker/gen.sh" <<'EOF'
sleep 2
seq -f 'tick %06g: padding padding padding padding padding padding' 1 20000
exec sleep 1000
EOF
printf '[service]\n' >"$conf/conf.d/ticker.ini"

pst() { "$PISTACK" -C "$conf" "$@"; }
on_exit 'pst down >/dev/null 2>&1'

# wait_for SECONDS CMD...: until CMD succeeds, or fail.
wait_for() {
	local limit=$(($1 * 10)) i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt "$limit" ] || return 1
		sleep 0.1
	done
}

has_line() { [ -f "$1" ] && grep -q "^$2" "$1"; }

# ---- rotation ----
out=$(pst start chatty 2>&1) || fail "pistack start chatty: $out"
wait_for 120 has_line "$logs/chatty.log" 'line 080000' ||
	fail "the last line never reached $logs/chatty.log: $(ls -l "$logs" 2>&1)"
files=$(cd "$logs" && echo chatty.log*)
note "log files: $(cd "$logs" && ls -l chatty.log*)"
assert_eq "$files" "chatty.log chatty.log.1 chatty.log.2" "log files kept"
[ "$(stat -c %a "$logs/chatty.log")" = 640 ] || fail "mode of chatty.log: $(stat -c %a "$logs/chatty.log")"
for f in chatty.log.2 chatty.log.1 chatty.log; do
	size=$(stat -c %s "$logs/$f")
	[ "$size" -le 65536 ] || fail "$f is $size bytes, more than [log] size 64K"
	[ "$(tail -c 1 "$logs/$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f does not end with a whole line"
done
# Whole lines, in order, without a gap from the oldest kept one to the last (the start line of
# the daemon may be the very first line of the oldest file, if it was not rotated away).
len=$(printf 'line %06d: the quick brown fox jumps over the lazy dog 0123456789' 1 | wc -c)
gap=$(cat "$logs/chatty.log.2" "$logs/chatty.log.1" "$logs/chatty.log" | awk -v len="$len" '
	/^pistack: / && NR == 1 { next }
	{ n = $2 + 0; if (prev && n != prev + 1) { print "after " prev ": " $0; exit } prev = n }
	$1 != "line" || length($0) != len { print "broken line: " $0; exit }')
assert_eq "$gap" "" "lines across chatty.log.2, .1 and chatty.log"

# ---- logs -n N, logs ----
out=$(pst logs -n 3 chatty) || fail "pistack logs -n 3 chatty failed"
assert_eq "$out" "$(printf 'line %06d: the quick brown fox jumps over the lazy dog 0123456789\n' 79998 79999 80000)" \
	"pistack logs -n 3 chatty"
out=$(pst logs -n 0 chatty)
assert_eq "$out" "" "pistack logs -n 0 chatty"
want=$(cat "$logs/chatty.log.2" "$logs/chatty.log.1" "$logs/chatty.log" | cksum)
got=$(pst logs chatty | cksum)
assert_eq "$got" "$want" "pistack logs chatty (everything kept, oldest first)"
rc=0
out=$(pst logs nosuch 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of pistack logs nosuch"
assert_contains "$out" "pistack: nosuch: unable to find service 'nosuch'" "pistack logs nosuch"
rc=0
out=$(pst logs -n x chatty 2>&1) || rc=$?
assert_eq "$rc" 2 "exit status of pistack logs -n x chatty"

# ---- logs -f across rotations and a restart ----
follow=$tmpdir/follow
out=$(pst start ticker 2>&1) || fail "pistack start ticker: $out"
pst logs -f ticker >"$follow" 2>"$follow.err" &
follower=$!
on_exit "kill $follower 2>/dev/null"
wait_for 120 has_line "$follow" 'tick 020000' || fail "the follower never saw tick 020000: $(tail -n 3 "$follow")"
got=$(grep -c '^tick ' "$follow")
assert_eq "$got" 20000 "ticks seen by the follower"
gap=$(awk '/^tick / { n = $2 + 0; if (n != prev + 1) { print "after " prev ": " $0; exit } prev = n }' "$follow")
assert_eq "$gap" "" "ticks in order at the follower"
assert_contains "$(head -n 1 "$follow")" "pistack: ticker: started" "first line at the follower"
[ -e "$logs/ticker.log.2" ] && fail "ticker.log.2 exists with [log] files = 2"
out=$(pst restart ticker 2>&1) || fail "pistack restart ticker: $out"
twice() { [ "$(grep -c "^$2" "$1")" = 2 ]; }
wait_for 120 twice "$follow" 'tick 020000' ||
	fail "the follower did not follow the restart: $(grep -c '^pistack: ticker: started' "$follow") start lines"
assert_eq "$(grep -c '^pistack: ticker: started' "$follow")" 2 "start lines at the follower"
kill -0 "$follower" 2>/dev/null || fail "the follower ended: $(cat "$follow.err")"
kill "$follower"
wait "$follower" 2>/dev/null || true
pst down >/dev/null 2>&1 || true
