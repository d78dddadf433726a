//! The types of the `.d.ts` that wasm-bindgen cannot infer: params,
//! resources and the `GatehouseError` class. The exported classes refer to
//! them through `unchecked_param_type` / `unchecked_return_type`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &'static str = TYPES;

// Read by the custom section in the wasm build and by the tests.
#[allow(dead_code)]
const TYPES: &str = r#"
/** How the client token travels: an HttpOnly cookie, or an `Authorization: Bearer` header. */
export type TokenMode = "cookie" | "bearer";

export interface GatehouseOptions {
  /** The API origin, e.g. "http://127.0.0.1:8080" (no `/v1`). */
  frontendApi: string;
  /** Defaults to "cookie". */
  tokenMode?: TokenMode;
}

/** A sign-up field, by its wire name. */
export type SignUpField =
  | "email_address" | "phone_number" | "username" | "password"
  | "first_name" | "last_name" | "legal_accepted" | "web3_wallet";

export type SignUpStatus = "missing_requirements" | "complete" | "abandoned";
export type VerificationStrategy = "email_code" | "phone_code" | "email_link" | "ticket";
export type VerificationStatus = "unverified" | "verified" | "failed" | "expired";
export type NextAction = "needs_prepare" | "needs_attempt" | "";

/** The fields of `create` and `update`; `null` or absent means "not supplied". */
export interface SignUpParams {
  emailAddress?: string | null;
  phoneNumber?: string | null;
  username?: string | null;
  password?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  /** Your own data; its keys are sent and returned as they are. At most 4 KiB of JSON. */
  unsafeMetadata?: Record<string, unknown> | null;
  legalAccepted?: boolean | null;
  web3Wallet?: string | null;
}

export interface PrepareVerificationParams {
  strategy: "email_code" | "phone_code";
}

export interface AttemptVerificationParams {
  strategy: "email_code" | "phone_code";
  code: string;
}

export interface PrepareEmailAddressVerificationParams {
  strategy?: "email_code";
}

export interface PreparePhoneNumberVerificationParams {
  strategy?: "phone_code";
}

export interface AttemptCodeParams {
  code: string;
}

export interface Verification {
  status: VerificationStatus;
  strategy: VerificationStrategy | null;
  attempts: number;
  /** Epoch ms. */
  expireAt: number | null;
  nextAction: NextAction;
  supportedStrategies: VerificationStrategy[];
  verifiedAtClient: string | null;
}

export interface SignUpVerifications {
  emailAddress: Verification | null;
  phoneNumber: Verification | null;
}

export interface AttributeSettings {
  enabled: boolean;
  required: boolean;
  verifyAtSignUp: boolean;
  verificationStrategies: VerificationStrategy[];
}

export interface LengthRules {
  minLength: number;
  maxLength: number;
}

export interface Environment {
  signUp: {
    mode: "public" | "restricted";
    attributes: {
      emailAddress: AttributeSettings;
      phoneNumber: AttributeSettings;
      username: AttributeSettings;
      password: AttributeSettings;
      firstName: AttributeSettings;
      lastName: AttributeSettings;
      legalAccepted: AttributeSettings;
      web3Wallet: AttributeSettings;
    };
  };
  passwordSettings: LengthRules;
  usernameSettings: LengthRules;
  /** True when the server runs with --dev (GET /v1/dev/outbox exists). */
  devMode: boolean;
}

export interface Session {
  id: string;
  userId: string;
  status: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  expireAt: number;
}

export interface Client {
  id: string;
  signUpId: string | null;
  signInId: string | null;
  sessions: Session[];
  lastActiveSessionId: string | null;
}

