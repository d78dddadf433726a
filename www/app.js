// The Gatehouse demo on the Gatehouse SDK: a three-step sign-up (details,
// verify, done), also from an invitation link (`?__gh_ticket=`), and a
// sign-in that ends on a signed-in view (the session, its token, sign out).
// Everything the page knows about the instance comes from `gh.environment`;
// everything it knows about the sign-up, the sign-in and the session comes
// from `gh.signUp`, `gh.signIn` and `gh.session`, which the SDK keeps
// current after every call.

import {
  camel, renderFields, readParams, clearErrors, showFieldError,
  missingMessage, errorMessage, fieldLabel,
} from "./fields.js";
import { Outbox } from "./outbox.js";
import { setUpInvite } from "./invite.js";

const SDK_URL = "/pkg/gatehouse.js";
/** The server's default minimum gap between two codes to one address. */
const RESEND_SECONDS = 30;

/** How each verifiable field is verified and talked about. */
const VERIFY = {
  email_address: {
    strategy: "email_code", noun: "email", title: "Verify your email",
    back: "Use a different email", verified: "Email address verified.",
  },
  phone_number: {
    strategy: "phone_code", noun: "phone number", title: "Verify your phone number",
    back: "Use a different phone number", verified: "Phone number verified.",
  },
};

/** The query parameter of an invitation link. */
const TICKET_PARAM = "__gh_ticket";

const ICONS = {
  mail: '<svg viewBox="0 0 24 24" focusable="false"><rect x="3" y="5" width="18" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M4 7l8 6 8-6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
  invite: '<svg viewBox="0 0 24 24" focusable="false"><path d="M3.5 9.5 12 4l8.5 5.5V19a1.5 1.5 0 0 1-1.5 1.5H5A1.5 1.5 0 0 1 3.5 19z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><path d="M4 10l8 5.5 8-5.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
  phone: '<svg viewBox="0 0 24 24" focusable="false"><rect x="6.5" y="2.5" width="11" height="19" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M10.5 18.5h3" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>',
};

const $ = (id) => document.getElementById(id);

const ui = {
  card: $("card"),
  progress: $("progress"),
  progressLabel: $("progress-label"),
  steps: {
    loading: $("step-loading"),
    failed: $("step-failed"),
    details: $("step-details"),
    verify: $("step-verify"),
    done: $("step-done"),
    notice: $("step-notice"),
    signIn: $("step-sign-in"),
    signedIn: $("step-signed-in"),
  },
  failedMessage: $("failed-message"),
  failedDetail: $("failed-detail"),
  retryLoad: $("retry-load"),
  detailsTitle: $("details-title"),
  detailsLede: $("details-lede"),
  detailsIcon: $("details-icon"),
  detailsForm: $("details-form"),
  detailsAlert: $("details-alert"),
  detailsSubmit: $("details-submit"),
  fields: $("fields"),
  noticeTitle: $("notice-title"),
  noticeDesc: $("notice-desc"),
  noticeSignUp: $("notice-sign-up"),
  signInForm: $("sign-in-form"),
  signInAlert: $("sign-in-alert"),
  signInNotice: $("sign-in-notice"),
  signInSubmit: $("sign-in-submit"),
  identifier: $("identifier"),
  password: $("current-password"),
  signedInDesc: $("signed-in-desc"),
  signedInAlert: $("signed-in-alert"),
  signedInSession: $("signed-in-session-id"),
  signedInUser: $("signed-in-user-id"),
  token: $("token"),
  tokenNote: $("token-note"),
  tokenClaims: $("token-claims"),
  tokenJwt: $("token-jwt"),
  getToken: $("get-token"),
  signOut: $("sign-out"),
  verifyTitle: $("verify-title"),
  verifyIcon: $("verify-icon"),
  verifyDesc: $("verify-desc"),
  verifyAlert: $("verify-alert"),
  verifyNotice: $("verify-notice"),
  verifyForm: $("verify-form"),
  verifySubmit: $("verify-submit"),
  code: $("code"),
  resend: $("resend"),
  back: $("back-to-details"),
  backLabel: $("back-label"),
  doneDesc: $("done-desc"),
  doneUser: $("done-user-id"),
  doneSession: $("done-session-id"),
  startOver: $("start-over"),
  devBadge: $("dev-badge"),
};

