//! The README's "Rust frontend" snippet, which is `readme_snippet.rs`
//! (scripts/test-rust-api.sh checks the two are the same text), run
//! against the server; `examples/yew-sign-up` uses the same file.

use crate::support::*;
use gatehouse::rust_api::ErrorCode;
use wasm_bindgen_test::*;

#[path = "readme_snippet.rs"]
mod snippet;

#[wasm_bindgen_test]
async fn the_readme_snippet_signs_up() {
    let gh = snippet::load(API).await.expect("load");
    let email = unique_email();
    snippet::start(&gh, &email, PASSWORD).await.expect("start");
    let wrong = snippet::finish(&gh, "12345").await.expect_err("a code of 5 digits");
    assert_eq!((wrong.code, wrong.param_name.as_deref()), (ErrorCode::FormParamFormatInvalid, Some("code")));
    let jwt = snippet::finish(&gh, &code_sent_to(&email).await).await.expect("finish").expect("a token");
    assert_eq!(jwt.split('.').count(), 3);
}
