// The "Your sessions" panel: where the user is signed in
// (`gh.user.sessions()`: the browser and OS, the IP, when each was last
// active, "This device" for this browser's session), and "Sign out" for
// each of the others (`session.revoke()`), after which the list is read
// again.

import { generalMessage } from "./errors.js";
import { state } from "./state.js";
import { el, showAlert, hideAlert, setBusy } from "./ui.js";

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const absolute = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

/** "Active now", or "Last active 5 minutes ago", for an epoch-ms time. */
function lastActive(ms) {
  const seconds = Math.round((Date.now() - ms) / 1000);
  if (seconds < 120) return "Active now";
  const [value, unit] =
    seconds < 3600 ? [Math.round(seconds / 60), "minute"]
      : seconds < 86_400 ? [Math.round(seconds / 3600), "hour"]
        : [Math.round(seconds / 86_400), "day"];
  return `Last active ${relative.format(-value, unit)}`;
}

function time(ms, text) {
  return el("time", { datetime: new Date(ms).toISOString(), title: absolute.format(ms), text });
}

/**
 * Shows the user's sessions in `container` and reads them from the server.
 * `signedOut()` is called when this browser's own session has ended.
 */
export function showSessions(container, { signedOut = () => {} } = {}) {
  const prefix = container.id || "sessions";
  const titleId = `${prefix}-title`;
  const notice = el("div", { class: "form-notice", role: "status" });
  const alert = el("div", { class: "form-alert", role: "alert", hidden: true });
  const list = el("ul", { class: "session-list", "aria-labelledby": titleId });
  const loading = el("p", { class: "muted small" }, "Loading your sessions…");
  const refresh = el("button", { type: "button", class: "btn btn-ghost btn-small" },
    el("span", { class: "btn-label", text: "Refresh list" }));
  const section = el("section", { class: "panel", "aria-labelledby": titleId, "aria-busy": "true" },
    el("div", { class: "panel-head" }, el("h2", { id: titleId, text: "Your sessions" }), refresh),
    el("p", { class: "muted small", text: "Where your account is signed in. Sign out of any you don’t recognise." }),
    notice, alert, loading, list);
  container.replaceChildren(section);

  async function load() {
    const user = state.gh.user;
    if (!user) return signedOut();
    section.setAttribute("aria-busy", "true");
    setBusy(refresh, true, "Refreshing…");
    let sessions;
    try {
      sessions = await user.sessions();
    } catch (err) {
      if (err?.code === "session_not_found") return signedOut();
      showAlert(alert, generalMessage(err));
      return;
    } finally {
      setBusy(refresh, false);
      section.setAttribute("aria-busy", "false");
      loading.hidden = true;
    }
    hideAlert(alert);
    // This device first, then the others, the most recently active first (the server's order).
    const active = sessions.filter((s) => s.status === "active");
    list.replaceChildren(...[...active.filter((s) => s.current), ...active.filter((s) => !s.current)].map(row));
  }

  function row(session) {
    const details = el("p", { class: "session-meta small" },
      session.ipAddress ? `IP ${session.ipAddress}` : "IP unknown", " · ",
      time(session.lastActiveAt, lastActive(session.lastActiveAt)), " · ",
      "Signed in ", time(session.createdAt, absolute.format(session.createdAt)));
    const name = el("p", { class: "session-browser" }, el("strong", { text: session.browser || "Unknown browser" }));
    if (session.current) name.append(" ", el("span", { class: "badge badge--on", text: "This device" }));
    const item = el("li", { class: "session" }, el("div", { class: "session-info" }, name, details));
    if (!session.current) {
      // "Sign out" on screen; its name says which one ("Sign out of Chrome 120 on Linux").
      const out = el("button", { type: "button", class: "btn btn-secondary btn-small" },
        el("span", { class: "btn-label" }, "Sign out",
          el("span", { class: "visually-hidden", text: ` of ${session.browser || "this session"}` })));
      out.addEventListener("click", () => revoke(session, out));
      item.append(out);
    }
    return item;
  }

  async function revoke(session, out) {
    if (out.disabled) return;
    hideAlert(alert);
    notice.textContent = "";
    out.disabled = true;
    out.classList.add("is-busy");
    try {
      await session.revoke();
      notice.textContent = `Signed out of ${session.browser || "that session"}.`;
    } catch (err) {
      if (err?.code === "session_not_found" && !state.gh.user) return signedOut();
      // Ended meanwhile (signed out there, or expired): the list is read again below.
      if (err?.code === "session_not_found") notice.textContent = "That session had already ended.";
      else showAlert(alert, generalMessage(err));
    }
    await load();
  }

  refresh.addEventListener("click", () => {
    if (!refresh.disabled) load();
  });
  load();
}
