//! The JS `GatehouseError` class (a real `Error` subclass, exported from
//! the package entry) and the one helper that turns every [`Error`] into it.

use crate::decode::{set, set_text};
use crate::error::{Error, ErrorItem, Failure};
use gatehouse_protocol::ErrorCode;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export class GatehouseError extends Error {
  constructor(errors, status, retryAfter) {
    super(errors[0].message);
    Object.assign(this, errors[0]);
    this.name = "GatehouseError";
    this.status = status;
    this.retryAfter = retryAfter ?? null;
    this.errors = errors;
  }
}
export function newGatehouseError(errors, status, retryAfter) {
  return new GatehouseError(errors, status, retryAfter);
}
"#)]
extern "C" {
    /// Only re-exported, so `import { GatehouseError } from "gatehouse"`
    /// works; its type is declared in the TypeScript section.
    #[allow(dead_code)]
    #[wasm_bindgen(js_name = GatehouseError, reexport, skip_typescript)]
    fn gatehouse_error_class();

    #[wasm_bindgen(js_name = newGatehouseError)]
    fn new_gatehouse_error(errors: &Array, status: u16, retry_after: Option<u32>) -> JsValue;
}

/// Every failure of the SDK becomes a `GatehouseError` here, and only here.
pub fn to_js(error: Error) -> JsValue {
    let Failure { mut errors, status, retry_after } = error.into_failure();
    if errors.is_empty() {
        errors.push(ErrorItem::from_code(ErrorCode::ResponseInvalid, None));
    }
    let items = Array::new();
    for item in errors {
        let meta = JsValue::from(Object::new());
        if let Some(param) = item.param_name {
            set_text(&meta, "paramName", &param);
        }
        let js = JsValue::from(Object::new());
        set_text(&js, "code", &item.code);
        set_text(&js, "message", &item.message);
        set_text(&js, "longMessage", &item.long_message);
        set(&js, "meta", &meta);
        items.push(&js);
    }
    new_gatehouse_error(&items, status, retry_after)
}
