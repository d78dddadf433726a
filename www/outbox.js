// The dev outbox panel: in dev mode the server delivers nothing and keeps
// the messages it "sent" at GET /v1/dev/outbox. This panel shows them,
// newest first, with the code large enough to read and copy.

const POLL_MS = 4000;
/** The requests after which a new message may be waiting: a code or a link was sent. */
const SENDS = /\/v1\/client\/(sign_(ups|ins)\/[^/]+\/prepare_(verification|first_factor)|sign_ins)$/;

export class Outbox {
  /** @param {string} origin the server's origin, e.g. location.origin */
  constructor(origin) {
    this.url = `${origin}/v1/dev/outbox`;
    this.panel = document.getElementById("outbox");
    this.list = document.getElementById("outbox-list");
    this.empty = document.getElementById("outbox-empty");
    this.status = document.getElementById("outbox-status");
    this.timer = null;
    this.sends = null;
    this.inFlight = null;
    this.queued = null;
    this.lastJson = "";
    this.messages = [];
    /** Addresses of the sign-up on this page; their messages stand out. */
    this.mine = new Set();
    document.getElementById("outbox-refresh").addEventListener("click", () => this.refresh());
  }

  /**
   * Shows the panel and starts polling. It also refreshes as soon as the
   * page's SDK has sent a code or a link (a prepare request completed, as
   * the browser's resource timing tells), whoever on the page asked for it.
   */
  start() {
    this.panel.hidden = false;
    this.refresh();
    this.timer = setInterval(() => {
      if (document.visibilityState === "visible") this.refresh();
    }, POLL_MS);
    if (typeof PerformanceObserver === "function") {
      this.sends = new PerformanceObserver((list) => {
        if (list.getEntries().some((e) => SENDS.test(new URL(e.name).pathname))) this.refresh();
      });
      this.sends.observe({ type: "resource" });
    }
  }

  /**
   * Fetches the outbox now. Calls made while a fetch runs get one more
   * fetch after it (that one may have left before their message was sent).
   */
  refresh() {
    if (this.inFlight) {
      this.queued ??= this.inFlight.then(() => {
        this.queued = null;
        return this.refresh();
      });
      return this.queued;
    }
    this.inFlight = this.load().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  async load() {
    let messages;
    try {
      const res = await fetch(this.url, { headers: { accept: "application/json" }, cache: "no-store" });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      messages = await res.json();
      if (!Array.isArray(messages)) throw new Error("not a list");
    } catch {
      this.status.textContent = "Couldn’t load the outbox. Retrying…";
      this.status.classList.add("is-error");
      return;
    }
    this.status.classList.remove("is-error");
    this.status.textContent = "";
    const json = JSON.stringify(messages);
    if (json === this.lastJson) return;
    this.lastJson = json;
    this.render(messages);
  }

  /** Marks the messages to these addresses as this page's own. */
  highlight(addresses) {
    this.mine = new Set(addresses.filter(Boolean));
    this.render(this.messages);
  }

  render(messages) {
    this.messages = messages;
    const items = messages.slice().reverse().map((m) => this.item(m));
    this.list.replaceChildren(...items);
    this.empty.hidden = items.length > 0;
    this.list.hidden = items.length === 0;
  }

  item(m) {
    const li = document.createElement("li");
    const mine = this.mine.has(m.to);
    li.className = mine ? "msg msg--mine" : "msg";

    const meta = document.createElement("div");
    meta.className = "msg-meta";
    const badge = document.createElement("span");
    const sms = m.channel === "sms";
    badge.className = `badge ${sms ? "badge--sms" : "badge--email"}`;
    badge.textContent = sms ? "SMS" : "Email";
    const time = document.createElement("time");
    const sent = new Date(m.sent_at);
    if (!Number.isNaN(sent.getTime())) {
      time.dateTime = sent.toISOString();
      time.textContent = sent.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    }
    const left = document.createElement("span");
    left.className = "msg-tags";
    left.append(badge);
    if (mine) {
      const tag = document.createElement("span");
      tag.className = "msg-mine";
      tag.textContent = "This sign-up";
      left.append(tag);
    }
    meta.append(left, time);

    const to = document.createElement("p");
    to.className = "msg-to";
    const toLabel = document.createElement("span");
    toLabel.className = "muted";
    toLabel.textContent = "To ";
    const toValue = document.createElement("span");
    toValue.className = "msg-address";
    toValue.textContent = m.to;
    to.append(toLabel, toValue);

    li.append(meta, to);

    if (m.subject) {
      const subject = document.createElement("p");
      subject.className = "msg-subject";
      subject.textContent = m.subject;
      li.append(subject);
    }

    if (m.code) {
      const row = document.createElement("div");
      row.className = "msg-code-row";
      const label = document.createElement("span");
      label.className = "msg-code-label";
      label.textContent = "Code";
      const code = document.createElement("span");
      code.className = "msg-code";
      code.textContent = m.code;
      row.append(label, code);
      if (navigator.clipboard) {
        const copy = document.createElement("button");
        copy.type = "button";
        copy.className = "btn btn-ghost btn-small";
        copy.textContent = "Copy";
        copy.setAttribute("aria-label", `Copy code ${m.code.split("").join(" ")}`);
        copy.addEventListener("click", async () => {
          try {
            await navigator.clipboard.writeText(m.code);
            copy.textContent = "Copied";
          } catch {
            copy.textContent = "Copy failed";
          }
          setTimeout(() => { copy.textContent = "Copy"; }, 1500);
        });
        row.append(copy);
      }
      li.append(row);
    } else if (m.body) {
      const body = document.createElement("p");
      body.className = "msg-body";
      body.textContent = m.body;
      li.append(body);
    }
    if (m.link) {
      const link = document.createElement("a");
      link.href = m.link;
      link.className = "msg-link";
      link.textContent = "Open link";
      li.append(link);
    }
    return li;
  }
}
