// The Gatehouse demo: a three-step sign-up (details, verify, done) on the
// Gatehouse SDK. Everything the page knows about the instance comes from
// `gh.environment`; everything it knows about the sign-up comes from the
// SignUp object, which the SDK updates in place after every call.

import {
  camel, renderFields, readParams, clearErrors, showFieldError,
  missingMessage, errorMessage, fieldLabel,
} from "./fields.js";
import { Outbox } from "./outbox.js";

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

const ICONS = {
  mail: '<svg viewBox="0 0 24 24" focusable="false"><rect x="3" y="5" width="18" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M4 7l8 6 8-6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
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
  },
  failedMessage: $("failed-message"),
  failedDetail: $("failed-detail"),
  retryLoad: $("retry-load"),
  detailsForm: $("details-form"),
  detailsAlert: $("details-alert"),
  detailsSubmit: $("details-submit"),
  fields: $("fields"),
  restrictedNote: $("restricted-note"),
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
  if (state.env.devMode) {
    ui.devBadge.hidden = false;
    state.outbox ??= new Outbox(location.origin);
    state.outbox.start();
  }
  showStep("details", "Your details");
  ui.detailsForm.querySelector("input")?.focus();
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
  ui.restrictedNote.hidden = state.env.signUp.mode !== "restricted";
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
    state.signUp = canUpdate(state.signUp, params)
      ? await state.signUp.update(params)
      : await state.gh.signUp.create(params);
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
  ui.detailsForm.reset();
  clearErrors(ui.detailsForm);
  hideAlert(ui.detailsAlert);
  showStep("details", "Your details");
  ui.detailsForm.querySelector("input")?.focus();
}

// ---------------------------------------------------------------- wiring

ui.detailsForm.addEventListener("submit", submitDetails);
ui.verifyForm.addEventListener("submit", submitCode);
ui.resend.addEventListener("click", () => sendCode());
ui.back.addEventListener("click", backToDetails);
ui.startOver.addEventListener("click", startOver);
// Digits only in the code box; a pasted "123 456" still works.
ui.code.addEventListener("input", () => {
  const digits = ui.code.value.replace(/\D+/g, "").slice(0, 6);
  if (digits !== ui.code.value) ui.code.value = digits;
});

start();
