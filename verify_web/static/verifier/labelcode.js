// OCOP label code verifier: a second implementation of docs/label-code.md, written from the
// text alone. An ES module without dependencies, for browsers and Node.js >= 20 (WebCrypto
// Ed25519, WHATWG URL). Served by the verify site at /static/verifier/labelcode.js.
//
//   import { importKeySet, verify } from "./labelcode.js";
//   const keys = await importKeySet(await (await fetch("/.well-known/ocop-keys.json")).json());
//   const verdict = await verify(scannedText, keys, { ourBaseUrl: "https://XACTHUC.OCOP.VN" });
//   // verdict: { status, reason, warnings, steps, payload, address }
//
// Every function is pure except that verify() and importKeySet() use crypto.subtle.

const CONTEXT = new TextEncoder().encode("OCOP-LABEL\0");
const BODY_SIZE = 15;
const CODE_SIZE = 79;
const CODE_DIGITS = 191;
const MAX_TEXT = 512; // code points of the input as received (§4.1)
const LIMIT = 1n << 632n;
const EPOCH_MS = Date.UTC(2020, 0, 1);
const DAY_MS = 86400000;
const ICT_OFFSET_MS = 7 * 3600000; // Asia/Ho_Chi_Minh: UTC+07:00 all year, no daylight saving
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CANONICAL_X = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const SEVERITY = { active: 0, retired: 1, compromised: 2 };

/** The characters removed from both ends of the input (§4.1), and no others. */
export const WHITESPACE = "\t\n\v\f\r\x1d \xa0\ufeff";

/** A verification step failed: `step` is parse, decode, key or signature; `reason` is §6's. */
export class LabelCodeError extends Error {
  constructor(step, reason, message) {
    super(message);
    this.step = step;
    this.reason = reason;
  }
}

/** The key set cannot be read at all (not an object with a `keys` array). */
export class KeySetError extends Error {}

function fail(step, reason, message) {
  throw new LabelCodeError(step, reason, message);
}

