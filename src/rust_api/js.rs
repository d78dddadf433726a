//! Values across to JS, with `serde-wasm-bindgen`: a resource handed to a
//! JS widget or the console ([`to_js`]: plain objects, the wire's
//! snake_case keys), and params read from JS ([`from_js`]).

use super::{Error, Result};
use gatehouse_protocol::ErrorCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// `value` as a plain JS value (maps as objects, as `JSON.parse` makes
/// them); a value that JS cannot hold is `request_body_invalid`.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|_| Error::new(ErrorCode::RequestBodyInvalid, None))
}

/// A JS value read as `T` (params, for example); a value of another shape
/// is `request_body_invalid`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    serde_wasm_bindgen::from_value(value).map_err(|_| Error::new(ErrorCode::RequestBodyInvalid, None))
}
