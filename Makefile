# airlock — see README.md. `make demo` boots a guest, `make check` runs every test.
HOST_ARCH := $(patsubst aarch64,arm64,$(shell uname -m))
ARCH      ?= $(HOST_ARCH)
ifeq ($(filter $(ARCH),x86_64 arm64),)
$(error ARCH=$(ARCH): airlock supports x86_64 and arm64)
endif
# Cross builds use Debian's cross toolchains (gcc-aarch64-linux-gnu on
# x86_64 hosts, gcc-x86-64-linux-gnu on arm64 hosts).
CROSS_arm64  := aarch64-linux-gnu-
CROSS_x86_64 := x86_64-linux-gnu-
ifneq ($(ARCH),$(HOST_ARCH))
ifeq ($(origin CC),default)
CC        := $(CROSS_$(ARCH))gcc
AR        := $(CROSS_$(ARCH))ar
endif
ifeq ($(ARCH),arm64)
# libfdt for arm64 comes unpacked from scripts/arm64-sysroot.sh (make deps).
ARM64_SYSROOT ?= $(shell scripts/arm64-sysroot.sh 2>/dev/null)
LDFLAGS   += -L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu
endif
endif
PREFIX    ?= /usr/local
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -fno-strict-aliasing -MMD -MP
LDLIBS    += -lseccomp -llzma -lzstd -lz -llz4 -lnettle -lpthread
ifeq ($(ARCH),arm64)
LDLIBS    := -lfdt $(LDLIBS)
endif
BUILD     := build/$(ARCH)
ifeq ($(STATIC),1)
LDFLAGS   += -static
BUILD     := $(BUILD)-static
endif
# make SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer, any
# finding fatal (the unit tests run so in make check).
ifeq ($(SANITIZE),1)
CFLAGS    += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS   += -fsanitize=address,undefined
BUILD     := $(BUILD)-san
endif

