// OCOP revocation list client: parse and verify the signed list (docs/revocation-list.md),
// refuse rollbacks, apply deltas, match labels, judge freshness. An ES module without
// dependencies, for browsers and Node.js >= 20. Served at /static/verifier/revlist.js.
//
//   import { importKeySet } from "./labelcode.js";
//   import { parseList, acceptUpdate, applyDelta, revokedBy, freshness } from "./revlist.js";
//   const keys = await importKeySet(keySetDocument);
//   const parsed = await parseList(await response.text(), keys);
//   if (parsed.ok) stored = (parsed.list.kind === "full" ? acceptUpdate : applyDelta)(stored, parsed.list).list;
//   const hit = revokedBy(stored, { serial: verdict.payload.serial, kid: verdict.payload.kid });
//
// Lists are plain JSON objects (store them as they are). Only parseList is asynchronous; it
// uses crypto.subtle unless given `verify`.

const TYPES = { "ocop-revocation-list+jws": "full", "ocop-revocation-delta+jws": "delta" };
const MAX_TEXT = 16 * 1024 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]*$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SERIAL = /^(0|[1-9][0-9]{0,18})$/;
const KID = /^[0-9a-f]{8}$/;
const SERIAL_LIMIT = 1n << 60n;
const HOUR_MS = 3600000;
const STALE_HOURS = 24;

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v, min) => Number.isSafeInteger(v) && v >= min;
const isTime = (v) =>
  typeof v === "string" && TIME.test(v) && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v.replace("Z", ".000Z");

// The members each scope needs, with their checks (§2).
const SCOPES = {
  code: { serial: (v) => typeof v === "string" && SERIAL.test(v) && BigInt(v) < SERIAL_LIMIT },
  range: { lot: (v) => isCount(v, 1), first: (v) => isCount(v, 1), last: (v) => isCount(v, 1) },
  lot: { lot: (v) => isCount(v, 1) },
  product: { product: (v) => isCount(v, 1) },
  producer: { producer: (v) => isCount(v, 1) },
  key: { kid: (v) => typeof v === "string" && KID.test(v) },
};
// Members an entry may carry (§2): a lot's or product's GTIN and the lot's code, which a GS1
// Digital Link label holds in its signed text (§3). Checked when present.
const GTIN = /^[0-9]{14}$/;
const AI10 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/; // GS1 AI 10: 1-20 characters of CSET 82
const OPTIONAL = {
  lot: { gtin: (v) => typeof v === "string" && GTIN.test(v), lot_code: (v) => typeof v === "string" && AI10.test(v) },
  product: { gtin: (v) => typeof v === "string" && GTIN.test(v) },
};

class Refused extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

function check(condition, reason) {
  if (!condition) throw new Refused(reason);
}

function decodeSegment(text) {
  check(SEGMENT.test(text) && text.length % 4 !== 1, "not_jws");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function decodeJson(bytes, reason) {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new Refused(reason);
  }
}

/** Ed25519-Verify with WebCrypto; an invalid key is `false`, a browser without Ed25519 throws. */
async function webCryptoVerify(x, message, signature) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error("WebCrypto (crypto.subtle) is not available: pass options.verify");
  let key;
  try {
    key = await subtle.importKey("raw", x, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    if (e?.name === "NotSupportedError") throw e;
    return false; // not a point on the curve: nothing verifies under it
  }
  return subtle.verify({ name: "Ed25519" }, key, signature, message);
}

function readEntry(entry) {
  check(isObject(entry) && isCount(entry.id, 1) && Object.hasOwn(SCOPES, entry.scope), "bad_payload");
  const members = SCOPES[entry.scope];
  for (const [name, valid] of Object.entries(members)) check(valid(entry[name]), "bad_payload");
  check(entry.scope !== "range" || entry.first <= entry.last, "bad_payload");
  check(typeof entry.reason === "string" && isTime(entry.revoked_at), "bad_payload");
  const out = { id: entry.id, scope: entry.scope };
  for (const name of Object.keys(members)) out[name] = entry[name];
  for (const [name, valid] of Object.entries(OPTIONAL[entry.scope] ?? {})) {
    if (entry[name] === undefined) continue;
    check(valid(entry[name]), "bad_payload");
    out[name] = entry[name];
  }
  check(entry.scope !== "lot" || (out.gtin === undefined) === (out.lot_code === undefined), "bad_payload");
  return Object.assign(out, { reason: entry.reason, revoked_at: entry.revoked_at });
}

