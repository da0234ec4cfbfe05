# minihttpd - a thin wrapper around CMake.
#
#   make run    install missing build dependencies (as root), build, and serve
#               www/ on http://localhost:8080 with the access log on stdout
#   make test   build with AddressSanitizer + UBSan and run every test
#   make clean  remove build/

BUILD := build/release
ASAN  := build/asan
JOBS  ?= 2
DEPS  := gcc make cmake pkg-config libevent-dev libmagic-dev libcmocka-dev \
         media-types curl python3

.PHONY: all deps build run test clean format

all: build

# Install what is missing with apt-get when root; otherwise say what to install.
deps:
	@missing=$$(for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing packages:" $$missing; echo "run: sudo apt-get install" $$missing; exit 1; \
	  fi; \
	fi

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMH_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@ln -sf release/minihttpd build/minihttpd

run: build
	./build/minihttpd -c conf/dev.conf

test: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMH_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j$(JOBS)
	@cd $(ASAN) && { ctest -j$(JOBS) -V --timeout 300 > ctest.log 2>&1; rc=$$?; \
	  python3 ../../tests/summarize.py ctest.log; exit $$rc; }

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build
