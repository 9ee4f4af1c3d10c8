import assert from "node:assert/strict";
import { RoomChannels } from "./room_channels.ts";

Deno.test("RoomChannels subscribes to a room once, says when it is heard, leaves it once, and retries a failed subscription", async () => {
  const calls: string[] = [];
  let fail = true;
  const rooms = new RoomChannels({
    listen: (key) => {
      calls.push(`listen ${key}`);
      return fail ? Promise.reject(new Error("Redis is away")) : Promise.resolve();
    },
    unlisten: (key) => Promise.resolve(void calls.push(`unlisten ${key}`)),
  });
  await assert.rejects(rooms.listen("#Ops"), /Redis is away/);
  assert.equal(rooms.has("#ops"), false);
  fail = false;
  const listening = rooms.listen("#ops");
  assert.deepEqual([rooms.has("#ops"), rooms.heard("#ops")], [true, false], "under way");
  await listening;
  await rooms.listen("#OPS");
  assert.deepEqual([rooms.has("#ops"), rooms.heard("#ops")], [true, true]);
  rooms.release("#ops");
  rooms.release("#ops");
  assert.equal(rooms.heard("#ops"), false);
  assert.deepEqual(calls, ["listen #ops", "listen #ops", "unlisten #ops"]);
});
