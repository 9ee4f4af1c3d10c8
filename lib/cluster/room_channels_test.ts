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
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(calls, ["listen #ops", "listen #ops", "unlisten #ops"]);
});

Deno.test("RoomChannels subscribes to a room joined again only once Redis has taken its leaving", async () => {
  const calls: string[] = [];
  let left!: () => void;
  const rooms = new RoomChannels({
    listen: (key) => Promise.resolve(void calls.push(`listen ${key}`)),
    unlisten: (key) => {
      calls.push(`unlisten ${key}`);
      return new Promise((resolve) => left = resolve);
    },
  });
  await rooms.listen("#ops");
  rooms.release("#ops");
  const again = rooms.listen("#ops");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(calls, ["listen #ops", "unlisten #ops"], "the second waits");
  assert.equal(rooms.heard("#ops"), false);
  left();
  await again;
  assert.deepEqual(calls, ["listen #ops", "unlisten #ops", "listen #ops"]);
  assert.equal(rooms.heard("#ops"), true);
});
