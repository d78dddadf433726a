//! The shapes of the server's answers, as static tables: for each key, its
//! wire name and what its value must be.
//!
//! `decode` walks an answer with these tables: it checks every value and
//! builds the JS object the SDK exposes, with camelCase keys. Plain data, so
//! one small walker replaces a hand-written decoder per resource. The
//! tables are written as lists of [`Key`]s and the wire enums' names as
//! lists of names; both are stored as bytes, built at compile time (see
//! [`Table`] and [`Names`]). The walker is JS (`src/js/decode.js`), which
//! holds the tables as text ([`js_text`], tested equal), and is named a
//! table by its index ([`Table::index`]); the wasm keeps none of them, and
//! the bytes serve the native tests (the fuzzing, `tests/fuzz.rs`,
//! generates answers from them).

use alloc::string::String;
#[cfg(not(target_arch = "wasm32"))]
use alloc::{string::ToString, vec::Vec};
use gatehouse_protocol::{
    FirstFactor, NextAction, SecondFactor, SignInStatus, SignUpMode, SignUpStatus, Strategy, VerificationStatus,
};

/// What one value must be. Lists and tables are named by a one-byte
/// index ([`Names`], [`Table`]), so a key is stored in three bytes plus
/// its name (see [`Table`]).
#[derive(Clone, Copy)]
pub enum Kind {
    Str,
    /// A string or `null`.
    OptStr,
    /// A string, `null` or absent; absent and `null` leave the key out.
    MaybeStr,
    /// One of these strings (a wire enum's names). A list, not a parse
    /// function: a function pointer is the wasm's one indirect call, and
    /// that call keeps its whole function table, with the dead formatting
    /// and closure code in it (about 2 KiB gzip).
    Enum(Names),
    /// An enum value or `null`.
    OptEnum(Names),
    Bool,
    Num,
    OptNum,
    /// An array of strings (kept as sent: wire names such as `"first_name"`).
    Strs,
    /// An object of these keys (others are dropped).
    Obj(Table),
    /// Such an object or `null`.
    OptObj(Table),
    /// An array of such objects.
    List(Table),
    /// Any JSON object, kept as it is (the app's own metadata).
    AnyObj,
}

/// One key of an object: its wire (snake_case) name and its kind.
#[derive(Clone, Copy)]
pub struct Key(pub &'static str, pub Kind);

/// Byte strings stored one after the other, with where each ends: a `u16`
/// each, not a pointer and a length (the tables and the name lists, built
/// at compile time by [`pack`]).
struct Packed<const B: usize, const N: usize> {
    bytes: [u8; B],
    ends: [u16; N],
}

impl<const B: usize, const N: usize> Packed<B, N> {
    /// The `i`th byte string (empty when there is none).
    fn get(&'static self, i: u8) -> &'static [u8] {
        let i = i as usize;
        let start = i.checked_sub(1).and_then(|p| self.ends.get(p)).map_or(0, |&end| end as usize);
        let end = self.ends.get(i).map_or(0, |&end| end as usize);
        self.bytes.get(start..end).unwrap_or_default()
    }
}

/// The total length of `parts`.
const fn packed_len(parts: &[&[u8]]) -> usize {
    let (mut len, mut i) = (0, 0);
    while i < parts.len() {
        len += parts[i].len();
        i += 1;
    }
    len
}

/// `parts`, [`Packed`].
const fn pack<const B: usize, const N: usize>(parts: [&[u8]; N]) -> Packed<B, N> {
    let mut packed = Packed { bytes: [0; B], ends: [0; N] };
    let (mut at, mut i) = (0, 0);
    while i < N {
        let mut j = 0;
        while j < parts[i].len() {
            packed.bytes[at + j] = parts[i][j];
            j += 1;
        }
        at += parts[i].len();
        assert!(at <= u16::MAX as usize);
        packed.ends[i] = at as u16;
        i += 1;
    }
    assert!(at == B);
    packed
}

/// A wire enum's names: an index into [`NAME_LISTS`] ([`Packed`]), where
/// each list is stored as bytes, each name its length and its bytes (built at compile
/// time, as the tables are: no pointer and length per name in the wasm).
#[derive(Clone, Copy)]
pub struct Names(u8);

impl Names {
    /// The names, in order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        let mut bytes = NAME_LISTS.get(self.0);
        core::iter::from_fn(move || {
            let (&len, rest) = bytes.split_first()?;
            let (name, rest) = rest.split_at_checked(len as usize)?;
            bytes = rest;
            // SAFETY: `encode_names` copied the bytes of a `&str`, whole.
            Some(unsafe { core::str::from_utf8_unchecked(name) })
        })
    }

    /// Whether `name` is one of them. A loop of its own, not over
    /// [`Names::names`] (smaller wasm).
    pub fn contains(self, name: &str) -> bool {
        let mut bytes = NAME_LISTS.get(self.0);
        while let Some((&len, rest)) = bytes.split_first() {
            let Some((one, rest)) = rest.split_at_checked(len as usize) else { return false };
            if one == name.as_bytes() {
                return true;
            }
            bytes = rest;
        }
        false
    }
}

/// The encoded length of `names` (see [`Names`]).
const fn names_len(names: &[&str]) -> usize {
    let (mut len, mut i) = (0, 0);
    while i < names.len() {
        len += 1 + names[i].len();
        i += 1;
    }
    len
}

/// `names` as bytes (see [`Names`]).
const fn encode_names<const N: usize>(names: &[&str]) -> [u8; N] {
    let mut out = [0; N];
    let (mut at, mut i) = (0, 0);
    while i < names.len() {
        at = put_name(&mut out, at, names[i]);
        i += 1;
    }
    assert!(at == N);
    out
}

/// Writes `name` at `at` as its length (one byte) and its bytes; answers
/// where the next part starts. Compile time only.
const fn put_name(out: &mut [u8], at: usize, name: &str) -> usize {
    let name = name.as_bytes();
    assert!(name.len() < 256);
    out[at] = name.len() as u8;
    let mut j = 0;
    while j < name.len() {
        out[at + 1 + j] = name[j];
        j += 1;
    }
    at + 1 + name.len()
}

/// The wire enums the tables name, in the order of their indices.
macro_rules! name_lists {
    ($($name:ident = $names:expr;)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(u8)]
        enum NamesIndex { $($name,)* }
        $(const $name: Names = Names(NamesIndex::$name as u8);)*
        const NAME_PARTS: [&[u8]; [$(NamesIndex::$name),*].len()] =
            [$(&encode_names::<{ names_len($names) }>($names)),*];
        static NAME_LISTS: Packed<{ packed_len(&NAME_PARTS) }, { NAME_PARTS.len() }> = pack(NAME_PARTS);
    };
}