function strip(text) {
  let start = 0;
  let end = text.length;
  while (start < end && WHITESPACE.includes(text[start])) start++;
  while (end > start && WHITESPACE.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

function longerThan(text, limit) {
  if (text.length <= limit) return false; // UTF-16 units >= code points
  let count = 0;
  for (const _ of text) if (++count > limit) return true; // iterates code points
  return false;
}

/**
 * Step 1 (§4.1): the address the text points to (null for bare digits) and the digit string.
 * Throws LabelCodeError (step "parse"): not_a_label, too_long, empty, bad_scheme.
 */
export function split(text) {
  if (typeof text !== "string") fail("parse", "not_a_label", "the scanned content is not text");
  if (longerThan(text, MAX_TEXT)) fail("parse", "too_long", `longer than ${MAX_TEXT} characters`);
  text = strip(text);
  if (text === "") fail("parse", "empty", "the scanned text is empty");
  if (/^[0-9]+$/.test(text)) return { address: null, digits: text };
  const scheme = SCHEME.exec(text);
  if (!scheme) fail("parse", "not_a_label", "this is not an OCOP label code");
  if (!["http", "https"].includes(scheme[1].toLowerCase())) {
    fail("parse", "bad_scheme", "a label code is an http(s) address");
  }
  if (text.includes("?") || text.includes("#")) fail("parse", "not_a_label", "nothing may follow the code");
  if (/\p{Cs}/u.test(text)) fail("parse", "not_a_label", "the text is not valid Unicode");
  let url;
  try {
    url = new URL(text);
  } catch {
    fail("parse", "not_a_label", "this is not a valid web address");
  }
  const segments = url.pathname.split("/").slice(1).map(percentDecoded);
  const isMark = (s) => s === "V" || s === "v";
  if (segments.length < 2 || !isMark(segments.at(-2)) || segments.slice(0, -2).some(isMark)) {
    fail("parse", "not_a_label", "a label address ends in /V/ and the code, once");
  }
  const digits = segments.at(-1);
  const href = url.href;
  return {
    address: {
      base: href.slice(0, href.lastIndexOf("/", href.lastIndexOf("/") - 1)),
      host: url.host,
      hostname: url.hostname,
      userinfo: url.username !== "" || url.password !== "",
      pathPrefix: segments.length > 2,
    },
    digits,
  };
}

// A path segment as the site's router sees it: percent-decoded as UTF-8, or as it is if it does
// not decode (§4.1).
function percentDecoded(segment) {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** True if a browser opening `address` reaches the label page of `ourBaseUrl` (§4.1). */
export function isOurs(address, ourBaseUrl) {
  return !address.userinfo && !address.pathPrefix && address.host === new URL(ourBaseUrl).host;
}

/** Step 2a (§4.2): the 79 bytes of a digit string. Throws bad_digits, bad_length, out_of_range. */
export function digitsToCode(digits) {
  if (!/^[0-9]*$/.test(digits)) fail("decode", "bad_digits", "the code must be decimal digits only");
  if (digits.length !== CODE_DIGITS) fail("decode", "bad_length", `a label code has ${CODE_DIGITS} digits`);
  let value = BigInt(digits);
  if (value >= LIMIT) fail("decode", "out_of_range", "the digits do not encode a label code");
  const code = new Uint8Array(CODE_SIZE);
  for (let i = CODE_SIZE - 1; i >= 0; i--) {
    code[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return code;
}

/** Step 2b (§1): the payload of a 15-byte body. Throws unsupported_version, bad_field. */
export function unpackPayload(body) {
  if (body[0] !== 1) fail("decode", "unsupported_version", `version ${body[0]} is not supported`);
  let serial = 0n;
  for (const byte of body.subarray(5, 13)) serial = (serial << 8n) | BigInt(byte);
  if (serial >> 60n) fail("decode", "bad_field", "the serial's reserved bits are set");
  const packed = (body[13] << 8) | body[14];
  if (packed >> 14 === 3) fail("decode", "bad_field", "the star rating field is invalid");
  return {
    version: 1,
    kid: hex(body.subarray(1, 5)),
    serial: serial.toString(),
    short_code: shortCode(serial),
    stars: (packed >> 14) + 3,
    certified_until: new Date(EPOCH_MS + (packed & 0x3fff) * DAY_MS).toISOString().slice(0, 10),
  };
}

/** The short code of a 60-bit serial (§7): 12 Crockford base32 characters and a Luhn mod 32 check. */
export function shortCode(serial) {
  let chars = "";
  for (let i = 11; i >= 0; i--) chars += CROCKFORD[Number((BigInt(serial) >> BigInt(5 * i)) & 31n)];
  let total = 0;
  let factor = 2;
  for (let i = chars.length - 1; i >= 0; i--) {
    const addend = factor * CROCKFORD.indexOf(chars[i]);
    total += Math.floor(addend / 32) + (addend % 32);
    factor = 3 - factor;
  }
  const text = chars + CROCKFORD[(32 - (total % 32)) % 32];
  return `${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8)}`;
}

/** Today's date in Việt Nam (§4.5), as "YYYY-MM-DD", whatever the device's own zone. */
export function todayInVietnam(now = new Date()) {
  return new Date(now.getTime() + ICT_OFFSET_MS).toISOString().slice(0, 10);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=");
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function subtleCrypto(options) {
  const subtle = options.subtle ?? globalThis.crypto?.subtle;
  if (!subtle) throw new Error("WebCrypto (crypto.subtle) is not available");
  return subtle;
}

/**
 * Read a published key set by the rules of §5: a Map from kid to { kid, x, status }.
 * Unusable entries are ignored; a kid listed with two different keys is dropped; one key listed
 * twice takes its most severe status. Throws KeySetError if `document` has no `keys` array.
 */
export async function importKeySet(document, options = {}) {
  const subtle = subtleCrypto(options);
  const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
  const compromised = isObject(document) ? (document.compromised ?? []) : null;
  if (!isObject(document) || !Array.isArray(document.keys) || !Array.isArray(compromised)) {
    throw new KeySetError("a key set is an object with a 'keys' array");
  }
  const found = new Map();
  const clashing = new Set();
  const listed = [
    ...document.keys.map((jwk) => [jwk, null]),
    ...compromised.map((jwk) => [jwk, "compromised"]),
  ];
  for (const [jwk, forced] of listed) {
    if (!isObject(jwk) || jwk.kty !== "OKP" || jwk.crv !== "Ed25519") continue;
    if (typeof jwk.x !== "string" || !CANONICAL_X.test(jwk.x)) continue;
    const x = base64url(jwk.x);
    const kid = hex(new Uint8Array(await subtle.digest("SHA-256", x)).subarray(0, 4));
    if ("kid" in jwk && jwk.kid !== kid) continue;
    const status = forced ?? ("status" in jwk ? jwk.status : "active");
    if (!Object.hasOwn(SEVERITY, status)) continue;
    const seen = found.get(kid);
    if (seen && hex(seen.x) !== hex(x)) clashing.add(kid);
    else if (!seen || SEVERITY[status] > SEVERITY[seen.status]) found.set(kid, { kid, x, status });
  }
  for (const kid of clashing) found.delete(kid);
  return found;
}

async function checkSignature(subtle, key, body, signature) {
  const message = new Uint8Array(CONTEXT.length + BODY_SIZE);
  message.set(CONTEXT);
  message.set(body, CONTEXT.length);
  try {
    const publicKey = await subtle.importKey("raw", key.x, { name: "Ed25519" }, false, ["verify"]);
    return await subtle.verify({ name: "Ed25519" }, publicKey, signature, message);
  } catch {
    return false; // not a point on the curve: nothing verifies under it
  }
}

/**
 * The offline verdict on scanned `text` (§4): { status, reason, warnings, steps, payload, address }.
 * `keys` comes from importKeySet. Options: `today` ("YYYY-MM-DD", default todayInVietnam()),
 * `ourBaseUrl` (the verify site's base URL; without it no address is flagged), `subtle`.
 * Never throws for any `text`.
 */
export async function verify(text, keys, options = {}) {
  const subtle = subtleCrypto(options);
  const today = options.today ?? todayInVietnam();
  const steps = { parse: null, decode: null, key: null, signature: null };
  const warnings = [];
  const verdict = (status, reason, payload = null, address = null) => {
    const all = status === "genuine" || status === "expired" ? [...warnings, "offline"] : warnings;
    return { status, reason, warnings: all, steps, payload, address };
  };
  let scanned;
  try {
    scanned = split(text);
    steps.parse = "ok";
  } catch (e) {
    if (!(e instanceof LabelCodeError)) throw e;
    steps.parse = e.reason;
    return verdict("invalid", e.reason);
  }
  const { address } = scanned;
  if (options.ourBaseUrl && address && !isOurs(address, options.ourBaseUrl)) warnings.push("foreign_domain");
  let code;
  let payload;
  try {
    code = digitsToCode(scanned.digits);
    payload = unpackPayload(code.subarray(0, BODY_SIZE));
    steps.decode = "ok";
  } catch (e) {
    if (!(e instanceof LabelCodeError)) throw e;
    steps.decode = e.reason;
    return verdict("invalid", e.reason, null, address);
  }
  const key = keys.get(payload.kid);
  steps.key = key ? "ok" : "unknown_key";
  if (!key) return verdict("invalid", "unknown_key", null, address);
  const good = await checkSignature(subtle, key, code.subarray(0, BODY_SIZE), code.subarray(BODY_SIZE));
  steps.signature = good ? "ok" : "bad_signature";
  if (!good) return verdict("invalid", "bad_signature", null, address);
  if (key.status === "compromised") return verdict("revoked", "key_compromised", payload, address);
  if (today > payload.certified_until) return verdict("expired", "past_date", payload, address);
  return verdict("genuine", null, payload, address);
}
