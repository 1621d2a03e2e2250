# Helpers for the intercontainer network tests (tests/integration/net-*.sh); source after
# lib.sh and daemon-lib.bash. Each test gets its own bridge (pst-N) and /24 subnet, and
# removes the bridge and pistack's nftables table when it exits.
# Not a test itself: tests/vm/run only runs *.sh files.
# shellcheck shell=bash

: "${conf:?source daemon-lib.bash before net-lib.bash}"

# net_config N [LINES]: [network] of pistack.ini with bridge pst-N and 10.213.N.0/24 (plus
# LINES); sets $bridge, $gw (the bridge's address) and $subnet_prefix (10.213.N.).
net_config() {
	bridge=pst-$1
	subnet_prefix=10.213.$1.
	gw=${subnet_prefix}1
	cat >>"$conf/conf.d/pistack.ini" <<EOF
[network]
bridge = $bridge
subnet = ${subnet_prefix}0/24
${2:-}
EOF
	on_exit "ip link del $bridge 2>/dev/null; nft delete table inet pistack 2>/dev/null; true"
}

# http_service NAME PORT [LINES]: a python3 web server on PORT serving $vol/NAME (hello.txt
# says "hello from NAME"), on the bridge.
http_service() {
	mkdir -p "$vol/$1"
	echo "hello from $1" >"$vol/$1/hello.txt"
	service "$1" <<EOF
[service]
exec = /usr/bin/python3 -m http.server $2 --directory /srv
[mount]
/srv = volume ro
${3:-}
EOF
}

# sleeper NAME [LINES]: a service that only waits, on the bridge (a client for exec).
sleeper() {
	service "$1" <<EOF
[service]
exec = /bin/sleep 100000
${2:-}
EOF
}

# dig_short ARG...: dig +short with a timeout, against the name server on the bridge.
dig_short() {
	dig @"$gw" +time=2 +tries=1 +short "$@"
}

# dig_status ARG...: the status of the answer (NOERROR, NXDOMAIN, ...).
dig_status() {
	local line
	line=$(dig @"$gw" +time=2 +tries=1 "$@" | grep -m1 -o 'status: [A-Z]*') || true
	printf '%s' "${line#status: }"
}
