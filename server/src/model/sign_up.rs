//! A sign-up as the server keeps it, and the pure rules over it: its
//! status at a time, its fields, and what it still needs ([`Requirements`]).
//! How the API shows it is `crate::sign_up::view`'s.

use super::VerificationRecord;
use gatehouse_protocol::{Field, SignUpStatus, VerificationStatus};
use serde_json::{Map, Value};

/// How long a sign-up may stay open.
pub const ABANDON_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// One sign-up, with its verifications.
#[derive(Clone, Debug, PartialEq)]
pub struct SignUpRecord {
    pub id: String,
    pub client_id: String,
    /// The stored status; see [`SignUpRecord::status_at`] for the live one.
    pub status: SignUpStatus,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    pub username: Option<String>,
    pub web3_wallet: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub password_hash: Option<String>,
    pub legal_accepted: bool,
    pub unsafe_metadata: Map<String, Value>,
    pub created_user_id: Option<String>,
    pub created_session_id: Option<String>,
    pub created_at: i64,
    pub abandon_at: i64,
    /// The hash of the invitation ticket it was started with (strategy `ticket`).
    pub ticket_hash: Option<String>,
    pub email_verification: Option<VerificationRecord>,
    pub phone_verification: Option<VerificationRecord>,
    /// Where it began: the `User-Agent` and IP of its create (see
    /// `crate::verify`: the confirm page shows them to another browser).
    pub created_user_agent: Option<String>,
    pub created_ip: Option<String>,
    /// When the owner of the address cancelled it from the email link
    /// ("I didn't start this"); it is `abandoned` since.
    pub cancelled_at: Option<i64>,
    /// The language tag its create gave (`locale`), for its messages.
    pub locale: Option<String>,
}

impl SignUpRecord {
    /// A new, empty sign-up of a client.
    pub fn new(id: String, client_id: String, now: i64) -> Self {
        SignUpRecord {
            id,
            client_id,
            status: SignUpStatus::MissingRequirements,
            email_address: None,
            phone_number: None,
            username: None,
            web3_wallet: None,
            first_name: None,
            last_name: None,
            password_hash: None,
            legal_accepted: false,
            unsafe_metadata: Map::new(),
            created_user_id: None,
            created_session_id: None,
            created_at: now,
            abandon_at: now + ABANDON_AFTER_MS,
            ticket_hash: None,
            email_verification: None,
            phone_verification: None,
            created_user_agent: None,
            created_ip: None,
            cancelled_at: None,
            locale: None,
        }
    }

    /// The status at `now`: an open sign-up past `abandon_at` is abandoned.
    pub fn status_at(&self, now: i64) -> SignUpStatus {
        match self.status {
            SignUpStatus::MissingRequirements if now >= self.abandon_at => SignUpStatus::Abandoned,
            status => status,
        }
    }

    /// When its wire form (`crate::sign_up::view`) next changes by time alone: a code or
    /// link expires, or the sign-up is abandoned.
    pub fn next_deadline(&self, now: i64) -> Option<i64> {
        let abandon = (self.status_at(now) == SignUpStatus::MissingRequirements).then_some(self.abandon_at);
        let verifications = [&self.email_verification, &self.phone_verification];
        let expiries = verifications.into_iter().flatten().filter_map(|v| v.deadline(now));
        abandon.into_iter().chain(expiries).min()
    }

    /// The value of a text field (every field but password and legal_accepted).
    pub fn text(&self, field: Field) -> Option<&str> {
        match field {
            Field::EmailAddress => self.email_address.as_deref(),
            Field::PhoneNumber => self.phone_number.as_deref(),
            Field::Username => self.username.as_deref(),
            Field::Web3Wallet => self.web3_wallet.as_deref(),
            Field::FirstName => self.first_name.as_deref(),
            Field::LastName => self.last_name.as_deref(),
            Field::Password | Field::LegalAccepted => None,
        }
    }

