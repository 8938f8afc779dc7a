import { randomUUID } from 'node:crypto';

// What the attacks need beyond test/integration/helpers: requests as anyone could send them,
// raw bodies and all, answered with the status and the error body.

export interface Answer {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: unknown;
}

/** `method url` with `body` as it is (a string) or as JSON. */
export async function send(method: string, url: string, body?: unknown): Promise<Answer> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/** The error message of an answer in Poseidon's error shape, '' otherwise. */
export function messageOf(a: Answer): string {
  return (a.body as { error?: { message?: string } } | null)?.error?.message ?? '';
}

export function codeOf(a: Answer): string {
  return (a.body as { error?: { code?: string } } | null)?.error?.code ?? '';
}

/** A task report as a worker sends it, for a task id of the caller's choosing. */
export function report(taskId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskId,
    generation: 1,
    state: 'Running',
    containerId: null,
    exitCode: null,
    reason: 'running',
    ports: [],
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}

/** A register body for a node that is only a name and a URL (nothing listens there). */
export function registration(name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nodeId: randomUUID(),
    name,
    url: 'http://127.0.0.1:9',
    capacity: { cpuCores: 4, memoryBytes: 8 * 2 ** 30, diskBytes: 100 * 2 ** 30 },
    metrics: { cpuUsage: 0, load1: 0, memoryAvailableBytes: 8 * 2 ** 30, diskFreeBytes: 100 * 2 ** 30 },
    tasks: [],
    ...fields,
  };
}

export const METRICS = { cpuUsage: 0, load1: 0, memoryAvailableBytes: 8 * 2 ** 30, diskFreeBytes: 100 * 2 ** 30 };
