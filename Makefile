# verity build.
#
# Every directory under src/ becomes one static archive, found by listing src/ (src/core
# and its subfolders, core/bls, core/lightclient, core/evm, ..., together form
# libverity-core.a, the sans-I/O verification library). The daemon is src/cli/main.c linked against all
# archives. Each tests/unit/test_*.c is one cmocka binary; each tests/fuzz/fuzz_*.c
# is one libFuzzer harness. Variants live side by side: build/release (-O2) and
# build/asan (ASan+UBSan). Nothing here downloads anything: scripts/deps.sh does.
#
#   make run      install what is missing, build, start verity on its default
#   make check    every test: unit (release + ASan/UBSan), EVM conformance, short fuzz,
#                 end-to-end (scripts/check.sh: stages, overlaps, times; docs/testing.md)
#   make evm-tests  EVM conformance over ../shared/fixtures state tests (nproc jobs)
#   make demo     offline outage demo on three local anvil nodes
#   make fuzz     long fuzzing runs;  make bench  benchmarks;  make soak  long e2e

SHELL      := /bin/bash
.DEFAULT_GOAL := all
V          ?= release
CC         ?= cc
BUILD      := build/$(V)
FIXTURES   ?= $(abspath ../shared/fixtures)
FUZZ_SECS  ?= 10
PKGS       := libuv libcurl jansson nettle hogweed libsecp256k1 lmdb hiredis yaml-0.1 gmp openssl

WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wvla -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -Wimplicit-fallthrough
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -g -fno-strict-aliasing -Isrc $(WARN) \
              $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null)
LIBS        = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhttp_parser -lm -lpthread

ifeq ($(V),asan)
  OPT      := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDSAN    := -fsanitize=address,undefined
else ifeq ($(V),fuzz)
  CC       := clang
  OPT      := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -DVERITY_FUZZING \
              -Wno-unknown-warning-option
  LDSAN    := -fsanitize=address,undefined
else
  OPT      := -O2
  LDSAN    :=
endif
CFLAGS_ALL  = $(BASE_CFLAGS) $(OPT) $(CFLAGS)

