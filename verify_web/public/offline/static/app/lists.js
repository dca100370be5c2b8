// The key set and the revocation list kept on the phone. refresh() fetches both (the list as a
// delta since the version held, where there is one), checks the list's signature, issuer,
// version and issue time (revlist.js) and stores only what passed; everything else reads the
// stored copies, so a verdict never waits for the network.
import { importKeySet } from "/static/verifier/labelcode.js";
import { acceptUpdate, applyDelta, freshness, parseList } from "/static/verifier/revlist.js";
import { ed25519 } from "./crypto.js";
import * as store from "./store.js";

const KEYS_URL = "/.well-known/ocop-keys.json";
const LIST_URL = "/api/v1/revocation-list";
const DAY_MS = 24 * 3600 * 1000;

/** What is stored: { keys: {document, fetchedAt} | null, list: the list | null, refreshedAt: ms | null }. */
export async function load() {
  const [keys, list, refreshedAt] = await Promise.all([
    store.get("lists", "keys"), store.get("lists", "revlist"), store.get("lists", "refreshedAt"),
  ]);
  return { keys: keys ?? null, list: list ?? null, refreshedAt: refreshedAt ?? null };
}

/** The key set Map (labelcode.js) of the stored key set document, or null before the first refresh. */
export async function keySet(saved) {
  if (!saved.keys) return null;
  return importKeySet(saved.keys.document, { subtle: (await ed25519()).subtle });
}

async function fetchText(url) {
  const response = await fetch(url, { cache: "no-cache", credentials: "omit" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  if (response.headers.has("X-OCOP-Kept-Copy")) throw new Error(`${url}: no network (the worker's copy)`);
  return response.text();
}

async function fetchList(url, keys, verify) {
  return parseList(await fetchText(url), keys, { verify });
}

/**
 * Fetch the key set and the list and keep what is trustworthy. Returns
 * { ok, reason, got, have }: ok when both were refreshed; reason is revlist.js's (e.g.
 * "rolled_back": the stored, newer list was kept) or "network".
 */
export async function refresh(now = Date.now()) {
  const { verify, subtle } = await ed25519();
  const saved = await load();
  let document;
  try {
    document = JSON.parse(await fetchText(KEYS_URL));
    await importKeySet(document, { subtle }); // a key set that cannot be read is not stored
  } catch {
    return { ok: false, reason: "network" };
  }
  await store.put("lists", { document, fetchedAt: now }, "keys");
  const keys = await importKeySet(document, { subtle });
  const stored = saved.list;
  let parsed;
  try {
    parsed = await fetchList(stored ? `${LIST_URL}?since=${stored.version}` : LIST_URL, keys, verify);
  } catch {
    return { ok: false, reason: "network" };
  }
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  let outcome;
  if (parsed.list.kind === "delta") {
    outcome = applyDelta(stored, parsed.list);
    if (!outcome.ok && (outcome.reason === "wrong_base" || outcome.reason === "no_base")) {
      const full = await fetchList(LIST_URL, keys, verify).catch(() => ({ ok: false, reason: "network" }));
      if (!full.ok) return { ok: false, reason: full.reason };
      outcome = acceptUpdate(stored, full.list);
      parsed = full;
    }
  } else {
    outcome = acceptUpdate(stored, parsed.list);
  }
  if (!outcome.ok) return { ok: false, reason: outcome.reason, got: parsed.list.version, have: stored?.version };
  await store.put("lists", outcome.list, "revlist");
  await store.put("lists", now, "refreshedAt");
  return { ok: true, reason: null };
}

/**
 * How far to trust the stored lists at `now`: { stale, expired, missing } — stale past 24 hours
 * since the list was issued or last refreshed, expired past its next_update, missing without a list.
 */
export function trust(saved, now = Date.now()) {
  if (!saved.list) return { stale: false, expired: false, missing: true };
  const fresh = freshness(saved.list, new Date(now));
  const late = saved.refreshedAt === null || now - saved.refreshedAt > DAY_MS;
  return { stale: fresh.stale || late, expired: fresh.expired, missing: false };
}
