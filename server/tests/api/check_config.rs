//! `gatehouse-server check-config` and the layers it reports, run as the
//! real binary: variables over the file, `*_FILE` secrets, secrets masked
//! in what it prints, a bad value refused by its variable's name; and the
//! command line's own secrets from files.

use crate::cli::start_binary;
use std::process::Output;

/// Runs `check-config` with these arguments and variables (and none of the
/// runner's `GATEHOUSE_*`).
async fn check_config(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("GATEHOUSE_")) {
        command.env_remove(name);
    }
    command.arg("check-config").args(args).envs(vars.iter().copied()).output().await.expect("the binary runs")
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn check_config_prints_the_layers_resolved_and_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gatehouse.toml");
    let in_toml = "toml-secret-5f1e2d";
    std::fs::write(
        &config,
        format!(
            "[password]\nmin_length = 10\n[smtp]\nhost = \"mail.example.com\"\nfrom = \"a@example.com\"\n\
             username = \"gatehouse\"\npassword = \"{in_toml}\"\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let output = check_config(&["--config", config], &[("GATEHOUSE_PASSWORD__MIN_LENGTH", "13")]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).expect("the output is TOML");
    assert_eq!(shown["password"]["min_length"].as_integer(), Some(13), "the variable wins over the file");
    assert_eq!(shown["password"]["max_length"].as_integer(), Some(256), "the default stays");
    assert_eq!(shown["smtp"]["port"].as_integer(), Some(587));
    assert_eq!(shown["smtp"]["password"].as_str(), Some("***"));
    assert!(!stdout.contains(in_toml) && !stderr.contains(in_toml), "{stdout}\n{stderr}");

    // The password from a file (a container secret) wins, and is masked too.
    let secret_file = dir.path().join("smtp-password");
    let in_file = "file-secret-9a8b7c";
    std::fs::write(&secret_file, format!("{in_file}\n")).unwrap();
    let output = check_config(
        &["--config", config],
        &[("GATEHOUSE_SMTP__PASSWORD_FILE", secret_file.to_str().unwrap()), ("GATEHOUSE_SMTP__PORT", "2525")],
    )
    .await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).unwrap();
    assert_eq!(shown["smtp"]["port"].as_integer(), Some(2525));
    assert_eq!(shown["smtp"]["password"].as_str(), Some("***"));
    for secret in [in_toml, in_file] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "{stdout}\n{stderr}");
    }
}

#[tokio::test]
async fn check_config_refuses_a_bad_value_naming_its_variable() {
    for (vars, expected) in [
        (
            &[("GATEHOUSE_SMTP__HOST", "h"), ("GATEHOUSE_SMTP__FROM", "a@b.co"), ("GATEHOUSE_SMTP__PORT", "70000")][..],
            "GATEHOUSE_SMTP__PORT",
        ),
        (&[("GATEHOUSE_RATE_LIMIT__BURST", "many")][..], "GATEHOUSE_RATE_LIMIT__BURST"),
        (&[("GATEHOUSE_VERIFICATION__CODE_TTL_SECONDS", "0")][..], "verification.code_ttl_seconds must be between"),
        (&[("GATEHOUSE_SESSIONS__ISSUER", "x")][..], "no section [sessions]"),
    ] {
        let output = check_config(&[], vars).await;
        let (stdout, stderr) = text(&output);
        assert!(!output.status.success(), "{vars:?} was accepted: {stdout}");
        assert!(stderr.contains(expected), "{vars:?}: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[password]\nmin_length = 10\nmin_lenght = 12\n").unwrap();
    let output = check_config(&["--config", bad.to_str().unwrap()], &[]).await;
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("bad.toml") && stderr.contains("min_lenght") && stderr.contains("line 3"), "{stderr}");
}