const state = {
  sdk: null,
  gh: null,
  env: null,
  outbox: null,
  /** Wire names of the fields rendered in the details form. */
  fieldNames: [],
  /** The SignUp (the SDK keeps it current). */
  signUp: null,
  /** The ticket of the invitation link this page was opened with, once it started a sign-up. */
  ticket: null,
  /** The wire name of the field being verified. */
  verifying: null,
  /** address -> epoch ms before which no new code can be sent to it. */
  resendAt: new Map(),
  countdown: null,
};

// ---------------------------------------------------------------- steps

const STEP_INDEX = { details: 1, verify: 2, done: 3 };

function showStep(name, label) {
  for (const [key, node] of Object.entries(ui.steps)) node.hidden = key !== name;
  ui.card.setAttribute("aria-busy", name === "loading" ? "true" : "false");
  const index = STEP_INDEX[name];
  ui.progress.hidden = !index;
  if (!index) return;
  ui.progressLabel.textContent = `Step ${index} of 3 — ${label}`;
  for (const li of ui.progress.querySelectorAll("li")) {
    const i = STEP_INDEX[li.dataset.step];
    li.classList.toggle("is-complete", i < index);
    li.classList.toggle("is-current", i === index);
    if (i === index) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
    let done = li.querySelector(".visually-hidden");
    if (i < index && !done) {
      done = document.createElement("span");
      done.className = "visually-hidden";
      done.textContent = " (completed)";
      li.append(done);
    } else if (i >= index && done) {
      done.remove();
    }
  }
}

/** Shows a message in a form's alert; `tone` "warn" is for waits, not faults. */
function showAlert(node, message, tone = "error") {
  node.textContent = message;
  node.classList.toggle("form-alert--warn", tone === "warn");
  node.hidden = false;
}

function hideAlert(node) {
  node.hidden = true;
  node.textContent = "";
  node.classList.remove("form-alert--warn");
}

function setBusy(button, busy, busyLabel) {
  const label = button.querySelector(".btn-label");
  if (busy) {
    button.dataset.label = label.textContent;
    label.textContent = busyLabel;
    button.disabled = true;
    button.classList.add("is-busy");
  } else {
    if (button.dataset.label) label.textContent = button.dataset.label;
    button.disabled = false;
    button.classList.remove("is-busy");
  }
}

/** A message for errors that belong to no field. */
function generalMessage(err) {
  switch (err?.code) {
    case "network_error":
      return "We couldn’t reach the server. Check your connection and try again.";
    case "rate_limited":
      return err.retryAfter
        ? `Too many attempts. Try again in ${err.retryAfter} seconds.`
        : "Too many attempts. Wait a moment and try again.";
    case "response_invalid":
    case "internal_error":
      return "Something went wrong on our side. Please try again.";
    case "sign_up_not_found":
    case "sign_up_not_modifiable":
      return "This sign-up has expired or was replaced. Go back and submit your details again.";
    case "ticket_invalid":
      return "This invitation can no longer be used: it was withdrawn, replaced or already used.";
    case "ticket_expired":
      return "This invitation has expired. Ask for a new one.";
    case "sign_up_restricted":
      return "New accounts are by invitation only.";
    case "session_not_found":
      return "This session has ended. Sign in again.";
    case undefined:
      return "Something unexpected happened. Please try again.";
    default:
      return err.message || "Something went wrong. Please try again.";
  }
}

/**
 * Shows an SDK error: each error with a param next to its field, the rest
 * in the form's alert. Returns the first input that got an error.
 */
function showErrors(form, alert, err, { fallbackParam } = {}) {
  const list = Array.isArray(err?.errors) && err.errors.length ? err.errors : [err];
  let first = null;
  const general = [];
  for (const e of list) {
    const param = e?.meta?.paramName ?? fallbackParam;
    const input = param ? showFieldError(form, param, errorMessage(e, state.env)) : null;
    if (input) first ??= input;
    else general.push(generalMessage(e));
  }
  if (general.length) showAlert(alert, [...new Set(general)].join(" "));
  if (!(err && err.name === "GatehouseError")) console.error(err);
  return first;
}

// ---------------------------------------------------------------- loading

