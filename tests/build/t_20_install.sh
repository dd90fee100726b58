#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a staging DESTDIR, as a packager would: every expected
# file and nothing else, for PREFIX=/usr/local (the default) and /usr; the
# installed nfipsctl checks the installed example config with the installed
# plugins (found relative to itself); the unit's commands point at them; a
# second install leaves an edited config alone. The list below is written
# out here on purpose, not read from the Makefile; only the plugins come
# from the op-module list (opmodules/opmodules.mk: one plugin per type), so
# that a new op-module stays one file plus one line there. The BPF twin's
# program is in it where `make all` builds it (bpftool and a kernel with
# BTF, as in bpf/build.mk), and the installed nfipsctl -b finds it there.
set -u
cd "$(dirname "$0")/../.." || exit 1

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

# The condition bpf/build.mk builds build/nfips.bpf.o on.
bpf=
if { command -v bpftool || command -v /usr/sbin/bpftool; } >/dev/null &&
	[[ -r /sys/kernel/btf/vmlinux ]]; then
	bpf=1
fi

expected() {	# expected PREFIX SYSCONFDIR
	local p=$1 e=$2 t
	{
		for t in $(sed -n 's/^NFIPS_OPS := //p' opmodules/opmodules.mk); do
			echo "$p/lib/nfips/plugins/nfips_op_$t.so"
		done
		printf '%s\n' "$p/sbin/nfipsd" "$p/sbin/nfipsctl" "$p/bin/nfips-rude" \
			"$p/bin/nfips-crude" \
			"$p/share/man/man8/nfipsctl.8" \
			"$p/share/man/man8/nfipsd.8" "$p/share/man/man5/nfips.conf.5" \
			"$p/share/doc/nfips/nfips.conf.example" "$e/nfips/nfips.conf" \
			"$p/lib/systemd/system/nfipsd.service"
		[[ -n $bpf ]] && echo "$p/lib/nfips/nfips.bpf.o"
	} | sort
}

echo "TAP version 13"
for variant in "/usr/local /usr/local/etc" "/usr /etc"; do
	read -r prefix etc <<<"$variant"
	d=$tmp/stage${prefix//\//-}
	if ! make -s install DESTDIR="$d" PREFIX="$prefix" >"$tmp/make.log" 2>&1; then
		nok "make install DESTDIR=... PREFIX=$prefix"
		sed 's/^/# /' "$tmp/make.log" | tail -n 20
		continue
	fi
	ok "make install DESTDIR=... PREFIX=$prefix"
	(cd "$d" && find . \( -type f -o -type l \) | sed 's/^\.//' | sort) >"$tmp/got"
	expected "$prefix" "$etc" >"$tmp/want"
	if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		ok "PREFIX=$prefix: all $(wc -l <"$tmp/want") expected files installed, nothing else"
	else
		nok "PREFIX=$prefix: installed files differ from the expected list"
		sed 's/^/# /' "$tmp/diff"
	fi
	bad=$(cd "$d" && find . -path "*/sbin/*" -o -path "*/bin/*" | while read -r f; do
		[[ -x $d/$f ]] || echo "$f"; done)
	[[ -z $bad ]] && ok "PREFIX=$prefix: programs are executable" ||
		nok "PREFIX=$prefix: not executable: $bad"

	out=$("$d$prefix/sbin/nfipsctl" check "$d$etc/nfips/nfips.conf" 2>&1)
	if [[ $? -eq 0 && $out == *"plugins from $d$prefix/sbin/../lib/nfips/plugins"* ]]; then
		ok "PREFIX=$prefix: the installed nfipsctl checks the installed config with the installed plugins"
	else
		nok "PREFIX=$prefix: installed nfipsctl check: '$out'"
	fi

	# nfipsctl -b reads the object at load time: its version line names
	# the one a load would use (it needs a bpffs: a private one).
	if [[ -z $bpf ]]; then
		ok "PREFIX=$prefix: the installed nfipsctl -b finds the installed program # SKIP not built here (bpftool and /sys/kernel/btf/vmlinux needed)"
	elif [[ $(id -u) -ne 0 ]] || ! { mkdir -p "$tmp/bpffs" && mount -t bpf bpf "$tmp/bpffs"; } 2>/dev/null; then
		ok "PREFIX=$prefix: the installed nfipsctl -b finds the installed program # SKIP cannot mount a bpffs (needs root)"
	else
		out=$(NFIPS_BPFFS=$tmp/bpffs NFIPS_BPF_OBJ='' "$d$prefix/sbin/nfipsctl" -b version 2>&1)
		umount "$tmp/bpffs"
		if [[ $out == *"program $d$prefix/lib/nfips/nfips.bpf.o)"* ]]; then
			ok "PREFIX=$prefix: the installed nfipsctl -b finds the installed program"
		else
			nok "PREFIX=$prefix: the installed nfipsctl -b does not name $d$prefix/lib/nfips/nfips.bpf.o: '$out'"
		fi
	fi

	unit=$d$prefix/lib/systemd/system/nfipsd.service
	want_pre="ExecStartPre=$prefix/sbin/nfipsctl check -p $prefix/lib/nfips/plugins $etc/nfips/nfips.conf"
	want_start="ExecStart=$prefix/sbin/nfipsd -c $etc/nfips/nfips.conf --plugin-dir=$prefix/lib/nfips/plugins"
	if grep -qxF "$want_pre" "$unit" && grep -q "^${want_start}" "$unit" &&
		grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" && ! grep -q @ "$unit"; then
		ok "PREFIX=$prefix: the unit checks the config before start, runs the installed nfipsd, reloads with SIGHUP"
	else
		nok "PREFIX=$prefix: the unit's commands are not the installed ones"
		grep '^Exec' "$unit" | sed 's/^/# /'
	fi
done

# The administrator's config survives a second install.
d=$tmp/stage-usr
echo "# edited" >>"$d/etc/nfips/nfips.conf"
make -s install DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1
if tail -n 1 "$d/etc/nfips/nfips.conf" | grep -qx '# edited'; then
	ok "a second install keeps the existing /etc/nfips/nfips.conf"
else
	nok "a second install overwrote /etc/nfips/nfips.conf"
fi

# The man pages format without a warning.
if command -v groff >/dev/null; then
	warn=$(for m in dist/man/*; do groff -man -ww -z "$m" 2>&1; done)
	[[ -z $warn ]] && ok "man pages format without warnings (groff -ww)" ||
		nok "man page warnings: $warn"
else
	ok "man pages format # SKIP groff not installed"
fi

echo "1..$n"
[[ $fails -eq 0 ]]
