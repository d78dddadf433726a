//! A Yew (CSR) sign-up form on Gatehouse's Rust API (the `gatehouse`
//! crate's feature `rust-api`): email and password, then the emailed code,
//! then signed in, with a session JWT for the app's backend.
//!
//! The calls are the README's "Rust frontend" snippet, which is this file's
//! `sign_up_flow` module (`tests/rust_api/readme_snippet.rs`, run by the
//! tests against a real server). Its frontend API is the page's origin
//! (served by the Gatehouse server itself), or the one its `?api=` names.

#[path = "../../../tests/rust_api/readme_snippet.rs"]
mod sign_up_flow;

use gatehouse::rust_api::Gatehouse;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Where the form is.
#[derive(Clone, PartialEq)]
enum Step {
    Details,
    Code,
    /// Signed in: the start of the session JWT.
    Done(String),
}

/// The frontend API: the page's `?api=` (`?api=http://127.0.0.1:8080`),
/// or else its origin (the server that serves the page).
fn frontend_api() -> String {
    let location = web_sys::window().map(|w| w.location());
    let search = location.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    let given = search.trim_start_matches('?').split('&').find_map(|p| p.strip_prefix("api="));
    match given {
        Some(api) => api.into(),
        None => location.and_then(|l| l.origin().ok()).unwrap_or_default(),
    }
}

fn value(input: &NodeRef) -> String {
    input.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

#[function_component]
fn SignUpForm() -> Html {
    let gh = use_state(|| None::<Gatehouse>);
    let step = use_state(|| Step::Details);
    let error = use_state(|| None::<String>);
    let (email, password, code) = (use_node_ref(), use_node_ref(), use_node_ref());

    {
        let (gh, error) = (gh.clone(), error.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match sign_up_flow::load(&frontend_api()).await {
                    Ok(loaded) => gh.set(Some(loaded)),
                    Err(e) => error.set(Some(e.to_string())),
                }
            })
        });
    }

    let on_details = {
        let (gh, step, error) = (gh.clone(), step.clone(), error.clone());
        let (email, password) = (email.clone(), password.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(gh) = (*gh).clone() else { return };
            let (step, error) = (step.clone(), error.clone());
            let (email, password) = (value(&email), value(&password));
            spawn_local(async move {
                match sign_up_flow::start(&gh, &email, &password).await {
                    Ok(()) => (error.set(None), step.set(Step::Code)),
                    Err(e) => (error.set(Some(e.to_string())), ()),
                };
            });
        })
    };

    let on_code = {
        let (gh, step, error, code) = (gh.clone(), step.clone(), error.clone(), code.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(gh) = (*gh).clone() else { return };
            let (step, error, code) = (step.clone(), error.clone(), value(&code));
            spawn_local(async move {
                match sign_up_flow::finish(&gh, &code).await {
                    Ok(Some(jwt)) => (error.set(None), step.set(Step::Done(jwt.chars().take(24).collect()))),
                    Ok(None) => (error.set(Some("Something is still missing.".into())), ()),
                    Err(e) => (error.set(Some(e.to_string())), ()),
                };
            });
        })
    };

    let body = match &*step {
        Step::Details => html! {
            <form onsubmit={on_details}>
                <label>{"Email "}<input ref={email} type="email" name="email" autocomplete="email" /></label>
                <label>{"Password "}<input ref={password} type="password" name="password" autocomplete="new-password" /></label>
                <button type="submit" disabled={gh.is_none()}>{"Sign up"}</button>
            </form>
        },
        Step::Code => html! {
            <form onsubmit={on_code}>
                <label>{"Code from your email "}<input ref={code} inputmode="numeric" name="code" autocomplete="one-time-code" /></label>
                <button type="submit">{"Verify"}</button>
            </form>
        },
        Step::Done(jwt) => html! { <p id="done">{"Signed in. Session token: "}<code>{format!("{jwt}…")}</code></p> },
    };
    html! {
        <main>
            <h1>{"Sign up"}</h1>
            {body}
            if let Some(error) = &*error { <p role="alert">{error.clone()}</p> }
        </main>
    }
}

fn main() {
    yew::Renderer::<SignUpForm>::new().render();
}
