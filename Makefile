# depthbook — set-up, build, demo and tests on Debian (run as root, or with sudo available).

SWIFT        ?= swift
APT_PACKAGES := pkg-config libcmark-dev libopenblas-dev zlib1g-dev libjs-katex fonts-katex dataset-fashion-mnist
# Only the browser test needs Chromium; it skips with a message when Chromium cannot be installed.
TEST_PACKAGES := chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NOTEBOOKS := $(sort $(wildcard notebooks/*.md))

.PHONY: all deps test-deps build release demo test bench clean

all: build

# Installs the Debian packages that are missing; runs `apt-get update` once, and only when needed.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test-deps: deps
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing (optional: the browser test skips without it)"; \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing ) \
	    || echo "warning: could not install$$missing; the browser test will skip"; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	@mkdir -p out
	.build/release/depthbook render-all $(NOTEBOOKS) --out-dir out
	@echo "open out/index.html"

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: release
	.build/release/depthbook bench

clean:
	rm -rf .build out
