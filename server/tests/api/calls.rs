//! The endpoints a [`TestClient`] calls by name: sign-ups, email links,
//! event streams, sign-ins and sessions, one line each.

use crate::helpers::{Answer, EventStream, TestClient};
use reqwest::Method;
use serde_json::{Value, json};

impl TestClient {
    pub async fn sign_in(&self, params: Value) -> Answer {
        self.post("/v1/client/sign_ins", params).await
    }

    pub async fn prepare_first_factor(&self, id: &str, strategy: &str) -> Answer {
        self.post(&format!("/v1/client/sign_ins/{id}/prepare_first_factor"), json!({ "strategy": strategy })).await
    }

    pub async fn attempt_first_factor(&self, id: &str, body: Value) -> Answer {
        self.post(&format!("/v1/client/sign_ins/{id}/attempt_first_factor"), body).await
    }

    pub async fn reset_password(&self, id: &str, body: Value) -> Answer {
        self.post(&format!("/v1/client/sign_ins/{id}/reset_password"), body).await
    }

    /// `POST /v1/client/sessions/{id}/tokens`.
    pub async fn session_token(&self, session_id: &str) -> Answer {
        self.post(&format!("/v1/client/sessions/{session_id}/tokens"), json!({})).await
    }

    pub async fn get_client(&self) -> Answer {
        self.get("/v1/client").await
    }

    pub async fn create_sign_up(&self, params: Value) -> Answer {
        self.post("/v1/client/sign_ups", params).await
    }

    pub async fn get_sign_up(&self, id: &str) -> Answer {
        self.get(&format!("/v1/client/sign_ups/{id}")).await
    }

    pub async fn update_sign_up(&self, id: &str, params: Value) -> Answer {
        self.patch(&format!("/v1/client/sign_ups/{id}"), params).await
    }

    pub async fn prepare(&self, id: &str, strategy: &str) -> Answer {
        self.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), json!({ "strategy": strategy })).await
    }

    pub async fn attempt(&self, id: &str, strategy: &str, code: &str) -> Answer {
        let body = json!({ "strategy": strategy, "code": code });
        self.post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), body).await
    }

    /// Prepares an email link back to `redirect_url`.
    pub async fn prepare_link(&self, id: &str, redirect_url: &str) -> Answer {
        let body = json!({ "strategy": "email_link", "redirect_url": redirect_url });
        self.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), body).await
    }

    /// Opens an email link (its path and query, on this client's server).
    pub async fn open_link(&self, link: &str) -> Answer {
        let path = link.find("/v1/verify").map(|i| &link[i..]).expect("a /v1/verify link");
        self.get(path).await
    }

    /// Presses Confirm: the form POST the page makes.
    pub async fn confirm_link(&self, token: &str) -> Answer {
        let form = ("application/x-www-form-urlencoded", format!("token={token}"));
        self.send_as(Method::POST, "/v1/verify", Some(form)).await
    }

    /// Opens the event stream of a sign-up.
    pub async fn events(&self, id: &str) -> EventStream {
        let response = self
            .request(Method::GET, &format!("/v1/client/sign_ups/{id}/events"), None)
            .send()
            .await
            .expect("the server answers");
        self.keep_token(response.headers());
        EventStream::new(response)
    }

    /// Creates a sign-up with these params; answers its id.
    pub async fn created(&self, params: Value) -> String {
        self.create_sign_up(params).await.response()["id"].as_str().unwrap().to_owned()
    }

    /// Creates a sign-up with an email and a password; answers its id.
    pub async fn start_sign_up(&self, email: &str) -> String {
        self.created(json!({ "email_address": email, "password": "correct horse battery" })).await
    }
}
