#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generic netlink robustness of the kernel twin: build/nfips-nlfuzz sends
# thousands of randomly mutated "nfips" messages (valid GET_VERSION, LOAD,
# GET_CONFIG, GET_STATS and FLUSH requests per include/uapi/linux/nfips.h,
# then wrong attribute types, truncated attributes, strings without NUL or
# past their limits, garbage and deep nesting inside nests, huge and tiny
# nla_len, random commands, flags, version and reserved bytes), from
#   - a privileged caller: every message is answered (an error, or handled),
#     no answer is malformed, nothing hangs;
#   - an unprivileged one (uid 65534, no CAP_NET_ADMIN; sockets opened both
#     before and after the drop): every message is refused (EPERM, or EINVAL/
#     EOPNOTSUPP from the generic netlink core), and the running config is
#     untouched.
# Then the module still works: a valid load, stats that balance, and traffic
# through a bm chain is inspected (EVIL dropped, good passes). No splat (the
# harness checks the kernel log), no leak (debug kernel), the modules unload.
#
#   NS_SRC                    NS_IPS: nfips.ko                   NS_DST
#   eth0 10.91.1.1 -------- eth0  nfips-nlfuzz (root, nobody)  eth1 -- eth0 10.91.2.2
#   nfips-send EVIL, then      then chain evil: bm "EVIL"           count udp 7500,
#   good (same flow)                                                EVIL and good apart
#
# Env: NFIPS_SOAK_NLFUZZ   privileged messages (default 3000, 1000 on a stock
#                          kernel; half as many unprivileged)
#      NFIPS_NLFUZZ_SEED   seed (default: random, printed for a rerun)
# kmod-timeout: 120
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$(dirname "$0")/../twin.sh"
source "$(dirname "$0")/../kmod-debug/soak.sh"

N=$(soak_count NFIPS_SOAK_NLFUZZ 3000 1000)
SEED=$(soak_count NFIPS_NLFUZZ_SEED $((RANDOM * 32768 + RANDOM)))
PORT=7500
FUZZ=$BUILD_DIR/nfips-nlfuzz
soak_setup $PORT "$FUZZ"
EXPECT_WAIT=$((5 * SLOW))

cat >"$T/good.conf" <<CONF
queue  workers=2 maxlen=256 overflow=drop
op     evil bm pattern="EVIL" action=drop
chain  web evil
select dst=$DST_IP/32 proto=udp dport=$PORT chain=web
select any bypass
CONF

# --- privileged --------------------------------------------------------------
fuzz_run() {	# fuzz_run NAME ARGS...: one nfips-nlfuzz run as a TAP line
	local name=$1 out rc
	shift
	out=$(ns "$NS_IPS" "$FUZZ" --timeout $((5 * SLOW)) "$@" 2>&1)
	rc=$?
	sed 's/^\([^#]\)/# \1/' <<<"$out"
	case $rc in
	0) tap_ok "$name" ;;
	4) tap_skip "$name" "the nfips generic netlink family is not registered" ;;
	*) tap_fail "$name" "nfips-nlfuzz exited with $rc (seed $SEED; rerun with NFIPS_NLFUZZ_SEED=$SEED)" ;;
	esac
}

fuzz_run "$N mutated messages as root: each answered, none malformed, no hang" \
	--count "$N" --seed "$SEED"

# --- unprivileged ------------------------------------------------------------
if ! out=$(twin_load "$T/good.conf" 2>&1); then
	tap_fail "load a valid config after the privileged fuzzing" "$out"
else
	tap_ok "load a valid config after the privileged fuzzing"
fi
show0=$(twin_ctl show 2>&1)
fuzz_run "$((N / 2)) mutated messages without CAP_NET_ADMIN: each refused" \
	--count $((N / 2)) --seed $((SEED + 1)) --unpriv
tap_expect "the unprivileged messages left the config untouched" "$show0" "$(twin_ctl show 2>&1)"

# --- the module still works ----------------------------------------------------
if out=$(twin_load "$T/good.conf" 2>&1); then
	tap_ok "a valid load after the fuzzing"
else
	tap_fail "a valid load after the fuzzing" "$out"
fi
# EVIL first, then the good packets on the same flow (the same worker, in
# order), counted apart at dst: the good ones are the markers that prove the
# EVIL ones were decided; a reversed verdict fails both lines.
count_payload "$NS_DST" udp $PORT evil EVIL
count_payload "$NS_DST" udp $PORT good '!EVIL'
d0=$(twin_stat global "" dropped)
send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload EVIL --count 20 >/dev/null
send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload good --count 20 >/dev/null
expect_dropped "EVIL packets are dropped (20 dropped by the twin, none at dst)" \
	"$NS_DST" evil 0 good 20 twin_stat_is global "" dropped $((d0 + 20))
wait_for $((5 * SLOW)) stats_idle
tap_expect "good packets pass" 20 "$(arrived "$NS_DST" good)"
stats_balance "stats after the fuzzing: counters balance"

if twin_ctl flush >/dev/null 2>&1; then tap_ok "flush"; else tap_fail "flush" "$(twin_ctl flush 2>&1)"; fi
rest=$(twin_rmmod 2>&1)
tap_expect "the modules unload after flush" "" "$rest"
twin_stopped=1
kmemleak_check "kmemleak: nothing new after the fuzzing"
tap_done