SRCS      := $(wildcard lib/*.c vmm/*.c devices/*.c boot/*.c arch/$(ARCH)/*.c)
OBJS      := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS  := $(filter-out $(BUILD)/vmm/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
ifneq ($(ARCH),$(HOST_ARCH))
UNIT_SRCS :=    # cross builds: the unit tests run on the build host's own build
endif
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check check-unit check-boot check-deb check-debian-stress demo install clean bench guest fuzz fuzz-build fuzz-smoke deb rootfs
# ./airlock is always the last plain build for this host: a sanitized or
# static build stays under build/ (a user's next run must not be the ASan
# binary, whose leak report turns a usage error's status 2 into 1).
ifeq ($(ARCH)$(SANITIZE)$(STATIC),$(HOST_ARCH))
all: airlock
.PHONY: airlock
airlock: $(BUILD)/airlock
	@cmp -s $< $@ || cp $< $@
else
all: $(BUILD)/airlock
endif

$(BUILD)/airlock: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libairlock.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libairlock.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -o $@ $< $(BUILD)/libairlock.a -lcmocka $(LDLIBS)

# The arm64 board description is pure code: its tests run on any host.
ARM64_PURE := arch/arm64/board.c
$(BUILD)/tests/test_arm64_board: tests/unit/test_arm64_board.c $(ARM64_PURE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -o $@ $^ -lcmocka -lfdt

deps:
	@scripts/deps.sh

# Fuzzing (libFuzzer, clang): every guest-facing parser. `make fuzz` runs
# each target FUZZ_TIME seconds from its checked-in seeds (tests/fuzz/corpus)
# and keeps what it finds under build/fuzz/corpus; crashes land in
# build/fuzz/crashes. `make check` runs each briefly (fuzz-smoke).
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -I.
FUZZ_TARGETS := virtq virtio_blk virtio_net virtio_pci pci msix bzimage arm64_image cli vhost_user \
		elf decomp
FUZZ_SRCS    := $(filter-out vmm/main.c,$(wildcard lib/*.c vmm/*.c devices/*.c boot/*.c arch/x86_64/*.c))
FUZZ_OBJS    := $(FUZZ_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libfuzz.a: $(FUZZ_OBJS)
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_virtio_%: tests/fuzz/fuzz_virtio.c $(FUZZ_BUILD)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -DFUZZ_$(shell echo $* | tr a-z A-Z) -o $@ $< $(FUZZ_BUILD)/libfuzz.a -lseccomp -llzma -lzstd -lz -llz4 -lnettle -lpthread

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libfuzz.a -lseccomp -llzma -lzstd -lz -llz4 -lnettle -lpthread

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	$(MAKE) fuzz-build
	tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh 10 $(FUZZ_TARGETS)

# The guest driver for Debian 12's stock kernel: GARCH=amd64 (installs its
# headers) or GARCH=arm64 (cross-built from unpacked headers).
GARCH     ?= amd64
guest:
	@scripts/guest-module.sh $(GARCH) "$$(scripts/guest-kernel.sh $(GARCH))"

# Unit tests: fast, no KVM, no network. Also: the man page renders without
# a groff warning and lists every flag --help lists; ./airlock, if built, is
# the plain build (a sanitized one's leak report turns status 2 into 1).
check-unit: $(UNIT_BINS) $(BUILD)/airlock
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; \
	groff -man -Tutf8 -ww -z airlock.1 2>&1 | grep . && fail=1; \
	for f in $$($(BUILD)/airlock --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do \
		grep -q -- "$$(echo $$f | sed 's/-/\\\\-/g')" airlock.1 || { echo "airlock.1 lacks $$f"; fail=1; }; \
	done; \
	if [ -e airlock ] && ! cmp -s airlock build/$(ARCH)/airlock; then \
		echo "./airlock is not the plain build build/$(ARCH)/airlock"; fail=1; fi; \
	scripts/check-includes.sh || fail=1; \
	exit $$fail

build/tools/bench-virtq: tests/bench/virtq.c $(BUILD)/libairlock.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -o $@ $< $(BUILD)/libairlock.a $(LDLIBS)

# For the sandbox boot tests (runs inside the L1 host, static).
build/tools/memscan-%: tests/boot/memscan.c
	@mkdir -p $(dir $@)
	$(if $(filter $*,$(HOST_ARCH)),cc,$(CROSS_$*)gcc) -O2 -Wall -Wextra -Werror -static -o $@ $<

build/tools/kvm-probe: tests/boot/kvm-probe-$(HOST_ARCH).c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# Boot tests: real Linux guests under KVM (directly, or nested under QEMU),
# x86_64 and arm64 (the arm64 binary cross-built when the host is x86_64).
check-boot: airlock build/tools/kvm-probe
	$(MAKE) ARCH=x86_64 STATIC=1 build/x86_64-static/airlock
	$(MAKE) ARCH=arm64 STATIC=1 build/arm64-static/airlock
	$(MAKE) build/tools/memscan-x86_64 build/tools/memscan-arm64
	tests/boot/all.sh

# The Debian packages build, pass lintian and hold what they should.
check-deb: airlock
	tests/deb/check.sh

check: deps
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) SANITIZE=1 check-unit
	$(MAKE) check-deb
	$(MAKE) fuzz-smoke
	$(MAKE) check-boot

demo: deps
	$(MAKE) all
	tests/boot/demo.sh

bench: deps
	$(MAKE) all
	tests/bench/boot.sh

install: airlock
	install -D -m 0755 airlock $(DESTDIR)$(PREFIX)/bin/airlock
	install -D -m 0644 airlock.1 $(DESTDIR)$(PREFIX)/share/man/man1/airlock.1
	install -d $(DESTDIR)$(PREFIX)/share/airlock/configs
	install -m 0644 configs/*.conf $(DESTDIR)$(PREFIX)/share/airlock/configs/

# Debian packages into build/deb: airlock (this machine's architecture) and
# airlock-virtio-dkms (all), the guest driver as DKMS source (debian/).
deb: deps
	@scripts/mkdeb.sh

# A Debian 12 root image with the guest driver built in it by DKMS:
# make rootfs GARCH=amd64|arm64 [ROOTFS=build/debian-$(GARCH).img]
ROOTFS    ?= build/debian-$(GARCH).img
rootfs: deps
	@mkdir -p $(dir $(ROOTFS))
	scripts/mkrootfs.sh $(GARCH) $(ROOTFS)

# The Debian system booted 10 times per arch and mode (not in make check).
check-debian-stress: airlock
	$(MAKE) ARCH=x86_64 STATIC=1 build/x86_64-static/airlock
	$(MAKE) ARCH=arm64 STATIC=1 build/arm64-static/airlock
	GARCH=amd64 DEBIAN_STRESS=$${DEBIAN_STRESS:-10} tests/boot/debian.sh
	GARCH=arm64 DEBIAN_STRESS=$${DEBIAN_STRESS:-10} tests/boot/debian.sh

clean:
	rm -rf build airlock

-include $(OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)
