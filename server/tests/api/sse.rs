//! Reading `text/event-stream` answers chunk by chunk, as the SDK's fetch
//! reader does.

use serde_json::Value;
use std::time::Duration;

/// One item of an event stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Sse {
    /// `event: name` with its `data` parsed as JSON.
    Event(String, Value),
    /// `: text`.
    Comment(String),
    /// The server ended the stream cleanly (the last chunk came).
    End,
    /// The connection failed before the end (reset, or a broken chunk): a
    /// crashed stream, which [`EventStream::assert_ends`] refuses.
    Broken(String),
}

/// The framing of an event stream: chunks in, items out. Split from the
/// socket so the fuzz harness can feed it the server's bytes in any chunks.
#[derive(Default)]
pub struct SseBuffer {
    buffer: Vec<u8>,
}

impl SseBuffer {
    pub fn push(&mut self, chunk: &[u8]) {
        self.buffer.extend_from_slice(chunk);
    }

    /// The next complete item (up to a blank line), if one has arrived.
    pub fn next_item(&mut self) -> Option<Sse> {
        let end = self.buffer.windows(2).position(|w| w == b"\n\n")?;
        let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
        Some(parse_block(&String::from_utf8(block).expect("UTF-8 events")))
    }

    /// The bytes of an item that has not ended yet.
    pub fn pending(&self) -> &[u8] {
        &self.buffer
    }
}

/// An open `text/event-stream`, read chunk by chunk.
pub struct EventStream {
    pub response: reqwest::Response,
    buffer: SseBuffer,
}

impl EventStream {
    pub fn new(response: reqwest::Response) -> EventStream {
        EventStream { response, buffer: SseBuffer::default() }
    }

    pub fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// The next item, or `None` if none came within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(item) = self.buffer.next_item() {
                return Some(item);
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return None,
                Ok(Ok(Some(chunk))) => self.buffer.push(&chunk),
                Ok(Ok(None)) => {
                    let pending = self.buffer.pending();
                    assert!(
                        pending.is_empty(),
                        "the stream ended inside an item: {:?}",
                        String::from_utf8_lossy(pending)
                    );
                    return Some(Sse::End);
                }
                Ok(Err(e)) => return Some(Sse::Broken(format!("{e:?}"))),
            }
        }
    }

    /// The next item; panics if none comes within 5 s.
    pub async fn next(&mut self) -> Sse {
        self.next_within(Duration::from_secs(5)).await.expect("an item within 5 s")
    }

    /// The sign-up of the next `sign_up` event (its data's `response`),
    /// skipping comments.
    pub async fn next_sign_up(&mut self) -> Value {
        self.next_event().await["response"].take()
    }

    /// The whole data of the next `sign_up` event (`response`, and
    /// `client` and `client_token` when there), skipping comments.
    pub async fn next_event(&mut self) -> Value {
        loop {
            match self.next().await {
                Sse::Event(name, data) => {
                    assert_eq!(name, "sign_up");
                    assert!(data["response"].is_object(), "{data}");
                    return data;
                }
                Sse::Comment(_) => continue,
                Sse::End => panic!("the stream ended"),
                Sse::Broken(e) => panic!("the stream broke: {e}"),
            }
        }
    }

    /// Asserts that the stream ends cleanly next (after any comments): a
    /// reset or broken connection is a failure, not an end.
    pub async fn assert_ends(&mut self) {
        loop {
            match self.next().await {
                Sse::End => return,
                Sse::Comment(_) => continue,
                event => panic!("expected the end, got {event:?}"),
            }
        }
    }
}

/// One item, as the server frames it: strict, so a change of format fails.
pub fn parse_block(block: &str) -> Sse {
    let (mut name, mut data) = (None, None);
    for line in block.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix(':') {
            return Sse::Comment(comment.trim().to_owned());
        } else if let Some(n) = line.strip_prefix("event: ") {
            name = Some(n.to_owned());
        } else if let Some(d) = line.strip_prefix("data: ") {
            assert!(data.is_none(), "one data line per event: {block:?}");
            data = Some(serde_json::from_str(d).expect("JSON data"));
        } else {
            panic!("unexpected line {line:?} in {block:?}");
        }
    }
    Sse::Event(name.expect("an event name"), data.expect("data"))
}

/// A stream served by hand: one keep-alive, then the last chunk (`clean`)
/// or a reset connection; answers the two items the reader makes of it.
async fn hand_served(clean: bool) -> (Sse, Sse) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8];
            socket.read_exact(&mut byte).await.unwrap();
            request.push(byte[0]);
        }
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        let chunk = format!("{:x}\r\n: keep-alive\n\n\r\n", ": keep-alive\n\n".len());
        socket.write_all([head, &chunk].concat().as_bytes()).await.unwrap();
        if clean {
            socket.write_all(b"0\r\n\r\n").await.unwrap();
        } else {
            // Linger 0: closing sends a reset, as a crashed server's kernel does.
            socket.set_zero_linger().unwrap();
        }
        drop(socket);
    });
    let mut stream = EventStream::new(reqwest::get(format!("http://{addr}/")).await.unwrap());
    (stream.next().await, stream.next().await)
}

#[tokio::test]
async fn a_reset_connection_is_a_broken_stream_not_an_end() {
    let comment = Sse::Comment(String::from("keep-alive"));
    assert_eq!(hand_served(true).await, (comment.clone(), Sse::End));
    let (first, reset) = hand_served(false).await;
    assert_eq!(first, comment);
    assert!(matches!(reset, Sse::Broken(_)), "{reset:?}");
}
