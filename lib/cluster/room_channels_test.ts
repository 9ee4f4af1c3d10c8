import assert from "node:assert/strict";
import { RoomChannels } from "./room_channels.ts";

Deno.test("RoomChannels subscribes to a room once, leaves it once, and retries a failed subscription", async () => {
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
  await rooms.listen("#ops");
  await rooms.listen("#OPS");
  assert.equal(rooms.has("#ops"), true);
  rooms.release("#ops");
  rooms.release("#ops");
  assert.deepEqual(calls, ["listen #ops", "listen #ops", "unlisten #ops"]);
});