async function start() {
  showStep("loading");
  if (!state.sdk) {
    try {
      const sdk = await import(SDK_URL);
      await sdk.default();
      state.sdk = sdk;
    } catch (err) {
      console.error(err);
      return failed(
        "The sign-up module didn’t load.",
        `Couldn’t load ${SDK_URL}. Build the SDK (scripts/build-pkg.sh) and start the server with --pkg pkg.`,
        true,
      );
    }
  }
  try {
    state.gh = await state.sdk.Gatehouse.load({ frontendApi: location.origin });
  } catch (err) {
    console.error(err);
    return failed(
      err?.code === "network_error"
        ? "The sign-up service isn’t answering right now. Check your connection and try again."
        : "The sign-up service answered with an error.",
      err?.message ? `${err.message}${err.code ? ` (${err.code})` : ""}` : "",
      false,
    );
  }
  state.env = state.gh.environment;
  setUpDetails();
  if (state.env.devMode && !state.outbox) {
    ui.devBadge.hidden = false;
    state.outbox = new Outbox(location.origin);
    state.outbox.start();
    setUpInvite(location.origin, state.outbox);
  }
  const ticket = new URLSearchParams(location.search).get(TICKET_PARAM);
  if (ticket) return startInvitation(ticket);
  if (state.gh.session) return showSignedIn();
  showSignUp();
}

/** The sign-up form, or "invitation only" when the instance takes no other sign-ups. */
function showSignUp() {
  if (state.env.signUp.mode === "restricted" && !state.ticket) {
    return showNotice(
      "Invitation only",
      "New accounts on this instance are by invitation only. If you were invited, open the link in your invitation email.",
    );
  }
  hideAlert(ui.detailsAlert);
  showStep("details", "Your details");
  ui.detailsForm.querySelector("input")?.focus();
}

/** A step with a heading and a message, and the way to sign in (or to sign up). */
function showNotice(title, message, { signUp = false } = {}) {
  ui.noticeTitle.textContent = title;
  ui.noticeDesc.textContent = message;
  ui.noticeSignUp.hidden = !signUp;
  showStep("notice");
  ui.noticeTitle.focus();
}

function failed(message, detail, reloadPage) {
  ui.failedMessage.textContent = message;
  ui.failedDetail.textContent = detail;
  ui.failedDetail.hidden = !detail;
  ui.retryLoad.onclick = reloadPage ? () => location.reload() : () => start();
  showStep("failed");
  $("failed-title").focus();
}

// ---------------------------------------------------------------- step 1: details

function setUpDetails() {
  state.fieldNames = renderFields(ui.fields, state.env);
  ui.detailsTitle.textContent = "Create your account";
  ui.detailsLede.textContent = "Sign up in a minute. We’ll send you a code to confirm it’s you.";
  ui.detailsIcon.replaceChildren();
}

// ---------------------------------------------------------------- invitations

/**
 * Opened from an invitation link: start the sign-up with its ticket (the
 * server fills in the invited email, already verified), then ask for the
 * rest on the details step.
 */
async function startInvitation(ticket) {
  let signUp;
  try {
    signUp = await state.gh.signUp.create({ strategy: "ticket", ticket });
  } catch (err) {
    return invitationFailed(err);
  }
  state.ticket = ticket;
  state.signUp = signUp;
  // The email is the invitation's: the form asks for everything else.
  ui.fields.querySelector('[data-field="email_address"]')?.remove();
  state.fieldNames = state.fieldNames.filter((name) => name !== "email_address");
  ui.detailsTitle.textContent = "You’re invited";
  const strong = document.createElement("strong");
  strong.className = "address";
  strong.textContent = signUp.emailAddress;
  ui.detailsLede.replaceChildren(
    "Create your account for ", strong, ". Your invitation already confirmed this email address.",
  );
  ui.detailsIcon.innerHTML = ICONS.invite;
  if (signUp.status === "complete") return showDone();
  showSignUp();
}

function invitationFailed(err) {
  if (!err || err.name !== "GatehouseError") console.error(err);
  const [title, message] = {
    ticket_expired: ["This invitation has expired", "Ask the person who invited you for a new invitation."],
    form_identifier_exists: ["You already have an account", "An account with the invited email address exists. Sign in instead."],
    network_error: ["We can’t reach Gatehouse", "The sign-up service isn’t answering right now. Reload the page to try again."],
  }[err?.code] ?? [
    "This invitation can’t be used",
    "The link is not valid, was already used, or the invitation was withdrawn. Ask for a new invitation.",
  ];
  showNotice(title, message, { signUp: state.env.signUp.mode !== "restricted" });
}

