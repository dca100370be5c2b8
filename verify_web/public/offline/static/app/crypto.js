// Ed25519 for the two verifiers: WebCrypto where the browser has it (Chrome 137+, Safari 17+,
// Firefox 129+), otherwise @noble/ed25519 (vendored, static/vendor/noble-ed25519/), loaded only
// then. SHA-256/512 always come from WebCrypto, which every browser with a service worker has.
const NOBLE = new URL("../vendor/noble-ed25519/index.js", import.meta.url).href;
// A valid public key (RFC 8032 §7.1 test 1): importing it tells whether WebCrypto knows Ed25519.
const PROBE = Uint8Array.from(atob("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="), (c) => c.charCodeAt(0));

let chosen = null;

async function nativeEd25519() {
  try {
    await crypto.subtle.importKey("raw", PROBE, { name: "Ed25519" }, false, ["verify"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `subtle` object labelcode.js's importKeySet/verify take (its `options.subtle`), and the
 * `verify(x, message, signature)` function revlist.js's parseList takes, with the engine's name:
 * { engine: "webcrypto" | "noble", subtle, verify }. `force` ("noble") skips the probe (tests).
 */
export async function ed25519({ force } = {}) {
  if (chosen && !force) return chosen;
  const native = force ? false : await nativeEd25519();
  let verify;
  let subtle = crypto.subtle;
  if (native) {
    verify = async (x, message, signature) => {
      try {
        const key = await crypto.subtle.importKey("raw", x, { name: "Ed25519" }, false, ["verify"]);
        return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
      } catch {
        return false;
      }
    };
  } else {
    const noble = await import(NOBLE);
    // RFC 8032 rules (not ZIP-215's looser ones), as WebCrypto verifies.
    verify = async (x, message, signature) => {
      try {
        return await noble.verifyAsync(signature, message, x, { zip215: false });
      } catch {
        return false; // not a point on the curve, or a malformed signature
      }
    };
    subtle = {
      digest: (algorithm, data) => crypto.subtle.digest(algorithm, data),
      importKey: async (format, raw, algorithm) => {
        if (format !== "raw" || algorithm.name !== "Ed25519") throw new Error("only raw Ed25519 keys");
        return { raw: new Uint8Array(raw) };
      },
      verify: async (algorithm, key, signature, message) => verify(key.raw, new Uint8Array(message), new Uint8Array(signature)),
    };
  }
  const found = { engine: native ? "webcrypto" : "noble", subtle, verify };
  if (!force) chosen = found;
  return found;
}
