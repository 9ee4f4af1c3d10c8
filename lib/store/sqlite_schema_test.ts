import assert from "node:assert/strict";
import { deviceId } from "../../protocol.ts";
import { generateIdentity, publicBundle } from "../../web/common/e2e.js";
import { deviceIdNow } from "./sqlite_schema.ts";

Deno.test("deviceIdNow() computes what deviceId() does", async () => {
  for (let i = 0; i < 5; i++) {
    const { sign } = await publicBundle(await generateIdentity());
    assert.equal(deviceIdNow(sign), await deviceId(sign));
  }
});
