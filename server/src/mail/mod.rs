//! The words of every message: each one rendered from templates with
//! minijinja, in the recipient's [`Locale`], with the instance's name and
//! colour (`[mail]`), into a [`Message`] for `crate::delivery`.
//!
//! - An email has three templates: `<locale>/<name>.subject.txt`,
//!   `<locale>/<name>.txt` (the plain-text part, which the dev outbox and
//!   the delivery sink show) and `<locale>/<name>.html` (the HTML part,
//!   which extends `<locale>/layout.html`). A text message (SMS) has only
//!   `<locale>/<name>.txt`. Values in `.html` templates are HTML-escaped
//!   (minijinja's auto-escape by file name); `.txt` ones are not.
//! - The defaults are compiled in from `server/templates/`. With
//!   `[mail] templates = "/dir"`, a file at the same path under `/dir`
//!   (`/dir/de/email_code.html`) wins over its default. Every template of
//!   every locale is parsed and rendered once with sample values when the
//!   server starts (and by `check-config`), so a broken override stops the
//!   start, not a send.
//! - Every template sees `product_name`, `brand_color`, `locale`, `to`
//!   (the recipient's address) and `name` (their first name, or none),
//!   and the values of its [`Mail`] variant
//!   ([`Mail::values`]). A variable no template was given is an error
//!   (strict undefined), caught by the check at start.
//!
//! Adding a message (as the password reset ones were): one variant in [`Mail`]
//! carrying what it says, and its arms in [`Mail::name`],
//! [`Mail::channel`], [`Mail::values`], [`Mail::code`]/[`Mail::link`] and
//! [`Mail::samples`]; its name in [`EMAILS`] (or [`TEXTS`]); and its
//! template files for every locale in `server/templates/<locale>/`
//! (`<name>.subject.txt`, `<name>.txt`, `<name>.html`), listed in
//! [`embedded`]. The flow that sends it calls [`Templates::render`] with
//! a [`Recipient`] and hands the [`Message`] to `crate::delivery`. The
//! unit tests then check that every locale has every file and that each
//! renders. `docs/mail.md` is the operator's side of this.

mod locale;

pub use locale::{AskedLocale, Locale};

use crate::config::MailSettings;
use crate::delivery::Message;
use anyhow::Context;
use gatehouse_protocol::wire::Channel;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use std::path::Path;

