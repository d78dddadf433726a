# Sourced by the test scripts (test-browser.sh, test-rust-api.sh,
# test-e2e.sh, test-consumers.sh): what they share about the processes they start.
#   free_port   prints a port the OS had free a moment ago
#   $work       a temporary directory, removed on exit
#   pids+=($!)  a started process, killed (and waited for) on exit, and on
#               Ctrl-C or TERM (exit 130 and 143)
#   webdriver_through_proxy NAME
#               starts tests/browser/one-request-per-connection-proxy.mjs and
#               writes $work/webdriver.json, the headless Chromium options
#               that send every request through it (test-browser.sh,
#               test-rust-api.sh; NAME prefixes the error message)

free_port() {
  # Bind port 0, read what the OS chose, release it.
  node -e 'const s = require("net").createServer();
           s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Chromium goes through a proxy that makes one connection per request: the
# wasm-bindgen runner's server (tiny_http) sometimes leaves a request on a
# reused connection unanswered, and the page never loads (see the proxy's
# header).
webdriver_through_proxy() {
  node tests/browser/one-request-per-connection-proxy.mjs "$work/proxy.port" &
  pids+=("$!")
  for _ in $(seq 1 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
  [ -s "$work/proxy.port" ] || { echo "$1: the proxy did not start" >&2; exit 1; }
  cat > "$work/webdriver.json" <<JSON
{ "goog:chromeOptions": { "args": [
  "--proxy-server=http://127.0.0.1:$(cat "$work/proxy.port")", "--proxy-bypass-list=<-loopback>",
  "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"
] } }
JSON
}
