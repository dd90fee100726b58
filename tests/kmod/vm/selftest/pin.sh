#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: the VM's static-key pin (the inet table nfips_vm_pin with
# a base chain on each of the five hooks, tests/kmod/vm/init) is still there
# after the tests before this one and their cleanup. Without it a test that
# removes the last hook of a family under a flood can hang qemu's TCG
# (tests/kmod-debug/README.md).
n=$(nft list table inet nfips_vm_pin 2>/dev/null | grep -c ' hook ')
if [[ $n -eq 5 ]]; then
	echo "ok 1 - the static-key pin is in place (5 base chains)"
else
	echo "not ok 1 - the static-key pin is in place: $n base chains"
	nft list ruleset | sed 's/^/# /'
	exit 1
fi