/// One message, with what it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mail<'a> {
    /// A verification code by email; `sign_in` says why it was sent.
    EmailCode { code: &'a str, lifetime_seconds: u64, sign_in: bool },
    /// An email link that verifies the address of a sign-up.
    EmailLink { link: &'a str, lifetime_seconds: u64 },
    /// An invitation to sign up.
    Invitation { link: &'a str, days: u32 },
    /// A verification code by text message.
    SmsCode { code: &'a str, lifetime_seconds: u64 },
    /// A code that lets a sign-in set a new password.
    PasswordResetCode { code: &'a str, lifetime_seconds: u64 },
    /// A link that lets a sign-in set a new password.
    PasswordResetLink { link: &'a str, lifetime_seconds: u64 },
    /// The notice that a password was changed by a reset, and whether the
    /// account's other sessions were signed out.
    PasswordChanged { others_signed_out: bool },
    /// "Was this you?": a sign-in from a browser the user had not used
    /// before, when (`at`, in UTC, as written), from which browser and IP,
    /// and the link that signs that session out.
    NewSignIn { at: &'a str, browser: &'a str, ip: &'a str, link: &'a str, hours: u64 },
}

/// The emails: each has `.subject.txt`, `.txt` and `.html` templates.
pub const EMAILS: &[&str] = &[
    "email_code",
    "email_link",
    "invitation",
    "password_reset_code",
    "password_changed",
    "password_reset_link",
    "new_sign_in",
];
/// The text messages: each has one `.txt` template.
pub const TEXTS: &[&str] = &["sms_code"];

impl Mail<'_> {
    /// The name of its templates.
    pub const fn name(&self) -> &'static str {
        match self {
            Mail::EmailCode { .. } => "email_code",
            Mail::EmailLink { .. } => "email_link",
            Mail::Invitation { .. } => "invitation",
            Mail::SmsCode { .. } => "sms_code",
            Mail::PasswordResetCode { .. } => "password_reset_code",
            Mail::PasswordResetLink { .. } => "password_reset_link",
            Mail::PasswordChanged { .. } => "password_changed",
            Mail::NewSignIn { .. } => "new_sign_in",
        }
    }

    /// How it travels.
    pub const fn channel(&self) -> Channel {
        match self {
            Mail::SmsCode { .. } => Channel::Sms,
            _ => Channel::Email,
        }
    }

    /// The values its templates see, besides the common ones.
    fn values(&self, locale: Locale) -> Value {
        match *self {
            Mail::EmailCode { code, lifetime_seconds, sign_in } => context! {
                code, lifetime => locale.lifetime(lifetime_seconds),
                purpose => if sign_in { "sign_in" } else { "sign_up" },
            },
            Mail::EmailLink { link, lifetime_seconds } | Mail::PasswordResetLink { link, lifetime_seconds } => {
                context! { link, lifetime => locale.lifetime(lifetime_seconds) }
            }
            Mail::Invitation { link, days } => context! { link, days },
            Mail::SmsCode { code, lifetime_seconds } | Mail::PasswordResetCode { code, lifetime_seconds } => {
                context! { code, lifetime => locale.lifetime(lifetime_seconds) }
            }
            Mail::PasswordChanged { others_signed_out } => context! { others_signed_out },
            Mail::NewSignIn { at, browser, ip, link, hours } => context! { at, browser, ip, link, hours },
        }
    }

    /// One of each message, to check every template at start.
    fn samples() -> [Mail<'static>; 10] {
        let link = "https://auth.example.com/v1/verify?token=sample&x=1";
        [
            Mail::EmailCode { code: "123456", lifetime_seconds: 600, sign_in: false },
            Mail::EmailCode { code: "123456", lifetime_seconds: 60, sign_in: true },
            Mail::EmailLink { link, lifetime_seconds: 45 },
            Mail::Invitation { link, days: 7 },
            Mail::SmsCode { code: "123456", lifetime_seconds: 600 },
            Mail::PasswordResetCode { code: "123456", lifetime_seconds: 600 },
            Mail::PasswordResetLink { link, lifetime_seconds: 600 },
            Mail::PasswordChanged { others_signed_out: true },
            Mail::PasswordChanged { others_signed_out: false },
            Mail::NewSignIn {
                at: "2026-12-03 07:30 UTC",
                browser: "Chrome 120 on Linux",
                ip: "203.0.113.7",
                link,
                hours: 24,
            },
        ]
    }

    /// The code it carries (the dev outbox shows it).
    fn code(&self) -> Option<&str> {
        match *self {
            Mail::EmailCode { code, .. } | Mail::SmsCode { code, .. } | Mail::PasswordResetCode { code, .. } => {
                Some(code)
            }
            Mail::EmailLink { .. }
            | Mail::Invitation { .. }
            | Mail::PasswordResetLink { .. }
            | Mail::PasswordChanged { .. }
            | Mail::NewSignIn { .. } => None,
        }
    }

    /// The link it carries (the dev outbox shows it).
    fn link(&self) -> Option<&str> {
        match *self {
            Mail::EmailLink { link, .. }
            | Mail::Invitation { link, .. }
            | Mail::PasswordResetLink { link, .. }
            | Mail::NewSignIn { link, .. } => Some(link),
            Mail::EmailCode { .. }
            | Mail::SmsCode { .. }
            | Mail::PasswordResetCode { .. }
            | Mail::PasswordChanged { .. } => None,
        }
    }
}

/// Who a message goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recipient<'a> {
    /// The email address or phone number.
    pub address: &'a str,
    /// Their first name, when known: the greeting uses it.
    pub name: Option<&'a str>,
    pub locale: Locale,
}

impl<'a> Recipient<'a> {
    /// `address`, without a name, in `locale`.
    pub const fn new(address: &'a str, locale: Locale) -> Recipient<'a> {
        Recipient { address, name: None, locale }
    }
}

/// The default templates, compiled in: `(path, source)`.
pub fn embedded() -> &'static [(&'static str, &'static str)] {
    macro_rules! files {
        ($($path:literal),* $(,)?) => {
            &[$(($path, include_str!(concat!("../../templates/", $path)))),*]
        };
    }
    files!(
        "en/layout.html",
        "en/email_code.subject.txt",
        "en/email_code.txt",
        "en/email_code.html",
        "en/email_link.subject.txt",
        "en/email_link.txt",
        "en/email_link.html",
        "en/invitation.subject.txt",
        "en/invitation.txt",
        "en/invitation.html",
        "en/sms_code.txt",
        "en/password_reset_code.subject.txt",
        "en/password_reset_code.txt",
        "en/password_reset_code.html",
        "en/password_changed.subject.txt",
        "en/password_changed.txt",
        "en/password_changed.html",
        "en/password_reset_link.subject.txt",
        "en/password_reset_link.txt",
        "en/password_reset_link.html",
        "en/new_sign_in.subject.txt",
        "en/new_sign_in.txt",
        "en/new_sign_in.html",
        "de/layout.html",
        "de/email_code.subject.txt",
        "de/email_code.txt",
        "de/email_code.html",
        "de/email_link.subject.txt",
        "de/email_link.txt",
        "de/email_link.html",
        "de/invitation.subject.txt",
        "de/invitation.txt",
        "de/invitation.html",
        "de/sms_code.txt",
        "de/password_reset_code.subject.txt",
        "de/password_reset_code.txt",
        "de/password_reset_code.html",
        "de/password_changed.subject.txt",
        "de/password_changed.txt",
        "de/password_changed.html",
        "de/password_reset_link.subject.txt",
        "de/password_reset_link.txt",
        "de/password_reset_link.html",
        "de/new_sign_in.subject.txt",
        "de/new_sign_in.txt",
        "de/new_sign_in.html",
    )
}

/// The loaded templates and the instance's branding.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    product_name: String,
    brand_color: String,
}

impl Templates {
    /// The defaults, each replaced by the file at its path under
    /// `settings.templates` when there is one; every message is rendered
    /// once in every locale, so a template that fails does so here.
    pub fn load(settings: &MailSettings) -> anyhow::Result<Templates> {
        if let Some(dir) = settings.templates.as_deref().filter(|dir| !dir.is_dir()) {
            anyhow::bail!("[mail] templates: {} is not a folder", dir.display());
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for &(path, default) in embedded() {
            let source = match &settings.templates {
                Some(dir) => read_override(dir, path)?.unwrap_or_else(|| String::from(default)),
                None => String::from(default),
            };
            env.add_template_owned(path, source).with_context(|| format!("mail template {path}"))?;
        }
        let templates =
            Templates { env, product_name: settings.product_name.clone(), brand_color: settings.brand_color.clone() };
        for locale in Locale::ALL {
            for mail in Mail::samples() {
                let recipient = Recipient { address: "ana@example.com", name: Some("Ana"), locale };
                templates.render(&mail, recipient).with_context(|| format!("mail template {}", locale.as_str()))?;
            }
        }
        Ok(templates)
    }

    /// The message that says `mail` to `to`.
    pub fn render(&self, mail: &Mail<'_>, to: Recipient<'_>) -> anyhow::Result<Message> {
        let values = context! {
            product_name => self.product_name.as_str(),
            brand_color => self.brand_color.as_str(),
            locale => to.locale.as_str(),
            to => to.address,
            name => to.name,
            ..mail.values(to.locale)
        };
        let path = |suffix: &str| format!("{}/{}.{suffix}", to.locale.as_str(), mail.name());
        let text = self.one(&path("txt"), &values)?;
        let (subject, body, html) = match mail.channel() {
            Channel::Email => {
                let subject = self.one(&path("subject.txt"), &values)?;
                (one_line(&subject), crlf(text.trim()), Some(self.one(&path("html"), &values)?))
            }
            Channel::Sms => (String::new(), String::from(text.trim()), None),
        };
        Ok(Message {
            to: String::from(to.address),
            channel: mail.channel(),
            subject,
            body,
            html,
            code: mail.code().map(String::from),
            link: mail.link().map(String::from),
        })
    }

    fn one(&self, path: &str, values: &Value) -> anyhow::Result<String> {
        let template = self.env.get_template(path).with_context(|| format!("mail template {path}"))?;
        template.render(values).with_context(|| format!("mail template {path}"))
    }
}

/// The override of `path` under `dir`, if there is one.
fn read_override(dir: &Path, path: &str) -> anyhow::Result<Option<String>> {
    let file = dir.join(path);
    match std::fs::read_to_string(&file) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("[mail] templates: {}", file.display())),
    }
}

