// Runs every vector of docs/vectors/ through the JavaScript verifier (node --test tests/js/).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { importKeySet, todayInVietnam, verify } from "../../verify_web/static/verifier/labelcode.js";

const folder = fileURLToPath(new URL("../../docs/vectors/", import.meta.url));
const files = readdirSync(folder).filter((name) => name.endsWith(".json") && name !== "test-key.json");

test("the corpus is there", () => assert.ok(files.length >= 70, `only ${files.length} vectors`));

for (const name of files.sort()) {
  test(name, async () => {
    const vector = JSON.parse(readFileSync(folder + name, "utf-8"));
    const keys = await importKeySet(vector.keys);
    const got = await verify(vector.qr, keys, { today: vector.today, ourBaseUrl: vector.our_base_url });
    const want = vector.expected;
    assert.deepEqual(got.steps, want.steps);
    assert.equal(got.status, want.status);
    assert.equal(got.reason, want.reason);
    assert.deepEqual(got.warnings, want.warnings);
    assert.deepEqual(got.payload, want.payload ?? null);
  });
}

test("today is the date in Viet Nam, not the device's", () => {
  assert.equal(todayInVietnam(new Date("2026-11-22T16:59:59Z")), "2026-11-22");
  assert.equal(todayInVietnam(new Date("2026-11-22T17:00:00Z")), "2026-11-23");
});

test("non-string input and a key set without keys", async () => {
  const keys = await importKeySet({ keys: [] });
  for (const input of [null, undefined, 42, ["x"], { qr: "x" }]) {
    assert.equal((await verify(input, keys)).reason, "not_a_label");
  }
  await assert.rejects(importKeySet({}), /keys/);
  await assert.rejects(importKeySet({ keys: [], compromised: {} }), /keys/);
});
