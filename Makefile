# minihttpd - a thin wrapper around CMake.
#
#   make run      install missing build dependencies (as root), build, and serve
#                 www/ on http://localhost:8080 with the access log on stdout
#                 (make run PORT=8081 for another port)
#   make test     build with AddressSanitizer + UBSan and run every test (as
#                 root this includes building, installing and purging the .deb);
#                 warnings are errors there, and the tests build_gcc_o2,
#                 build_gcc_o3 and build_clang compile the whole tree again
#                 with GCC -O2 (Debian's flags), GCC -O3 and clang-14 in
#                 build/gcc-o2, build/gcc-o3 and build/clang, -Werror too.
#                 Other builds (make build, run, package) never use -Werror:
#                 cmake -DMH_WERROR=ON turns it on.
#   make package  build build/minihttpd_VERSION_ARCH.deb from packaging/debian
#   make fuzz     run every libFuzzer target FUZZ_SECONDS (default 60) each
#   make soak     one million mixed requests; RSS and fds must stay flat
#   make test-valgrind   the integration suite under valgrind memcheck
#   make test-scaleout   two servers behind HAProxy, one stopped under load
#   make test-smuggle    request smuggling through HAProxy (http-reuse always)
#                        must not hand one client's request to another
#   make test-storm      reloads, log rotations, release switches and file
#                        replacements under load, release and TSan builds
#   make test-systemd    the package under systemd: Debian 12 booted in a
#                        systemd-nspawn container (root; the first run
#                        fetches it with debootstrap into build/systemd-root)
#   make bench    CPU per request, memory per connection and latency against
#                 nginx, lighttpd and h2o (as root: installs wrk and them),
#                 HTTPS (bench/tls) and compression (bench/compress);
#                 see docs/performance.md
#   make clean    remove build/

BUILD := build/release
ASAN  := build/asan
JOBS  ?= 2
DEPS  := gcc make cmake pkg-config libevent-dev libmagic-dev libssl-dev libcmocka-dev libcrypt-dev \
         zlib1g-dev libbrotli-dev libzstd-dev media-types curl python3
# What building and testing the Debian package needs on top of DEPS.
PKG_DEPS := debhelper dpkg-dev fakeroot lintian logrotate blhc ssl-cert
# What the browser test, build_clang, the generated-site test of
# test_docsite, the sidecar tests (brotli, zstd), the JSON log's jq check
# the Prometheus parser check and the event loop's system-call counts
# (strace) need (they skip, saying so, without).
TEST_DEPS := chromium clang-14 mkdocs-doc sslscan brotli zstd jq python3-prometheus-client \
             strace
# What make test-systemd needs on top of PKG_DEPS: a Debian root file system
# and a container to boot it in.
SYSTEMD_TEST_DEPS := debootstrap systemd-container
VERSION  := $(shell grep -o -m1 'minihttpd VERSION [0-9.]*' CMakeLists.txt | cut -d' ' -f3)
PKG      := build/pkg

.PHONY: all deps pkg-deps test-deps bench fuzz soak test-valgrind test-scaleout test-smuggle test-storm test-systemd build run test package clean format

all: build

# $(call missing,PACKAGES): the shell command listing those not installed.
missing = for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done
install = apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null

# $(call require,PACKAGES): install the missing ones with apt-get when
# root; otherwise say what to install, and fail.
require = missing=$$($(call missing,$(1))); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    $(call install,$$missing) || exit 1; \
	  else \
	    echo "missing packages:" $$missing; echo "run: sudo apt-get install" $$missing; exit 1; \
	  fi; \
	fi

# Install what is missing with apt-get when root; otherwise say what to install.
deps:
	@$(call require,$(DEPS))

# The same for the packaging tools, as root only: without root the package
# test skips, and `make package` says what is missing.
pkg-deps: deps
	@missing=$$($(call missing,$(PKG_DEPS))); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
	  echo "installing:" $$missing; \
	  $(call install,$$missing) || exit 1; \
	fi

# The same for what only the tests use.
test-deps: deps
	@missing=$$($(call missing,$(TEST_DEPS))); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
	  echo "installing:" $$missing; \
	  $(call install,$$missing) || exit 1; \
	fi

