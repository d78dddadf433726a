// The sign-up fields: how each one is labelled, rendered, read and
// explained. The environment decides which of them appear; this table only
// decides how they look. Keys are the wire names the server and the SDK's
// `paramName` use.

import { el } from "./ui.js";

/** Wire name -> camelCase key of the SDK's params and attribute tables. */
export const camel = (wire) => wire.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * Every field the details form can show, in display order. `row` groups
 * fields that sit side by side on wide screens.
 */
export const FIELDS = [
  { name: "first_name", label: "First name", type: "text", autocomplete: "given-name", row: "name" },
  { name: "last_name", label: "Last name", type: "text", autocomplete: "family-name", row: "name" },
  { name: "email_address", label: "Email address", type: "email", autocomplete: "email",
    placeholder: "you@example.com", spellcheck: false },
  { name: "phone_number", label: "Phone number", type: "tel", autocomplete: "tel",
    placeholder: "+1 415 555 0100",
    hint: () => "With your country code. We’ll text you a code to confirm it." },
  { name: "username", label: "Username", type: "text", autocomplete: "username", spellcheck: false,
    hint: (env) => `${env.usernameSettings.minLength}–${env.usernameSettings.maxLength} characters: letters, digits, “.”, “_” or “-”.` },
  { name: "password", label: "Password", type: "password", autocomplete: "new-password",
    hint: (env) => `At least ${env.passwordSettings.minLength} characters.` },
  { name: "web3_wallet", label: "Wallet address", type: "text", autocomplete: "off", spellcheck: false,
    placeholder: "0x…", hint: () => "An Ethereum address: 0x followed by 40 hex digits." },
  { name: "legal_accepted", label: "I accept the Terms of Service and the Privacy Policy", type: "checkbox" },
];

const byName = new Map(FIELDS.map((f) => [f.name, f]));

/** The field's human label, for messages ("Enter your email address."). */
export function fieldLabel(name) {
  return byName.get(name)?.label ?? name.replace(/_/g, " ");
}

/** What to say when a required field was left out. */
export function missingMessage(name) {
  switch (name) {
    case "email_address": return "Enter your email address.";
    case "phone_number": return "Enter your phone number.";
    case "password": return "Choose a password.";
    case "username": return "Choose a username.";
    case "first_name": return "Enter your first name.";
    case "last_name": return "Enter your last name.";
    case "legal_accepted": return "Accept the terms to continue.";
    case "web3_wallet": return "Enter your wallet address.";
    default: return "This field is required.";
  }
}

/**
 * A friendlier message for an error on a field, when the generic one from
 * the server or SDK ("This value is not valid.") says too little.
 */
export function errorMessage(err, env) {
  const param = err.meta?.paramName;
  switch (err.code) {
    case "form_param_missing":
      return param ? missingMessage(param) : err.message;
    case "form_param_format_invalid":
      switch (param) {
        case "email_address": return "Enter a valid email address, like name@example.com.";
        case "phone_number": return "Enter a valid phone number with its country code, like +1 415 555 0100.";
        case "username":
          return `Use ${env.usernameSettings.minLength}–${env.usernameSettings.maxLength} letters, digits, “.”, “_” or “-”, starting with a letter or digit.`;
        case "web3_wallet": return "Enter 0x followed by 40 hex digits.";
        case "code": return "Enter the 6 digits of the code.";
        default: return err.message;
      }
    case "form_password_length_too_short":
      return `Use at least ${env.passwordSettings.minLength} characters.`;
    case "form_password_length_too_long":
      return `Use at most ${env.passwordSettings.maxLength} characters.`;
    case "form_identifier_exists":
      switch (param) {
        case "email_address": return "An account with this email address already exists.";
        case "phone_number": return "An account with this phone number already exists.";
        case "username": return "This username is taken.";
        default: return err.message;
      }
    case "form_code_incorrect":
      return "That code is incorrect. Check it and try again.";
    default:
      return err.message;
  }
}


/**
 * A label with its marker: optional fields say so in their label (and so in
 * their accessible name); required ones get a `*` beside the label, hidden
 * from assistive technology, which hears `required` from the input itself.
 */
