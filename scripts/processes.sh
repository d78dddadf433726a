# Sourced by the test scripts (test-browser.sh, test-e2e.sh,
# test-consumers.sh): what they share about the processes they start.
#   free_port   prints a port the OS had free a moment ago
#   $work       a temporary directory, removed on exit
#   pids+=($!)  a started process, killed (and waited for) on exit, and on
#               Ctrl-C or TERM (exit 130 and 143)

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