name_lists! {
    SIGN_UP_MODE = SignUpMode::NAMES;
    SIGN_IN_STATUS = SIGN_IN_STATUSES;
    FIRST_FACTOR_NAMES = FirstFactor::NAMES;
    VERIFICATION_STATUS = VerificationStatus::NAMES;
    NEXT_ACTION = NextAction::NAMES;
    STRATEGY = Strategy::NAMES;
    SIGN_UP_STATUS = SignUpStatus::NAMES;
    SECOND_FACTOR_NAMES = SecondFactor::NAMES;
}

/// The keys of an object's shape: an index into the tables ([`TABLES`],
/// [`Packed`]), which are stored as bytes, each key its kind's variant, the
/// index of its list or table (0 for the others), its name's length and its
/// name. Built at compile time from lists of [`Key`]s (when the walker
/// was Rust, about 0.4 KiB gzip less in the wasm than the lists
/// themselves); the wasm now only passes a table's index to the JS
/// decoder, and the bytes serve [`js_text`] and the native tests.
#[derive(Clone, Copy)]
pub struct Table(u8);

impl Table {
    /// Its keys, in order.
    pub fn keys(self) -> impl Iterator<Item = Key> {
        let mut bytes = TABLES.get(self.0);
        core::iter::from_fn(move || {
            let (&[variant, index, len], rest) = bytes.split_first_chunk()?;
            let (name, rest) = rest.split_at_checked(len as usize)?;
            bytes = rest;
            // SAFETY: `encode` copied the bytes of a `&str`, whole.
            Some(Key(unsafe { core::str::from_utf8_unchecked(name) }, kind_of(variant, index)?))
        })
    }
}

impl Table {
    /// Its index, as the JS decoder (`src/js/decode.js`) numbers the tables.
    pub fn index(self) -> u8 {
        self.0
    }
}

