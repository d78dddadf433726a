// The "Two-step verification" panel: turning the TOTP second factor on
// (`gh.user.createTOTP()`, a QR code of its otpauth:// URI and the setup
// key as text, then `verifyTOTP({ code })` with a code from the app, which
// answers the ten backup codes, shown once) and off (`disableTOTP({ code })`
// with a code from the app or a backup code).
//
// `showTotpPanel(container, { on, changed })` renders the panel into any
// container: the signed-in view uses it, and so can a step that asks a
// user to enrol before going on.

import { clearErrors, showFieldError } from "./fields.js";
import { generalMessage, showErrors } from "./errors.js";
import { state } from "./state.js";
import { el, showAlert, hideAlert, setBusy } from "./ui.js";

/** qrcode-generator, copied to www/vendor/ by scripts/vendor-demo.sh (not committed). */
const QR_MODULE = "./vendor/qrcode-generator.mjs";

/** A button the way the page's buttons are made (`setBusy` needs the label span). */
function button(label, className, attrs = {}) {
  return el("button", { type: attrs.type ?? "button", class: `btn ${className}`, ...attrs },
    el("span", { class: "btn-label", text: label }));
}

/** The code field of a form: `id`, its label and hint; digits only when `digits`. */
function codeField(id, label, hint, { digits }) {
  const input = el("input", {
    id, name: "code", type: "text", class: digits ? "code-input" : "input",
    inputmode: digits ? "numeric" : "text", autocomplete: digits ? "one-time-code" : "off",
    maxlength: digits ? "6" : null, required: true, "aria-required": "true",
    "aria-describedby": `${id}-hint`, spellcheck: "false", autocapitalize: "off",
  });
  if (digits) {
    input.addEventListener("input", () => {
      const only = input.value.replace(/\D+/g, "").slice(0, 6);
      if (only !== input.value) input.value = only;
    });
  }
  const field = el("div", { class: "field" },
    el("label", { for: id, text: label }), input, el("p", { class: "hint", id: `${id}-hint`, text: hint }));
  return { field, input };
}

/** The setup key in groups of four, as authenticator apps show and take it. */
function grouped(secret) {
  return secret.replace(/\s+/g, "").replace(/(.{4})(?=.)/g, "$1 ");
}

/**
 * Renders the otpauth:// URI as a QR code (an SVG image) into `figure`;
 * without the library, says to use the key below instead.
 */
async function renderQr(figure, uri) {
  let qrcode;
  try {
    ({ default: qrcode } = await import(QR_MODULE));
  } catch (err) {
    console.warn("qrcode-generator is missing (run scripts/vendor-demo.sh):", err);
    figure.replaceChildren(el("p", { class: "hint", text: "The QR code can’t be shown here: enter the setup key below instead." }));
    return;
  }
  // Type 0: the smallest that fits; "M": 15 % of it can be lost and still read.
  const qr = qrcode(0, "M");
  qr.addData(uri);
  qr.make();
  // 4 px a module, and the quiet zone of 4 modules around it that readers need.
  const size = qr.getModuleCount() * 4 + 32;
  const img = el("img", {
    class: "qr-image", alt: "QR code for your authenticator app",
    src: qr.createDataURL(4, 16), width: String(size), height: String(size),
  });
  figure.replaceChildren(img);
}

/**
 * Shows the two-step verification panel in `container`.
 * - `on`: whether TOTP is on (true or false), or null when not known (the
 *   panel offers to turn it on, and shows it on if the server says it is).
 * - `changed(on)`: called when it was turned on (after the backup codes were
 *   acknowledged) or off, or found on.
 * - `signedOut()`: called when the session has ended (signed out elsewhere).
 */
