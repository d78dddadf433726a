# The two commands a newcomer needs (see README.md):
#   make demo   builds the SDK package and runs the server with the demo page
#   make test   runs every test: protocol, server, SDK in Chromium, demo in Playwright
# Both install whatever is missing first (scripts/setup.sh).

.PHONY: demo test pkg setup-demo setup-test setup-bench lint test-rust test-browser test-e2e size bench fuzz

# The server reads its settings from GATEHOUSE_* variables, so any one that
# is already set wins: GATEHOUSE_LISTEN=127.0.0.1:9000 make demo
demo: setup-demo pkg
	GATEHOUSE_DEV=$${GATEHOUSE_DEV:-true} GATEHOUSE_WWW=$${GATEHOUSE_WWW:-www} \
	GATEHOUSE_PKG=$${GATEHOUSE_PKG:-pkg} cargo run --quiet -p gatehouse-server

test: setup-test lint test-rust pkg test-browser test-e2e size

setup-demo:
	scripts/setup.sh demo

setup-test:
	scripts/setup.sh test

setup-bench:
	scripts/setup.sh bench

pkg:
	scripts/build-pkg.sh

# Formatting (width in rustfmt.toml) and clippy, host and wasm builds, warnings as errors.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	cargo clippy -p gatehouse --target wasm32-unknown-unknown --release --quiet -- -D warnings

# The server's integration suite runs twice: on SQLite (here), then on
# PostgreSQL (scripts/test-postgres.sh: skipped without one, unless
# GATEHOUSE_REQUIRE_POSTGRES=1).
test-rust:
	cargo test --workspace
	scripts/test-postgres.sh

test-browser:
	scripts/test-browser.sh

test-e2e:
	scripts/test-e2e.sh

size:
	bench/size.sh --check

# Not part of `make test`: the benchmarks, each rewriting its own section
# of docs/BENCHMARKS.md.
# - The magic link (issue 3; about 3 minutes). Builds the package as `make
#   pkg` does, but into target/bench/pkg so a test run using pkg/ at the
#   same time is left alone, and the release server; then
#   bench/magic-link.mjs prints its table.
# - The server load (issue 10 §1, issue 9 §4; about 45 minutes, with the
#   django-allauth peer): bench/server.sh, whose header lists its settings
#   (LOAD_DURATION=5 PEER=0 make bench for a short look).
bench: setup-bench
	PKG_OUT=target/bench/pkg scripts/build-pkg.sh
	cargo build --quiet --release -p gatehouse-server
	GATEHOUSE_BENCH_PKG=target/bench/pkg \
	GATEHOUSE_BENCH_SERVER=$${CARGO_TARGET_DIR:-target}/release/gatehouse-server \
	  node bench/magic-link.mjs
	bench/server.sh

# Not part of `make test` (which runs the same properties with 500 inputs
# each, inside `cargo test --workspace`): every fuzz property with 40,000
# generated inputs, 1,000,000 in all (issue 8; a few minutes). Prints the
# count and the time. GATEHOUSE_FUZZ_CASES=N make fuzz sets the inputs per
# property.
fuzz:
	scripts/fuzz.sh