function labelFor(id, text, required) {
  if (!required) {
    return el("label", { for: id }, text, " ", el("span", { class: "optional", text: "(optional)" }));
  }
  return el("span", { class: "label-row" },
    el("label", { for: id, text }),
    el("span", { class: "req", "aria-hidden": "true", text: "*" }));
}

/**
 * Renders the enabled fields of the environment into `container`.
 * Returns the names rendered, in order.
 */
export function renderFields(container, env) {
  const attrs = env.signUp.attributes;
  container.replaceChildren();
  const rendered = [];
  let currentRow = null;
  for (const field of FIELDS) {
    const setting = attrs[camel(field.name)];
    if (!setting || !setting.enabled) continue;
    rendered.push(field.name);
    const node = renderField(field, setting.required, env);
    if (field.row) {
      if (!currentRow || currentRow.dataset.row !== field.row) {
        currentRow = el("div", { class: "field-row", "data-row": field.row });
        container.append(currentRow);
      }
      currentRow.append(node);
    } else {
      currentRow = null;
      container.append(node);
    }
  }
  return rendered;
}

function renderField(field, required, env) {
  const id = field.name;
  const hint = field.hint?.(env);
  const hintId = hint ? `${id}-hint` : null;

  if (field.type === "checkbox") {
    const input = el("input", {
      id, name: id, type: "checkbox", class: "checkbox",
      "aria-required": required ? "true" : null, required,
      "aria-describedby": hintId,
    });
    const label = labelFor(id, field.label, required);
    return el("div", { class: "field field--checkbox", "data-field": id }, input, label);
  }

  const input = el("input", {
    id, name: id, type: field.type, class: "input",
    autocomplete: field.autocomplete, placeholder: field.placeholder,
    spellcheck: field.spellcheck === false ? "false" : null,
    autocapitalize: field.spellcheck === false ? "off" : null,
    "aria-required": required ? "true" : null, required,
    "aria-describedby": hintId,
  });
  const parts = [labelFor(id, field.label, required)];
  if (field.type === "password") {
    const toggle = el("button", {
      type: "button", class: "reveal", "aria-controls": id, "aria-pressed": "false",
      text: "Show",
    });
    toggle.setAttribute("aria-label", "Show password");
    toggle.addEventListener("click", () => {
      const shown = input.type === "text";
      input.type = shown ? "password" : "text";
      toggle.textContent = shown ? "Show" : "Hide";
      toggle.setAttribute("aria-pressed", String(!shown));
    });
    parts.push(el("div", { class: "input-wrap" }, input, toggle));
  } else {
    parts.push(input);
  }
  if (hint) parts.push(el("p", { class: "hint", id: hintId, text: hint }));
  return el("div", { class: "field", "data-field": id }, ...parts);
}

/**
 * Reads the form into SDK params (camelCase). Empty text fields are left
 * out, so the server reports them as missing rather than invalid. Phone
 * numbers are normalised to E.164 the way people type them
 * ("+1 (415) 555-0100" -> "+14155550100").
 */
export function readParams(form, names) {
  const params = {};
  for (const name of names) {
    const input = form.elements.namedItem(name);
    if (!input) continue;
    if (input.type === "checkbox") {
      if (input.checked) params[camel(name)] = true;
      continue;
    }
    let value = name === "password" ? input.value : input.value.trim();
    if (name === "phone_number") value = value.replace(/[\s().-]/g, "");
    if (value !== "") params[camel(name)] = value;
  }
  return params;
}

/** Clears every field error and the form alert of a form. */
export function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const ids = (input.getAttribute("aria-describedby") || "")
      .split(/\s+/).filter((x) => x && !x.endsWith("-error"));
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }
}

/**
 * Shows `message` under the input named `name`, linked to it with
 * aria-describedby and announced with role=alert. Returns the input, or
 * null when the form has no such field.
 */
export function showFieldError(form, name, message) {
  const input = form.querySelector(`#${CSS.escape(name)}`);
  if (!input) return null;
  const field = input.closest(".field");
  const errId = `${name}-error`;
  let node = form.querySelector(`#${CSS.escape(errId)}`);
  if (!node) {
    node = el("p", { class: "field-error", id: errId, role: "alert" });
    field.append(node);
  }
  node.textContent = message;
  input.setAttribute("aria-invalid", "true");
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  if (!ids.includes(errId)) ids.push(errId);
  input.setAttribute("aria-describedby", ids.join(" "));
  return input;
}