    /// Sets a text field. A verifiable field that changes value starts its
    /// verification over: a verified address is verified no more.
    pub fn set_text(&mut self, field: Field, value: String) {
        let slot = match field {
            Field::EmailAddress => &mut self.email_address,
            Field::PhoneNumber => &mut self.phone_number,
            Field::Username => &mut self.username,
            Field::Web3Wallet => &mut self.web3_wallet,
            Field::FirstName => &mut self.first_name,
            Field::LastName => &mut self.last_name,
            Field::Password | Field::LegalAccepted => return,
        };
        if slot.as_deref() == Some(value.as_str()) {
            return;
        }
        *slot = Some(value);
        if let Some(verification) = self.verification_slot(field) {
            *verification = Some(VerificationRecord::fresh());
        }
    }

    /// Whether a field has been supplied.
    pub fn is_supplied(&self, field: Field) -> bool {
        match field {
            Field::Password => self.password_hash.is_some(),
            Field::LegalAccepted => self.legal_accepted,
            text => self.text(text).is_some(),
        }
    }

    /// The verification of a verifiable field.
    pub fn verification(&self, field: Field) -> Option<&VerificationRecord> {
        match field {
            Field::EmailAddress => self.email_verification.as_ref(),
            Field::PhoneNumber => self.phone_verification.as_ref(),
            _ => None,
        }
    }

    /// The slot of a verifiable field's verification (`None` for other fields).
    pub fn verification_slot(&mut self, field: Field) -> Option<&mut Option<VerificationRecord>> {
        match field {
            Field::EmailAddress => Some(&mut self.email_verification),
            Field::PhoneNumber => Some(&mut self.phone_verification),
            _ => None,
        }
    }
}

/// What the instance asks of one field (its `[attributes]` settings).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldRule {
    pub enabled: bool,
    pub required: bool,
    pub verify_at_sign_up: bool,
}

/// The four lists of a sign-up, from the instance settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Enabled and required.
    pub required: Vec<Field>,
    /// Enabled, not required.
    pub optional: Vec<Field>,
    /// Required and not supplied.
    pub missing: Vec<Field>,
    /// Supplied, verified at sign-up, and not verified yet. A supplied
    /// optional field counts too: an address we keep must be proven.
    pub unverified: Vec<Field>,
}

impl Requirements {
    /// Computes the lists of `sign_up` at `now`, under the instance's
    /// `rule` for each field.
    pub fn of(sign_up: &SignUpRecord, rule: impl Fn(Field) -> FieldRule, now: i64) -> Requirements {
        let mut lists = Requirements::default();
        for field in Field::ALL {
            let settings = rule(field);
            if !settings.enabled {
                continue;
            }
            let supplied = sign_up.is_supplied(field);
            if settings.required {
                lists.required.push(field);
                if !supplied {
                    lists.missing.push(field);
                }
            } else {
                lists.optional.push(field);
            }
            let verified =
                sign_up.verification(field).is_some_and(|v| v.status_at(now) == VerificationStatus::Verified);
            if supplied && settings.verify_at_sign_up && !verified {
                lists.unverified.push(field);
            }
        }
        lists
    }

    /// Nothing missing, nothing unverified: the sign-up can complete.
    pub fn are_met(&self) -> bool {
        self.missing.is_empty() && self.unverified.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_up() -> SignUpRecord {
        SignUpRecord::new(String::from("su_1"), String::from("client_1"), 0)
    }

    #[test]
    fn changing_a_verified_email_resets_it() {
        let mut s = sign_up();
        s.set_text(Field::EmailAddress, String::from("ana@example.com"));
        s.email_verification =
            Some(VerificationRecord { status: VerificationStatus::Verified, ..VerificationRecord::fresh() });
        s.set_text(Field::EmailAddress, String::from("ana@example.com"));
        assert_eq!(s.email_verification.as_ref().unwrap().status, VerificationStatus::Verified);
        s.set_text(Field::EmailAddress, String::from("bea@example.com"));
        assert_eq!(s.email_verification, Some(VerificationRecord::fresh()));
    }

    #[test]
    fn an_open_sign_up_past_abandon_at_is_abandoned() {
        let s = sign_up();
        assert_eq!(s.status_at(s.abandon_at - 1), SignUpStatus::MissingRequirements);
        assert_eq!(s.status_at(s.abandon_at), SignUpStatus::Abandoned);
    }
}
