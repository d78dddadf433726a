//! Email through lettre to a tiny SMTP listener written here, from the
//! mail queue: retries, a failure that undoes the resend record, a stuck
//! or full queue that never holds a request.

use crate::helpers::spawn_app_with;
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One mail as the listener received it.
#[derive(Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message (headers and body), dot-stuffing undone, lines ending in `\n`.
    pub data: String,
}

/// A minimal SMTP server on port 0: it accepts every mail and hands it over.
pub async fn smtp_listener() -> (u16, mpsc::UnboundedReceiver<Mail>) {
    let (port, inbox, _) = flaky_smtp_listener(0).await;
    (port, inbox)
}

/// An SMTP server that refuses its first `refused` connections ("421"),
/// then accepts every mail; it counts the connections.
async fn flaky_smtp_listener(refused: usize) -> (u16, mpsc::UnboundedReceiver<Mail>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            let n = counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                if n < refused {
                    let _ = write.write_all(b"421 test.local busy, try later\r\n").await;
                    return;
                }
                let mut lines = BufReader::new(read).lines();
                let mut mail = Mail { from: String::new(), to: Vec::new(), data: String::new() };
                write.write_all(b"220 test.local ESMTP ready\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test.local\r\n250 8BITMIME\r\n",
                        "HELO" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "MAIL" => {
                            mail.from = line[10..].to_owned();
                            b"250 OK\r\n"
                        }
                        "RCPT" => {
                            mail.to.push(line[8..].to_owned());
                            b"250 OK\r\n"
                        }
                        "DATA" => {
                            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await.unwrap();
                            while let Ok(Some(data)) = lines.next_line().await {
                                if data == "." {
                                    break;
                                }
                                // RFC 5321 4.5.2: a leading dot was doubled by the sender.
                                mail.data.push_str(data.strip_prefix('.').unwrap_or(&data));
                                mail.data.push('\n');
                            }
                            let done = std::mem::replace(
                                &mut mail,
                                Mail { from: String::new(), to: Vec::new(), data: String::new() },
                            );
                            let _ = tx.send(done);
                            b"250 OK queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, rx, connections)
}

/// An SMTP server that accepts connections and never says a word.
async fn stuck_smtp_listener() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// [`smtp_config`] with retries 10 ms apart, so a test of them is quick.
fn quick_retries(port: u16) -> Config {
    let mut config = smtp_config(port, "");
    config.delivery.retry_backoff = Duration::from_millis(10);
    config
}

/// Mail to the listener on `port`, plain SMTP; `more` is TOML added to it.
pub fn smtp_config(port: u16, more: &str) -> Config {
    Config::from_toml(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"Gatehouse <no-reply@gatehouse.test>\"\n{more}"
    ))
    .unwrap()
}

#[tokio::test]
async fn codes_go_out_by_smtp_outside_dev_mode() {
    let (port, mut inbox) = smtp_listener().await;
    let app = spawn_app_with(smtp_config(port, ""), Options::default()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();

    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv()).await.unwrap().unwrap();
    assert!(mail.from.contains("no-reply@gatehouse.test"), "{mail:?}");
    assert_eq!(mail.to, vec!["<ana@example.com>"]);
    assert!(mail.data.contains("To: ana@example.com"), "{}", mail.data);
    assert!(mail.data.contains("From: Gatehouse <no-reply@gatehouse.test>"), "{}", mail.data);
    // The code is in the subject and the body; fish it out and use it.
    let subject = mail.data.lines().find_map(|l| l.strip_prefix("Subject: ")).expect("a subject");
    let code = subject.split_whitespace().next().unwrap();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{subject}");
    let parsed = mail_parser::MessageParser::default().parse(mail.data.as_bytes()).unwrap();
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains(&format!("Your Gatehouse verification code is {code}.")), "{text}");
    let done = browser.attempt(&id, "email_code", code).await;
    assert_eq!(done.response()["status"], "complete");
}