function readEntries(entries) {
  check(Array.isArray(entries), "bad_payload");
  const read = entries.map(readEntry);
  check(new Set(read.map((e) => e.id)).size === read.length, "bad_payload");
  return read.sort((a, b) => a.id - b.id);
}

function readPayload(kind, kid, payload) {
  check(isObject(payload) && "format" in payload, "bad_payload");
  check(payload.format === 1, "unsupported_format");
  const { issuer, version, issued_at: issuedAt, next_update: nextUpdate } = payload;
  check(typeof issuer === "string" && isCount(version, 0), "bad_payload");
  check(isTime(issuedAt) && isTime(nextUpdate) && nextUpdate > issuedAt, "bad_payload");
  const list = { kind, kid, format: 1, issuer, version, issued_at: issuedAt, next_update: nextUpdate };
  if (kind === "full") return { ...list, entries: readEntries(payload.entries) };
  check(isCount(payload.since, 0) && payload.since <= version, "bad_payload");
  check(Array.isArray(payload.remove) && payload.remove.every((id) => isCount(id, 1)), "bad_payload");
  const remove = [...new Set(payload.remove)].sort((a, b) => a - b);
  return { ...list, since: payload.since, add: readEntries(payload.add), remove };
}

/**
 * Parse and verify a served list or delta (§1, §2, §4). `keySet` is labelcode.js's
 * importKeySet Map; `verify(x, message, signature)` defaults to WebCrypto Ed25519.
 * Resolves to { ok: true, list } or { ok: false, reason } (§8); rejects only when no verify
 * function is available.
 */
export async function parseList(text, keySet, { verify = webCryptoVerify } = {}) {
  try {
    check(typeof text === "string" && text.length <= MAX_TEXT, "not_jws");
    const parts = text.split(".");
    check(parts.length === 3, "not_jws");
    const [headerBytes, payloadBytes, signature] = parts.map(decodeSegment);
    const header = decodeJson(headerBytes, "bad_header");
    check(isObject(header) && header.alg === "EdDSA" && typeof header.kid === "string", "bad_header");
    check(Object.hasOwn(TYPES, header.typ) && !("crit" in header) && !("b64" in header), "bad_header");
    const key = keySet.get(header.kid);
    check(key !== undefined, "unknown_key");
    check(key.status !== "compromised", "key_compromised");
    const message = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
    check(signature.length === 64 && (await verify(key.x, message, signature)), "bad_signature");
    const list = readPayload(TYPES[header.typ], header.kid, decodeJson(payloadBytes, "bad_payload"));
    return { ok: true, list };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, reason: e.reason };
    throw e;
  }
}

function refuse(stored, reason) {
  return { ok: false, list: stored, reason };
}

/** Replace `stored` (or nothing) by a newly parsed full list, unless that would go back (§2). */
export function acceptUpdate(stored, incoming) {
  if (incoming?.kind !== "full") return refuse(stored, "not_full");
  if (!stored) return { ok: true, list: incoming, reason: null };
  if (incoming.issuer !== stored.issuer) return refuse(stored, "other_issuer");
  if (incoming.version < stored.version) return refuse(stored, "rolled_back");
  if (incoming.issued_at < stored.issued_at) return refuse(stored, "older_issue");
  return { ok: true, list: incoming, reason: null };
}

