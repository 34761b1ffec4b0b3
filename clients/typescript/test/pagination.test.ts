import assert from "node:assert/strict";
import { test } from "node:test";
import { paginate, TaskTrackerError, unwrap } from "@tasktracker/client";
import { clientFor, unique } from "./env.js";

const client = clientFor(3);

test("tasks paginate to the end, page by page and through paginate()", async () => {
  const category = unwrap(await client.POST("/categories", { body: { name: unique("paged"), color: "#abcdef" } }));
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    ids.push(unwrap(await client.POST("/tasks", { body: { title: `t${i}`, categoryId: category.categoryId } })).taskId);
  }
  const newestFirst = [...ids].reverse();

  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(
      await client.GET("/tasks", { params: { query: { categoryId: category.categoryId, limit: 3, cursor } } }),
    );
    pages.push(page.items.map((t) => t.taskId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
  assert.deepEqual(pages.flat(), newestFirst);

  const all: string[] = [];
  for await (const t of paginate((c) =>
    client.GET("/tasks", { params: { query: { categoryId: category.categoryId, limit: 2, cursor: c } } }),
  )) {
    all.push(t.taskId);
  }
  assert.deepEqual(all, newestFirst);
});

test("a tampered cursor is a typed INVALID_CURSOR error", async () => {
  const bad = await client.GET("/tasks", { params: { query: { cursor: "not-a-real-cursor" } } });
  assert.throws(() => unwrap(bad), (e: unknown) => e instanceof TaskTrackerError && e.status === 400 && e.code === "INVALID_CURSOR");
});
