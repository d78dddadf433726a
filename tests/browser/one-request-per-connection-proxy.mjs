// The HTTP proxy Chromium uses in the wasm browser tests: it forwards each
// request on a connection of its own (`Connection: close` upstream) and
// streams the answer back, closing the upstream request when the browser
// hangs up (so an aborted event stream ends on the server too).
//
// Why: wasm-bindgen-test-runner serves the test page with tiny_http, which
// now and then leaves a request on a reused keep-alive connection unread.
// The page then never loads (seen here in about one run out of three, on a
// snippet request that gets no answer). With one request per connection
// the runner never sees a reused one.
//
//   node tests/browser/one-request-per-connection-proxy.mjs PORT_FILE
// listens on a free port of 127.0.0.1 and writes it to PORT_FILE.
//
// One test hook (tests/browser/tokens.rs, the client token race): a request
// whose URL carries `gh_proxy_hold` is held, with the cookie the browser
// sent, until an answer that sets the client cookie has gone back to the
// browser (10 s at most), then sent on without the marker; any host's
// `/__proxy/held` answers how many are held.
import http from "node:http";
import { writeFileSync } from "node:fs";

const [portFile] = process.argv.slice(2);
// GATEHOUSE_PROXY_LOG=1 prints each request it forwards.
const log = process.env.GATEHOUSE_PROXY_LOG ? (line) => console.error(`proxy: ${line}`) : () => {};

const held = [];
const release = () => held.splice(0).forEach((send) => send());
const setsClientCookie = (answer) => (answer.headers["set-cookie"] ?? []).some((c) => /^(__Host-|__)gh_client=/.test(c));

const proxy = http.createServer((request, response) => {
  let target;
  try {
    target = new URL(request.url);
  } catch {
    response.writeHead(400).end("absolute URL expected");
    return;
  }
  log(`${request.method} ${request.url}`);
  if (target.pathname === "/__proxy/held") {
    response.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
    response.end(String(held.length));
    return;
  }
  const hold = target.searchParams.has("gh_proxy_hold");
  target.searchParams.delete("gh_proxy_hold");
  const headers = { ...request.headers, connection: "close" };
  delete headers["proxy-connection"];
  const send = () => {
    const upstream = http.request(
      target,
      { method: request.method, headers, agent: false },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        if (setsClientCookie(answer)) setImmediate(release);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => response.destroy());
    response.on("close", () => upstream.destroy());
    request.pipe(upstream);
  };
  if (hold) {
    held.push(send);
    setTimeout(release, 10_000);
  } else {
    send();
  }
});

proxy.listen(0, "127.0.0.1", () => writeFileSync(portFile, String(proxy.address().port)));
