#!/bin/bash
# The whoami bundle of the repository, instantiated by an empty conf.d/whoami.ini from a
# configuration root whose [paths] bundles is the repository's bundles/: the daemon starts it on
# the bridge, as nobody, and it answers any method and path with what it received (request
# line, query, headers, body, client address, its host name and address), as text/plain, or as
# JSON with ?format=json or Accept: application/json; the repository's own configuration root
# passes `check`.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
need curl python3

repo=${PISTACK_VM_REPO:-$PWD}
run_pst_repo() { "$PISTACK" -C "$repo" "$@"; }
assert_eq "$(run_pst_repo check 2>&1)" "configuration OK" "pistack -C $repo check"

# [paths] is the last section daemon-lib.bash wrote.
echo "bundles = $repo/bundles" >>"$conf/conf.d/pistack.ini"
net_config 31
service whoami </dev/null

pst_ok start whoami
wait_state whoami running
addr=${ROW[C_ADDRESS]}
[[ $addr == "$subnet_prefix"* ]] || fail "whoami's address '$addr' is not in ${subnet_prefix}0/24"
assert_eq "${ROW[C_HOSTS]}" "whoami.localhost" "HOSTS of whoami"
url=http://$addr:8080
# Python starts in seconds under TCG.
wait_until 60 curl -fs -o /dev/null "$url/" ||
	fail "whoami does not answer on $url; its log: $(pst logs whoami 2>&1)"

# ---- text ----
out=$(curl -fsS -H 'X-Test: one' "$url/some/path?x=1&y=two")
note "$out"
assert_contains "$out" "Hostname: whoami"$'\n' "whoami's host name"
assert_contains "$out" "IP: $addr"$'\n' "whoami's address"
assert_contains "$out" "IP: 127.0.0.1"$'\n' "whoami's loopback address"
assert_contains "$out" "RemoteAddr: $gw:" "the client's address (the host, through the bridge)"
assert_contains "$out" $'\nGET /some/path?x=1&y=two HTTP/1.1\n' "the request line"
assert_contains "$out" $'\nHost: '"$addr"$':8080\n' "the Host header"
assert_contains "$out" $'\nX-Test: one' "a header of the request"
headers=$(curl -fsS -o /dev/null -D - "$url/")
assert_contains "$headers" "Content-Type: text/plain; charset=utf-8" "Content-Type of the text answer"

# ---- a body, sized and chunked ----
out=$(curl -fsS -X PUT --data-binary 'a body' "$url/put")
assert_contains "$out" $'\nPUT /put HTTP/1.1\n' "the request line of a PUT"
assert_contains "$out" $'\n\na body' "the echoed body"
out=$(printf 'chunked body' | curl -fsS -H 'Transfer-Encoding: chunked' --data-binary @- "$url/c")
assert_contains "$out" $'\n\nchunked body' "the echoed chunked body"

# ---- JSON ----
json_field() { # json_field EXPR: EXPR of the JSON document in $out (python3)
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <<<"$out"
}
out=$(curl -fsS "$url/j?format=json&k=v")
assert_eq "$(json_field 'd["method"], d["path"], d["query"]["k"][0]')" "('GET', '/j', 'v')" "JSON of ?format=json"
assert_eq "$(json_field 'd["hostname"]')" "whoami" "JSON hostname"
assert_eq "$(json_field "'$addr' in d['ip']")" "True" "JSON ip"
out=$(curl -fsS -H 'Accept: application/json' -H 'X-Test: two' "$url/a")
assert_eq "$(json_field 'd["headers"]["X-Test"][0], d["remote_addr"].split(":")[0]')" "('two', '$gw')" \
	"JSON of Accept: application/json"
headers=$(curl -fsS -o /dev/null -D - "$url/?format=json")
assert_contains "$headers" "Content-Type: application/json" "Content-Type of the JSON answer"

# ---- as nobody, with the bundle's file read-only ----
run_pst exec whoami id -un
assert_eq "$out" "nobody" "whoami's user"
run_pst exec whoami sh -c 'echo x >>/app/whoami.py'
[ "$rc" != 0 ] || fail "whoami could write the bundle's whoami.py"
pst_ok stop whoami
