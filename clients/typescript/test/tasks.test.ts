import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient, etagOf, TaskTrackerError, unwrap, type Task } from "@tasktracker/client";
import { baseUrl, clientFor } from "./env.js";

const client = clientFor(0);

test("task CRUD: create, get, update, delete", async () => {
  const created = await client.POST("/tasks", {
    body: { title: "write the SDK", priority: "high", dueDate: "2030-01-02T03:04:05.000Z" },
  });
  assert.equal(created.response.status, 201);
  const task: Task = unwrap(created);
  assert.match(task.taskId, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.equal(task.priority, "high");
  assert.equal(task.completed, false);
  assert.equal(task.version, 1);
  assert.equal(created.response.headers.get("location"), `/tasks/${task.taskId}`);
  assert.equal(etagOf(created), '"1"');

  const path = { taskId: task.taskId };
  const got = unwrap(await client.GET("/tasks/{taskId}", { params: { path } }));
  assert.deepEqual(got, task);

  const updated = unwrap(
    await client.PUT("/tasks/{taskId}", { params: { path }, body: { completed: true, description: null } }),
  );
  assert.equal(updated.completed, true);
  assert.equal(updated.version, 2);

  const deleted = await client.DELETE("/tasks/{taskId}", { params: { path } });
  assert.equal(deleted.response.status, 204);
  unwrap(deleted);

  await assert.rejects(
    async () => unwrap(await client.GET("/tasks/{taskId}", { params: { path } })),
    (e: unknown) => e instanceof TaskTrackerError && e.status === 404 && e.code === "TASK_NOT_FOUND",
  );
});

test("If-Match with a stale ETag is a typed PRECONDITION_FAILED error, and changes nothing", async () => {
  const created = await client.POST("/tasks", { body: { title: "contended" } });
  const task = unwrap(created);
  const stale = etagOf(created);
  const path = { taskId: task.taskId };

  const first = await client.PUT("/tasks/{taskId}", {
    params: { path, header: { "If-Match": stale } },
    body: { title: "first writer" },
  });
  assert.equal(unwrap(first).version, 2);
  assert.equal(etagOf(first), '"2"');

  const second = await client.PUT("/tasks/{taskId}", {
    params: { path, header: { "If-Match": stale } },
    body: { title: "second writer" },
  });
  assert.equal(second.response.status, 412);
  assert.equal(second.error?.error.code, "PRECONDITION_FAILED"); // typed without unwrap, too
  assert.throws(
    () => unwrap(second),
    (e: unknown) => e instanceof TaskTrackerError && e.status === 412 && e.code === "PRECONDITION_FAILED",
  );

  const now = unwrap(await client.GET("/tasks/{taskId}", { params: { path } }));
  assert.equal(now.title, "first writer");
  const removed = await client.DELETE("/tasks/{taskId}", { params: { path, header: { "If-Match": stale } } });
  assert.equal(removed.response.status, 412);
});

test("the error envelope is surfaced: code, every bad field, correlation id", async () => {
  const bad = await client.POST("/tasks", {
    params: { header: { "X-Correlation-Id": "sdk-ts-test-1" } },
    // Wrong on purpose, twice: the server must name both fields.
    body: { title: "", priority: "urgent" } as unknown as { title: string },
  });
  try {
    unwrap(bad);
    assert.fail("a 400 must throw");
  } catch (e) {
    assert.ok(e instanceof TaskTrackerError);
    assert.equal(e.status, 400);
    assert.equal(e.code, "VALIDATION_ERROR");
    assert.equal(e.correlationId, "sdk-ts-test-1");
    const fields = [...new Set(e.details.map((d) => d.field))].sort();
    assert.deepEqual(fields, ["body.priority", "body.title"]);
    assert.match(e.message, /^400 VALIDATION_ERROR: /);
  }
});

test("an unknown API key is a typed UNAUTHORIZED error", async () => {
  const stranger = createClient({ baseUrl, apiKey: "not-a-key" });
  await assert.rejects(
    async () => unwrap(await stranger.GET("/tasks")),
    (e: unknown) => e instanceof TaskTrackerError && e.status === 401 && e.code === "UNAUTHORIZED",
  );
});

test("the compiler rejects what the API would (checked when this file compiles)", () => {
  // Never called: each line must fail to type-check, or tsc -p tsconfig.test.json fails the build.
  const wrong = () => {
    // @ts-expect-error a misspelled field
    void client.POST("/tasks", { body: { titel: "x" } });
    // @ts-expect-error not a priority
    void client.POST("/tasks", { body: { title: "x", priority: "urgent" } });
    // @ts-expect-error the path needs its taskId
    void client.GET("/tasks/{taskId}", {});
    // @ts-expect-error no such path
    void client.GET("/task");
  };
  assert.equal(typeof wrong, "function");
});
