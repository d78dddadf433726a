//! A Twilio-compatible Messages API: `POST {base_url}/2010-04-01/Accounts/
//! {account_sid}/Messages.json`, a form of `To`, `From` (or
//! `MessagingServiceSid`) and `Body`, with HTTP basic auth (the account sid
//! and the auth token).

use super::{Sending, SmsSender, outcome};
use crate::config::{Secret, SmsFrom};

/// One account of a Twilio-compatible API.
pub struct Twilio {
    client: reqwest::Client,
    messages_url: String,
    account_sid: String,
    auth_token: Secret,
    from: SmsFrom,
}

impl Twilio {
    /// The sender for this account; `base_url` has no trailing `/`.
    pub fn new(
        client: reqwest::Client,
        base_url: &str,
        account_sid: &str,
        auth_token: Secret,
        from: SmsFrom,
    ) -> Twilio {
        Twilio {
            client,
            messages_url: format!("{base_url}/2010-04-01/Accounts/{account_sid}/Messages.json"),
            account_sid: String::from(account_sid),
            auth_token,
            from,
        }
    }
}

impl SmsSender for Twilio {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> Sending<'a> {
        Box::pin(async move {
            let from = match &self.from {
                SmsFrom::Number(number) => ("From", number.as_str()),
                SmsFrom::MessagingService(sid) => ("MessagingServiceSid", sid.as_str()),
            };
            let response = self
                .client
                .post(&self.messages_url)
                .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
                .form(&[("To", to), from, ("Body", body)])
                .send()
                .await;
            outcome(response)
        })
    }
}