/// The tables and the name lists as the JS decoder holds them
/// (`src/js/decode.js`'s `TABLES` and `LISTS`, which a test checks are
/// these): the tables joined by `|`, each its keys joined by spaces, a key
/// its wire name, `:` and its kind's letter and index; the lists joined by
/// `|`, each its names joined by spaces.
#[cfg(not(target_arch = "wasm32"))]
pub fn js_text() -> (String, String) {
    let tables: Vec<String> = (0..TABLE_PARTS.len() as u8)
        .map(|i| {
            let keys: Vec<String> = Table(i)
                .keys()
                .map(|Key(name, kind)| {
                    let (letter, index) = match kind {
                        Kind::Str => ("s", None),
                        Kind::OptStr => ("S", None),
                        Kind::MaybeStr => ("m", None),
                        Kind::Enum(Names(i)) => ("e", Some(i)),
                        Kind::OptEnum(Names(i)) => ("E", Some(i)),
                        Kind::Bool => ("b", None),
                        Kind::Num => ("n", None),
                        Kind::OptNum => ("N", None),
                        Kind::Strs => ("l", None),
                        Kind::Obj(Table(i)) => ("o", Some(i)),
                        Kind::OptObj(Table(i)) => ("O", Some(i)),
                        Kind::List(Table(i)) => ("r", Some(i)),
                        Kind::AnyObj => ("a", None),
                    };
                    [name, ":", letter, &index.map(|i| i.to_string()).unwrap_or_default()].concat()
                })
                .collect();
            keys.join(" ")
        })
        .collect();
    let lists: Vec<String> =
        (0..NAME_PARTS.len() as u8).map(|i| Names(i).names().collect::<Vec<_>>().join(" ")).collect();
    (tables.join("|"), lists.join("|"))
}

/// A kind from its bytes ([`kind_bytes`]).
fn kind_of(variant: u8, index: u8) -> Option<Kind> {
    let (names, table) = (Names(index), Table(index));
    Some(match variant {
        0 => Kind::Str,
        1 => Kind::OptStr,
        2 => Kind::MaybeStr,
        3 => Kind::Enum(names),
        4 => Kind::OptEnum(names),
        5 => Kind::Bool,
        6 => Kind::Num,
        7 => Kind::OptNum,
        8 => Kind::Strs,
        9 => Kind::Obj(table),
        10 => Kind::OptObj(table),
        11 => Kind::List(table),
        12 => Kind::AnyObj,
        _ => return None,
    })
}

/// The bytes of a kind: the variant, and the index of its list or table.
const fn kind_bytes(kind: Kind) -> (u8, u8) {
    let (variant, index) = match kind {
        Kind::Str => (0, 0),
        Kind::OptStr => (1, 0),
        Kind::MaybeStr => (2, 0),
        Kind::Enum(Names(i)) => (3, i),
        Kind::OptEnum(Names(i)) => (4, i),
        Kind::Bool => (5, 0),
        Kind::Num => (6, 0),
        Kind::OptNum => (7, 0),
        Kind::Strs => (8, 0),
        Kind::Obj(Table(i)) => (9, i),
        Kind::OptObj(Table(i)) => (10, i),
        Kind::List(Table(i)) => (11, i),
        Kind::AnyObj => (12, 0),
    };
    (variant, index)
}

/// The encoded length of `keys`.
const fn encoded_len(keys: &[Key]) -> usize {
    let (mut len, mut i) = (0, 0);
    while i < keys.len() {
        len += 3 + keys[i].0.len();
        i += 1;
    }
    len
}

/// `keys` as bytes (see [`Table`]).
const fn encode<const N: usize>(keys: &[Key]) -> [u8; N] {
    let mut out = [0; N];
    let (mut at, mut i) = (0, 0);
    while i < keys.len() {
        (out[at], out[at + 1]) = kind_bytes(keys[i].1);
        at = put_name(&mut out, at + 2, keys[i].0);
        i += 1;
    }
    assert!(at == N);
    out
}

