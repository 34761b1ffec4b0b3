// The README's usage example, extracted, type-checked by tsc and run against the live server.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { baseUrl, keys } from "./env.js";

const pkg = fileURLToPath(new URL("../../", import.meta.url)); // build/test/ -> the package
const outDir = `${pkg}build/readme`;

test("README usage example compiles and runs", () => {
  const readme = readFileSync(`${pkg}README.md`, "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README.md has a ```ts block");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}/example.ts`, block[1]);
  const tsc = `${pkg}node_modules/typescript/bin/tsc`;
  const flags = ["--strict", "--target", "ES2022", "--module", "NodeNext", "--moduleResolution", "NodeNext"];
  execFileSync(process.execPath, [tsc, ...flags, "--types", "node", "--rootDir", outDir, "--outDir", outDir, `${outDir}/example.ts`], {
    cwd: pkg,
    stdio: "pipe",
    encoding: "utf8",
  });
  assert.ok(keys.length > 4, "need a fifth key for the example's own user");
  const out = execFileSync(process.execPath, [`${outDir}/example.js`], {
    cwd: pkg,
    env: { ...process.env, TASKTRACKER_URL: baseUrl, TASKTRACKER_API_KEY: keys[4] },
    encoding: "utf8",
  });
  const lines = out.trim().split("\n");
  assert.equal(lines[0], "Buy milk true");
  assert.match(lines.at(-1)!, /^404 TASK_NOT_FOUND \S+$/);
});
