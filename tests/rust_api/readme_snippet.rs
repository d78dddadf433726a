// Cargo.toml: gatehouse = { path = "…", default-features = false, features = ["rust-api"] }
use gatehouse::rust_api::wire::SignUpParams;
use gatehouse::rust_api::{Error, Gatehouse, SignUpStatus, TokenMode};

/// Loads the instance once, at start (cookie mode: list your app's origin
/// in the server's `allowed_origins`).
pub async fn load(frontend_api: &str) -> Result<Gatehouse, Error> {
    Gatehouse::load(frontend_api, TokenMode::Cookie).await
}

/// The form's first step: starts the sign-up and emails a code.
pub async fn start(gh: &Gatehouse, email: &str, password: &str) -> Result<(), Error> {
    let params =
        SignUpParams { email_address: Some(email.into()), password: Some(password.into()), ..Default::default() };
    gh.sign_up().create(&params).await?;
    gh.sign_up().prepare_email_address_verification().await?;
    Ok(())
}

/// The second step: checks the code. Once complete, the person is signed
/// in, and your backend gets a session JWT (`Authorization: Bearer`).
pub async fn finish(gh: &Gatehouse, code: &str) -> Result<Option<String>, Error> {
    let sign_up = gh.sign_up().attempt_email_address_verification(code).await?;
    match gh.session() {
        Some(session) if sign_up.status == SignUpStatus::Complete => session.get_token().await.map(Some),
        _ => Ok(None),
    }
}
