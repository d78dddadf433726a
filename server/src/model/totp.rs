//! A user's TOTP second factor as the server keeps it (the secret opened).

/// One user's TOTP: its secret, whether a code verified it (only then is
/// it on), and the last time step a code was accepted for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpRecord {
    pub user_id: String,
    /// The raw shared secret (sealed in the database).
    pub secret: Vec<u8>,
    pub verified: bool,
    /// The RFC 6238 step (unix seconds / 30) of the last code accepted: a
    /// code of this step or an earlier one is refused.
    pub last_used_step: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}