/** The sign-up's attributes: data properties of `SignUp`, replaced in place after every answer. */
export interface SignUpResource {
  /** `null` until `create`. */
  readonly id: string | null;
  readonly status: SignUpStatus | null;
  /** Field lists keep the wire names, e.g. `["first_name"]`. */
  readonly requiredFields: SignUpField[];
  readonly optionalFields: SignUpField[];
  readonly missingFields: SignUpField[];
  readonly unverifiedFields: SignUpField[];
  readonly verifications: SignUpVerifications;
  readonly username: string | null;
  readonly emailAddress: string | null;
  readonly phoneNumber: string | null;
  readonly web3Wallet: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly hasPassword: boolean;
  readonly legalAccepted: boolean;
  /** Your own data, keys as you sent them. */
  readonly unsafeMetadata: Record<string, unknown>;
  readonly createdSessionId: string | null;
  readonly createdUserId: string | null;
  /** Epoch ms; `null` until `create`. */
  readonly abandonAt: number | null;
}

export interface SignUp extends SignUpResource {}

export interface Gatehouse {
  /** The instance settings, loaded once. */
  readonly environment: Environment;
  /** This browser's client, as of the last answer. */
  readonly client: Client;
  /** The sign-up: always this same object, updated in place. */
  readonly signUp: SignUp;
}

/** Every stable error code (docs/errors.md). */
export type GatehouseErrorCode =
  | "form_param_missing" | "form_param_format_invalid" | "form_param_unknown"
  | "form_identifier_exists" | "form_password_length_too_short" | "form_password_length_too_long"
  | "form_password_pwned" | "form_code_incorrect"
  | "verification_expired" | "verification_failed" | "verification_not_sent"
  | "verification_already_verified" | "verification_strategy_invalid"
  | "verification_code_too_many_requests" | "verification_link_token_invalid"
  | "sign_up_not_found" | "sign_up_not_modifiable" | "sign_up_restricted"
  | "ticket_invalid" | "ticket_expired"
  | "form_identifier_not_found" | "form_password_incorrect" | "sign_in_not_found" | "session_not_found"
  | "origin_not_allowed" | "authorization_invalid" | "rate_limited"
  | "request_body_invalid" | "request_body_too_large" | "resource_not_found" | "internal_error"
  | "network_error" | "response_invalid" | "magic_link_flow_cancelled";

export interface GatehouseErrorItem {
  code: GatehouseErrorCode;
  /** Short, safe to show to an end user. */
  message: string;
  longMessage: string;
  /** `paramName` is the wire name of the field at fault, e.g. "email_address". */
  meta: { paramName?: string };
}

/** What every failing call rejects with. */
export class GatehouseError extends Error implements GatehouseErrorItem {
  readonly name: "GatehouseError";
  readonly code: GatehouseErrorCode;
  readonly longMessage: string;
  readonly meta: { paramName?: string };
  /** The HTTP status, or 0 when no answer carried the error. */
  readonly status: number;
  /** Seconds to wait, from `Retry-After`, or null. */
  readonly retryAfter: number | null;
  /** Every error of the answer; the first one is this error's own. */
  readonly errors: GatehouseErrorItem[];
  private constructor();
}
"#;

#[cfg(test)]
mod tests {
    use gatehouse_protocol::{ErrorCode, Field};

    #[test]
    fn every_code_field_and_attribute_is_typed() {
        // Every attribute the schema decodes is declared on SignUp.
        for key in crate::schema::SIGN_UP
            .iter()
            .map(|k| crate::schema::camel_case(k.0))
        {
            assert!(
                super::TYPES.contains(&["  readonly ", &key, ": "].concat()),
                "{key}"
            );
        }
        for code in ErrorCode::ALL {
            assert!(
                super::TYPES.contains(&["\"", code.as_str(), "\""].concat()),
                "{}",
                code.as_str()
            );
        }
        for field in Field::ALL {
            assert!(
                super::TYPES.contains(&["\"", field.as_str(), "\""].concat()),
                "{}",
                field.as_str()
            );
            assert!(super::TYPES.contains(&[field.js_name(), ": AttributeSettings"].concat()));
            assert!(super::TYPES.contains(&[field.js_name(), "?: "].concat()));
        }
    }
}