#[tokio::test]
async fn the_admin_key_can_come_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = "file-admin-key-0123456789abcdef0123456789";
    let key_file = dir.path().join("secret-key");
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let (mut child, addr) = start_binary(
        &[],
        &[
            ("GATEHOUSE_LISTEN", String::from("127.0.0.1:0")),
            ("GATEHOUSE_DATABASE_URL", format!("sqlite://{}", dir.path().join("g.db").display())),
            ("GATEHOUSE_DEV", String::from("1")),
            ("GATEHOUSE_SECRET_KEY_FILE", key_file.display().to_string()),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let users = http.get(format!("http://{addr}/v1/admin/users")).bearer_auth(key).send().await.unwrap();
    assert_eq!(users.status().as_u16(), 200);
    let metrics = http.get(format!("http://{addr}/metrics")).bearer_auth(key).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn check_config_reads_sms_from_variables_and_never_prints_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    // Twilio from variables alone, the token in one.
    let in_var = "sms-token-var-3c4d5e";
    let twilio = [
        ("GATEHOUSE_SMS__PROVIDER", "twilio"),
        ("GATEHOUSE_SMS__ACCOUNT_SID", "AC0123"),
        ("GATEHOUSE_SMS__FROM", "+15555550100"),
        ("GATEHOUSE_SMS__TIMEOUT_SECONDS", "7"),
    ];
    let output = check_config(&[], &[&twilio[..], &[("GATEHOUSE_SMS__AUTH_TOKEN", in_var)]].concat()).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).unwrap();
    assert_eq!(shown["sms"]["provider"].as_str(), Some("twilio"));
    assert_eq!(shown["sms"]["account_sid"].as_str(), Some("AC0123"));
    assert_eq!(shown["sms"]["from"].as_str(), Some("+15555550100"), "a number stays text");
    assert_eq!(shown["sms"]["timeout_seconds"].as_integer(), Some(7));
    assert_eq!(shown["sms"]["auth_token"].as_str(), Some("***"));
    assert!(!stdout.contains(in_var) && !stderr.contains(in_var), "{stdout}\n{stderr}");

    // The token from a file (a container secret), masked too.
    let token_file = dir.path().join("sms-token");
    let in_file = "sms-token-file-6f7a8b";
    std::fs::write(&token_file, format!("{in_file}\n")).unwrap();
    let output =
        check_config(&[], &[&twilio[..], &[("GATEHOUSE_SMS__AUTH_TOKEN_FILE", token_file.to_str().unwrap())]].concat())
            .await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).unwrap();
    assert_eq!(shown["sms"]["auth_token"].as_str(), Some("***"));
    assert!(!stdout.contains(in_file) && !stderr.contains(in_file), "{stdout}\n{stderr}");

    // The webhook's signing secret from the file, masked.
    let config = dir.path().join("gatehouse.toml");
    let in_toml = "sms-signing-secret-0a1b2c3d4e";
    std::fs::write(
        &config,
        format!("[sms]\nprovider = \"webhook\"\nwebhook_url = \"https://sms.example.com/send\"\nsigning_secret = \"{in_toml}\"\n"),
    )
    .unwrap();
    let output = check_config(&["--config", config.to_str().unwrap()], &[]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).unwrap();
    assert_eq!(shown["sms"]["signing_secret"].as_str(), Some("***"));
    assert!(!stdout.contains(in_toml) && !stderr.contains(in_toml), "{stdout}\n{stderr}");

    // The provider's checks hold for variables too: a token without its provider's other keys.
    let output =
        check_config(&[], &[("GATEHOUSE_SMS__PROVIDER", "twilio"), ("GATEHOUSE_SMS__AUTH_TOKEN", in_var)]).await;
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "{stdout}");
    assert!(stderr.contains("needs account_sid and auth_token"), "{stderr}");
    assert!(!stdout.contains(in_var) && !stderr.contains(in_var), "{stdout}\n{stderr}");
}

