// Runs every vector of docs/vectors/revocation-list/ through revlist.js (node --test tests/js/).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { importKeySet } from "../../verify_web/static/verifier/labelcode.js";
import { acceptUpdate, applyDelta, freshness, parseList, revokedBy, unmatchable } from "../../verify_web/static/verifier/revlist.js";

const folder = fileURLToPath(new URL("../../docs/vectors/revocation-list/", import.meta.url));
const files = readdirSync(folder).filter((name) => name.endsWith(".json"));

test("the corpus is there", () => assert.ok(files.length >= 20, `only ${files.length} vectors`));

for (const name of files.sort()) {
  test(name, async () => {
    const vector = JSON.parse(readFileSync(folder + name, "utf-8"));
    const keys = await importKeySet(vector.keys);
    const got = await parseList(vector.jws, keys);
    assert.deepEqual(got, vector.expected);
    let list = got.list;
    if (vector.stored !== undefined) {
      const stored = (await parseList(vector.stored, keys)).list;
      const update = vector.update_full ?? vector.update;
      const apply = vector.update_full || got.list.kind === "full" ? acceptUpdate : applyDelta;
      const outcome = apply(stored, got.list);
      assert.equal(outcome.ok, update.ok);
      assert.equal(outcome.reason, update.ok ? null : update.reason);
      assert.deepEqual(outcome.list, update.ok ? update.list : stored);
      list = outcome.list;
    }
    for (const { label, scope } of vector.labels ?? []) {
      assert.equal(revokedBy(list, label)?.scope ?? null, scope, JSON.stringify(label));
    }
    if (vector.unmatchable) {
      assert.equal(unmatchable(list, { gs1: true }), vector.unmatchable.gs1);
      assert.equal(unmatchable(list), vector.unmatchable.plain);
    }
    if (vector.freshness) assert.deepEqual(freshness(list, new Date(vector.now)), vector.freshness);
  });
}

const vector = (name) => JSON.parse(readFileSync(folder + name, "utf-8"));

test("a stored list survives JSON (IndexedDB, localStorage) and still answers", async () => {
  const first = vector("01-full-list.json");
  const { list } = await parseList(first.jws, await importKeySet(first.keys));
  const again = JSON.parse(JSON.stringify(list));
  assert.deepEqual(revokedBy(again, { serial: "48358647417488743", kid: "56475aa7" }), list.entries[0]);
  assert.equal(revokedBy(again, { serial: 48358647417488743n, kid: "56475aa7" })?.id, 3);
});

test("the injected verify function is the one used, with the served signing input", async () => {
  const first = vector("01-full-list.json");
  const keys = await importKeySet(first.keys);
  const seen = [];
  const verify = async (x, message, signature) => {
    seen.push([x.length, new TextDecoder().decode(message), signature.length]);
    return false;
  };
  assert.deepEqual(await parseList(first.jws, keys, { verify }), { ok: false, reason: "bad_signature" });
  const [header, payload] = first.jws.split(".");
  assert.deepEqual(seen, [[32, `${header}.${payload}`, 64]]);
});

test("no stored list: a delta has no base, a full list is taken", async () => {
  const delta = vector("03-delta.json");
  const keys = await importKeySet(delta.keys);
  const parsed = (await parseList(delta.jws, keys)).list;
  assert.deepEqual(applyDelta(null, parsed), { ok: false, list: null, reason: "no_base" });
  const full = (await parseList(delta.stored, keys)).list;
  assert.equal(applyDelta(full, full).reason, "not_delta");
  assert.equal(acceptUpdate(null, full).ok, true);
});

test("non-text input is not a JWS, never an exception", async () => {
  const keys = await importKeySet({ keys: [] });
  for (const input of [null, undefined, 42, {}, "", "a.b", "a.b.c.d", "!!.??.**", "a.b.c"]) {
    const got = await parseList(input, keys);
    assert.equal(got.ok, false);
    assert.ok(["not_jws", "bad_header"].includes(got.reason), `${input}: ${got.reason}`);
  }
});

test("a device clock behind the issue time gives age 0", async () => {
  const first = vector("01-full-list.json");
  const { list } = await parseList(first.jws, await importKeySet(first.keys));
  assert.deepEqual(freshness(list, new Date("2026-11-30T00:00:00Z")), { ageHours: 0, stale: false, expired: false });
});
