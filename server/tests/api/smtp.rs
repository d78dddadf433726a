//! Email through lettre to a tiny SMTP listener written here.

use crate::helpers::spawn_app_with;
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One mail as the listener received it.
#[derive(Debug)]
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A minimal SMTP server on port 0: it accepts every mail and hands it over.
async fn smtp_listener() -> (u16, mpsc::UnboundedReceiver<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
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
                                mail.data.push_str(&data);
                                mail.data.push('\n');
                            }
                            let done = std::mem::replace(&mut mail, Mail { from: String::new(), to: Vec::new(), data: String::new() });
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
    (port, rx)
}

fn smtp_config(port: u16) -> Config {
    Config::from_toml(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"Gatehouse <no-reply@gatehouse.test>\"\n"
    ))
    .unwrap()
}

#[tokio::test]
async fn codes_go_out_by_smtp_outside_dev_mode() {
    let (port, mut inbox) = smtp_listener().await;
    let app = spawn_app_with(smtp_config(port), Options::default()).await;
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
    assert!(mail.data.contains(&format!("Your verification code is {code}.")), "{}", mail.data);
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
    let Err(e) = gatehouse_server::build_app(smtp_config(port), &url, options, clock).await else {
        panic!("dev mode started with [smtp]")
    };
    let message = format!("{e:#}");
    assert!(message.contains("--dev") && message.contains("[smtp]"), "{message}");
}

#[tokio::test]
async fn an_smtp_failure_is_ours_and_does_not_block_a_retry() {
    // A port where nothing listens.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let app = spawn_app_with(smtp_config(port), Options::default()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let failed = browser.prepare(&id, "email_code").await;
    failed.assert_error(500, "internal_error");
    assert!(!failed.text.contains("127.0.0.1"), "{}", failed.text);
    // The code never left, so the resend limit does not hold the person back.
    let again = browser.prepare(&id, "email_code").await;
    again.assert_error(500, "internal_error");
}