/** Takes the used ticket out of the address, so a reload starts afresh. */
function forgetTicket() {
  if (!new URLSearchParams(location.search).has(TICKET_PARAM)) return;
  const url = new URL(location.href);
  url.searchParams.delete(TICKET_PARAM);
  history.replaceState(history.state, "", url);
}

async function submitDetails(event) {
  event.preventDefault();
  if (ui.detailsSubmit.disabled) return;
  const form = ui.detailsForm;
  clearErrors(form);
  hideAlert(ui.detailsAlert);
  const params = readParams(form, state.fieldNames);

  setBusy(ui.detailsSubmit, true, "Creating account…");
  try {
    // Back from the code step with nothing removed: update the same
    // sign-up, so a code already sent (to an unchanged address) still
    // works. Otherwise start afresh: a field cannot be un-supplied, and the
    // server abandons the client's earlier sign-up.
    // From an invitation, a new start keeps the ticket.
    const ticket = state.ticket ? { strategy: "ticket", ticket: state.ticket } : {};
    state.signUp = canUpdate(state.signUp, params)
      ? await state.signUp.update(params)
      : await state.gh.signUp.create({ ...params, ...ticket });
  } catch (err) {
    setBusy(ui.detailsSubmit, false);
    const first = showErrors(form, ui.detailsAlert, err);
    (first ?? ui.detailsAlert).focus?.();
    return;
  }
  setBusy(ui.detailsSubmit, false);
  continueSignUp();
}

/** Whether `params` can go to the current sign-up as an update. */
function canUpdate(signUp, params) {
  if (!signUp || signUp.status !== "missing_requirements") return false;
  return state.fieldNames.every((name) => {
    const key = camel(name);
    if (key in params) return true;
    if (name === "password") return !signUp.hasPassword;
    if (name === "legal_accepted") return !signUp.legalAccepted;
    return signUp[key] == null;
  });
}

/** Reports the sign-up's missing fields next to them. */
function reportMissing(missing) {
  const form = ui.detailsForm;
  let first = null;
  const elsewhere = [];
  for (const name of missing) {
    const input = showFieldError(form, name, missingMessage(name));
    if (input) first ??= input;
    else elsewhere.push(fieldLabel(name));
  }
  if (elsewhere.length) {
    showAlert(ui.detailsAlert, `Still needed: ${elsewhere.join(", ")}.`);
  }
  showStep("details", "Your details");
  first?.focus();
}

/** Goes wherever the sign-up needs to go next. */
function continueSignUp() {
  const signUp = state.signUp;
  if (signUp.status === "complete") return showDone();
  if (signUp.missingFields.length) return reportMissing(signUp.missingFields);
  const next = signUp.unverifiedFields.find((f) => VERIFY[f]);
  if (next) return beginVerification(next);
  showStep("details", "Your details");
  showAlert(
    ui.detailsAlert,
    signUp.unverifiedFields.length
      ? `This page can’t verify ${signUp.unverifiedFields.map(fieldLabel).join(", ")} yet.`
      : "The sign-up couldn’t be completed. Please try again.",
  );
}

// ---------------------------------------------------------------- step 2: verify

function addressOf(field) {
  return state.signUp[camel(field)] ?? "";
}

function strategyFor(field) {
  const wanted = VERIFY[field].strategy;
  const verification = state.signUp.verifications?.[camel(field)];
  const supported = verification?.supportedStrategies
    ?? state.env.signUp.attributes[camel(field)]?.verificationStrategies
    ?? [];
  return supported.length === 0 || supported.includes(wanted) ? wanted : null;
}

function beginVerification(field, { notice } = {}) {
  const info = VERIFY[field];
  state.verifying = field;
  state.outbox?.highlight([state.signUp.emailAddress, state.signUp.phoneNumber]);
  ui.verifyTitle.textContent = info.title;
  ui.verifyIcon.innerHTML = field === "phone_number" ? ICONS.phone : ICONS.mail;
  ui.backLabel.textContent = info.back;
  setVerifyDescription(field, false);
  ui.code.value = "";
  clearErrors(ui.verifyForm);
  hideAlert(ui.verifyAlert);
  ui.verifyNotice.textContent = notice ?? "";
  showStep("verify", info.title);
  ui.code.focus();
  tickResend();

  const verification = state.signUp.verifications?.[camel(field)];
  const pending = verification?.nextAction === "needs_attempt" && verification.status === "unverified";
  if (pending) setVerifyDescription(field, true);
  else sendCode({ automatic: true });
}

