//! One keep-alive HTTP/1.1 connection to one node, on hyper's connection
//! API. A worker owns one per node and sends its requests one after
//! another on it, so there is no pool to check out of, no URL to parse per
//! request and no redirect policy: the generator shares the server's two
//! cores, and what it spends per request is taken from the server being
//! measured.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST, HeaderMap, HeaderValue};
use hyper::http::request;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio::net::TcpStream;

/// A request that has no answer after this fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A node: its base URL (`http://host:port`), read once.
#[derive(Clone)]
pub struct Node {
    base: String,
    /// `host:port`.
    authority: String,
    host: HeaderValue,
}

impl Node {
    /// The node at `base`, which must be `http://host:port`.
    pub fn parse(base: &str) -> anyhow::Result<Node> {
        let base = base.trim_end_matches('/');
        let authority = base
            .strip_prefix("http://")
            .ok_or_else(|| anyhow::anyhow!("a base URL is http://host:port, not {base}"))?;
        Ok(Node { base: base.to_owned(), authority: authority.to_owned(), host: HeaderValue::from_str(authority)? })
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// A node, and the connection to it once made.
pub struct Conn {
    node: Node,
    sender: Option<SendRequest<Full<Bytes>>>,
}

/// A request's answer: its status, headers and whole body.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Conn {
    /// A connection to `node`, made at the first request.
    pub fn new(node: Node) -> Conn {
        Conn { node, sender: None }
    }

    /// A request for `method path` on this node, to add headers to.
    pub fn request(&self, method: Method, path: &str) -> request::Builder {
        Request::builder().method(method).uri(path).header(HOST, self.node.host.clone())
    }

    /// Sends `request` with `body` (JSON unless it names its type) and reads the whole
    /// answer. A connection the server closed while idle is made again
    /// before the request; a request that fails on the way leaves none, so
    /// the next one connects afresh.
    pub async fn send(&mut self, request: request::Builder, body: Vec<u8>) -> Result<Answer, String> {
        let exchange = async {
            let (status, headers, body) = self.open(request, body).await?;
            let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok(Answer { status, headers, body })
        };
        let answer = tokio::time::timeout(TIMEOUT, exchange).await.unwrap_or_else(|_| Err(String::from("timed out")));
        if answer.is_err() {
            self.sender = None;
        }
        answer
    }

    /// Sends `request` with `body` and answers the status and headers, with
    /// the body to read as it comes (an event stream).
    pub async fn open(
        &mut self,
        mut request: request::Builder,
        body: Vec<u8>,
    ) -> Result<(u16, HeaderMap, Incoming), String> {
        if !body.is_empty() && request.headers_ref().is_some_and(|headers| !headers.contains_key(CONTENT_TYPE)) {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())?;
        let sender = self.ready().await?;
        let answer = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let (parts, body) = answer.into_parts();
        Ok((parts.status.as_u16(), parts.headers, body))
    }

    /// The connection, ready for a request: the open one, or a new one.
    async fn ready(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            let stream = TcpStream::connect(&self.node.authority).await.map_err(|e| format!("connect: {e}"))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or_else(|| String::from("no connection"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Serves `answers` requests on each of two connections it accepts (a
    /// canned answer naming the connection and the request's line; the
    /// last one on a connection says it closes it, and does); answers what
    /// each connection received.
    async fn server(answers: usize) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served = tokio::spawn(async move {
            let mut seen = Vec::new();
            for connection in 0..2 {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut received = String::new();
                for i in 1..=answers {
                    let request = read_request(&mut stream).await;
                    let line = request.lines().next().unwrap_or_default().to_owned();
                    let body = format!("{connection} {line}");
                    let close = if i == answers { "connection: close\r\n" } else { "" };
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nx-seen: yes\r\n{close}\r\n{body}",
                        body.len()
                    );
                    stream.write_all(answer.as_bytes()).await.unwrap();
                    received.push_str(&request);
                }
                seen.push(received);
            }
            seen
        });
        (base, served)
    }

    /// One request: its head, and as many body bytes as it says it has.
    async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
        let mut bytes = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let length = text[..head_end]
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length: "))
                    .map_or(0, |n| n.trim().parse::<usize>().unwrap());
                if bytes.len() >= head_end + 4 + length {
                    return text;
                }
            }
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the client closed mid-request");
            bytes.extend_from_slice(&buffer[..n]);
        }
    }

    #[tokio::test]
    async fn requests_share_one_connection_and_a_closed_one_is_made_again() {
        let (base, served) = server(2).await;
        let mut conn = Conn::new(Node::parse(&base).unwrap());
        let mut bodies = Vec::new();
        for path in ["/a", "/b", "/c", "/d"] {
            let request = conn.request(Method::POST, path).header("Gatehouse-Token-Mode", "bearer");
            let answer = conn.send(request, b"{\"x\":1}".to_vec()).await.unwrap();
            assert_eq!(answer.status, 200);
            assert_eq!(answer.headers["x-seen"], "yes");
            bodies.push(String::from_utf8(answer.body.to_vec()).unwrap());
        }
        // Two requests on the first connection; the server closed it after the
        // second, so the third made another, which the fourth used too.
        assert_eq!(bodies, ["0 POST /a HTTP/1.1", "0 POST /b HTTP/1.1", "1 POST /c HTTP/1.1", "1 POST /d HTTP/1.1"]);
        let seen = served.await.unwrap();
        let host = format!("host: {}", base.trim_start_matches("http://"));
        assert!(seen[0].contains(&host), "{}", seen[0]);
        assert!(seen[0].contains("content-type: application/json"), "{}", seen[0]);
        assert!(seen[0].contains("gatehouse-token-mode: bearer"), "{}", seen[0]);
    }

    #[test]
    fn a_base_url_is_http_host_and_port() {
        let node = Node::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!((node.base(), node.authority.as_str()), ("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(Node::parse("https://127.0.0.1:8080").is_err());
    }
}
