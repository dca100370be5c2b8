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
// The GS1 Digital Link form (§9): 71 bytes (7-byte head and signature) in 171 digits.
const LINK_CONTEXT = new TextEncoder().encode("OCOP-LABEL-GS1\0");
const HEAD_SIZE = 7;
const CARRIED_SIZE = 71;
const CARRIED_DIGITS = 171;
const OTHER_GS1_KEYS = new Set(["00", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013", "8017", "8018"]);
const QUALIFIERS = ["22", "10", "21"];
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;
const GTIN_DIGITS = /^([0-9]{8}|[0-9]{12,14})$/;
const LINK_QUERY = /^(?:17=([^&]*)&)?s=([^&]*)$/;
const YYMMDD = /^[0-9]{2}(?:0[1-9]|1[0-2])(?:0[0-9]|[12][0-9]|3[01])$/;
const SERIAL = /^(0|[1-9][0-9]{0,18})$/;
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
 * Step 1 (§4.1, §9.2): the address the text points to (null for bare digits) and the digit
 * string; for the GS1 form also `link` ({ gtin, lot, serial, bestBefore }).
 * Throws LabelCodeError (step "parse"): not_a_label, too_long, empty, bad_scheme, bad_link.
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
  if (text.includes("#")) fail("parse", "not_a_label", "nothing may follow the code");
  if (/\p{Cs}/u.test(text)) fail("parse", "not_a_label", "the text is not valid Unicode");
  let url;
  try {
    url = new URL(text);
  } catch {
    fail("parse", "not_a_label", "this is not a valid web address");
  }
  const raw = url.pathname.split("/").slice(1);
  const segments = raw.map(percentDecoded);
  const isMark = (s) => s === "V" || s === "v";
  if (raw.includes("01") && !segments.some(isMark)) return linkForm(url, raw);
  if (text.includes("?")) fail("parse", "not_a_label", "nothing may follow the code");
  if (segments.length < 2 || !isMark(segments.at(-2)) || segments.slice(0, -2).some(isMark)) {
    fail("parse", "not_a_label", "a label address ends in /V/ and the code, once");
  }
  const href = url.href;
  const base = href.slice(0, href.lastIndexOf("/", href.lastIndexOf("/") - 1));
  return { address: addressOf(url, base, segments.length > 2), digits: segments.at(-1) };
}

function addressOf(url, base, pathPrefix) {
  return {
    base,
    host: url.host,
    hostname: url.hostname,
    userinfo: url.username !== "" || url.password !== "",
    pathPrefix,
  };
}

// The GS1 form (§9.2): a Digital Link path naming a GTIN, lot and serial, then the signature.
function linkForm(url, raw) {
  const item = parseItemPath(raw);
  const href = url.href;
  const question = href.indexOf("?"); // href keeps "?" for an empty query; url.search does not
  if (item.lot === null || item.serial === null || item.cpv !== null || question < 0) {
    fail("parse", "not_a_label", "a GS1 label names a GTIN, a lot and a serial, then its signature");
  }
  const match = LINK_QUERY.exec(href.slice(question + 1));
  if (!match || (match[1] !== undefined && !YYMMDD.test(match[1]))) {
    fail("parse", "bad_link", "the query of a GS1 label is [17=YYMMDD&]s=digits");
  }
  const base = href.slice(0, href.indexOf("/", href.indexOf("//") + 2)); // scheme://[userinfo@]host
  const prefix = raw.slice(0, item.start).map((s) => `/${s}`).join("");
  return {
    address: addressOf(url, base + prefix, item.start > 0),
    digits: percentDecoded(match[2]),
    link: { gtin: item.gtin, lot: item.lot, serial: item.serial, bestBefore: match[1] ?? null },
  };
}

function linkFail(message) {
  fail("parse", "bad_link", message);
}

// A GS1 path element: percent-decoded as UTF-8; a stray % or bytes that are not UTF-8 break it.
function gs1Decoded(segment) {
  if (/%(?![0-9A-Fa-f]{2})/.test(segment)) linkFail("a path element has a % that is not an escape");
  try {
    return decodeURIComponent(segment);
  } catch {
    return linkFail("a path element is not percent-encoded UTF-8");
  }
}

/** GS1's mod-10 check digit of the digits before it. */
export function gtinCheckDigit(body) {
  let total = 0;
  for (let i = 0; i < body.length; i++) total += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (total % 10)) % 10);
}

/**
 * The trade item of a GS1 Digital Link path (§9.1), from its raw segments: { gtin (14 digits),
 * cpv, lot, serial, start }. Throws LabelCodeError (bad_link) for what GS1's rules refuse.
 */
