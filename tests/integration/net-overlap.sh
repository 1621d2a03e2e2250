#!/bin/bash
# A [network] subnet that overlaps an address already on the host is refused with one clear
# line, by `run` (exit 125, nothing left) and by the daemon (the start fails, status says so);
# no bridge is made.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=daemon-lib.bash
. "$(dirname "$0")/daemon-lib.bash"
# shellcheck source-path=SCRIPTDIR source=net-lib.bash
. "$(dirname "$0")/net-lib.bash"

need ip

net_config 15
ip link add pst-taken type dummy
on_exit "ip link del pst-taken 2>/dev/null"
ip addr add 10.213.0.5/16 dev pst-taken
sleeper web "restart = no"

run_pst run --rm web
assert_eq "$rc" 125 "exit status of run on an overlapping subnet"
one_error_line "run on an overlapping subnet" web
assert_contains "$err" "10.213.15.0/24" "the refusal names the subnet"
assert_contains "$err" "pst-taken" "the refusal names the interface that has it"
ip link show "$bridge" >/dev/null 2>&1 && fail "a bridge was made for an overlapping subnet"
assert_no_instance web

run_pst start web
assert_eq "$rc" 1 "exit status of start on an overlapping subnet"
one_error_line "start on an overlapping subnet" web
assert_contains "$err" "pst-taken" "the refusal names the interface that has it"
row web
assert_eq "${ROW[C_STATE]}" failed "web's state"
ip link show "$bridge" >/dev/null 2>&1 && fail "a bridge was made for an overlapping subnet"
true