#[tokio::test]
async fn dev_mode_with_smtp_refuses_to_start() {
    // Dev mode publishes every code in the outbox: with real mail, real
    // people's codes would be there for anyone to read.
    let (port, _inbox) = smtp_listener().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let options = Options { dev: true, listen: Some("127.0.0.1:8080".parse().unwrap()), ..Options::default() };
    let clock = std::sync::Arc::new(gatehouse_server::clock::ManualClock::new(0));
    let Err(e) = gatehouse_server::build_app(smtp_config(port, ""), &url, options, clock).await else {
        panic!("dev mode started with [smtp]")
    };
    let message = format!("{e:#}");
    assert!(message.contains("--dev") && message.contains("[smtp]"), "{message}");
}

#[tokio::test]
async fn a_mail_server_that_fails_every_try_does_not_block_a_new_code() {
    let (port, _inbox, connections) = flaky_smtp_listener(usize::MAX).await;
    let app = spawn_app_with(quick_retries(port), Options::default()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    // The request does not wait for the mail server: the message is queued.
    browser.prepare(&id, "email_code").await.response();
    app.state.sender.idle().await;
    assert_eq!(connections.load(Ordering::SeqCst), 3, "three tries, then given up");
    // The code never left, so the resend limit does not hold the person back.
    browser.prepare(&id, "email_code").await.response();
    app.state.sender.idle().await;
    assert_eq!(connections.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn a_mail_that_fails_once_goes_out_on_the_retry_and_keeps_the_resend_limit() {
    let (port, mut inbox, connections) = flaky_smtp_listener(1).await;
    let app = spawn_app_with(quick_retries(port), Options::default()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let mail = tokio::time::timeout(Duration::from_secs(10), inbox.recv()).await.unwrap().unwrap();
    assert_eq!(mail.to, vec!["<ana@example.com>"]);
    app.state.sender.idle().await;
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    // Delivered: the resend record stays, and so does the limit.
    browser.prepare(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
}

#[tokio::test]
async fn a_stuck_mail_server_holds_no_request_and_a_full_queue_answers_429() {
    let port = stuck_smtp_listener().await;
    let mut config = smtp_config(port, "");
    config.delivery.queue_capacity = 1;
    // Sending inside the request would meet this timeout (SMTP waits 10 s).
    config.http.request_timeout = Duration::from_secs(2);
    let app = spawn_app_with(config, Options::default()).await;
    let browser = app.client();
    // No password to hash: nothing slow in these requests but what is under test.
    let id = browser.created(serde_json::json!({ "email_address": "ana@example.com" })).await;
    browser.prepare(&id, "email_code").await.response();
    assert_eq!(app.state.sender.pending(), 1);

    let other = app.client();
    let id = other.created(serde_json::json!({ "email_address": "bea@example.com" })).await;
    let full = other.prepare(&id, "email_code").await;
    full.assert_error(429, "rate_limited");
    assert!(full.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() > 0), "{:?}", full.headers);
    // The refused code never left: its resend record is undone at once.
    let again = other.prepare(&id, "email_code").await;
    again.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn readyz_checks_the_mail_server_at_most_once_per_interval() {
    let (port, _inbox, connections) = flaky_smtp_listener(0).await;
    let app = spawn_app_with(smtp_config(port, ""), Options::default()).await;
    for _ in 0..3 {
        let ready = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
        assert_eq!(ready.status().as_u16(), 200);
        assert_eq!(ready.json::<serde_json::Value>().await.unwrap(), serde_json::json!({ "status": "ready" }));
    }
    // One check answers the probes of READINESS_TTL: a probe cannot make
    // the server open a connection to the relay per request.
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    // A mail server that is not there: not ready (the database is fine),
    // while /healthz still answers.
    // Its port stays bound without listening, for the whole test: a
    // connection is refused at once, and no other test's listener can take
    // the port meanwhile (a freed port can be handed to another test's
    // silent listener; once, the check timed out here instead of failing).
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = held.local_addr().unwrap().port();
    let down = spawn_app_with(smtp_config(closed, ""), Options::default()).await;
    let answer = reqwest::get(format!("{}/readyz", down.base)).await.unwrap();
    assert_eq!(answer.status().as_u16(), 503);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "status": "unavailable", "mail": "error" }));
    assert_eq!(reqwest::get(format!("{}/healthz", down.base)).await.unwrap().status().as_u16(), 200);
}