#[tokio::test]
async fn check_config_reads_webhook_endpoints_from_variables_and_masks_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "whsec_c2Vjb25kLXNlY3JldC1vZi10aGlydHktdHdvLWJ5dGVzISE=";
    let secret_file = dir.path().join("billing-secret");
    std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
    let vars = [
        ("GATEHOUSE_WEBHOOKS__ENDPOINTS__BILLING__URL", "https://billing.example.com/hooks"),
        ("GATEHOUSE_WEBHOOKS__ENDPOINTS__BILLING__SECRET_FILE", secret_file.to_str().unwrap()),
        ("GATEHOUSE_WEBHOOKS__ENDPOINTS__BILLING__EVENTS", "[\"user.created\"]"),
    ];
    let output = check_config(&[], &vars).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).unwrap();
    let billing = &shown["webhooks"]["endpoints"]["billing"];
    assert_eq!(billing["url"].as_str(), Some("https://billing.example.com/hooks"));
    assert_eq!(billing["secret"].as_str(), Some("***"));
    assert_eq!(shown["webhooks"]["retry_for_seconds"].as_integer(), Some(86_400));
    assert!(!stdout.contains(&secret[6..]) && !stderr.contains(&secret[6..]), "{stdout}\n{stderr}");

    // A secret that is not a Standard Webhooks one is refused, by its endpoint's name.
    let output = check_config(&[], &[vars[0], ("GATEHOUSE_WEBHOOKS__ENDPOINTS__BILLING__SECRET", "hunter2")]).await;
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "{stdout}");
    assert!(stderr.contains("webhooks.endpoints.billing: secret must start with whsec_"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[tokio::test]
async fn check_config_renders_the_mail_templates_of_the_override_folder() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("mail");
    std::fs::create_dir_all(templates.join("de")).unwrap();
    std::fs::write(templates.join("de/email_code.subject.txt"), "{{ code }} für {{ product_name }}").unwrap();
    let folder = templates.to_str().unwrap();
    let vars = [
        ("GATEHOUSE_MAIL__TEMPLATES", folder),
        ("GATEHOUSE_MAIL__PRODUCT_NAME", "2048"),
        ("GATEHOUSE_MAIL__BRAND_COLOR", "#0a7d32"),
    ];
    let output = check_config(&[], &vars).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).unwrap();
    assert_eq!(shown["mail"]["templates"].as_str(), Some(folder));
    assert_eq!(shown["mail"]["product_name"].as_str(), Some("2048"), "digits stay text");
    assert_eq!(shown["mail"]["brand_color"].as_str(), Some("#0a7d32"));

    // A template that does not parse, or names a value no message has, is
    // refused with its path.
    for broken in ["{% if code %}never closed", "{{ coupon_code }}"] {
        std::fs::write(templates.join("de/email_code.html"), broken).unwrap();
        let output = check_config(&[], &vars).await;
        let (stdout, stderr) = text(&output);
        assert!(!output.status.success(), "{broken}: {stdout}");
        assert!(stderr.contains("mail template de/email_code.html"), "{broken}: {stderr}");
    }
    let output = check_config(&[], &[("GATEHOUSE_MAIL__BRAND_COLOR", "red")]).await;
    assert!(text(&output).1.contains("mail.brand_color"), "{:?}", text(&output));
    let missing = dir.path().join("nope");
    let output = check_config(&[], &[("GATEHOUSE_MAIL__TEMPLATES", missing.to_str().unwrap())]).await;
    assert!(text(&output).1.contains("is not a folder"), "{:?}", text(&output));
}

#[tokio::test]
async fn check_config_shows_whether_a_second_factor_is_required() {
    let output = check_config(&[], &[]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let shown: toml::Table = toml::from_str(&stdout).unwrap();
    assert_eq!(shown["mfa"]["required"].as_bool(), Some(false), "off by default");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gatehouse.toml");
    std::fs::write(&config, "[mfa]\nrequired = true\n").unwrap();
    let output = check_config(&["--config", config.to_str().unwrap()], &[]).await;
    let shown: toml::Table = toml::from_str(&text(&output).0).unwrap();
    assert_eq!(shown["mfa"]["required"].as_bool(), Some(true), "from the file");
    let output = check_config(&[], &[("GATEHOUSE_MFA__REQUIRED", "true")]).await;
    let shown: toml::Table = toml::from_str(&text(&output).0).unwrap();
    assert_eq!(shown["mfa"]["required"].as_bool(), Some(true), "from the variable");
    let output = check_config(&[], &[("GATEHOUSE_MFA__REQUIRED", "sometimes")]).await;
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "{stdout}");
    assert!(stderr.contains("GATEHOUSE_MFA__REQUIRED"), "{stderr}");
}