export function showTotpPanel(container, { on = null, changed = () => {}, signedOut = () => {} } = {}) {
  const prefix = container.id || "totp";
  const titleId = `${prefix}-title`;
  const status = el("p", { class: "panel-status" });
  const notice = el("div", { class: "form-notice", role: "status" });
  const alert = el("div", { class: "form-alert", role: "alert", hidden: true });
  const body = el("div", { class: "panel-body" });
  const section = el("section", { class: "panel", "aria-labelledby": titleId },
    el("h2", { id: titleId, text: "Two-step verification" }), status, notice, alert, body);
  container.replaceChildren(section);
  /** What the panel knows: on (true), off (false), or not known (null). */
  let current = on;
  function report(isOn) {
    current = isOn;
    changed(isOn);
  }

  /** The status line: an On or Off badge and `text`; none when `isOn` is null (not known). */
  function setStatus(isOn, text) {
    status.hidden = isOn === null;
    if (isOn === null) return status.replaceChildren();
    status.replaceChildren(
      el("span", { class: `badge ${isOn ? "badge--on" : "badge--off"}`, text: isOn ? "On" : "Off" }), " ", text);
  }

  /** The user, or null (and the session-ended callback) when signed out. */
  function user() {
    const u = state.gh.user;
    if (!u) signedOut();
    return u;
  }

  /** Handles what every call can answer; true when it was handled. */
  function ended(err) {
    if (err?.code !== "session_not_found") return false;
    signedOut();
    return true;
  }

  function showOff({ message } = {}) {
    if (current !== null) setStatus(false, "Signing in takes your password only.");
    else setStatus(null);
    notice.textContent = message ?? "";
    hideAlert(alert);
    const start = button("Turn on", "btn-secondary btn-block", { "aria-describedby": `${prefix}-off-desc` });
    start.addEventListener("click", () => turnOn(start));
    body.replaceChildren(
      el("p", { class: "muted small", id: `${prefix}-off-desc`,
        text: "Add a second step to signing in: after your password, a 6-digit code from an authenticator app on your phone." }),
      start);
  }

  function showOn({ message } = {}) {
    setStatus(true, "Signing in asks for a code from your authenticator app.");
    notice.textContent = message ?? "";
    hideAlert(alert);
    const stop = button("Turn off", "btn-secondary btn-block");
    stop.addEventListener("click", showTurnOff);
    body.replaceChildren(stop);
  }

  async function turnOn(start) {
    if (start.disabled) return;
    const u = user();
    if (!u) return;
    hideAlert(alert);
    notice.textContent = "";
    setBusy(start, true, "Starting…");
    let totp;
    try {
      totp = await u.createTOTP();
    } catch (err) {
      setBusy(start, false);
      if (ended(err)) return;
      if (err?.code === "totp_already_enabled") {
        report(true);
        return showOn({ message: "Two-step verification is already on for your account." });
      }
      showAlert(alert, generalMessage(err));
      return;
    }
    showEnrol(totp);
  }

  function showEnrol({ secret, uri }) {
    setStatus(false, "Finish setting it up below.");
    hideAlert(alert);
    const figure = el("div", { class: "qr" }, el("div", { class: "spinner spinner--small", "aria-hidden": "true" }));
    renderQr(figure, uri);
    const keyId = `${prefix}-key`;
    const key = el("input", {
      id: keyId, class: "input setup-key", type: "text", readonly: true, spellcheck: "false",
      value: grouped(secret), "aria-describedby": `${keyId}-hint`,
    });
    key.addEventListener("focus", () => key.select());
    const { field, input } = codeField(`${prefix}-enrol-code`, "Code from the app",
      "The 6-digit code the app shows for Gatehouse.", { digits: true });
    const submit = button("Verify and turn on", "btn-primary btn-block", { type: "submit" });
    const cancel = button("Cancel", "btn-link");
    const form = el("form", { novalidate: true }, field, submit);
    form.addEventListener("submit", (event) => verify(event, form, input, submit));
    cancel.addEventListener("click", () => showOff());
    body.replaceChildren(
      el("ol", { class: "enrol-steps" },
        el("li", {},
          el("p", { text: "Scan this QR code with an authenticator app (Google Authenticator, 1Password, Authy, Aegis…)." }),
          figure,
          el("p", { class: "small" }, el("a", { href: uri, class: "otpauth-link", text: "Open in an authenticator app on this device" }))),
        el("li", {},
          el("p", { text: "Can’t scan it? Type this setup key into the app instead." }),
          el("div", { class: "field" },
            el("label", { for: keyId, text: "Setup key" }),
            key,
            el("p", { class: "hint", id: `${keyId}-hint`, text: "Time-based, 6 digits, every 30 seconds." }))),
        el("li", {},
          el("p", { text: "Enter the code the app shows, to check it works." }),
          form)),
      el("p", { class: "panel-actions" }, cancel));
    input.focus();
  }

  async function verify(event, form, input, submit) {
    event.preventDefault();
    if (submit.disabled) return;
    clearErrors(form);
    hideAlert(alert);
    const code = input.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(code)) {
      showFieldError(form, input.id, code ? "Enter the 6 digits the app shows." : "Enter the code from the app.");
      input.focus();
      return;
    }
    const u = user();
    if (!u) return;
    setBusy(submit, true, "Verifying…");
    let totp;
    try {
      totp = await u.verifyTOTP({ code });
    } catch (err) {
      setBusy(submit, false);
      if (ended(err)) return;
      // The pending secret is gone (replaced or already used): start again.
      if (err?.code === "totp_not_found") {
        showOff();
        showAlert(alert, "This setup was replaced or has ended. Turn it on again to get a new QR code.");
        return;
      }
      if (err?.code === "totp_already_enabled") {
        report(true);
        return showOn({ message: "Two-step verification is already on for your account." });
      }
      codeError(form, input, err);
      return;
    }
    showBackupCodes(totp.backupCodes);
  }

  function showBackupCodes(codes) {
    setStatus(true, "Signing in asks for a code from your authenticator app.");
    notice.textContent = "Two-step verification is on.";
    hideAlert(alert);
    const listId = `${prefix}-backup-title`;
    const copied = el("p", { class: "small copy-status", role: "status" });
    const copy = button("Copy codes", "btn-secondary btn-block");
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(codes.join("\n"));
        copied.textContent = "Copied.";
      } catch {
        copied.textContent = "Couldn’t copy: select the codes and copy them yourself.";
      }
    });
    const done = button("I’ve saved my backup codes", "btn-primary btn-block");
    done.addEventListener("click", () => {
      report(true);
      showOn();
    });
    body.replaceChildren(
      el("h3", { id: listId, text: "Your backup codes" }),
      el("p", { class: "small", text:
        "If you lose your phone, each of these codes signs you in once, in place of a code from the app. " +
        "Keep them somewhere safe, like a password manager: this is the only time they’re shown." }),
      el("ul", { class: "backup-codes", "aria-labelledby": listId },
        ...codes.map((c) => el("li", {}, el("code", { text: c })))),
      copy, copied, done);
    done.focus();
  }

  function showTurnOff() {
    hideAlert(alert);
    notice.textContent = "";
    const { field, input } = codeField(`${prefix}-disable-code`, "Code from your app or a backup code",
      "To turn it off, prove it’s you: the 6-digit code the app shows, or one of your backup codes.", { digits: false });
    const submit = button("Turn off two-step verification", "btn-danger btn-block", { type: "submit" });
    const cancel = button("Cancel", "btn-link");
    const form = el("form", { novalidate: true }, field, submit);
    form.addEventListener("submit", (event) => turnOff(event, form, input, submit));
    cancel.addEventListener("click", () => showOn());
    body.replaceChildren(form, el("p", { class: "panel-actions" }, cancel));
    input.focus();
  }

  async function turnOff(event, form, input, submit) {
    event.preventDefault();
    if (submit.disabled) return;
    clearErrors(form);
    hideAlert(alert);
    const code = input.value.replace(/\s+/g, "");
    if (!/^(\d{6}|[a-z0-9]{10})$/i.test(code)) {
      showFieldError(form, input.id, code
        ? "Enter the 6 digits the app shows, or a 10-character backup code."
        : "Enter a code from the app or a backup code.");
      input.focus();
      return;
    }
    const u = user();
    if (!u) return;
    setBusy(submit, true, "Turning off…");
    try {
      await u.disableTOTP({ code });
    } catch (err) {
      setBusy(submit, false);
      if (ended(err)) return;
      if (err?.code === "totp_not_found") {
        report(false);
        return showOff({ message: "Two-step verification was already off." });
      }
      codeError(form, input, err);
      return;
    }
    report(false);
    showOff({ message: "Two-step verification is off." });
    section.querySelector("button")?.focus();
  }

  /** A refused code next to its input; anything else in the panel's alert. */
  function codeError(form, input, err) {
    const first = showErrors(form, alert, err, {
      fallbackParam: err?.code === "form_code_incorrect" ? "code" : undefined,
      inputs: { code: input.id },
    });
    (first ?? alert).focus?.();
    input.select();
  }

  if (on) showOn();
  else showOff();
}
