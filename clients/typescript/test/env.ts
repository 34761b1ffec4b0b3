// The live server the tests run against: TASKTRACKER_URL and TASKTRACKER_API_KEYS (comma-separated, one user
// each). Each test file takes its own key so that files running in parallel never see each other's data.
import { createClient, type TaskTrackerClient } from "@tasktracker/client";

export const baseUrl = required("TASKTRACKER_URL");
export const keys = required("TASKTRACKER_API_KEYS").split(",").filter(Boolean);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (the pytest wrapper tests/clients/test_typescript_sdk.py does)`);
  return value;
}

export function clientFor(slot: number): TaskTrackerClient {
  if (slot >= keys.length) throw new Error(`need at least ${slot + 1} keys in TASKTRACKER_API_KEYS`);
  return createClient({ baseUrl, apiKey: keys[slot] });
}

export const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
