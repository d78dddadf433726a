#!/usr/bin/env bash
# `make fuzz`: every fuzz property (proptest, stable Rust) with
# GATEHOUSE_FUZZ_CASES inputs each (default 40,000: 26 tests, a plain one
# among them, make 1,040,000 inputs), then the total count and the time.
# `cargo test` runs the same properties with 500 inputs each.
#   protocol/tests/fuzz.rs     every validator, the wire names
#   server/tests/api/fuzz.rs   the JSON body extractor, the event-stream framing
#   tests/fuzz.rs              the SDK's decoder (src/js/decode.js, in Node)
set -euo pipefail
cd "$(dirname "$0")/.."
export GATEHOUSE_FUZZ_CASES=${GATEHOUSE_FUZZ_CASES:-40000}
suites=(
  "-p gatehouse-protocol --test fuzz"
  "-p gatehouse-server --test api fuzz::"
  "-p gatehouse --test fuzz"
)
properties=0
for suite in "${suites[@]}"; do
  # shellcheck disable=SC2086
  cargo test --quiet --no-run $suite 2>/dev/null
  # shellcheck disable=SC2086
  n=$(cargo test --quiet $suite -- --list 2>/dev/null | grep -c ': test$')
  properties=$((properties + n))
done
start=$(date +%s)
for suite in "${suites[@]}"; do
  echo "== cargo test $suite (GATEHOUSE_FUZZ_CASES=$GATEHOUSE_FUZZ_CASES)"
  # shellcheck disable=SC2086
  cargo test --quiet $suite
done
seconds=$(($(date +%s) - start))
echo "fuzz: $properties properties x $GATEHOUSE_FUZZ_CASES inputs = $((properties * GATEHOUSE_FUZZ_CASES)) inputs, 0 panics, in ${seconds} s"
