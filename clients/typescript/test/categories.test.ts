import assert from "node:assert/strict";
import { test } from "node:test";
import { etagOf, paginate, TaskTrackerError, unwrap, type Category } from "@tasktracker/client";
import { clientFor, unique } from "./env.js";

const client = clientFor(1);

test("category CRUD, taskCount follows its tasks, a non-empty category cannot be deleted", async () => {
  const name = unique("home");
  const created = await client.POST("/categories", { body: { name, color: "#00AA88", icon: "house" } });
  assert.equal(created.response.status, 201);
  const category = unwrap(created);
  assert.equal(category.name, name);
  assert.equal(category.taskCount, 0);
  const path = { categoryId: category.categoryId };

  const task = unwrap(await client.POST("/tasks", { body: { title: "sweep", categoryId: category.categoryId } }));

  const blocked = await client.DELETE("/categories/{categoryId}", { params: { path } });
  assert.throws(() => unwrap(blocked), (e: unknown) => e instanceof TaskTrackerError && e.code === "CATEGORY_NOT_EMPTY");

  const current = await client.GET("/categories/{categoryId}", { params: { path } });
  assert.equal(unwrap(current).taskCount, 1);
  const stale = await client.PUT("/categories/{categoryId}", {
    params: { path, header: { "If-Match": etagOf(created) } }, // the task's arrival bumped the version
    body: { name: "never" },
  });
  assert.throws(() => unwrap(stale), (e: unknown) => e instanceof TaskTrackerError && e.code === "PRECONDITION_FAILED");
  const renamed = await client.PUT("/categories/{categoryId}", {
    params: { path, header: { "If-Match": etagOf(current) } },
    body: { name: `${name}-2`, icon: null },
  });
  const after: Category = unwrap(renamed);
  assert.equal(after.name, `${name}-2`);
  assert.equal(after.icon, null);

  const dup = await client.POST("/categories", { body: { name: `${name}-2`.toUpperCase(), color: "#000000" } });
  assert.throws(() => unwrap(dup), (e: unknown) => e instanceof TaskTrackerError && e.status === 409 && e.code === "CATEGORY_NAME_TAKEN");

  unwrap(await client.DELETE("/tasks/{taskId}", { params: { path: { taskId: task.taskId } } }));
  const emptied = await client.GET("/categories/{categoryId}", { params: { path } }); // taskCount 0, a new version
  assert.equal(unwrap(emptied).taskCount, 0);
  assert.notEqual(etagOf(emptied), etagOf(renamed));
  const gone = await client.DELETE("/categories/{categoryId}", { params: { path, header: { "If-Match": etagOf(emptied) } } });
  assert.equal(gone.response.status, 204);
  await assert.rejects(
    async () => unwrap(await client.GET("/categories/{categoryId}", { params: { path } })),
    (e: unknown) => e instanceof TaskTrackerError && e.code === "CATEGORY_NOT_FOUND",
  );
});

test("categories paginate to the end", async () => {
  const mine = clientFor(2); // a user with nothing else
  const names: string[] = [];
  for (let i = 0; i < 5; i++) {
    names.push(unwrap(await mine.POST("/categories", { body: { name: unique(`c${i}`), color: "#123456" } })).name);
  }
  const seen: string[] = [];
  for await (const c of paginate((cursor) => mine.GET("/categories", { params: { query: { limit: 2, cursor } } }))) {
    seen.push(c.name);
  }
  // Newest first, each once (the user is fresh in a test run; a rerun on the same server only adds older ones).
  assert.deepEqual(seen.slice(0, names.length), [...names].reverse());
  assert.equal(new Set(seen).size, seen.length);
});
