//! The query of a list (`?limit=&after=&email=&status=&event=`), checked like a
//! body: unknown keys are `form_param_unknown`, bad values
//! `form_param_format_invalid`, each with its `param_name`.

use crate::error::{ApiError, Problem};
use crate::model::{DeliveryStatus, WebhookEvent};
use gatehouse_protocol::wire::List;
use gatehouse_protocol::{ErrorCode, InvitationStatus, validate};

/// Items per page when `limit` is not given, and the most allowed.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A checked list query.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub limit: u32,
    /// The last id of the previous page.
    pub after: Option<String>,
    pub email: Option<String>,
    pub status: Option<InvitationStatus>,
    /// `status` of a webhook delivery (allowed as `delivery_status`).
    pub delivery_status: Option<DeliveryStatus>,
    pub event: Option<WebhookEvent>,
}

impl ListQuery {
    /// Parses a raw query string; `allowed` names the keys beyond `limit`
    /// and `after`.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<ListQuery, ApiError> {
        let mut query = ListQuery { limit: DEFAULT_LIMIT, ..ListQuery::default() };
        let mut problems = Vec::new();
        let invalid = |param: &str, message| Problem {
            code: ErrorCode::FormParamFormatInvalid,
            param: Some(String::from(param)),
            message: Some(message),
        };
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "limit" => match value.parse::<u32>() {
                    Ok(n @ 1..=MAX_LIMIT) => query.limit = n,
                    _ => problems.push(invalid("limit", "Use a number from 1 to 100.")),
                },
                "after" if !value.is_empty() => query.after = Some(value.into_owned()),
                "after" => {}
                "email" if allowed.contains(&"email") => match validate::email_address(&value) {
                    Ok(email) => query.email = Some(email),
                    Err(e) => problems.push(Problem::from(e).renamed("email")),
                },
                "status" if allowed.contains(&"status") => match InvitationStatus::parse(&value) {
                    Some(status) => query.status = Some(status),
                    None => problems.push(invalid("status", "Use pending, accepted, revoked or expired.")),
                },
                "status" if allowed.contains(&"delivery_status") => match DeliveryStatus::parse(&value) {
                    Some(status) => query.delivery_status = Some(status),
                    None => problems.push(invalid("status", "Use pending, delivered or failed.")),
                },
                "event" if allowed.contains(&"event") => match WebhookEvent::parse(&value) {
                    Some(event) => query.event = Some(event),
                    None => problems.push(invalid("event", "Use an event type, such as user.created.")),
                },
                other => problems.push(Problem::param(ErrorCode::FormParamUnknown, other)),
            }
        }
        if problems.is_empty() { Ok(query) } else { Err(ApiError::Params(problems)) }
    }

    /// How many rows to fetch: one more than a page, to know if more follow.
    pub fn fetch(&self) -> u32 {
        self.limit + 1
    }

    /// The page of `items` (fetched with [`ListQuery::fetch`]).
    pub fn page<T, W>(&self, mut items: Vec<T>, id: impl Fn(&T) -> &str, wire: impl Fn(&T) -> W) -> List<W> {
        let has_more = items.len() > self.limit as usize;
        items.truncate(self.limit as usize);
        let next_after = if has_more { items.last().map(|i| String::from(id(i))) } else { None };
        List { object: String::from("list"), data: items.iter().map(wire).collect(), has_more, next_after }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_checked_key_by_key() {
        let q = ListQuery::parse(Some("limit=2&after=user_x&email=Ana%40Example.com"), &["email"]).unwrap();
        assert_eq!((q.limit, q.after.as_deref(), q.email.as_deref()), (2, Some("user_x"), Some("ana@example.com")));
        assert_eq!(ListQuery::parse(None, &[]).unwrap().limit, DEFAULT_LIMIT);
        let Err(ApiError::Params(p)) = ListQuery::parse(Some("limit=0&status=pending&email=x"), &["email"]) else {
            panic!()
        };
        let got: Vec<_> = p.iter().map(|p| (p.code, p.param.clone().unwrap())).collect();
        assert_eq!(
            got,
            [
                (ErrorCode::FormParamFormatInvalid, String::from("limit")),
                (ErrorCode::FormParamUnknown, String::from("status")),
                (ErrorCode::FormParamFormatInvalid, String::from("email")),
            ]
        );
    }

    #[test]
    fn a_page_says_whether_more_follow() {
        let q = ListQuery { limit: 2, ..ListQuery::default() };
        let page = q.page(vec!["a", "b", "c"], |s| s, |s| s.to_uppercase());
        assert_eq!(
            (page.data, page.has_more, page.next_after.as_deref()),
            (vec![String::from("A"), String::from("B")], true, Some("b"))
        );
        let last = q.page(vec!["c"], |s| s, |s| s.to_uppercase());
        assert!(!last.has_more && last.next_after.is_none());
    }
}
