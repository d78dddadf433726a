//! The JS `GatehouseError` class (a real `Error` subclass, exported from
//! the package entry, with `isGatehouseError`) and the one helper that
//! turns every [`Error`] into it. From the server's error body, when one
//! was read, it takes `traceId` (the body's `trace_id`, the answer's
//! `x-request-id`) and each error's whole `meta`, its keys in camelCase.

use crate::decode::error_items;
use crate::error::{Error, ErrorItem, Failure};
use gatehouse_protocol::ErrorCode;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const brand = Symbol.for("gatehouse.error");
export function isGatehouseError(e) {
  return e != null && e[brand] === true;
}
export class GatehouseError extends Error {
  constructor(errors, status, retryAfter, body) {
    super(errors[0].message);
    errors.forEach((e, i) => {
      const meta = body?.errors?.[i]?.meta;
      if (meta && typeof meta == "object" && !Array.isArray(meta)) {
        e.meta = {};
        for (const [k, v] of Object.entries(meta)) if (v != null) e.meta[k.replace(/_(.)/g, (_, c) => c.toUpperCase())] = v;
      }
    });
    Object.assign(this, errors[0]);
    this.name = "GatehouseError";
    this.status = status;
    this.retryAfter = retryAfter ?? null;
    this.traceId = typeof body?.trace_id == "string" ? body.trace_id : null;
    this.errors = errors;
  }
  static [Symbol.hasInstance](e) {
    return isGatehouseError(e);
  }
}
GatehouseError.prototype[brand] = true;
export function newGatehouseError(items, code, message, longMessage, paramName, status, retryAfter, body, rejected) {
  items ??= [{ code, message, longMessage, meta: paramName === undefined ? {} : { paramName } }];
  const e = new GatehouseError(items, status, retryAfter < 0 ? null : retryAfter, body);
  return rejected ? Promise.reject(e) : e;
}
"#)]
extern "C" {
    /// Only re-exported, so `import { GatehouseError } from "gatehouse"`
    /// works; its type is declared in the TypeScript section.
    #[allow(dead_code)]
    #[wasm_bindgen(js_name = GatehouseError, reexport, skip_typescript)]
    fn gatehouse_error_class();

    /// Re-exported too: `isGatehouseError(e)` is true for a
    /// `GatehouseError` of any copy of the package (a brand under
    /// `Symbol.for`, which every copy shares; `instanceof GatehouseError`
    /// reads the same brand).
    #[allow(dead_code)]
    #[wasm_bindgen(js_name = isGatehouseError, reexport, skip_typescript)]
    fn is_gatehouse_error();

    /// The error, or (`rejected`) a promise rejected with it: of the
    /// server's error answer's `items` (`decode::error_items`), or, when
    /// they are `undefined`, of the one item `{ code, message, longMessage,
    /// meta: { paramName? } }` (made in the same call, not by two objects
    /// and five sets from Rust); a negative `retry_after` is none (a plain
    /// number: wasm-bindgen's `Option<u32>` costs the glue a test of its
    /// own).
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = newGatehouseError)]
    fn new_gatehouse_error(
        items: &JsValue,
        code: &str,
        message: &str,
        long_message: &str,
        param_name: Option<&str>,
        status: u16,
        retry_after: f64,
        body: &JsValue,
        rejected: bool,
    ) -> JsValue;
}

/// A promise rejected with the `GatehouseError` of `error` (made in the
/// same import call: no `Promise.reject` import).
pub fn rejected(error: Error) -> Promise {
    to_js_or_rejected(error, true).unchecked_into()
}

/// Every failure of the SDK becomes a `GatehouseError` here, and only here.
pub fn to_js(error: Error) -> JsValue {
    to_js_or_rejected(error, false)
}

fn to_js_or_rejected(error: Error, rejected: bool) -> JsValue {
    let Failure { item, status, retry_after, body } = error.into_failure();
    // A server's error answer has a body, whose items the JS reads; the
    // SDK's own error has none, and its one item.
    let body = body.unwrap_or_default();
    let item = item.unwrap_or_else(|| ErrorItem::from_code(ErrorCode::ResponseInvalid, None));
    let (code, message, long_message, param_name) = (item.code, item.message, item.long_message, item.param_name);
    let retry_after = retry_after.map_or(-1.0, f64::from);
    let items = error_items(&body);
    new_gatehouse_error(
        &items,
        code,
        message,
        long_message,
        param_name.as_deref(),
        status,
        retry_after,
        &body,
        rejected,
    )
}
