//! The JS `GatehouseError` class (a real `Error` subclass, exported from
//! the package entry, with `isGatehouseError`) and the one helper that
//! turns every [`Error`] into it. From the server's error body, when one
//! was read, it takes `traceId` (the body's `trace_id`, the answer's
//! `x-request-id`) and each error's whole `meta`, its keys in camelCase.

use crate::decode::error_items;
use crate::error::{sdk_index, Error, ErrorItem, Failure};
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
// The texts of the SDK's own codes (`error::SDK_CODES`, in order): each
// code, its message and its long message, joined by `|` (a test checks
// that they are `error::sdk_texts()`).
const TEXTS =
  "network_error|The server could not be reached.|The request did not reach the Gatehouse server, or its answer did not arrive.|response_invalid|The server's answer could not be read.|The server answered with something that is not the expected JSON.|magic_link_flow_cancelled|Waiting for the link was cancelled.|cancelMagicLinkFlow() was called before the link was confirmed.|form_param_missing|This field is required.|A required parameter was not supplied.|form_param_format_invalid|This value is not valid.|A parameter does not have the format this field needs.|form_param_unknown|This field is not accepted here.|The request carries a parameter this endpoint does not accept, or an attribute the instance has turned off.|form_password_length_too_short|The password is too short.|The password is shorter than the instance's minimum length.|form_password_length_too_long|The password is too long.|The password is longer than the instance's maximum length.|verification_strategy_invalid|This verification method is not available.|The strategy is not enabled for this field, or does not apply to it.|sign_up_not_found|This sign-up was not found.|No sign-up with this id belongs to this client.|sign_in_not_found|This sign-in was not found.|No sign-in with this id belongs to this client.|request_body_invalid|The request could not be read.|The request body is not valid JSON of the expected shape.|session_not_found|This session was not found.|No active session with this id belongs to this client.".split("|");
export function newGatehouseError(items, i, message, paramName, status, retryAfter, body, rejected) {
  items ??= [{ code: TEXTS[(i *= 3)], message: message ?? TEXTS[i + 1], longMessage: TEXTS[i + 2], meta: paramName === undefined ? {} : { paramName } }];
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
    /// meta: { paramName? } }` of the `index`th SDK code (its texts held by
    /// the JS; `message` in place of its own, if any), made in the same
    /// call (not by two objects and five sets from Rust); a negative
    /// `retry_after` is none (a plain number: wasm-bindgen's `Option<u32>`
    /// costs the glue a test of its own).
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = newGatehouseError)]
    fn new_gatehouse_error(
        items: &JsValue,
        index: usize,
        message: Option<&str>,
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
    let index = sdk_index(item.code);
    let retry_after = retry_after.map_or(-1.0, f64::from);
    let items = error_items(&body);
    new_gatehouse_error(&items, index, item.message, item.param_name.as_deref(), status, retry_after, &body, rejected)
}
