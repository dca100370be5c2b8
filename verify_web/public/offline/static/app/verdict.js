// A verdict on the phone: labelcode.js judges the code (docs/label-code.md §4, offline), the
// stored revocation list may turn it into "revoked" (docs/revocation-list.md §3), and what the
// phone cannot know is said on the verdict itself: the registry was not consulted, the lists'
// age, an expired list. The wording is the scan page's (verify_web/public/offline/strings.py).
import { verify } from "/static/verifier/labelcode.js";
import { revokedBy, unmatchable } from "/static/verifier/revlist.js";
import { ed25519 } from "./crypto.js";
import { day, t, when } from "./i18n.js";
import { keySet, trust } from "./lists.js";

/**
 * Judge scanned `text` against the stored lists `saved` (lists.js load()). Returns null before
 * any key set was stored (nothing can be judged), else
 * { status, state, reason, payload, warnings, byList, trust, unmatched, digits }.
 */
export async function judge(text, saved, { ourBaseUrl, now = Date.now() } = {}) {
  const keys = await keySet(saved);
  if (!keys) return null;
  const { subtle } = await ed25519();
  const got = await verify(text, keys, { ourBaseUrl, subtle });
  let { status, reason } = got;
  let warnings = got.warnings;
  let byList = null;
  if (saved.list && got.payload && (status === "genuine" || status === "expired")) {
    const { serial, kid, gtin, lot } = got.payload; // gtin and lot: the GS1 form's signed text
    byList = revokedBy(saved.list, { serial, kid, gtin, lotCode: lot });
    if (byList) {
      status = "revoked";
      reason = byList.scope === "key" ? "key_compromised" : byList.reason;
      warnings = warnings.filter((w) => w !== "offline"); // never with revoked (§4.4)
    }
  }
  const foreign = warnings.includes("foreign_domain");
  const digits = typeof text === "string" ? /(?:^|\/)(\d{191})\s*$/.exec(text.trim())?.[1] ?? null : null;
  return {
    status,
    state: foreign && status !== "invalid" ? "foreign_domain" : status,
    reason,
    payload: got.payload,
    warnings,
    byList,
    trust: trust(saved, now),
    unmatched: saved.list ? unmatchable(saved.list, { gs1: Boolean(got.payload?.gtin) }) : 0,
    digits: foreign ? null : digits,
    refreshedAt: saved.refreshedAt,
    list: saved.list,
  };
}

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== null) node.textContent = text;
  return node;
}

function notice(box, key, params, kind = "notice") {
  box.append(element("p", { class: kind, "data-notice": key }, t(key, params)));
}

function body(box, v) {
  const state = v.state;
  if (state === "foreign_domain") {
    box.append(element("p", {}, t("verdict.foreign_body")));
  } else if (state === "genuine") {
    box.append(element("p", {}, t("verdict.genuine_body")));
  } else if (state === "expired") {
    box.append(element("p", {}, t("verdict.expired_body", { date: day(v.payload.certified_until) })));
  } else if (state === "revoked") {
    const known = t(`reason.${v.reason}`) !== `reason.${v.reason}`; // an unknown reason reads as "other"
    box.append(element("p", {}, t("verdict.revoked_body", { reason: t(known ? `reason.${v.reason}` : "reason.other") })));
    box.append(element("p", {}, t("verdict.revoked_advice")));
    if (v.byList) notice(box, "app.revoked_by_list", { version: v.list.version });
  } else {
    box.append(element("p", {}, t("verdict.invalid_body")));
    box.append(element("p", {}, t("verdict.invalid_advice")));
  }
}

function verdictBox(v) {
  const state = v.state;
  const box = element("section", { class: `verdict-box ${state === "foreign_domain" ? "clone_suspected" : state}` });
  box.dataset.state = state;
  box.dataset.status = v.status;
  if (v.trust.expired) box.dataset.listExpired = "true";
  if (v.trust.stale) box.dataset.stale = "true";
  const heading = element("h1", { class: "verdict", "data-status": v.status });
  heading.append(element("span", { class: `icon icon-${state === "foreign_domain" ? "expired" : state}`, "aria-hidden": "true" }));
  heading.append(t(state === "foreign_domain" ? "verdict.foreign_heading" : `heading.${state}`));
  box.append(heading);
  if (v.status === "genuine" && v.trust.expired) {
    notice(box, "app.list_expired", { when: when(new Date(v.list.next_update)) }, "alert");
  }
  body(box, v);
  if (v.payload) {
    const facts = element("dl", { class: "facts" });
    const row = (key, value) => facts.append(element("dt", {}, t(key)), element("dd", {}, value));
    row("app.stars", "★".repeat(v.payload.stars));
    row("app.certified_until", day(v.payload.certified_until));
    row("app.short_code", v.payload.short_code);
    box.append(facts);
  }
  return box;
}

/** Draw verdict `v` into `target` (replacing what was there): the box, then what it rests on. */
export function render(target, v, { genuineSite }) {
  target.replaceChildren(verdictBox(v));
  for (const w of v.warnings) {
    if (w === "offline") continue; // said in full by app.not_consulted
    target.append(element("p", { class: "notice", "data-warning": w }, t(`warning.${w}`)));
  }
  if (v.state === "foreign_domain") notice(target, "verdict.genuine_site", { site: genuineSite });
  if (v.status === "genuine" || v.status === "expired") {
    notice(target, "app.not_consulted");
    if (v.unmatched) notice(target, "app.unmatched", { n: v.unmatched });
    if (v.trust.missing) notice(target, "app.no_list");
    notice(target, "app.no_names");
  }
  if (v.trust.stale) notice(target, "app.stale", { when: v.refreshedAt ? when(new Date(v.refreshedAt)) : "—" });
  if (v.digits && navigator.onLine) {
    const line = element("p");
    line.append(element("a", { href: `/V/${v.digits}`, class: "online-page" }, t("app.open_online")));
    target.append(line);
  }
}
