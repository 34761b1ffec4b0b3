// Hand-written, and kept small: everything about the API's shape is in ./schema.ts, which `make clients`
// generates from openapi.yaml. This file adds the client factory, a typed error and a pagination helper.
import createFetchClient, { type Client, type ClientOptions as FetchOptions } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

type Schemas = components["schemas"];
export type Task = Schemas["Task"];
export type TaskCreate = Schemas["TaskCreate"];
export type TaskUpdate = Schemas["TaskUpdate"];
export type TaskList = Schemas["TaskList"];
export type Category = Schemas["Category"];
export type CategoryCreate = Schemas["CategoryCreate"];
export type CategoryUpdate = Schemas["CategoryUpdate"];
export type CategoryList = Schemas["CategoryList"];
export type Priority = Schemas["Priority"];
export type ErrorBody = Schemas["Error"];
export type ErrorCode = ErrorBody["error"]["code"];
export type ErrorDetail = Schemas["ErrorDetail"];

export type TaskTrackerClient = Client<paths>;

export interface ClientOptions extends Omit<FetchOptions, "baseUrl"> {
  /** Where the API is, e.g. `http://127.0.0.1:3000` or the API Gateway stage URL. */
  baseUrl: string;
  /** Sent as `x-api-key` on every request. */
  apiKey: string;
}

/** A client whose methods are the API's paths: `client.GET("/tasks/{taskId}", { params: { path: { taskId } } })`. */
export function createClient({ baseUrl, apiKey, ...rest }: ClientOptions): TaskTrackerClient {
  const client = createFetchClient<paths>({ ...rest, baseUrl: baseUrl.replace(/\/+$/, "") });
  client.use({
    onRequest({ request }) {
      request.headers.set("x-api-key", apiKey);
      return request;
    },
  });
  return client;
}

/** The API's error envelope, thrown by `unwrap` for every non-2xx answer. */
export class TaskTrackerError extends Error {
  readonly status: number;
  readonly code: ErrorCode | "UNKNOWN";
  readonly details: ErrorDetail[];
  readonly correlationId: string | null;
  readonly body: unknown;

  constructor(status: number, body: unknown, correlationId: string | null) {
    const envelope = (body as Partial<ErrorBody> | null)?.error;
    const code = envelope?.code ?? "UNKNOWN";
    super(`${status} ${code}: ${envelope?.message ?? String(body ?? "")}`.trim());
    this.name = "TaskTrackerError";
    this.status = status;
    this.code = code;
    this.details = envelope?.details ?? [];
    this.correlationId = envelope?.correlationId ?? correlationId;
    this.body = body;
  }
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a 2xx answer; any other answer throws a `TaskTrackerError`. */
export function unwrap<T>(result: Result<T>): T {
  if (result.response.ok) return result.data as T;
  throw new TaskTrackerError(result.response.status, result.error, result.response.headers.get("x-correlation-id"));
}

/** The ETag of a 2xx answer (`"3"`), to send back as `If-Match`. */
export function etagOf(result: Result<unknown>): string {
  const tag = result.response.headers.get("etag");
  if (!tag) throw new Error(`no ETag on ${result.response.status} ${result.response.url}`);
  return tag;
}

/**
 * Every item of a list operation, page after page, until `nextCursor` is null:
 * `for await (const t of paginate((cursor) => client.GET("/tasks", { params: { query: { cursor } } }))) ...`
 */
export async function* paginate<T>(
  page: (cursor: string | undefined) => Promise<Result<{ items: T[]; nextCursor?: string | null }>>,
): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const body = unwrap(await page(cursor));
    yield* body.items;
    cursor = body.nextCursor ?? undefined;
  } while (cursor);
}
