//! A Twilio-compatible Messages API: `POST {base_url}/2010-04-01/Accounts/
//! {account_sid}/Messages.json`, a form of `To`, `From` (or
//! `MessagingServiceSid`) and `Body`, with HTTP basic auth (the account sid
//! and the auth token).

use super::{HttpClient, Sending, SmsSender};
use crate::config::{Secret, SmsFrom};
use base64::Engine;

/// One account of a Twilio-compatible API.
pub struct Twilio {
    client: HttpClient,
    messages_url: String,
    account_sid: String,
    auth_token: Secret,
    from: SmsFrom,
}

impl Twilio {
    /// The sender for this account; `base_url` has no trailing `/`.
    pub fn new(client: HttpClient, base_url: &str, account_sid: &str, auth_token: Secret, from: SmsFrom) -> Twilio {
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
            let form = form_urlencoded::Serializer::new(String::new())
                .append_pair("To", to)
                .append_pair(from.0, from.1)
                .append_pair("Body", body)
                .finish();
            let credentials = format!("{}:{}", self.account_sid, self.auth_token.expose());
            let headers = [
                ("content-type", String::from("application/x-www-form-urlencoded")),
                ("authorization", format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials))),
            ];
            self.client.post(&self.messages_url, &headers, form.into_bytes()).await
        })
    }
}
