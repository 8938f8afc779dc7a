import type Docker from 'dockerode';
import { DEFAULT_NETWORK, DEFAULT_SUBNET } from '../src/discovery/index.js';
import { ensureNetwork, type NetworkInfo } from '../src/driver/index.js';
import { BenchError } from './bench-error.js';
import { removeForce } from '../testkit/cleanup.js';

/** The local image every benchmark runs; no registry is reachable, so nothing is pulled. */
export const BENCH_IMAGE = 'poseidon/busybox:latest';
/** Containers removed at once when a benchmark clears up after a step. */
const REMOVE_CONCURRENCY = 8;

class ImageMissing extends BenchError {
  constructor(image: string) {
    super(`image ${image} is not on this machine and the bench never pulls; build it with scripts/setup-images.sh`);
  }
}

export async function assertImagePresent(docker: Docker, image = BENCH_IMAGE): Promise<void> {
  try {
    await docker.getImage(image).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) throw new ImageMissing(image);
    throw err;
  }
}

/** Force-removes containers, a few at a time (untimed clearing between steps). */
export async function removeContainers(docker: Docker, ids: readonly string[]): Promise<void> {
  await inPool(ids.length, REMOVE_CONCURRENCY, (i) => removeForce(docker, ids[i] as string));
}

/**
 * Runs `tasks` with at most `concurrency` in flight, in order; resolves with their results in
 * the same order. (The Engine API side of a burst: all at once, or a few at a time.)
 */
export async function inPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/**
 * A worker's network as its defaults make it (`poseidon0`; tasks on Docker's default bridge with
 * its gateway as DNS), made now if no worker made it yet, as a worker's first start would: a side
 * that creates its container as the worker's driver does is the like-for-like reference for a
 * Poseidon start.
 */
export function workersNetwork(docker: Docker): Promise<NetworkInfo> {
  return ensureNetwork(docker, { name: DEFAULT_NETWORK, subnet: DEFAULT_SUBNET, tasks: 'bridge' });
}
