import assert from "node:assert/strict";
import { Inbox } from "./inbox.js";

/** An inbox whose tasks run by hand, on a clock that moves 1 ms per item taken. */
function handRun<T>(take: (item: T) => void | Promise<void> = () => {}, budgetMs = 8) {
  const tasks: (() => void)[] = [];
  const taken: T[] = [];
  let clock = 0;
  let slices = 0;
  const inbox = new Inbox<T>((item) => {
    clock++;
    taken.push(item);
    return take(item);
  }, {
    budgetMs,
    now: () => clock,
    nextTask: (run) => tasks.push(run),
    afterSlice: () => slices++,
  });
  return {
    inbox,
    taken,
    tasks,
    get slices() {
      return slices;
    },
    /** Runs the next task, and what it sets going, up to what waits on outside events. */
    async runTask() {
      tasks.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

Deno.test("items are taken in the order pushed, from the next task, a budget's worth a slice", async () => {
  const run = handRun<number>();
  for (let i = 1; i <= 20; i++) run.inbox.push(i);
  assert.deepEqual(run.taken, [], "nothing is taken in the task that pushed");
  assert.equal(run.tasks.length, 1);
  await run.runTask();
  assert.deepEqual(run.taken, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(run.slices, 1, "what the slice gathered is drawn before the page is given back");
  assert.equal(run.inbox.size, 12);
  await run.runTask();
  assert.equal(run.taken.length, 16);
  await run.runTask();
  assert.deepEqual(run.taken, Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(run.slices, 3);
  assert.equal(run.tasks.length, 0, "an empty inbox asks for no task");
});

Deno.test("items pushed while a slice runs come after it, and an empty inbox starts again", async () => {
  const run = handRun<string>((item) => {
    if (item === "a") run.inbox.push("pushed by a");
  });
  run.inbox.push("a");
  run.inbox.push("b");
  await run.runTask();
  assert.deepEqual(run.taken, ["a", "b", "pushed by a"]);
  assert.equal(run.tasks.length, 0);
  run.inbox.push("c");
  assert.equal(run.tasks.length, 1);
  await run.runTask();
  assert.deepEqual(run.taken, ["a", "b", "pushed by a", "c"]);
  assert.equal(run.slices, 2);
});

Deno.test("an item whose handling waits holds the ones after it, pushed before or after", async () => {
  let release = () => {};
  const run = handRun<number>((item) => {
    if (item === 2) return new Promise<void>((resolve) => release = resolve);
  });
  run.inbox.push(1);
  run.inbox.push(2);
  run.inbox.push(3);
  await run.runTask();
  assert.deepEqual(run.taken, [1, 2]);
  run.inbox.push(4);
  assert.equal(run.tasks.length, 0, "a push while waiting starts nothing new");
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(run.taken, [1, 2, 3, 4]);
});

Deno.test("an item that fails is logged, and the next one is taken", async () => {
  const logged: unknown[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => logged.push(...args);
  try {
    const run = handRun<number>((item) => {
      if (item === 1) throw new Error("first one broke");
      if (item === 2) return Promise.reject(new Error("second one broke"));
    });
    for (const i of [1, 2, 3]) run.inbox.push(i);
    await run.runTask();
    assert.deepEqual(run.taken, [1, 2, 3]);
    assert.deepEqual(logged.map((e) => (e as Error).message), [
      "first one broke",
      "second one broke",
    ]);
  } finally {
    console.error = error;
  }
});

Deno.test("a long burst keeps its order across slices while the queue lets go of what it took", async () => {
  const run = handRun<number>(() => {}, 100);
  const count = 10_000;
  for (let i = 0; i < 5_000; i++) run.inbox.push(i);
  await run.runTask();
  for (let i = 5_000; i < count; i++) run.inbox.push(i);
  while (run.tasks.length > 0) await run.runTask();
  assert.equal(run.taken.length, count);
  assert.ok(run.taken.every((item, i) => item === i), "every item in order, once");
  assert.equal(run.slices, count / 100);
  assert.equal(run.inbox.size, 0);
});
