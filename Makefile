# The two commands a newcomer needs (see README.md):
#   make demo   builds the SDK package and runs the server with the demo page
#   make test   runs every test: protocol, server, SDK in Chromium, demo in Playwright
# Both install whatever is missing first (scripts/setup.sh).

.PHONY: demo test pkg setup-demo setup-test setup-bench lint test-rust test-browser test-rust-api test-e2e test-consumers size \
	examples bench bench-build \
	bench-magic-link bench-ready bench-size bench-streams bench-server fuzz test-api-fuzz fuzz-api

# The server reads its settings from GATEHOUSE_* variables, so any one that
# is already set wins: GATEHOUSE_LISTEN=127.0.0.1:9000 make demo
demo: setup-demo pkg
	scripts/vendor-demo.sh
	GATEHOUSE_DEV=$${GATEHOUSE_DEV:-true} GATEHOUSE_WWW=$${GATEHOUSE_WWW:-www} \
	GATEHOUSE_PKG=$${GATEHOUSE_PKG:-pkg} cargo run --quiet -p gatehouse-server

test: setup-test lint test-rust test-api-fuzz pkg test-browser test-rust-api test-e2e test-consumers size

setup-demo:
	scripts/setup.sh demo

setup-test:
	scripts/setup.sh test

setup-bench:
	scripts/setup.sh bench

pkg:
	scripts/build-pkg.sh

# Formatting (width in rustfmt.toml) and clippy, host and wasm builds (the SDK, and
# its feature rust-api with its tests, and the browser tests as
# scripts/test-browser.sh builds them), warnings as errors.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	cargo clippy -p gatehouse-verify --all-targets --features axum --quiet -- -D warnings
	cargo clippy -p gatehouse --target wasm32-unknown-unknown --profile sdk --quiet -- -D warnings
	cargo clippy -p gatehouse --target wasm32-unknown-unknown --features rust-api --lib --test rust_api --quiet -- -D warnings
	CARGO_PROFILE_DEV_DEBUG=0 cargo clippy -p gatehouse --target wasm32-unknown-unknown --no-default-features --test browser --quiet -- -D warnings

# The server's integration suite runs twice: on SQLite (here), then on
# PostgreSQL (scripts/test-postgres.sh: skipped without one, unless
# GATEHOUSE_REQUIRE_POSTGRES=1). gatehouse-verify's tests against a real
# server need its `axum` feature.
test-rust:
	cargo test --workspace
	cargo test -p gatehouse-verify --features axum
	scripts/test-postgres.sh

# Schemathesis runs the server's OpenAPI document (GET /openapi.json, a copy
# in docs/openapi.json) against a real server in dev mode: every operation,
# stateless and along the document's links (about a minute).
test-api-fuzz:
	scripts/test-api-fuzz.sh short

test-browser:
	scripts/test-browser.sh

# The Rust API (the gatehouse crate's feature `rust-api`) in Chromium
# against a real server, and the README's Rust frontend snippet.
test-rust-api:
	scripts/test-rust-api.sh

test-e2e:
	scripts/test-e2e.sh

# The npm package installed from its tarball into the apps of tests/consumers
# (Vite + React in dev and build, webpack, a plain page, Node).
test-consumers:
	scripts/test-consumers.sh

size:
	bench/size.sh --check

# The example apps (examples/yew-sign-up: a Yew form on the Rust API),
# each its own cargo workspace, built and driven in Chromium against a real
# server; not in `make test` (a cold build of Yew takes minutes). Its README
# says how to run it against `make demo`.
examples: setup-test
	scripts/build-examples.sh

# Not part of `make test`: the benchmarks, each of which prints its table
# and rewrites its own section of docs/BENCHMARKS.md. `make bench` runs them
# all; `make bench-ready` (for example) one. bench-build builds the package
# as `make pkg` does, but into target/bench/pkg so a test run using pkg/ at
# the same time is left alone, and the release server.
#   bench-magic-link  the magic link: push vs polling (issue 3; about 3 minutes)
#   bench-ready       SDK ready: import, init, Gatehouse.load in cold browser
#                     contexts (issue 10; about 1 minute)
#   bench-size        the package's sizes (raw, gzip, brotli) and the wasm's
#                     largest items (twiggy)
#   bench-streams     10,000 event streams waiting on one server, its RSS, and
#                     a change's wake-up (issue 10; about a minute)
#   bench-server      the server load: flows on SQLite, one and two PostgreSQL
#                     nodes, beside the django-allauth peer; the cross-node
#                     wake-up (issue 10 §1, issue 9 §4; about 45 minutes):
#                     bench/server.sh, whose header lists its settings
#                     (LOAD_DURATION=5 PEER=0 make bench-server for a short look)
bench: bench-magic-link bench-ready bench-size bench-streams bench-server

BENCH_ENV = GATEHOUSE_BENCH_PKG=target/bench/pkg \
	GATEHOUSE_BENCH_SERVER=$${CARGO_TARGET_DIR:-target}/release/gatehouse-server

bench-build: setup-bench
	PKG_OUT=target/bench/pkg scripts/build-pkg.sh
	cargo build --quiet --release -p gatehouse-server

bench-magic-link: bench-build
	$(BENCH_ENV) node bench/magic-link.mjs

bench-ready: bench-build
	$(BENCH_ENV) node bench/sdk-ready.mjs

bench-size: bench-build
	GATEHOUSE_BENCH_PKG=target/bench/pkg bench/size-report.sh

bench-streams: bench-build
	$(BENCH_ENV) node bench/streams.mjs

bench-server: bench-build
	bench/server.sh

# Not part of `make test` (which runs the same properties with 500 inputs
# each, inside `cargo test --workspace`): every fuzz property with 40,000
# generated inputs, 1,000,000 in all (issue 8; a few minutes). Prints the
# count and the time. GATEHOUSE_FUZZ_CASES=N make fuzz sets the inputs per
# property.
fuzz:
	scripts/fuzz.sh

# Not part of `make test`: Schemathesis with 200 examples per operation and a
# random seed (several minutes); extra options through ST_ARGS, e.g.
# ST_ARGS="--include-path-regex sign_ups" make fuzz-api.
fuzz-api: setup-test
	scripts/test-api-fuzz.sh long $(ST_ARGS)
