# depthbook — set-up, build, demo and tests on Debian (run as root, or with sudo available).

SWIFT        ?= swift
APT_PACKAGES := pkg-config libcmark-dev libopenblas-dev zlib1g-dev libjs-katex fonts-katex dataset-fashion-mnist
# Only the browser test needs Chromium, only the Slurm test the Slurm packages (Scripts/slurm-local.sh
# starts a one-node cluster from them); each test skips with a message when its packages cannot be installed.
TEST_PACKAGES := chromium slurmctld slurmd slurm-client munge
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps test-deps build release demo test bench bench-render bench-runs bench-preview bench-slurm twin clean

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
	  echo "installing:$$missing (optional: the browser and Slurm tests skip without them)"; \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing ) \
	    || echo "warning: could not install$$missing; the browser or Slurm test will skip"; \
	fi

build: deps
	$(SWIFT) build

# The depthbook product alone: a plain `swift build -c release` also compiles every other
# non-test target (FuzzSupport, which only the tests and the fuzzer use, and the dependencies'
# tools and examples).
release: deps
	$(SWIFT) build -c release --product depthbook

# Renders the book: every notebooks/*.md (but index.md, its introduction) at full scale to
# out/NAME.html with previous/next links, out/index.html, KaTeX in out/NAME_files/, results JSON
# and CSV beside each page. Results are cached in notebooks/.depthbook/, so a second `make demo`
# only re-renders.
demo: release
	@start=$$(date +%s); .build/release/depthbook render notebooks/ -o out/; \
	echo "rendered the book in $$(( $$(date +%s) - start )) s; open out/index.html"

# Times rendering a generated 5,000-line prose-and-math notebook against plain cmark.
bench-render: release
	.build/release/depthbook bench-render --lines 5000

# Installs what is missing, starts the one-node Slurm cluster the --executor slurm test renders
# through (that test skips, saying why, when the cluster cannot start), builds and runs the tests.
test: test-deps
	@Scripts/slurm-local.sh start || echo "warning: the local Slurm cluster did not start; the Slurm test will skip"
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Regenerates Tests/Fixtures/twin/twin.json from the PyTorch twin (needs PyTorch; ~1 min).
twin:
	python3 Benchmarks/torch_twin.py

# Times `render` of a 40-point notebook: --jobs 2 vs 1, and a cached re-render vs prose only.
bench-runs: release
	Benchmarks/render_bench.sh

# A 100-point sweep of ~0.5 s points on the one-node Slurm cluster against --executor local --jobs 2
# (default packing and --points-per-task 1), side by side in one run.
bench-slurm: release
	@Scripts/slurm-local.sh start
	Benchmarks/slurm_bench.sh .build/release/depthbook

# Save-to-update latency of `depthbook preview` in headless Chromium (p50/p95 of 50 prose edits).
bench-preview: test-deps
	swift build --build-tests
	DEPTHBOOK_PREVIEW_BENCH=1 swift test --skip-build --filter PreviewLatencyBenchmark

bench: release
	.build/release/depthbook bench

clean:
	rm -rf .build out
