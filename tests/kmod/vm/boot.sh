#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots a kernel and an initramfs under qemu and returns when the VM powers
# off, panics or runs out of time. The accelerator is KVM when /dev/kvm can
# really run this kernel, else qemu's software emulation (TCG): /dev/kvm may
# exist and still fail (on the project's build machines qemu aborts with
# "failed to set MSR 0x10a"), so it is probed with a short boot of the same
# kernel (no initrd: the kernel panics at once for want of a root, and
# -no-reboot ends qemu). The answer is cached in the console log's folder
# for this host boot, qemu and kernel. The first line on stdout says which:
#   # vm-accel: kvm | tcg (why)
# (run.sh passes it on as a diagnostic; the bench picks it up).
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
#   KMOD_ACCEL       kvm or tcg: no probe (default: probe)
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

# probe_kvm: 0 when qemu boots this kernel with KVM; says why not on stdout.
probe_kvm() {
	local plog=$1.kvm-probe rc
	if [[ ! -e /dev/kvm ]]; then
		echo "no /dev/kvm"
		return 1
	fi
	if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
		echo "/dev/kvm is not usable by $(id -un)"
		return 1
	fi
	# A guest KVM can run reaches its panic in a second or two.
	timeout -k 2 15 "$qemu" -accel kvm -cpu host -smp 1 -m 256 \
		-nodefaults -no-user-config -nographic -no-reboot -monitor none \
		-serial "file:$plog" -kernel "$kernel" \
		-append "console=ttyS0 panic=-1 quiet" </dev/null >"$plog.qemu" 2>&1
	rc=$?
	if [[ $rc -eq 0 ]] && grep -q 'Kernel panic\|Linux version' "$plog"; then
		return 0
	fi
	if [[ $rc -eq 124 ]]; then
		echo "/dev/kvm cannot run the guest: it did not reach its panic within 15 s"
	else
		echo "/dev/kvm cannot run the guest: qemu exit $rc: $(grep -m1 -i 'error\|fail' "$plog.qemu" | cut -c1-120)"
	fi
	return 1
}

accel=${KMOD_ACCEL:-}
why=
case $accel in
kvm | tcg) why="KMOD_ACCEL=$accel" ;;
"")
	# Valid as long as the host, qemu and kernel are the same.
	key="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null) $qemu $(stat -c %s-%Y "$qemu" "$kernel" 2>/dev/null | tr '\n' ' ')"
	cache=$(dirname "$log")/accel.cache
	if [[ -f $cache && $(head -n 1 "$cache") == "$key" ]]; then
		accel=$(sed -n 2p "$cache")
		why="$(sed -n 3p "$cache") (cached)"
	else
		if why=$(probe_kvm "$log"); then
			accel=kvm why="probed: /dev/kvm boots this kernel"
		else
			accel=tcg
		fi
		printf '%s\n%s\n%s\n' "$key" "$accel" "$why" >"$cache" 2>/dev/null
	fi
	;;
*)
	echo "boot.sh: KMOD_ACCEL must be kvm or tcg, not '$accel'" >&2
	exit 125
	;;
esac
if [[ $accel == kvm ]]; then
	accel_args=(-accel kvm -cpu host)
else
	accel_args=(-accel tcg,thread=multi -cpu max)
fi
echo "# vm-accel: $accel ($why)"

# stdin from /dev/null: qemu must never put the caller's terminal in raw mode.
# shellcheck disable=SC2086
exec timeout -k 5 "${KMOD_TIMEOUT:-600}" "$qemu" \
	"${accel_args[@]}" \
	-smp "${KMOD_SMP:-2}" -m "${KMOD_MEM:-1024}" \
	-nodefaults -no-user-config -nographic -no-reboot \
	-monitor none \
	-serial "file:$log" -serial stdio \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	${KMOD_QEMU_ARGS:-} </dev/null
