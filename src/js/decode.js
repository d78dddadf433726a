// The SDK's reading of JS values (src/decode.rs imports these), and its
// decoder of the server's answers: each answer checked against its schema
// table and rebuilt with camelCase keys (`decode`, `empty`), the items of
// an error answer (`errorItems`, `firstCode`) and the environment's params
// rules (`rules`), in JS (smaller than the same readers in the wasm). The
// tables are `schema.rs`'s, written as text (TABLES, LISTS: a test,
// `schema::tests`, checks that they are `schema::js_text()` exactly); the
// native fuzz tests (tests/fuzz.rs) run this file in Node.

// The tables, in `schema.rs`'s order, each its keys: the wire name, `:`,
// and its kind: `s` a string, `m` a string that may be absent or `null`
// (then left out), `eN` one of the names of list N, `b` a boolean, `n` a
// number, `l` an array of strings, `oN` an object of table N, `rN` an array
// of such objects, `a` any object (kept as it is); in capitals (`S`, `E`,
// `N`, `O`), the same or `null`.
const TABLES =
  "enabled:b required:b verify_at_sign_up:b verification_strategies:l|min_length:n max_length:n|email_address:o0 phone_number:o0 username:o0 password:o0 first_name:o0 last_name:o0 legal_accepted:o0 web3_wallet:o0|mode:e0 attributes:o2|strategy:e2 safe_identifier:m|status:e3 strategy:e2 attempts:n expire_at:N next_action:e4 verified_at_client:S|strategy:e7|secret:S uri:S verified:b backup_codes:l created_at:n updated_at:n|id:s status:s browser:s ip_address:S created_at:n last_active_at:n expire_at:n current:b|data:r8|jwt:s issued_at:n expire_at:n|email_address:O14 phone_number:O14|id:s user_id:s status:s tasks:l totp_enabled:b created_at:n expire_at:n|id:s sign_up_id:S sign_in_id:S sessions:r12 last_active_session_id:S|status:e3 strategy:E5 attempts:n expire_at:N next_action:e4 supported_strategies:l verified_at_client:S|id:s status:e1 identifier:S supported_first_factors:r4 first_factor_verification:O5 supported_second_factors:r6 created_session_id:S user_id:S abandon_at:n|id:s status:e6 required_fields:l optional_fields:l missing_fields:l unverified_fields:l verifications:o11 username:S email_address:S phone_number:S web3_wallet:S first_name:S last_name:S has_password:b legal_accepted:b unsafe_metadata:a created_session_id:S created_user_id:S abandon_at:n|sign_up:o3 password_settings:o1 username_settings:o1 dev_mode:b|response:o15 client:o13|response:o12 client:o13|response:o10 client:o13|response:o9 client:o13|response:o7 client:o13|response:o16 client:o13|client:o13";
// The wire enums' names, in `schema.rs`'s order, separated by spaces.
const LISTS =
  "public restricted|needs_first_factor needs_new_password needs_second_factor complete|password email_code reset_password_email_code reset_password_email_link|unverified verified failed expired|needs_prepare needs_attempt |email_code phone_code email_link ticket|missing_requirements complete abandoned|totp backup_code";

const split = (text, by) => text.split("|").map((part) => part.split(by));
const tables = split(TABLES, " ").map((keys) => keys.map((key) => key.split(":"))), lists = split(LISTS, " ");

export function get(o, k) {
  try {
    return o[k];
  } catch {}
}
/** The JS name of a wire name: `verify_at_sign_up`, `verifyAtSignUp`. */
const camel = (k) => k.replace(/_(.)/g, (_, c) => c.toUpperCase());
export const num = (v) => (typeof v == "number" ? v : NaN);
export function kind(v) {
  return v === undefined ? 0 : v === null ? 1 : typeof v == "string" ? 3 : typeof v == "boolean" ? (v ? 5 : 4)
    : typeof v == "number" ? 6 : typeof v != "object" ? 2 : Array.isArray(v) ? 8 : 7;
}

/**
 * `v` checked against the table `t` and rebuilt with camelCase keys (the
 * others dropped), or `undefined` when a value is missing or mistyped.
 */
export function decode(v, t) {
  if (kind(v) != 7) return;
  const out = {};
  for (const [name, k] of tables[t]) {
    const x = v[name];
    if (k == "m" && x == null) continue;
    const y = value(x, k[0], k.slice(1));
    if (y === undefined) return;
    out[camel(name)] = y;
  }
  return out;
}

/** One value of the kind `c` (its list or table `i`), or `undefined`. */
function value(x, c, i) {
  if (x === null && c < "a") return x;
  c = c.toLowerCase();
  if (c == "o") return decode(x, i);
  if (c == "r") {
    const a = Array.isArray(x) ? x.map((y) => decode(y, i)) : [undefined];
    return a.includes(undefined) ? undefined : a;
  }
  const ok = c == "e" ? lists[i].includes(x)
    : c == "l" ? Array.isArray(x) && x.every((s) => typeof s == "string")
    : c == "a" ? kind(x) == 7
    : typeof x == { s: "string", m: "string", b: "boolean", n: "number" }[c];
  return ok ? x : undefined;
}

/**
 * An object of the table `t` with nothing in it yet: empty lists and
 * objects, `false`, and `null` for everything else.
 */
export function empty(t) {
  const out = {};
  for (const [name, k] of tables[t]) {
    const c = k[0];
    out[camel(name)] = c == "l" || c == "r" ? [] : c == "b" ? false : c == "a" ? {} : c == "o" ? empty(k.slice(1)) : null;
  }
  return out;
}

/**
 * Sets `g.environment` to a decoded environment, and answers its params
 * rules: each attribute's `enabled` (in the order of the table, which is
 * `Field::ALL`'s), then the password's and the username's `minLength` and
 * `maxLength`.
 */
export function rules(env, g) {
  const { signUp, passwordSettings: p, usernameSettings: u } = (g.environment = env);
  return [...Object.values(signUp.attributes).map((a) => a.enabled), p.minLength, p.maxLength, u.minLength, u.maxLength];
}

/**
 * The items of an error answer, `{ errors: [{ code, message, long_message,
 * meta: { param_name? } }] }` (at least one), as `GatehouseError` holds
 * them (`{ code, message, longMessage, meta: { paramName? } }`), or
 * `undefined` when it is not one.
 */
export function errorItems(v) {
  const errors = kind(v) > 6 ? v.errors : 0;
  const items = kind(errors) == 8 && errors.length ? errors.map(item) : [];
  return items.length && items.every(Boolean) ? items : undefined;
}

/** The code of an error answer's first item (see `errorItems`), or `undefined`. */
export const firstCode = (v) => errorItems(v)?.[0].code;

/** One item (see `errorItems`), or `false`. */
function item(e) {
  const meta = kind(e) > 6 && e.meta, param = kind(meta) > 6 && meta.param_name;
  const ok = kind(meta) > 6 && (param == null || typeof param == "string")
    && [e.code, e.message, e.long_message].every((s) => typeof s == "string");
  return ok && { code: e.code, message: e.message, longMessage: e.long_message, meta: param == null ? {} : { paramName: param } };
}
