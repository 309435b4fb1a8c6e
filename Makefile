# airlock — see README.md. `make demo` boots a guest, `make check` runs every test.
ARCH      ?= x86_64
CC        ?= cc
PREFIX    ?= /usr/local
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -fno-strict-aliasing -MMD -MP
LDLIBS    += -lpthread
BUILD     := build/$(ARCH)
ifeq ($(STATIC),1)
LDFLAGS   += -static
BUILD     := $(BUILD)-static
endif

SRCS      := $(wildcard vmm/*.c devices/*.c boot/*.c arch/$(ARCH)/*.c)
OBJS      := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS  := $(filter-out $(BUILD)/vmm/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check check-unit check-boot demo install clean bench guest
all: airlock

airlock: $(BUILD)/airlock
	cp $< $@

$(BUILD)/airlock: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libairlock.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libairlock.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -o $@ $< $(BUILD)/libairlock.a -lcmocka $(LDLIBS)

deps:
	@scripts/deps.sh

# The guest driver for Debian 12's stock amd64 kernel (installs its headers).
guest:
	@scripts/guest-module.sh amd64 "$$(scripts/guest-kernel.sh amd64)"

# Unit tests: fast, no KVM, no network.
check-unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

build/tools/bench-virtq: tests/bench/virtq.c $(BUILD)/libairlock.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -o $@ $< $(BUILD)/libairlock.a $(LDLIBS)

build/tools/kvm-probe: tests/boot/kvm-probe.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

# Boot tests: real Linux guests under KVM (directly, or nested under QEMU).
check-boot: airlock build/tools/kvm-probe
	$(MAKE) STATIC=1 build/$(ARCH)-static/airlock
	tests/boot/run.sh

check: deps
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-boot

demo: deps
	$(MAKE) all
	tests/boot/demo.sh

bench: deps
	$(MAKE) all
	tests/bench/boot.sh

install: airlock
	install -D -m 0755 airlock $(DESTDIR)$(PREFIX)/bin/airlock

clean:
	rm -rf build airlock

-include $(OBJS:.o=.d)
