import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The local test image, built by scripts/setup-images.sh; never pulled. */
export const TEST_IMAGE = process.env.POSEIDON_TEST_IMAGE ?? 'poseidon/busybox:latest';

/** A label value unique to this test file's run: every container it makes carries it (testkit/cleanup.ts). */
export function newRunId(): string {
  return `t-${randomUUID().slice(0, 8)}`;
}

async function docker(args: string[]): Promise<string> {
  const { stdout } = await run('docker', args);
  return stdout.trim();
}

/** Container ids (running or not) carrying label `key=value`. */
export async function containersWithLabel(key: string, value: string): Promise<string[]> {
  const out = await docker(['ps', '-aq', '--no-trunc', '--filter', `label=${key}=${value}`]);
  return out === '' ? [] : out.split('\n');
}

export async function isRunning(containerId: string): Promise<boolean> {
  try {
    return (await docker(['inspect', '-f', '{{.State.Running}}', containerId])) === 'true';
  } catch {
    return false;
  }
}

export async function containerExists(containerId: string): Promise<boolean> {
  try {
    await docker(['inspect', containerId]);
    return true;
  } catch {
    return false;
  }
}

/** The container's environment as Docker holds it: NAME=value lines. */
export async function containerEnv(containerId: string): Promise<string[]> {
  return JSON.parse(await docker(['inspect', '-f', '{{json .Config.Env}}', containerId])) as string[];
}

/** Docker's own record of when the container finished (ISO). */
export async function finishedAt(containerId: string): Promise<string> {
  return docker(['inspect', '-f', '{{.State.FinishedAt}}', containerId]);
}

/** What `docker logs` prints of the container, byte for byte: its stdout and its stderr. */
export async function dockerLogs(containerId: string): Promise<{ stdout: Buffer; stderr: Buffer }> {
  return run('docker', ['logs', containerId], { encoding: 'buffer' });
}