# Quiet: one "building" line; the compiler's output only when the build
# fails (all of it is in $(BUILD)/build.log).
build: deps
	@echo "building $(BUILD)/minihttpd"
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMH_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) >$(BUILD)/build.log 2>&1 || \
	  { cat $(BUILD)/build.log; exit 1; }
	@ln -sf release/minihttpd build/minihttpd

# make run PORT=8081: another port when 8080 is taken
run: build
	@./build/minihttpd -c conf/dev.conf $(if $(PORT),-p $(PORT))

test: deps pkg-deps test-deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMH_SANITIZE=ON -DMH_WERROR=ON \
	  -DMH_WERROR_BUILDS_DIR=$(CURDIR)/build >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)
	@cd $(ASAN) && { MH_BUILD_JOBS=$(JOBS) ctest -j$(JOBS) -V --timeout 300 > ctest.log 2>&1; rc=$$?; \
	  python3 ../../tests/summarize.py ctest.log; exit $$rc; }

# Build the .deb in a copy of the tree under $(PKG) (the source tree is never
# written), then copy it to build/.  The changelog's version must be the
# project's.
package: pkg-deps
	@missing=$$($(call missing,$(PKG_DEPS))); if [ -n "$$missing" ]; then \
	  echo "missing packages:" $$missing; echo "run: sudo apt-get install" $$missing; exit 1; fi
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); \
	if [ "$$v" != "$(VERSION)" ]; then \
	  echo "packaging/debian/changelog is at $$v, CMakeLists.txt at $(VERSION)"; exit 1; fi
	@rm -rf $(PKG) && mkdir -p $(PKG)/minihttpd-$(VERSION)
	@tar -c --exclude=./build --exclude=./.git --exclude=__pycache__ . | \
	  tar -x -C $(PKG)/minihttpd-$(VERSION)
	@cp -R packaging/debian $(PKG)/minihttpd-$(VERSION)/debian
	@echo "building the package (log: $(PKG)/build.log)"
	@cd $(PKG)/minihttpd-$(VERSION) && \
	  DEB_BUILD_OPTIONS="parallel=$(JOBS)" dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
	  { tail -n 40 ../build.log; exit 1; }
	@rm -f build/minihttpd_*.deb && cp $(PKG)/minihttpd_$(VERSION)_*.deb build/
	@ls build/minihttpd_$(VERSION)_*.deb

bench: build
	python3 bench/run
	python3 bench/docsite
	python3 bench/access
	python3 bench/status
	python3 bench/tls
	python3 bench/compress

# One million mixed requests against build/release; RSS and fds must stay flat.
soak: build
	python3 tests/soak/run

# The integration suite against a Debug build under valgrind memcheck.
test-valgrind: deps
	python3 tests/valgrind/run

# Two minihttpd behind HAProxy, one stopped under load (not part of make test).
test-scaleout: build
	python3 tests/scaleout/run

# Request smuggling through HAProxy with http-reuse always: an attacker's
# request with a body minihttpd must refuse, then another client's request on
# the same backend connection (not part of make test).
test-smuggle: build
	python3 tests/scaleout/smuggle

# SIGHUP and SIGUSR1 every 10 ms, the docroot symlink flipped and files
# replaced by rename, under wrk and checking clients, against a release and a
# ThreadSanitizer build (build/storm-release, build/storm-tsan; installs wrk
# and clang-14 as root); STORM_SECONDS (default 25) per phase (not part of
# make test).
test-storm: deps
	STORM_JOBS=$(JOBS) python3 tests/storm/run

# The package under a real systemd: Debian 12 booted in a systemd-nspawn
# container, the package installed with apt, started, reloaded, restarted
# and upgraded under a request loop, rotated and purged (root only; not part
# of make test, see the README).
test-systemd: package
	@$(call require,$(SYSTEMD_TEST_DEPS))
	python3 tests/systemd/run build/minihttpd_$(VERSION)_*.deb

# Build the libFuzzer targets with clang-14 (ASan + UBSan) in build/fuzz and
# run each for FUZZ_SECONDS (default 60); installs clang-14 as root.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

format:
	clang-format -i src/*.[ch] tests/unit/*.c tests/daemon/*.c tests/fuzz/*.[ch]

clean:
	rm -rf build