function setVerifyDescription(field, sent) {
  const address = addressOf(field);
  const strong = document.createElement("strong");
  strong.className = "address";
  strong.textContent = address;
  if (sent) {
    ui.verifyDesc.replaceChildren(
      "We sent a 6-digit code to ", strong, ". Enter it below to confirm it’s yours.",
    );
  } else {
    ui.verifyDesc.replaceChildren("Sending a 6-digit code to ", strong, "…");
  }
}

async function sendCode({ automatic = false } = {}) {
  const field = state.verifying;
  const strategy = strategyFor(field);
  hideAlert(ui.verifyAlert);
  if (!strategy) {
    showAlert(ui.verifyAlert, `This instance doesn’t verify your ${VERIFY[field].noun} by code.`);
    return;
  }
  const address = addressOf(field);
  ui.resend.disabled = true;
  ui.resend.textContent = "Sending…";
  try {
    await state.signUp.prepareVerification({ strategy });
    state.resendAt.set(address, Date.now() + RESEND_SECONDS * 1000);
    if (state.verifying !== field) return;
    setVerifyDescription(field, true);
    if (!automatic) {
      ui.verifyNotice.textContent = `We sent a new code to ${address}.`;
      clearErrors(ui.verifyForm);
      ui.code.value = "";
      ui.code.focus();
    }
    state.outbox?.refresh();
  } catch (err) {
    if (state.verifying !== field) return;
    if (err?.code === "verification_already_verified") {
      await refreshSignUp();
      return continueSignUp();
    }
    if (err?.code === "verification_code_too_many_requests" || (err?.status === 429 && err.retryAfter)) {
      const wait = Number.isFinite(err.retryAfter) && err.retryAfter > 0 ? err.retryAfter : RESEND_SECONDS;
      state.resendAt.set(address, Date.now() + wait * 1000);
      setVerifyDescription(field, true);
      showAlert(
        ui.verifyAlert,
        "A code was sent to this address moments ago. Please wait before asking for another one.",
        "warn",
      );
    } else {
      showErrors(ui.verifyForm, ui.verifyAlert, err);
    }
  } finally {
    tickResend();
  }
}

/** Keeps the Resend button's state and countdown current. */
function tickResend() {
  clearInterval(state.countdown);
  state.countdown = null;
  if (!state.verifying) return;
  const update = () => {
    const until = state.resendAt.get(addressOf(state.verifying)) ?? 0;
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left > 0) {
      ui.resend.disabled = true;
      ui.resend.textContent = `Resend code in ${left}s`;
      return true;
    }
    ui.resend.disabled = false;
    ui.resend.textContent = "Resend code";
    return false;
  };
  if (update()) {
    state.countdown = setInterval(() => {
      if (!update()) {
        clearInterval(state.countdown);
        state.countdown = null;
      }
    }, 250);
  }
}

async function refreshSignUp() {
  try {
    await state.signUp.reload();
  } catch {
    // The next call reports it.
  }
}

async function submitCode(event) {
  event.preventDefault();
  if (ui.verifySubmit.disabled) return;
  const field = state.verifying;
  const form = ui.verifyForm;
  clearErrors(form);
  hideAlert(ui.verifyAlert);
  ui.verifyNotice.textContent = "";
  const code = ui.code.value.replace(/\s+/g, "");
  if (code === "") {
    showFieldError(form, "code", "Enter the code we sent you.");
    ui.code.focus();
    return;
  }
  const strategy = strategyFor(field);
  setBusy(ui.verifySubmit, true, "Verifying…");
  try {
    await state.signUp.attemptVerification({ strategy, code });
  } catch (err) {
    setBusy(ui.verifySubmit, false);
    const aboutCode = /^(form_code_incorrect|verification_(failed|expired|not_sent))$/.test(err?.code ?? "");
    showErrors(form, ui.verifyAlert, err, { fallbackParam: aboutCode ? "code" : undefined });
    if (err?.code === "verification_failed" || err?.code === "verification_expired") {
      showFieldError(form, "code", `${err.code === "verification_failed"
        ? "Too many wrong codes." : "This code has expired."} Ask for a new code below.`);
    }
    ui.code.focus();
    ui.code.select();
    return;
  }
  setBusy(ui.verifySubmit, false);
  const info = VERIFY[field];
  if (state.signUp.status === "complete") return showDone();
  const next = state.signUp.unverifiedFields.find((f) => VERIFY[f] && f !== field);
  if (next) return beginVerification(next, { notice: `${info.verified} One more step.` });
  continueSignUp();
}

