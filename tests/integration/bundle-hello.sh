#!/bin/bash
# The hello bundle of the repository, instantiated by an empty conf.d/hello.ini from a
# configuration root whose [paths] bundles is the repository's bundles/: on its first start the
# empty volume VOLUMES/hello/www gets the bundle's seed page, owned by the service's user, and is
# served on the bridge; what is put there is served as it is; a restart never seeds again, not
# over a changed page nor over a removed one while anything else is left.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"
need curl python3

repo=${PISTACK_VM_REPO:-$PWD}
# [paths] is the last section daemon-lib.bash wrote.
echo "bundles = $repo/bundles" >>"$conf/conf.d/pistack.ini"
net_config 32
service hello </dev/null
www=$vol/hello/www

pst_ok start hello
wait_state hello running
addr=${ROW[C_ADDRESS]}
assert_eq "${ROW[C_HOSTS]}" "hello.localhost" "HOSTS of hello"
url=http://$addr:8080
# Python starts in seconds under TCG.
wait_until 60 curl -fs -o /dev/null "$url/" ||
	fail "hello does not answer on $url; its log: $(pst logs hello 2>&1)"

# ---- seeded on the first start ----
cmp -s "$www/index.html" "$repo/bundles/hello/seed/index.html" || fail "$www/index.html is not the seed page"
assert_eq "$(stat -c %U "$www" "$www/index.html" | sort -u)" "nobody" "owner of the site and its page"
out=$(curl -fsS "$url/")
assert_contains "$out" "<h1>Hello from pistack</h1>" "the seed page served"
run_pst logs hello
assert_contains "$out" "hello: seeded /srv/www" "hello's log"

# ---- the volume's files are served as they are ----
echo '<h1>mine</h1>' >"$www/index.html"
echo 'more' >"$www/more.txt"
assert_eq "$(curl -fsS "$url/")" "<h1>mine</h1>" "a changed page"
assert_eq "$(curl -fsS "$url/more.txt")" "more" "an added file"
assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$url/none")" 404 "status of a missing file"

# ---- a restart does not seed again ----
rm "$www/index.html"
pst_ok restart hello
wait_state hello running
wait_until 60 curl -fs -o /dev/null "$url/more.txt" || fail "hello does not answer after its restart"
[ ! -e "$www/index.html" ] || fail "a restart seeded a site that was not empty"
assert_eq "$(curl -fsS "$url/more.txt")" "more" "a file kept across the restart"

# ---- nor is the seed writable by the service ----
run_pst exec hello sh -c 'echo x >/app/seed/index.html'
[ "$rc" != 0 ] || fail "hello could write the bundle's seed page"
pst_ok stop hello