/// The tables, in the order of their indices.
macro_rules! tables {
    ($($(#[$doc:meta])* $vis:vis $name:ident = $keys:expr;)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(u8)]
        enum TableIndex { $($name,)* }
        $($(#[$doc])* $vis const $name: Table = Table(TableIndex::$name as u8);)*
        const TABLE_PARTS: [&[u8]; [$(TableIndex::$name),*].len()] =
            [$(&encode::<{ encoded_len($keys) }>($keys)),*];
        static TABLES: Packed<{ packed_len(&TABLE_PARTS) }, { TABLE_PARTS.len() }> = pack(TABLE_PARTS);
    };
}

/// The sign-in statuses this server makes.
const SIGN_IN_STATUSES: &[&str] = &[
    SignInStatus::NeedsFirstFactor.as_str(),
    SignInStatus::NeedsNewPassword.as_str(),
    SignInStatus::NeedsSecondFactor.as_str(),
    SignInStatus::Complete.as_str(),
];

// The keys a sign-in's first factor shares with a sign-up's verification.
const V_STATUS: Key = Key("status", Kind::Enum(VERIFICATION_STATUS));
const V_ATTEMPTS: Key = Key("attempts", Kind::Num);
const V_EXPIRE_AT: Key = Key("expire_at", Kind::OptNum);
const V_NEXT_ACTION: Key = Key("next_action", Kind::Enum(NEXT_ACTION));
const V_VERIFIED_AT_CLIENT: Key = Key("verified_at_client", Kind::OptStr);

tables! {
    ATTRIBUTE = &[
        Key("enabled", Kind::Bool),
        Key("required", Kind::Bool),
        Key("verify_at_sign_up", Kind::Bool),
        Key("verification_strategies", Kind::Strs),
    ];

    LENGTH_RULES = &[Key("min_length", Kind::Num), Key("max_length", Kind::Num)];

    /// The sign-up attributes of the environment.
    ATTRIBUTES = &[
        Key("email_address", Kind::Obj(ATTRIBUTE)),
        Key("phone_number", Kind::Obj(ATTRIBUTE)),
        Key("username", Kind::Obj(ATTRIBUTE)),
        Key("password", Kind::Obj(ATTRIBUTE)),
        Key("first_name", Kind::Obj(ATTRIBUTE)),
        Key("last_name", Kind::Obj(ATTRIBUTE)),
        Key("legal_accepted", Kind::Obj(ATTRIBUTE)),
        Key("web3_wallet", Kind::Obj(ATTRIBUTE)),
    ];

    /// The environment's sign-up settings.
    SIGN_UP_SETTINGS =
        &[Key("mode", Kind::Enum(SIGN_UP_MODE)), Key("attributes", Kind::Obj(ATTRIBUTES))];

    /// One of a sign-in's supported first factors.
    FIRST_FACTOR =
        &[Key("strategy", Kind::Enum(FIRST_FACTOR_NAMES)), Key("safe_identifier", Kind::MaybeStr)];

    /// A sign-in's first factor verification.
    FIRST_FACTOR_VERIFICATION = &[
        V_STATUS,
        Key("strategy", Kind::Enum(FIRST_FACTOR_NAMES)),
        V_ATTEMPTS,
        V_EXPIRE_AT,
        V_NEXT_ACTION,
        V_VERIFIED_AT_CLIENT,
    ];

    /// One of a sign-in's supported second factors.
    SECOND_FACTOR = &[Key("strategy", Kind::Enum(SECOND_FACTOR_NAMES))];

    /// A user's TOTP (`gh.user.createTOTP()` and the others).
    TOTP = &[
        Key("secret", Kind::OptStr),
        Key("uri", Kind::OptStr),
        Key("verified", Kind::Bool),
        Key("backup_codes", Kind::Strs),
        Key("created_at", Kind::Num),
        Key("updated_at", Kind::Num),
    ];

    /// One of the user's sessions, as `gh.user.sessions()` lists it.
    USER_SESSION = &[
        Key("id", Kind::Str),
        Key("status", Kind::Str),
        Key("browser", Kind::Str),
        Key("ip_address", Kind::OptStr),
        Key("created_at", Kind::Num),
        Key("last_active_at", Kind::Num),
        Key("expire_at", Kind::Num),
        Key("current", Kind::Bool),
    ];

    USER_SESSIONS = &[Key("data", Kind::List(USER_SESSION))];

    /// A session token.
    TOKEN = &[Key("jwt", Kind::Str), Key("issued_at", Kind::Num), Key("expire_at", Kind::Num)];

    /// A sign-up's verifications.
    VERIFICATIONS =
        &[Key("email_address", Kind::OptObj(VERIFICATION)), Key("phone_number", Kind::OptObj(VERIFICATION))];

    /// The `Session` resource (in the client's list, and signed out).
    pub SESSION = &[
        Key("id", Kind::Str),
        Key("user_id", Kind::Str),
        Key("status", Kind::Str),
        Key("tasks", Kind::Strs),
        Key("totp_enabled", Kind::Bool),
        Key("created_at", Kind::Num),
        Key("expire_at", Kind::Num),
    ];

    /// The `Client` resource.
    pub CLIENT = &[
        Key("id", Kind::Str),
        Key("sign_up_id", Kind::OptStr),
        Key("sign_in_id", Kind::OptStr),
        Key("sessions", Kind::List(SESSION)),
        Key("last_active_session_id", Kind::OptStr),
    ];

    VERIFICATION = &[
        V_STATUS,
        Key("strategy", Kind::OptEnum(STRATEGY)),
        V_ATTEMPTS,
        V_EXPIRE_AT,
        V_NEXT_ACTION,
        Key("supported_strategies", Kind::Strs),
        V_VERIFIED_AT_CLIENT,
    ];

    /// The `SignIn` resource. Its status is one of the two this server makes
    /// (`needs_identifier` is never produced: the identifier is required).
    pub SIGN_IN = &[
        Key("id", Kind::Str),
        Key("status", Kind::Enum(SIGN_IN_STATUS)),
        Key("identifier", Kind::OptStr),
        Key("supported_first_factors", Kind::List(FIRST_FACTOR)),
        Key("first_factor_verification", Kind::OptObj(FIRST_FACTOR_VERIFICATION)),
        Key("supported_second_factors", Kind::List(SECOND_FACTOR)),
        Key("created_session_id", Kind::OptStr),
        Key("user_id", Kind::OptStr),
        Key("abandon_at", Kind::Num),
    ];

    /// The `SignUp` resource.
    pub SIGN_UP = &[
        Key("id", Kind::Str),
        Key("status", Kind::Enum(SIGN_UP_STATUS)),
        Key("required_fields", Kind::Strs),
        Key("optional_fields", Kind::Strs),
        Key("missing_fields", Kind::Strs),
        Key("unverified_fields", Kind::Strs),
        Key("verifications", Kind::Obj(VERIFICATIONS)),
        Key("username", Kind::OptStr),
        Key("email_address", Kind::OptStr),
        Key("phone_number", Kind::OptStr),
        Key("web3_wallet", Kind::OptStr),
        Key("first_name", Kind::OptStr),
        Key("last_name", Kind::OptStr),
        Key("has_password", Kind::Bool),
        Key("legal_accepted", Kind::Bool),
        Key("unsafe_metadata", Kind::AnyObj),
        Key("created_session_id", Kind::OptStr),
        Key("created_user_id", Kind::OptStr),
        Key("abandon_at", Kind::Num),
    ];

    /// `GET /v1/environment`.
    pub ENVIRONMENT = &[
        Key("sign_up", Kind::Obj(SIGN_UP_SETTINGS)),
        Key("password_settings", Kind::Obj(LENGTH_RULES)),
        Key("username_settings", Kind::Obj(LENGTH_RULES)),
        Key("dev_mode", Kind::Bool),
    ];

    /// `{ "response": SignIn, "client": Client }`.
    pub SIGN_IN_ENVELOPE = &[Key("response", Kind::Obj(SIGN_IN)), Key("client", Kind::Obj(CLIENT))];

    /// `{ "response": Session, "client": Client }` (signing out).
    pub SESSION_ENVELOPE = &[Key("response", Kind::Obj(SESSION)), Key("client", Kind::Obj(CLIENT))];

    /// `{ "response": Token, "client": Client }`: a session JWT, with its
    /// `iat` and `exp` in epoch ms of the server's clock.
    pub TOKEN_ENVELOPE = &[Key("response", Kind::Obj(TOKEN)), Key("client", Kind::Obj(CLIENT))];

    /// `{ "response": { "data": [UserSession] }, "client": Client }`.
    pub USER_SESSIONS_ENVELOPE = &[Key("response", Kind::Obj(USER_SESSIONS)), Key("client", Kind::Obj(CLIENT))];

    /// `{ "response": Totp, "client": Client }`.
    pub TOTP_ENVELOPE = &[Key("response", Kind::Obj(TOTP)), Key("client", Kind::Obj(CLIENT))];

    /// `{ "response": SignUp, "client": Client }`.
    pub SIGN_UP_ENVELOPE = &[Key("response", Kind::Obj(SIGN_UP)), Key("client", Kind::Obj(CLIENT))];

    /// `{ "response": Client, "client": Client }` (`GET /v1/client`).
    pub CLIENT_ENVELOPE = &[Key("client", Kind::Obj(CLIENT))];
}
/// The JS name of a wire name: `verify_at_sign_up` → `verifyAtSignUp`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    // Over bytes (the names are ASCII): no `char` decoding in the wasm.
    for &b in snake.as_bytes() {
        if b == b'_' {
            upper = true;
        } else {
            out.push(char::from(if upper { b.to_ascii_uppercase() } else { b }));
            upper = false;
        }
    }
    out
}

#[cfg(test)]
#[path = "tests/schema.rs"]
mod tests;