# --- archives: one per source directory (linked as one group, so order is free) ---
DIRS       := $(sort $(patsubst src/%,%,$(shell find src -mindepth 1 -type d)))
libname     = $(BUILD)/lib$(subst /,-,$(1)).a
srcs_of     = $(filter-out src/cli/main.c,$(wildcard src/$(1)/*.c))
ARCHIVES   := $(foreach d,$(DIRS),$(call libname,$(d)))
CORE_OBJS   = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(shell find src/core -name '*.c'))

define archive_rule
$(call libname,$(1)): $(patsubst src/%.c,$(BUILD)/obj/%.o,$(call srcs_of,$(1)))
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(if $$^,ar rcs $$@ $$^,ar rcs $$@)
endef
$(foreach d,$(DIRS),$(eval $(call archive_rule,$(d))))

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The dashboard page (src/gateway/dashboard.html) becomes a C array (od, coreutils)
# linked into libgateway.a: the binary serves /dashboard without any file.
DASH_HTML := src/gateway/dashboard.html
$(BUILD)/gen/dashboard_html.c: $(DASH_HTML)
	@mkdir -p $(@D)
	{ echo '/* generated from $(DASH_HTML) by the Makefile: do not edit */'; \
	  echo 'const unsigned char vt_dashboard_html[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; echo 'const unsigned int vt_dashboard_html_len = sizeof vt_dashboard_html;'; } > $@
$(BUILD)/obj/gen/dashboard_html.o: $(BUILD)/gen/dashboard_html.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@
$(call libname,gateway): $(BUILD)/obj/gen/dashboard_html.o

LINK_ARCHIVES = -Wl,--start-group $(ARCHIVES) -Wl,--end-group

$(BUILD)/verity: $(BUILD)/obj/cli/main.o $(ARCHIVES)
	$(CC) $(LDSAN) -o $@ $< $(LINK_ARCHIVES) $(LIBS)

$(BUILD)/libverity-core.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

# --- unit tests ---
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS   = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(LINK_ARCHIVES) $(LIBS) $(LDSAN) -lcmocka

# --- EVM conformance tooling (tests/evm): the state test loader, the statetest runner,
# the bytecode runner. st_*.c are shared by the tools and by tests/unit/test_st_load.c. ---
EVMT_LIB   := $(wildcard tests/evm/st_*.c)
EVMT_HDRS  := $(wildcard tests/evm/*.h)

$(BUILD)/tests/test_st_load: tests/unit/test_st_load.c $(EVMT_LIB) $(EVMT_HDRS) $(wildcard tests/unit/*.h) $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(EVMT_LIB) $(LINK_ARCHIVES) $(LIBS) $(LDSAN) -lcmocka

$(BUILD)/evm-statetest: tests/evm/statetest.c tests/evm/stexec.c $(EVMT_LIB) $(EVMT_HDRS) $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ tests/evm/statetest.c tests/evm/stexec.c $(EVMT_LIB) $(LINK_ARCHIVES) $(LIBS) $(LDSAN)

$(BUILD)/evmrun: tests/evm/evmrun.c $(EVMT_HDRS) $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ tests/evm/evmrun.c $(LINK_ARCHIVES) $(LIBS) $(LDSAN)

# Conformance: every GeneralStateTests case and EIPTests/StateTests/stEIP2537, one
# folder per job on nproc cores; tests/evm/known_failures.txt lists the allowed failures.
evm-tests: $(BUILD)/evm-statetest
	@scripts/evm-tests.sh $(BUILD)/evm-statetest $(FIXTURES)

# --- fuzz harnesses (clang only) ---
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: unit-bins evm-tools fuzz-bins evm-tests bench-build all deps build run check unit unit-asan unit-one fuzz fuzz-short e2e demo bench soak clean core-lib

all: build
build: $(BUILD)/verity $(BUILD)/libverity-core.a
core-lib: $(BUILD)/libverity-core.a

deps:
	@scripts/deps.sh

# make run [PRESET=sepolia] serves a preset and keeps its state in verity-data/<preset>
# (final answers, the light client's verified store); ARGS replaces all of that, e.g.
# make run ARGS="--config verity.yaml --data verity-data/mine".
PRESET ?= mainnet
ARGS   ?= --preset $(PRESET) --data verity-data/$(PRESET)
run: deps
	@$(MAKE) --no-print-directory build V=release
	exec build/release/verity $(ARGS)

# Run every unit test binary of variant $(V); each under a timeout, fixtures from ../shared.
# First the folder include graph: src/ folders must not include each other in a circle.
unit: $(UNIT_BINS)
	@scripts/include-graph.sh
	@VERITY_FIXTURES=$(FIXTURES) scripts/run-unit.sh $(BUILD)/tests $(UNIT_BINS)

# The folders under src/ and who includes whom (fails on a circle).
.PHONY: include-graph
include-graph:
	@scripts/include-graph.sh -v

# One test: make unit-one T=rlp [V=asan]
unit-one: $(BUILD)/tests/test_$(T)
	VERITY_FIXTURES=$(FIXTURES) $(BUILD)/tests/test_$(T)

unit-asan:
	@$(MAKE) --no-print-directory unit V=asan

fuzz-short:
	@$(MAKE) --no-print-directory fuzz-run V=fuzz FUZZ_SECS=$(FUZZ_SECS)

fuzz:
	@$(MAKE) --no-print-directory fuzz-run V=fuzz FUZZ_SECS=$${FUZZ_SECS:-600}

FUZZ_BINS = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
$(BUILD)/fuzz/%: tests/fuzz/%.c $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LINK_ARCHIVES) $(LIBS) $(LDSAN)

fuzz-run: $(FUZZ_BINS)
	@scripts/run-fuzz.sh $(FUZZ_SECS) $(FUZZ_BINS)

e2e: deps
	@$(MAKE) --no-print-directory build build/release/evmrun V=release
	VERITY_BIN=$(abspath build/release/verity) FIXTURES=$(FIXTURES) \
	  node --test --test-concurrency=1 --test-timeout=240000 tests/e2e/

demo: deps
	@$(MAKE) --no-print-directory build V=release
	VERITY_BIN=$(abspath build/release/verity) node tests/e2e/demo.mjs

soak: deps
	@$(MAKE) --no-print-directory build V=release
	VERITY_BIN=$(abspath build/release/verity) SOAK=1 node --test --test-timeout=3600000 tests/e2e/

BENCH_BINS = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
$(BUILD)/bench/%: bench/%.c $(ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LINK_ARCHIVES) $(LIBS) $(LDSAN)

bench-build: $(BENCH_BINS)

# Micro benchmarks (CPU of the hot checks), then the side-by-side load benchmarks.
bench: deps
	@$(MAKE) --no-print-directory build bench-build V=release
	@for b in build/release/bench/micro_*; do echo "== $$b"; VERITY_FIXTURES=$(FIXTURES) $$b; done
	bench/run.sh
	bench/verified.sh
	bench/cache.sh
	bench/restart.sh
	bench/mixed.sh
	bench/evm.sh

# Every test, in stages; scripts/check.sh runs the ones that can share the machine side by
# side (evm-tests with fuzz-short; unit binaries 2 at a time) and prints each stage's time.
# docs/testing.md: what each stage costs and why the overlap is what it is.
check: deps
	@MAKE="$(MAKE)" scripts/check.sh

# What check builds, per variant (make -j2 V=...): the unit binaries, the EVM tools, the
# fuzz harnesses.
unit-bins: $(UNIT_BINS)
evm-tools: $(BUILD)/evm-statetest $(BUILD)/evmrun
fuzz-bins: $(FUZZ_BINS)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