function backToDetails() {
  const field = state.verifying;
  state.verifying = null;
  tickResend();
  hideAlert(ui.detailsAlert);
  showStep("details", "Your details");
  const input = field && ui.detailsForm.querySelector(`#${field}`);
  if (input) {
    input.focus();
    input.select?.();
  }
}

// ---------------------------------------------------------------- step 3: done

function showDone() {
  state.verifying = null;
  tickResend();
  forgetTicket();
  const s = state.signUp;
  ui.doneUser.textContent = s.createdUserId ?? "—";
  ui.doneSession.textContent = s.createdSessionId ?? "—";
  const who = s.emailAddress ?? s.phoneNumber ?? s.username;
  ui.doneDesc.textContent = [
    s.firstName ? `Welcome, ${s.firstName}.` : "Welcome.",
    who ? `Your account for ${who} is ready` : "Your account is ready",
    "and you’re signed in on this device.",
  ].join(" ");
  showStep("done", "Done");
  $("done-title").focus();
}

function startOver() {
  state.signUp = null;
  state.ticket = null;
  setUpDetails();
  ui.detailsForm.reset();
  clearErrors(ui.detailsForm);
  showSignUp();
}

// ---------------------------------------------------------------- sign in

function showSignIn({ notice } = {}) {
  state.verifying = null;
  tickResend();
  clearErrors(ui.signInForm);
  hideAlert(ui.signInAlert);
  ui.signInNotice.textContent = notice ?? "";
  showStep("signIn");
  (ui.identifier.value ? ui.password : ui.identifier).focus();
}

/** What to say about a sign-in error next to its field. */
function signInMessage(err) {
  switch (err.code) {
    case "form_identifier_not_found": return "No account uses this email address or username.";
    case "form_password_incorrect": return "That password isn’t right. Check it and try again.";
    case "form_param_format_invalid": return "Enter a valid email address or username.";
    case "form_param_missing":
      return err.meta?.paramName === "password" ? "Enter your password." : "Enter your email address or username.";
    default: return err.message;
  }
}

async function submitSignIn(event) {
  event.preventDefault();
  if (ui.signInSubmit.disabled) return;
  const form = ui.signInForm;
  clearErrors(form);
  hideAlert(ui.signInAlert);
  ui.signInNotice.textContent = "";
  const identifier = ui.identifier.value.trim();
  const password = ui.password.value;
  const missing = [
    !identifier && showFieldError(form, "identifier", "Enter your email address or username."),
    !password && showFieldError(form, "current-password", "Enter your password."),
  ].find(Boolean);
  if (missing) return missing.focus();

  setBusy(ui.signInSubmit, true, "Signing in…");
  try {
    await state.gh.signIn.create({ identifier, password });
  } catch (err) {
    setBusy(ui.signInSubmit, false);
    // The SDK names the field at fault; this form's password input is "current-password".
    const inputs = { identifier: "identifier", password: "current-password" };
    const list = Array.isArray(err?.errors) && err.errors.length ? err.errors : [err];
    let first = null;
    const general = [];
    for (const e of list) {
      const input = inputs[e?.meta?.paramName] && showFieldError(form, inputs[e.meta.paramName], signInMessage(e));
      if (input) first ??= input;
      else general.push(generalMessage(e));
    }
    if (general.length) showAlert(ui.signInAlert, [...new Set(general)].join(" "));
    if (!(err && err.name === "GatehouseError")) console.error(err);
    (first ?? ui.signInAlert).focus?.();
    first?.select?.();
    return;
  }
  setBusy(ui.signInSubmit, false);
  ui.password.value = "";
  showSignedIn();
}

// ---------------------------------------------------------------- signed in