/** Bring `stored` to the delta's version (§4); the result is a full list. */
export function applyDelta(stored, delta) {
  if (delta?.kind !== "delta") return refuse(stored, "not_delta");
  if (!stored) return refuse(null, "no_base");
  if (delta.issuer !== stored.issuer) return refuse(stored, "other_issuer");
  if (delta.since !== stored.version) return refuse(stored, "wrong_base");
  if (delta.issued_at < stored.issued_at) return refuse(stored, "older_issue");
  const byId = new Map(stored.entries.map((e) => [e.id, e]));
  for (const id of delta.remove) byId.delete(id);
  for (const entry of delta.add) byId.set(entry.id, entry);
  const { kid, format, issuer, version, issued_at: issuedAt, next_update: nextUpdate } = delta;
  const entries = [...byId.values()].sort((a, b) => a.id - b.id);
  return {
    ok: true,
    list: { kind: "full", kid, format, issuer, version, issued_at: issuedAt, next_update: nextUpdate, entries },
    reason: null,
  };
}

// One index per entries array, built on first use: a lookup is a few Map reads.
const indexes = new WeakMap();

function indexOf(list) {
  let index = indexes.get(list.entries);
  if (index) return index;
  index = {
    key: new Map(), code: new Map(), range: new Map(), lot: new Map(), product: new Map(), producer: new Map(),
    item: new Map(), gtin: new Map(), // lot entries by GTIN and lot code, product entries by GTIN
  };
  const keyOf = { key: "kid", code: "serial", lot: "lot", product: "product", producer: "producer" };
  const first = (map, key, entry) => map.has(key) || map.set(key, entry); // entries are sorted by id
  for (const entry of list.entries) {
    if (entry.scope === "range") {
      const ranges = index.range.get(entry.lot) ?? [];
      index.range.set(entry.lot, [...ranges, entry]);
    } else {
      first(index[entry.scope], entry[keyOf[entry.scope]], entry);
    }
    if (entry.scope === "lot" && entry.gtin !== undefined) first(index.item, itemKey(entry.gtin, entry.lot_code), entry);
    if (entry.scope === "product" && entry.gtin !== undefined) first(index.gtin, entry.gtin, entry);
  }
  indexes.set(list.entries, index);
  return index;
}

const itemKey = (gtin, lot) => `${gtin}/${lot}`;
const lowest = (...found) => found.filter(Boolean).sort((a, b) => a.id - b.id)[0];

/**
 * The entry revoking `label` ({serial: "<decimal>", kid, lot?, number?, product?, producer?,
 * gtin?, lotCode?}: a GS1 Digital Link label's GTIN and lot code come from its signed text),
 * or null (§3: key, code, range, lot, product, producer; lowest id first). A copy of the entry.
 */
export function revokedBy(list, label) {
  const index = indexOf(list);
  const gs1 = label.gtin !== undefined && label.gtin !== null;
  const hit =
    index.key.get(label.kid) ??
    (label.serial === undefined ? undefined : index.code.get(String(label.serial))) ??
    (index.range.get(label.lot) ?? []).find((e) => e.first <= label.number && label.number <= e.last) ??
    lowest(index.lot.get(label.lot), gs1 ? index.item.get(itemKey(label.gtin, label.lotCode)) : undefined) ??
    lowest(index.product.get(label.product), gs1 ? index.gtin.get(label.gtin) : undefined) ??
    index.producer.get(label.producer);
  return hit ? { ...hit } : null;
}

/** How many entries a label known by its code alone cannot be matched against (§3): ranges and
 * producers always; lots and products without a GTIN, or all of them for a `/V/` label. */
export function unmatchable(list, { gs1 = false } = {}) {
  return list.entries.filter(
    (e) => e.scope === "range" || e.scope === "producer" || ((e.scope === "lot" || e.scope === "product") && !(gs1 && e.gtin !== undefined)),
  ).length;
}

/** How old the list is at `now` and whether it is stale (> 24 h) or expired (§6). */
export function freshness(list, now = new Date()) {
  const at = now.getTime();
  const ageHours = Math.max(0, (at - Date.parse(list.issued_at)) / HOUR_MS);
  return { ageHours, stale: ageHours > STALE_HOURS, expired: at >= Date.parse(list.next_update) };
}
