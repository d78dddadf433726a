//! The types of the `.d.ts` that wasm-bindgen cannot infer: params,
//! resources, the `SignUp`, `SignIn` and `Session` objects (JS classes of
//! `objects.rs`) and the `GatehouseError` class. `Gatehouse` refers to them
//! through `unchecked_param_type` / `unchecked_return_type`.

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
  /**
   * Bearer mode only: where the client token is kept, so that a reload of
   * the page keeps its client (and session). "memory" (the default): lost
   * at reload, and each tab is its own client. "local": `localStorage`,
   * under a key of the `frontendApi`, shared by the origin's tabs (every
   * script of the origin can read it: see the README on XSS). Or your own.
   */
  tokenStorage?: "memory" | "local" | TokenStorage;
}

/**
 * A client token store of your own (`tokenStorage`). `get` may answer at
 * once or through a promise: it is awaited at load and before a reload
 * another tab asks for (and only an immediate answer is used when a
 * request is sent again after another tab replaced the token). `set` is
 * called with every new token (the token is replaced at each sign-in and
 * sign-out), `remove` when the server refuses the one `get` gives; their
 * promises are not awaited. What they throw or reject is ignored.
 */
export interface TokenStorage {
  get(): string | null | undefined | Promise<string | null | undefined>;
  set(token: string): void | Promise<void>;
  remove(): void | Promise<void>;
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

/** `create` also starts a sign-up from an invitation: the `__gh_ticket` of its link. */
export interface SignUpCreateParams extends SignUpParams {
  /** "ticket" (may be left out when `ticket` is given). */
  strategy?: "ticket" | null;
  /** The invited email is filled in, already verified. */
  ticket?: string | null;
  /** The language of the emails and texts this sign-up gets, as a language tag ("de", "en-GB"); without it, the browser's Accept-Language. A language the server has no templates for gets English. */
  locale?: string | null;
}

/** A code, or (`email_link`) a link back to `redirectUrl`, which must be on an allowed origin. */
export type PrepareVerificationParams =
  | { strategy: "email_code" | "phone_code"; redirectUrl?: undefined }
  | { strategy: "email_link"; redirectUrl: string };

export interface AttemptVerificationParams {
  strategy: "email_code" | "phone_code";
  code: string;
}

export type PrepareEmailAddressVerificationParams =
  | { strategy?: "email_code"; redirectUrl?: undefined }
  | { strategy: "email_link"; redirectUrl: string };

export interface StartMagicLinkFlowParams {
  /** Where the link leads after its confirmation, with `gh_status` (see `Gatehouse.handleMagicLinkVerification`). */
  redirectUrl: string;
}

/**
 * `signUp.createMagicLinkFlow()`. `startMagicLinkFlow` sends the link and
 * resolves with the sign-up once its email is `verified` or `expired`;
 * `cancelMagicLinkFlow` stops the wait, which then rejects with
 * `magic_link_flow_cancelled`.
 */
export interface MagicLinkFlow {
  startMagicLinkFlow(params: StartMagicLinkFlowParams): Promise<SignUp>;
  cancelMagicLinkFlow(): void;
}

/**
 * `signIn.createMagicLinkFlow()`, for a password reset by link.
 * `startMagicLinkFlow({ redirectUrl })` sends a `reset_password_email_link`
 * (a prepare), or without `redirectUrl` only waits for the link that
 * `signIn.create` sent; it resolves with the sign-in once the link is
 * confirmed (`status: "needs_new_password"`: call `resetPassword`) or its
 * verification is `expired`. It polls the sign-in (every 1 s).
 * `cancelMagicLinkFlow` stops the wait, which then rejects with
 * `magic_link_flow_cancelled`.
 */
export interface SignInMagicLinkFlow {
  startMagicLinkFlow(params?: Partial<StartMagicLinkFlowParams>): Promise<SignIn>;
  cancelMagicLinkFlow(): void;
}

/** `signUp.createEmailLinkFlow()`: `MagicLinkFlow` under its other names. */
export interface EmailLinkFlow {
  startEmailLinkFlow(params: StartMagicLinkFlowParams): Promise<SignUp>;
  cancelEmailLinkFlow(): void;
}

/** How an email link's confirmation ended, read by `Gatehouse.handleMagicLinkVerification()`. */
export interface MagicLinkVerification {
  status: "verified" | "expired" | "failed" | "client_mismatch";
  /** The session the completed sign-up created, if it completed. */
  createdSessionId: string | null;
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

export interface SessionResource {
  id: string;
  userId: string;
  /**
   * "active"; "pending" while `tasks` are left (the instance requires a second
   * factor: enrol one with `gh.user.createTOTP()` and `verifyTOTP()`);
   * "revoked" on the session object once signed out.
   */
  status: string;
  /** What a "pending" session waits for: `["setup_mfa"]`; empty otherwise. */
  tasks: string[];
  /**
   * Whether the session's user has two-step verification (a verified TOTP) on;
   * current after `gh.user.verifyTOTP()` and `disableTOTP()`.
   */
  totpEnabled: boolean;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  expireAt: number;
}

export interface Client {
  id: string;
  signUpId: string | null;
  signInId: string | null;
  /** The live sessions (the SDK's `gh.session` is the last active one). */
  sessions: SessionResource[];
  lastActiveSessionId: string | null;
}

/**
 * `gh.session`: the client's current session. One object, updated in place:
 * after another sign-in it shows the new session.
 */
export interface Session extends Readonly<SessionResource> {
  /**
   * A session JWT for your backend (claims `sub`, `sid`, `iat`, `exp`, `iss`,
   * `jti`): the cached one while it has more than a few seconds left, else a
   * new one. Calls made while one is being fetched share that request.
   * `null` while the session is "pending": it has no token until its tasks are done.
   */
  getToken(): Promise<string | null>;
  /** Revokes the session: `gh.session` becomes `null`, and `getToken()` rejects (`session_not_found`). */
  signOut(): Promise<void>;
}

/** One of the signed-in user's sessions, on this or another browser (`gh.user.sessions()`). */
export interface UserSession {
  id: string;
  /** "active"; "revoked" once `revoke()` ended it. */
  status: string;
  /** The browser it signed in with, as a person reads it: "Chrome 120 on Linux". */
  browser: string;
  /** The IP it signed in from, then the one of its last token refresh. */
  ipAddress: string | null;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms: its creation, then its last token refresh (within a minute). */
  lastActiveAt: number;
  /** Epoch ms. */
  expireAt: number;
  /** Whether it is this browser's `gh.session`. */
  current: boolean;
  /** Ends this session ("was this you?"); answers it, `status: "revoked"`. Ending `gh.session` signs out here. */
  revoke(): Promise<UserSession>;
}

/** `gh.user`: the signed-in user (`null` when signed out). */
export interface User {
  /** Whether two-step verification (a verified TOTP) is on: `gh.session.totpEnabled`. */
  readonly totpEnabled: boolean;
  /** The user's active sessions on every browser, the most recently active first. */
  sessions(): Promise<UserSession[]>;
  /** A new TOTP secret, pending until `verifyTOTP`. */
  createTOTP(): Promise<TOTP>;
  /** Turns the pending TOTP on with a code from the app; answers the backup codes. */
  verifyTOTP(params: { code: string }): Promise<TOTP>;
  /** Turns TOTP off with a code from the app or a backup code. */
  disableTOTP(params: { code: string }): Promise<TOTP>;
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

/** A sign-up attempt. Every method updates this object in place and resolves to it. */
export interface SignUp extends SignUpResource {
  /** Starts a new sign-up with these fields (abandoning the earlier one); with `{ strategy: "ticket", ticket }`, from an invitation. */
  create(params: SignUpCreateParams): Promise<SignUp>;
  /** Adds or changes fields. */
  update(params: SignUpParams): Promise<SignUp>;
  /** Reads the sign-up again from the server. */
  reload(): Promise<SignUp>;
  /** Sends a verification code (`email_code` or `phone_code`) or an email link (`email_link`). */
  prepareVerification(params: PrepareVerificationParams): Promise<SignUp>;
  /** Checks a verification code. */
  attemptVerification(params: AttemptVerificationParams): Promise<SignUp>;
  /** Sends a code (or with `email_link`, a link) to the email address (`strategy` defaults to `email_code`). */
  prepareEmailAddressVerification(params?: PrepareEmailAddressVerificationParams): Promise<SignUp>;
  /** Checks the code sent to the email address. */
  attemptEmailAddressVerification(params: AttemptCodeParams): Promise<SignUp>;
  /** Sends a code to the phone number (`strategy` defaults to `phone_code`). */
  preparePhoneNumberVerification(params?: PreparePhoneNumberVerificationParams): Promise<SignUp>;
  /** Checks the code sent to the phone number. */
  attemptPhoneNumberVerification(params: AttemptCodeParams): Promise<SignUp>;
  /** Sends an email link and waits for its confirmation (pushed by the server; polled if the stream fails). */
  createMagicLinkFlow(): MagicLinkFlow;
  /** The same as `createMagicLinkFlow`, under the names `startEmailLinkFlow` and `cancelEmailLinkFlow`. */
  createEmailLinkFlow(): EmailLinkFlow;
}

export type SignInStatus = "needs_first_factor" | "needs_new_password" | "needs_second_factor" | "complete";
export type SecondFactorStrategy = "totp" | "backup_code";

/** `signIn.attemptSecondFactor`: a code from the authenticator app (6 digits) or a backup code (10 characters). */
export interface AttemptSecondFactorParams {
  strategy: SecondFactorStrategy;
  code: string;
}

/** A user's TOTP (`gh.user`). `secret` and `uri` come only from `createTOTP`, `backupCodes` only from `verifyTOTP`. */
export interface TOTP {
  /** The shared secret in base32, to type into an app. */
  readonly secret: string | null;
  /** The `otpauth://totp/...` URI, for a QR code. */
  readonly uri: string | null;
  /** Whether it is on. */
  readonly verified: boolean;
  /** The ten one-time backup codes (shown once); empty otherwise. */
  readonly backupCodes: string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type FirstFactorStrategy =
  | "password"
  | "email_code"
  | "reset_password_email_code"
  | "reset_password_email_link";

/**
 * `signIn.create`: with a password it completes at once; with
 * `strategy: "email_code"` (or nothing) a first factor comes next.
 */
export type SignInParams =
  | { identifier: string; password: string; strategy?: "password"; redirectUrl?: undefined }
  | {
      identifier: string;
      strategy?: "email_code" | "reset_password_email_code";
      password?: undefined;
      redirectUrl?: undefined;
    }
  /** A reset link, back to `redirectUrl` (an allowed origin) once confirmed. */
  | { identifier: string; strategy: "reset_password_email_link"; redirectUrl: string; password?: undefined };

export type PrepareFirstFactorParams =
  | { strategy: "email_code" | "reset_password_email_code"; redirectUrl?: undefined }
  | { strategy: "reset_password_email_link"; redirectUrl: string };

export type AttemptFirstFactorParams =
  | { strategy: "email_code" | "reset_password_email_code"; code: string }
  | { strategy: "password"; password: string }
  /**
   * Bearer mode: the token of a reset link this client asked for, which
   * its page handed to `redirectUrl` in the fragment ("Continue in the
   * app"). Read it with
   * `new URLSearchParams(location.hash.slice(1)).get("gh_reset_token")`,
   * then clear the fragment (`history.replaceState`). A right one moves to
   * `needs_new_password`.
   */
  | { strategy: "reset_password_email_link"; token: string };

/** `signIn.resetPassword`: the new password, once the reset code is proven. */
export interface ResetPasswordParams {
  password: string;
  /** End every other session of the user (default `true`). */
  signOutOfOtherSessions?: boolean;
}

export interface FirstFactor {
  strategy: FirstFactorStrategy;
  /** Where a code goes: the email as typed, else masked ("c***@example.com"). */
  safeIdentifier?: string;
}

export interface FirstFactorVerification {
  status: VerificationStatus;
  strategy: FirstFactorStrategy;
  attempts: number;
  /** Epoch ms. */
  expireAt: number | null;
  nextAction: NextAction;
  verifiedAtClient: string | null;
}

/** The sign-in's attributes: data properties of `SignIn`, replaced in place after every answer. */
export interface SignInResource {
  /** `null` until `create`. */
  readonly id: string | null;
  readonly status: SignInStatus | null;
  /** As the server normalized it (an email lower-cased, a phone in E.164). */
  readonly identifier: string | null;
  readonly supportedFirstFactors: FirstFactor[];
  /** `null` until a factor is chosen. */
  readonly firstFactorVerification: FirstFactorVerification | null;
  /** In `needs_second_factor`: `totp` and `backup_code`; empty otherwise. */
  readonly supportedSecondFactors: { strategy: SecondFactorStrategy }[];
  readonly createdSessionId: string | null;
  /** Set once `complete`. */
  readonly userId: string | null;
  /** Epoch ms; `null` until `create`. */
  readonly abandonAt: number | null;
}

/** A sign-in attempt. Every method updates this object in place and resolves to it. */
export interface SignIn extends SignInResource {
  /** Starts a new sign-in: with a password it completes at once (or fails); with `strategy: "email_code"` a code is prepared next. */
  create(params: SignInParams): Promise<SignIn>;
  /** Reads the sign-in again from the server. */
  reload(): Promise<SignIn>;
  /** Sends a code (or a password reset link) to the account's email. */
  prepareFirstFactor(params: PrepareFirstFactorParams): Promise<SignIn>;
  /** Proves the first factor: the emailed code, the password, or (bearer mode) a reset link's token; a right reset code or token moves to `needs_new_password`. */
  attemptFirstFactor(params: AttemptFirstFactorParams): Promise<SignIn>;
  /** In `needs_new_password`: sets the new password and completes the sign-in. */
  resetPassword(params: ResetPasswordParams): Promise<SignIn>;
  /** In `needs_second_factor`: a TOTP or backup code completes the sign-in. */
  attemptSecondFactor(params: AttemptSecondFactorParams): Promise<SignIn>;
  /** A password reset by email link, and the wait for its confirmation (see `SignInMagicLinkFlow`). */
  createMagicLinkFlow(): SignInMagicLinkFlow;
}

/**
 * What a listener of `gh.addListener` gets after each change: `gh`'s state
 * at that moment, in a new object each time (the objects in it are `gh`'s
 * own, updated in place).
 */
export interface GatehouseResources {
  readonly client: Client;
  readonly session: Session | null;
  readonly signUp: SignUp;
  readonly signIn: SignIn;
}

export interface Gatehouse {
  /** The instance settings, loaded once. */
  readonly environment: Environment;
  /** This browser's client, as of the last answer. */
  readonly client: Client;
  /** The sign-up: always this same object, updated in place. */
  readonly signUp: SignUp;
  /** The sign-in: always this same object, updated in place. */
  readonly signIn: SignIn;
  /** The client's last active session, or `null` when signed out. */
  readonly session: Session | null;
  /** The signed-in user, or `null` when signed out. */
  readonly user: User | null;
  /**
   * Calls `listener` after every change of `signUp`, `signIn`, `session` or
   * `client` (each answer the SDK takes in: a sign-up or sign-in call, a
   * session token, a sign-out), once per change, never for a call that
   * failed; answers the function that removes it. A listener that throws
   * is reported (rethrown in a microtask) and stops nothing else.
   */
  addListener(listener: (resources: GatehouseResources) => void): () => void;
  /** Signs out of the current session (`gh.session.signOut()`); without one, does nothing. */
  signOut(): Promise<void>;
}

/** `Gatehouse`'s static method that is plain JS (src/js/landing.js), merged with the class. */
export namespace Gatehouse {
  /**
   * For the page at an email link's `redirect_url`: how the confirmation
   * ended, read from `location.search`, or `null` when the page was not
   * reached through a link. Needs no `load`.
   */
  function handleMagicLinkVerification(): MagicLinkVerification | null;
}

/** Every stable error code (docs/errors.md). */
export type GatehouseErrorCode =
  | "form_param_missing" | "form_param_format_invalid" | "form_param_unknown"
  | "form_identifier_exists" | "form_password_length_too_short" | "form_password_length_too_long"
  | "form_code_incorrect"
  | "verification_expired" | "verification_failed" | "verification_not_sent"
  | "verification_already_verified" | "verification_strategy_invalid"
  | "verification_code_too_many_requests" | "phone_delivery_failed"
  | "sign_up_not_found" | "sign_up_not_modifiable" | "sign_up_cancelled_by_owner" | "sign_up_restricted"
  | "ticket_invalid" | "ticket_expired"
  | "form_identifier_not_found" | "form_password_incorrect" | "sign_in_not_found" | "sign_in_status_invalid"
  | "session_not_found" | "totp_already_enabled" | "totp_not_found" | "session_pending" | "mfa_required"
  | "origin_not_allowed" | "authorization_invalid" | "rate_limited" | "server_busy" | "request_timeout"
  | "request_body_invalid" | "request_body_too_large" | "request_content_type_invalid"
  | "client_cookie_duplicate" | "client_token_replaced" | "resource_not_found" | "method_not_allowed" | "internal_error"
  | "network_error" | "response_invalid" | "magic_link_flow_cancelled";

/** An error's details: the server's `meta`, every key in camelCase. */
export interface GatehouseErrorMeta {
  /** The wire name of the field at fault, e.g. "email_address". */
  paramName?: string;
  [key: string]: unknown;
}

export interface GatehouseErrorItem {
  code: GatehouseErrorCode;
  /** Short, safe to show to an end user. */
  message: string;
  longMessage: string;
  meta: GatehouseErrorMeta;
}

/** What every failing call rejects with. */
export class GatehouseError extends Error implements GatehouseErrorItem {
  readonly name: "GatehouseError";
  readonly code: GatehouseErrorCode;
  readonly longMessage: string;
  readonly meta: GatehouseErrorMeta;
  /** The HTTP status, or 0 when no answer carried the error. */
  readonly status: number;
  /** Seconds to wait, from `Retry-After`, or null. */
  readonly retryAfter: number | null;
  /**
   * The server's id of the request (its error body's `trace_id`, also its
   * `x-request-id` header), for support to find its log lines; null when
   * no error body was read (network errors, checks made before sending).
   */
  readonly traceId: string | null;
  /** Every error of the answer; the first one is this error's own. */
  readonly errors: GatehouseErrorItem[];
  private constructor();
}

/**
 * True for a `GatehouseError` from this or another copy of this package (two bundles,
 * or two versions, on one page): it reads a brand that every copy shares.
 * `instanceof GatehouseError` does the same.
 */
export function isGatehouseError(error: unknown): error is GatehouseError;
"#;

#[cfg(test)]
#[path = "../tests/bindings_typescript.rs"]
mod tests;
