// The page's elements and the helpers every step uses to show itself: which
// step is visible (and the progress bar), form alerts, busy buttons, icons.

export const $ = (id) => document.getElementById(id);

export const ICONS = {
  mail: '<svg viewBox="0 0 24 24" focusable="false"><rect x="3" y="5" width="18" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M4 7l8 6 8-6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
  invite: '<svg viewBox="0 0 24 24" focusable="false"><path d="M3.5 9.5 12 4l8.5 5.5V19a1.5 1.5 0 0 1-1.5 1.5H5A1.5 1.5 0 0 1 3.5 19z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><path d="M4 10l8 5.5 8-5.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>',
  phone: '<svg viewBox="0 0 24 24" focusable="false"><rect x="6.5" y="2.5" width="11" height="19" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M10.5 18.5h3" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>',
};

export const ui = {
  card: $("card"),
  progress: $("progress"),
  progressLabel: $("progress-label"),
  steps: {
    loading: $("step-loading"),
    failed: $("step-failed"),
    details: $("step-details"),
    verify: $("step-verify"),
    link: $("step-link"),
    done: $("step-done"),
    notice: $("step-notice"),
    signIn: $("step-sign-in"),
    reset: $("step-reset"),
    secondFactor: $("step-second-factor"),
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
  forgotPassword: $("forgot-password"),
  resetDesc: $("reset-desc"),
  resetAlert: $("reset-alert"),
  resetCodeForm: $("reset-code-form"),
  resetCodeSubmit: $("reset-code-submit"),
  resetCode: $("reset-code"),
  resetPasswordForm: $("reset-password-form"),
  resetPasswordSubmit: $("reset-password-submit"),
  resetLinkChoice: $("reset-link-choice"),
  resetLink: $("reset-link"),
  resetLinkWaiting: $("reset-link-waiting"),
  newPassword: $("new-password"),
  secondFactorTitle: $("second-factor-title"),
  secondFactorDesc: $("second-factor-desc"),
  secondFactorAlert: $("second-factor-alert"),
  secondFactorForm: $("second-factor-form"),
  secondFactorLabel: $("second-factor-label"),
  secondFactorCode: $("second-factor-code"),
  secondFactorHint: $("second-factor-hint"),
  secondFactorSubmit: $("second-factor-submit"),
  secondFactorSwitch: $("second-factor-switch"),
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
  totpPanel: $("totp-panel"),
  sessionsPanel: $("sessions-panel"),
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
  linkChoice: $("link-choice"),
  emailLink: $("email-link"),
  linkIcon: $("link-icon"),
  linkTitle: $("link-title"),
  linkDesc: $("link-desc"),
  linkAlert: $("link-alert"),
  linkWaiting: $("link-waiting"),
  linkResend: $("link-resend"),
  linkCancel: $("link-cancel"),
  doneDesc: $("done-desc"),
  doneUser: $("done-user-id"),
  doneSession: $("done-session-id"),
  startOver: $("start-over"),
  devBadge: $("dev-badge"),
};

/** The sign-up's steps in the progress bar; waiting for a link is part of "Verify". */
const STEP_INDEX = { details: 1, verify: 2, link: 2, done: 3 };

/** Shows one step (a key of `ui.steps`), and the progress bar for the sign-up's three. */
export function showStep(name, label) {
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
export function showAlert(node, message, tone = "error") {
  node.textContent = message;
  node.classList.toggle("form-alert--warn", tone === "warn");
  node.hidden = false;
}

export function hideAlert(node) {
  node.hidden = true;
  node.textContent = "";
  node.classList.remove("form-alert--warn");
}

export function setBusy(button, busy, busyLabel) {
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

/** A step with a heading and a message, and the way to sign in (or to sign up). */
export function showNotice(title, message, { signUp = false } = {}) {
  ui.noticeTitle.textContent = title;
  ui.noticeDesc.textContent = message;
  ui.noticeSignUp.hidden = !signUp;
  showStep("notice");
  ui.noticeTitle.focus();
}

/**
 * A new element: `attrs` are attributes (`class`, `text` for its text;
 * null, undefined and false are left out), then its children.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children);
  return node;
}
