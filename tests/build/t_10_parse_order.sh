#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guards "one go on a fresh machine": nothing may ask an installed package
# for anything while make reads the Makefile, before mk/deps.sh has run
# (issue 12: nfipsd linked without -lmnl on the first run because
# uspace/build.mk had run pkg-config before the packages existed).
#
# A copy of the tree whose mk/deps.sh is a stub that only logs, and a PATH
# whose pkg-config, dpkg-query, apt-cache and dpkg log each call before
# running the real one. `make -n` parses everything and expands every recipe
# of the goals (a $(shell) in a recipe runs then too) without building. The
# log must start with the stub's line: every read comes after it. A failing
# deps.sh must stop make before any read.
set -u
cd "$(dirname "$0")/../.." || exit 1

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

echo "TAP version 13"
echo "1..3"

# The tree as committed plus what is being worked on, without build output.
mkdir "$tmp/tree" "$tmp/bin"
git ls-files -z --cached --others --exclude-standard |
	(cd "$tmp/tree" && xargs -0 -I{} sh -c 'mkdir -p "$(dirname "$1")"' _ {})
git ls-files -z --cached --others --exclude-standard |
	xargs -0 cp --parents -t "$tmp/tree" 2>/dev/null
log=$tmp/reads.log
cat >"$tmp/tree/mk/deps.sh" <<STUB
#!/bin/sh
echo "deps \$*" >>"$log"
exit \${NFIPS_TEST_DEPS_RC:-0}
STUB
for cmd in pkg-config dpkg-query apt-cache dpkg; do
	real=$(command -v "$cmd") || continue
	cat >"$tmp/bin/$cmd" <<SHIM
#!/bin/sh
echo "read $cmd \$*" >>"$log"
exec "$real" "\$@"
SHIM
	chmod +x "$tmp/bin/$cmd"
done

# Not `modules`: Kbuild cannot run under -n.
goals="all unit-build fuzz-build"
: >"$log"
env -u NFIPS_DEPS_DONE -u MAKEFLAGS -u MAKELEVEL PATH="$tmp/bin:$PATH" \
	make -n -C "$tmp/tree" $goals BUILD="$tmp/out" >"$tmp/make.out" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then
	echo "ok 1 - make -n $goals in a copy of the tree"
else
	echo "not ok 1 - make -n $goals in a copy of the tree (exit $rc)"
	tail -n 20 "$tmp/make.out" | sed 's/^/# /'
fi

first=$(head -n 1 "$log")
reads=$(grep -c '^read ' "$log")
if [[ $first == deps* && $(grep -c '^deps' "$log") -eq 1 ]]; then
	echo "ok 2 - mk/deps.sh ran once, before all $reads package reads"
else
	echo "not ok 2 - a package was read before mk/deps.sh ran (or deps ran more than once)"
	sed -n '1,/^deps/p' "$log" | head -n 20 | sed 's/^/# /'
fi

# deps.sh failing (no root, no network): make stops with its message and
# reads nothing.
: >"$log"
env -u NFIPS_DEPS_DONE -u MAKEFLAGS -u MAKELEVEL PATH="$tmp/bin:$PATH" NFIPS_TEST_DEPS_RC=1 \
	make -n -C "$tmp/tree" all BUILD="$tmp/out" >"$tmp/make.out" 2>&1
rc=$?
if [[ $rc -ne 0 && $(grep -c '^read ' "$log") -eq 0 ]] &&
	grep -q 'mk/deps.sh could not install' "$tmp/make.out"; then
	echo "ok 3 - a failing mk/deps.sh stops make before any package is read"
else
	echo "not ok 3 - a failing mk/deps.sh: make exit $rc, reads: $(grep -c '^read ' "$log")"
	sed 's/^/# /' "$log" "$tmp/make.out" | head -n 20
fi
