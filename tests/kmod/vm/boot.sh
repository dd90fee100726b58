#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots a kernel and an initramfs under qemu's software emulation (TCG; this
# machine's /dev/kvm cannot run a stock kernel) and returns when the VM powers
# off, panics or runs out of time.
#
#   ttyS0  the kernel console, written to CONSOLE_LOG
#   ttyS1  the init's result stream, passed through on stdout
#
# Usage: tests/kmod/vm/boot.sh KERNEL INITRD CONSOLE_LOG
# Env:
#   KMOD_MEM         guest memory in MiB (default 1024)
#   KMOD_SMP         guest CPUs (default 2; with one, everything is ~7x slower)
#   KMOD_TIMEOUT     seconds before the VM is killed (default 600)
#   KMOD_APPEND      extra kernel command line
#   KMOD_QEMU_ARGS   extra qemu arguments
# Exit status: qemu's (0 after a power-off or a panic with -no-reboot),
# 124 when the time ran out, 125-127 when qemu could not run.
set -u

kernel=${1:?usage: boot.sh KERNEL INITRD CONSOLE_LOG}
initrd=${2:?usage: boot.sh KERNEL INITRD CONSOLE_LOG}
log=${3:?usage: boot.sh KERNEL INITRD CONSOLE_LOG}

qemu=$(command -v qemu-system-x86_64) || {
	echo "boot.sh: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)" >&2
	exit 127
}

# Make every kernel failure loud and final: an oops or WARN panics, a panic
# ends qemu at once (-no-reboot) instead of hanging until the timeout.
cmdline="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet"
# No hardware to wait for, and no randomisation that makes a crash differ
# from run to run.
cmdline+=" nokaslr tsc=reliable no_timer_check"
cmdline+=" ${KMOD_APPEND:-}"

# stdin from /dev/null: qemu must never put the caller's terminal in raw mode.
# shellcheck disable=SC2086
exec timeout -k 5 "${KMOD_TIMEOUT:-600}" "$qemu" \
	-accel tcg,thread=multi -cpu max \
	-smp "${KMOD_SMP:-2}" -m "${KMOD_MEM:-1024}" \
	-nodefaults -no-user-config -nographic -no-reboot \
	-monitor none \
	-serial "file:$log" -serial stdio \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	${KMOD_QEMU_ARGS:-} </dev/null
