# SPDX-License-Identifier: GPL-2.0
# Installing nfips: `make install` (DESTDIR, PREFIX, SYSCONFDIR honoured) and
# DKMS for the kernel twin.
#
#   PREFIX/sbin/nfipsd, nfipsctl        PREFIX/bin/nfips-rude, nfips-crude
#   PREFIX/lib/nfips/plugins/nfips_op_<type>.so   (plain, not sanitized)
#   PREFIX/lib/nfips/nfips.bpf.o        the BPF twin's program, where nfipsctl
#                                       -b looks for it; only when `make all`
#                                       builds it (bpftool and BTF: bpf/build.mk)
#   PREFIX/share/man/man8/nfipsctl.8, nfipsd.8    man5/nfips.conf.5
#   PREFIX/share/doc/nfips/nfips.conf.example
#   SYSCONFDIR/nfips/nfips.conf         (the example, never over an existing one)
#   PREFIX/lib/systemd/system/nfipsd.service   (systemd reads /usr/local/lib too)
#
# INSTALL_PLUGINS and INSTALL_FILES are recursive: PLUGINS comes from
# uspace/build.mk, read after this fragment. The paths are written into the
# unit at install time; nfipsctl finds the
# plugins relative to its own binary, so no PREFIX is compiled in.
# `make install-list` prints what install would install, one path a line
# (tests/build/t_20_install.sh compares the two).
PREFIX ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SBINDIR := $(PREFIX)/sbin
BINDIR := $(PREFIX)/bin
PLUGINDIR := $(PREFIX)/lib/nfips/plugins
BPFDIR := $(PREFIX)/lib/nfips
MANDIR := $(PREFIX)/share/man
DOCDIR := $(PREFIX)/share/doc/nfips
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install

INSTALL_SBIN := nfipsd nfipsctl
INSTALL_BIN := nfips-rude nfips-crude
INSTALL_PLUGINS = $(notdir $(PLUGINS))
# Recursive too: BINS holds the object when bpf/build.mk could build it.
INSTALL_BPF = $(notdir $(filter %.bpf.o,$(BINS)))
INSTALL_MAN8 := nfipsctl.8 nfipsd.8
INSTALL_MAN5 := nfips.conf.5

INSTALL_FILES = $(addprefix $(SBINDIR)/,$(INSTALL_SBIN)) \
	$(addprefix $(BINDIR)/,$(INSTALL_BIN)) \
	$(addprefix $(PLUGINDIR)/,$(INSTALL_PLUGINS)) \
	$(addprefix $(BPFDIR)/,$(INSTALL_BPF)) \
	$(addprefix $(MANDIR)/man8/,$(INSTALL_MAN8)) \
	$(addprefix $(MANDIR)/man5/,$(INSTALL_MAN5)) \
	$(DOCDIR)/nfips.conf.example $(SYSCONFDIR)/nfips/nfips.conf \
	$(UNITDIR)/nfipsd.service

.PHONY: install install-list uninstall dkms dkms-src install-dkms uninstall-dkms

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SYSCONFDIR)/nfips $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 755 $(addprefix $(BUILD)/,$(INSTALL_SBIN)) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 755 $(addprefix $(BUILD)/,$(INSTALL_BIN)) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	$(if $(INSTALL_BPF),$(INSTALL) -m 644 $(addprefix $(BUILD)/,$(INSTALL_BPF)) $(DESTDIR)$(BPFDIR)/)
	$(INSTALL) -m 644 $(addprefix dist/man/,$(INSTALL_MAN8)) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 644 $(addprefix dist/man/,$(INSTALL_MAN5)) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 644 dist/nfips.conf $(DESTDIR)$(DOCDIR)/nfips.conf.example
	@# The administrator's config is theirs once it exists.
	[ -e $(DESTDIR)$(SYSCONFDIR)/nfips/nfips.conf ] || \
		$(INSTALL) -m 644 dist/nfips.conf $(DESTDIR)$(SYSCONFDIR)/nfips/nfips.conf
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' \
		-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/nfipsd.service.in \
		>$(DESTDIR)$(UNITDIR)/nfipsd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/nfipsd.service

install-list:
	@printf '%s\n' $(INSTALL_FILES)

# Leaves SYSCONFDIR/nfips/nfips.conf: it may be the administrator's.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(filter-out $(SYSCONFDIR)/%,$(INSTALL_FILES)))
	-rmdir $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(PREFIX)/lib/nfips $(DESTDIR)$(DOCDIR)

# --- DKMS ----------------------------------------------------------------------
# The module sources DKMS needs, at DKMS_SRCTREE/nfips-<version>/ (DKMS's
# source tree, /usr/src). Its dkms.conf is the repo's (nfips.ko) plus one
# module per op of both twins, from opmodules/opmodules.mk. DKMS_FLAGS passes dkms options on (the build
# tier's test uses --sourcetree/--dkmstree to stay out of the host's trees).
DKMS_SRCTREE ?= /usr/src
DKMS_FLAGS ?=
DKMS_DIR := $(DESTDIR)$(DKMS_SRCTREE)/nfips-$(NFIPS_VERSION)
DKMS_SRCS := Kbuild $(wildcard core/*.c core/*.h kmod/*.c kmod/*.h include/uapi/linux/*.h) \
	opmodules/opmodules.mk $(OPMOD_SRCS) $(wildcard opmodules/*.h)

dkms-src:
	rm -rf $(DKMS_DIR)
	$(INSTALL) -d $(DKMS_DIR)
	cp --parents $(DKMS_SRCS) $(DKMS_DIR)/
	{ sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(NFIPS_VERSION)"/' dkms.conf; \
	  i=1; for t in $(NFIPS_OPS_BOTH); do \
		echo "BUILT_MODULE_NAME[$$i]=\"nfips_op_$$t\""; \
		echo "DEST_MODULE_LOCATION[$$i]=\"/updates/dkms\""; \
		i=$$((i + 1)); \
	  done; } >$(DKMS_DIR)/dkms.conf

# Registers the sources (again, if an older registration of this version
# exists); DKMS builds them when a kernel's headers are installed.
dkms: dkms-src
	-dkms remove $(DKMS_FLAGS) nfips/$(NFIPS_VERSION) --all >/dev/null 2>&1
	dkms add $(DKMS_FLAGS) nfips/$(NFIPS_VERSION)

# Also builds and installs them for KVER (the running kernel when its
# headers are installed); then `modprobe nfips` works.
install-dkms: dkms
	dkms install $(DKMS_FLAGS) nfips/$(NFIPS_VERSION) -k $(KVER)

uninstall-dkms:
	dkms remove $(DKMS_FLAGS) nfips/$(NFIPS_VERSION) --all
	rm -rf $(DKMS_DIR)