function showSignedIn() {
  const session = state.gh.session;
  if (!session) return showSignIn();
  ui.signedInSession.textContent = session.id;
  ui.signedInUser.textContent = session.userId;
  const signIn = state.gh.signIn;
  const who = signIn.status === "complete" && signIn.createdSessionId === session.id ? signIn.identifier : null;
  ui.signedInDesc.textContent = who
    ? `Welcome back, ${who}. You’re signed in on this device.`
    : "You’re signed in on this device.";
  hideAlert(ui.signedInAlert);
  ui.token.hidden = true;
  showStep("signedIn");
  $("signed-in-title").focus();
}

/** The claims of a JWT (its middle part, base64url JSON), for display only. */
function jwtClaims(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

async function getToken() {
  if (ui.getToken.disabled) return;
  hideAlert(ui.signedInAlert);
  const session = state.gh.session;
  if (!session) return showSignIn({ notice: "Your session has ended. Sign in again." });
  setBusy(ui.getToken, true, "Getting a token…");
  let jwt;
  try {
    jwt = await session.getToken();
  } catch (err) {
    setBusy(ui.getToken, false);
    // Signed out elsewhere (another tab, or the account was removed).
    if (err?.code === "session_not_found") return showSignIn({ notice: generalMessage(err) });
    showAlert(ui.signedInAlert, generalMessage(err));
    return;
  }
  setBusy(ui.getToken, false);
  const claims = jwtClaims(jwt);
  const time = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const rows = [
    ["Subject (sub): the user", claims.sub],
    ["Session (sid)", claims.sid],
    ["Issuer (iss)", claims.iss],
    ["Issued at (iat)", `${claims.iat} · ${time(claims.iat)}`],
    ["Expires (exp)", `${claims.exp} · ${time(claims.exp)}`],
    ["Token id (jti)", claims.jti],
  ];
  ui.tokenClaims.replaceChildren(...rows.map(([label, value]) => {
    const row = document.createElement("div");
    row.className = "id-row";
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    const code = document.createElement("code");
    code.textContent = String(value);
    dd.append(code);
    row.append(dt, dd);
    return row;
  }));
  ui.tokenJwt.value = jwt;
  ui.tokenNote.textContent =
    `Valid for ${claims.exp - claims.iat} seconds; asking again before then gives the same token. ` +
    "Your backend verifies it with the keys at /.well-known/jwks.json.";
  ui.token.hidden = false;
}

async function signOut() {
  if (ui.signOut.disabled) return;
  hideAlert(ui.signedInAlert);
  setBusy(ui.signOut, true, "Signing out…");
  try {
    await state.gh.signOut();
  } catch (err) {
    setBusy(ui.signOut, false);
    showAlert(ui.signedInAlert, generalMessage(err));
    return;
  }
  setBusy(ui.signOut, false);
  ui.identifier.value = "";
  showSignIn({ notice: "You’ve signed out." });
}

// ---------------------------------------------------------------- wiring

ui.detailsForm.addEventListener("submit", submitDetails);
ui.verifyForm.addEventListener("submit", submitCode);
ui.resend.addEventListener("click", () => sendCode());
ui.back.addEventListener("click", backToDetails);
ui.startOver.addEventListener("click", startOver);
ui.signInForm.addEventListener("submit", submitSignIn);
ui.getToken.addEventListener("click", getToken);
ui.signOut.addEventListener("click", signOut);
ui.noticeSignUp.addEventListener("click", () => {
  state.ticket = null;
  forgetTicket();
  startOver();
});
for (const button of document.querySelectorAll("[data-go]")) {
  button.addEventListener("click", () => (button.dataset.go === "sign-in" ? showSignIn() : showSignUp()));
}
// The sign-in form's Show/Hide password button.
for (const toggle of ui.signInForm.querySelectorAll(".reveal")) {
  toggle.addEventListener("click", () => {
    const shown = ui.password.type === "text";
    ui.password.type = shown ? "password" : "text";
    toggle.textContent = shown ? "Show" : "Hide";
    toggle.setAttribute("aria-pressed", String(!shown));
  });
}
// Digits only in the code box; a pasted "123 456" still works.
ui.code.addEventListener("input", () => {
  const digits = ui.code.value.replace(/\D+/g, "").slice(0, 6);
  if (digits !== ui.code.value) ui.code.value = digits;
});

start();