export function parseItemPath(raw) {
  const start = raw.findIndex((s) => s === "01" || OTHER_GS1_KEYS.has(s));
  if (start < 0) linkFail("the path has no GS1 primary key");
  if (raw[start] !== "01") linkFail(`GS1 key AI ${raw[start]} is not resolved here`);
  const pairs = raw.slice(start);
  if (pairs.length % 2) linkFail("every GS1 element in the path is an AI and a value");
  const digits = gs1Decoded(pairs[1]);
  if (!GTIN_DIGITS.test(digits)) linkFail("a GTIN has 8, 12, 13 or 14 digits");
  const gtin = digits.padStart(14, "0");
  if (gtinCheckDigit(gtin.slice(0, 13)) !== gtin[13]) linkFail("the GTIN check digit is wrong");
  const values = { 22: null, 10: null, 21: null };
  let last = -1;
  for (let i = 2; i < pairs.length; i += 2) {
    const index = QUALIFIERS.indexOf(pairs[i]);
    if (index < 0) linkFail("an AI that is not a key qualifier of a GTIN");
    if (index <= last) linkFail("key qualifiers go in the order 22, 10, 21, once each");
    last = index;
    const value = gs1Decoded(pairs[i + 1]);
    if (!CSET82.test(value)) linkFail(`AI ${pairs[i]} holds 1 to 20 characters of GS1 character set 82`);
    values[pairs[i]] = value;
  }
  return { gtin, cpv: values[22], lot: values[10], serial: values[21], start };
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
  return digitsToBytes(digits, CODE_SIZE, CODE_DIGITS, LIMIT);
}

function digitsToBytes(digits, size, width, limit) {
  if (!/^[0-9]*$/.test(digits)) fail("decode", "bad_digits", "the code must be decimal digits only");
  if (digits.length !== width) fail("decode", "bad_length", `a label code has ${width} digits`);
  let value = BigInt(digits);
  if (value >= limit) fail("decode", "out_of_range", "the digits do not encode a label code");
  const code = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
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

/**
 * Step 2b of the GS1 form (§9.3): the payload of the 71 carried bytes and the URI's fields.
 * Throws unsupported_version, bad_field.
 */
export function unpackLinkPayload(carried, link) {
  if (carried[0] !== 2) fail("decode", "unsupported_version", `version ${carried[0]} is not supported`);
  const packed = (carried[5] << 8) | carried[6];
  if (packed >> 14 === 3) fail("decode", "bad_field", "the star rating field is invalid");
  if (!SERIAL.test(link.serial) || BigInt(link.serial) >> 60n) {
    fail("decode", "bad_field", "the serial (AI 21) is not a label serial");
  }
  return {
    version: 2,
    kid: hex(carried.subarray(1, 5)),
    serial: link.serial,
    short_code: shortCode(BigInt(link.serial)),
    stars: (packed >> 14) + 3,
    certified_until: new Date(EPOCH_MS + (packed & 0x3fff) * DAY_MS).toISOString().slice(0, 10),
    gtin: link.gtin,
    lot: link.lot,
    best_before: link.bestBefore,
  };
}

// What the GS1 form's signature covers (§9.3), after its context.
function linkSignedBody(carried, link) {
  const ascii = new TextEncoder();
  const serial = new Uint8Array(8);
  let value = BigInt(link.serial);
  for (let i = 7; i >= 0; i--) {
    serial[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  const lot = ascii.encode(link.lot);
  return concat(carried.subarray(0, HEAD_SIZE), ascii.encode(link.gtin), serial, Uint8Array.of(lot.length), lot,
    ascii.encode(link.bestBefore ?? ""));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
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

async function checkSignature(subtle, key, body, signature, context = CONTEXT) {
  const message = concat(context, body);
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
  const { link } = scanned;
  let code;
  let payload;
  try {
    if (link) {
      code = digitsToBytes(scanned.digits, CARRIED_SIZE, CARRIED_DIGITS, 1n << 568n);
      payload = unpackLinkPayload(code, link);
    } else {
      code = digitsToCode(scanned.digits);
      payload = unpackPayload(code.subarray(0, BODY_SIZE));
    }
    steps.decode = "ok";
  } catch (e) {
    if (!(e instanceof LabelCodeError)) throw e;
    steps.decode = e.reason;
    return verdict("invalid", e.reason, null, address);
  }
  const key = keys.get(payload.kid);
  steps.key = key ? "ok" : "unknown_key";
  if (!key) return verdict("invalid", "unknown_key", null, address);
  const good = link
    ? await checkSignature(subtle, key, linkSignedBody(code, link), code.subarray(HEAD_SIZE), LINK_CONTEXT)
    : await checkSignature(subtle, key, code.subarray(0, BODY_SIZE), code.subarray(BODY_SIZE));
  steps.signature = good ? "ok" : "bad_signature";
  if (!good) return verdict("invalid", "bad_signature", null, address);
  if (key.status === "compromised") return verdict("revoked", "key_compromised", payload, address);
  if (today > payload.certified_until) return verdict("expired", "past_date", payload, address);
  return verdict("genuine", null, payload, address);
}