/// A subject on one line: lines joined by a space, trimmed.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text with CRLF line ends, as mail wants.
fn crlf(text: &str) -> String {
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\r\n") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Templates {
        Templates::load(&MailSettings::default()).unwrap()
    }

    #[test]
    fn every_message_has_every_template_in_every_locale() {
        let files: Vec<&str> = embedded().iter().map(|(path, _)| *path).collect();
        for locale in Locale::ALL {
            let l = locale.as_str();
            assert!(files.contains(&format!("{l}/layout.html").as_str()));
            for name in EMAILS {
                for suffix in ["subject.txt", "txt", "html"] {
                    assert!(files.contains(&format!("{l}/{name}.{suffix}").as_str()), "{l}/{name}.{suffix}");
                }
            }
            for name in TEXTS {
                assert!(files.contains(&format!("{l}/{name}.txt").as_str()), "{l}/{name}.txt");
            }
        }
        assert_eq!(files.len(), Locale::ALL.len() * (1 + EMAILS.len() * 3 + TEXTS.len()));
        for mail in Mail::samples() {
            assert!(EMAILS.contains(&mail.name()) || TEXTS.contains(&mail.name()), "{}", mail.name());
        }
    }

    #[test]
    fn an_email_code_has_a_subject_a_text_and_an_html_part() {
        let mail = Mail::EmailCode { code: "042137", lifetime_seconds: 600, sign_in: true };
        let m = defaults().render(&mail, Recipient::new("a@b.co", Locale::En)).unwrap();
        assert_eq!(m.subject, "042137 is your Gatehouse verification code");
        assert!(m.body.contains("042137") && m.body.contains("10 minutes") && m.body.contains("try to sign in"));
        assert!(m.body.ends_with("\r\n") && !m.body.contains("\n\n"), "{:?}", m.body);
        let html = m.html.unwrap();
        assert!(html.contains("042137") && html.contains("#2f6fed") && html.contains("<html lang=\"en\">"));
        assert_eq!(m.code.as_deref(), Some("042137"));
    }

    #[test]
    fn german_says_it_in_german() {
        let mail = Mail::EmailLink { link: "https://a.example/v?token=t", lifetime_seconds: 60 };
        let m = defaults().render(&mail, Recipient::new("a@b.co", Locale::De)).unwrap();
        assert!(m.subject.starts_with("Bestätigen Sie"), "{}", m.subject);
        assert!(m.body.contains("1 Minute gültig") && m.body.contains("https://a.example/v?token=t"), "{}", m.body);
        assert!(m.html.unwrap().contains("<html lang=\"de\">"));
        let sms = Mail::SmsCode { code: "042137", lifetime_seconds: 600 };
        let m = defaults().render(&sms, Recipient::new("+15555550100", Locale::De)).unwrap();
        assert_eq!(m.body, "042137 ist Ihr Bestätigungscode für Gatehouse. Er ist 10 Minuten gültig.");
        assert_eq!((m.channel, m.html), (Channel::Sms, None));
    }

    #[test]
    fn html_escapes_what_people_typed_and_text_keeps_it() {
        let mail = Mail::EmailCode { code: "042137", lifetime_seconds: 600, sign_in: false };
        let to = Recipient { address: "a@b.co", name: Some("<script>alert(1)</script>"), locale: Locale::En };
        let m = defaults().render(&mail, to).unwrap();
        let html = m.html.unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(m.body.contains("Hi <script>alert(1)</script>,"));
    }

    #[test]
    fn a_new_sign_in_email_says_when_where_and_escapes_the_browser_in_html() {
        let link = "https://a.example/v1/verify/not_me?token=t";
        let browser = "<img src=x onerror=alert(1)>";
        let mail = Mail::NewSignIn { at: "2026-12-03 07:30 UTC", browser, ip: "203.0.113.7", link, hours: 24 };
        let m = defaults().render(&mail, Recipient::new("a@b.co", Locale::En)).unwrap();
        assert_eq!(m.subject, "New sign-in to your account");
        assert!(m.body.contains("Time: 2026-12-03 07:30 UTC") && m.body.contains("IP address: 203.0.113.7"));
        assert!(m.body.contains(link) && m.body.contains("24 hours"), "{}", m.body);
        let html = m.html.unwrap();
        assert!(!html.contains("<img") && html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
        assert_eq!(m.link.as_deref(), Some(link));
    }

    #[test]
    fn an_override_wins_and_a_broken_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("en")).unwrap();
        std::fs::write(dir.path().join("en/email_code.subject.txt"), "Code for {{ product_name }}: {{ code }}")
            .unwrap();
        let settings = MailSettings {
            templates: Some(dir.path().to_owned()),
            product_name: String::from("Acme"),
            brand_color: String::from("#112233"),
        };
        let templates = Templates::load(&settings).unwrap();
        let mail = Mail::EmailCode { code: "042137", lifetime_seconds: 600, sign_in: false };
        let m = templates.render(&mail, Recipient::new("a@b.co", Locale::En)).unwrap();
        assert_eq!(m.subject, "Code for Acme: 042137");
        assert!(m.html.unwrap().contains("#112233"));
        // The others are still the defaults.
        assert!(m.body.contains("Your Acme verification code is 042137."));

        std::fs::write(dir.path().join("en/email_code.html"), "{% if %}").unwrap();
        let error = format!("{:#}", Templates::load(&settings).unwrap_err());
        assert!(error.contains("en/email_code.html"), "{error}");
        std::fs::write(dir.path().join("en/email_code.html"), "{{ no_such_value }}").unwrap();
        let error = format!("{:#}", Templates::load(&settings).unwrap_err());
        assert!(error.contains("en/email_code.html") && error.contains("undefined"), "{error}");
        let missing = MailSettings { templates: Some(dir.path().join("nope")), ..settings };
        let error = format!("{:#}", Templates::load(&missing).unwrap_err());
        assert!(error.contains("is not a folder"), "{error}");
    }
}
