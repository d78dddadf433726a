//! The dev outbox: the latest messages the server sent, in memory.
//!
//! It exists only with `--dev`, so a person can finish a sign-up without a
//! mail server. It keeps the newest [`Outbox::CAPACITY`] messages of this
//! process; it is not shared between nodes and does not survive a restart.

use super::Message;
use gatehouse_protocol::wire::OutboxMessage;
use std::collections::VecDeque;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Outbox {
    messages: Mutex<VecDeque<OutboxMessage>>,
}

impl Outbox {
    /// How many messages it keeps.
    pub const CAPACITY: usize = 50;

    /// Keeps a copy of `message`, sent at `now_ms`.
    pub fn push(&self, message: &Message, now_ms: i64) {
        let mut messages = self.messages.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if messages.len() == Self::CAPACITY {
            messages.pop_front();
        }
        messages.push_back(message.kept(now_ms));
    }

    /// The kept messages, oldest first.
    pub fn list(&self) -> Vec<OutboxMessage> {
        let messages = self.messages.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        messages.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_protocol::wire::Channel;

    #[test]
    fn keeps_the_newest_fifty_oldest_first() {
        let outbox = Outbox::default();
        for i in 0..60 {
            let m = Message {
                to: format!("{i}@example.com"),
                channel: Channel::Email,
                subject: String::new(),
                body: String::new(),
                html: None,
                code: None,
                link: None,
            };
            outbox.push(&m, i);
        }
        let list = outbox.list();
        assert_eq!(list.len(), Outbox::CAPACITY);
        assert_eq!(list[0].to, "10@example.com");
        assert_eq!(list[49].to, "59@example.com");
    }
}
