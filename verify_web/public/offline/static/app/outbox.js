// Posts made offline — a shopper's report (POST /report) and an inspector's field check
// (POST /inspect/check) — kept in IndexedDB until the server has answered them.
//
// Never lost: an item leaves the "waiting" state only on the server's answer (2xx: "sent",
// 4xx but 429: "rejected", kept to be shown). Never sent twice: one sender at a time over every
// tab (Web Locks), and each item carries the Idempotency-Key made when it was queued
// (docs/revocation-list.md §11), so a post whose answer was lost is sent again under the same
// key and the server stores nothing the second time.
import * as store from "./store.js";

const TARGETS = { report: "/report", check: "/inspect/check" };
const INSPECTORS = new Set(["inspector", "admin"]);

/** Queue a post of `fields` (an object of strings) as `kind` ("report" or "check"); returns its key. */
export async function enqueue(kind, fields) {
  const key = crypto.randomUUID();
  await store.put("outbox", { key, kind, fields, state: "waiting", queuedAt: Date.now() });
  return key;
}

/** Every queued item, oldest first. */
export async function items() {
  return (await store.all("outbox")).sort((a, b) => a.queuedAt - b.queuedAt);
}

async function session() {
  const response = await fetch("/app/session.json", { cache: "no-store", credentials: "same-origin" });
  if (!response.ok) throw new Error(`session: HTTP ${response.status}`);
  return response.json();
}

async function send(item, csrf) {
  const form = new FormData();
  for (const [name, value] of Object.entries(item.fields)) form.append(name, value);
  form.append("csrf_token", csrf);
  return fetch(TARGETS[item.kind], {
    method: "POST",
    body: form,
    credentials: "same-origin",
    redirect: "manual", // a redirect to /login is no answer: the item stays queued
    headers: { "Idempotency-Key": item.key, "X-CSRF-Token": csrf },
  });
}

function serverState(html) {
  const found = new DOMParser().parseFromString(html, "text/html").querySelector("[data-state]");
  return found ? found.dataset.state : null;
}

/**
 * Send every waiting item, oldest first. Returns { sent, rejected, waiting, login } counts of
 * this run (login: field checks kept because no inspector is signed in), or null if another
 * tab is sending right now. Stops at the first network failure, 429 or 5xx (tried again later).
 */
export async function flush() {
  return navigator.locks.request("ocop-outbox", { ifAvailable: true }, async (lock) => {
    if (!lock) return null;
    const counts = { sent: 0, rejected: 0, waiting: 0, login: 0 };
    const waiting = (await items()).filter((item) => item.state === "waiting");
    let facts;
    try {
      facts = await session(); // also tells the page who is signed in (the field-check button)
    } catch {
      counts.waiting = waiting.length;
      return counts;
    }
    localStorage.setItem("ocop-role", facts.role ?? "");
    for (const [index, item] of waiting.entries()) {
      if (item.kind === "check" && !INSPECTORS.has(facts.role)) {
        counts.login++;
        continue;
      }
      let response;
      try {
        response = await send(item, facts.csrf);
      } catch {
        counts.waiting += waiting.length - index;
        break;
      }
      if (response.type === "opaqueredirect" || response.status === 429 || response.status >= 500) {
        counts.waiting += waiting.length - index;
        break;
      }
      const state = response.ok ? "sent" : "rejected";
      const answer = response.ok ? serverState(await response.text()) : null;
      await store.put("outbox", { ...item, state, status: response.status, answer, answeredAt: Date.now() });
      counts[state]++;
    }
    return counts;
  });
}
