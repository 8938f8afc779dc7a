import { randomBytes, randomInt } from 'node:crypto';
import type Docker from 'dockerode';
import { ensureNetwork } from '../src/driver/index.js';
import { LABEL_TEST_RUN } from './cleanup.js';

/** A discovery test's own network: its name (≤ 15 characters), subnet and the VIP range in its upper half. */
export interface TestNetwork {
  name: string;
  subnet: string;
  vipRange: string;
  /** `--network NAME --subnet CIDR` for each worker of the run. */
  workerArgs: string[];
  /** `--vip-range CIDR` for its manager. */
  managerArgs: string[];
  /** workerArgs, and the host's discovery on them: `--proxy`, its DNS on a port of its own, no recursion. */
  proxyWorkerArgs: string[];
}

const ATTEMPTS = 20;

/**
 * Creates a Poseidon network of the run's own, labelled `poseidon.test-run=<runId>` (RunCleanup
 * removes it by that label after the containers): a random name and a random /24 in
 * 10.214.0.0/16, tried again on a clash with another run's (the engine refuses an overlapping
 * pool). Workers given the same `--network` and `--subnet` find it there, as they would their own.
 */
export async function createTestNetwork(docker: Docker, runId: string): Promise<TestNetwork> {
  let last: unknown;
  for (let i = 0; i < ATTEMPTS; i++) {
    const name = `pt${randomBytes(5).toString('hex')}`;
    const third = randomInt(0, 256);
    const subnet = `10.214.${third}.0/24`;
    try {
      await ensureNetwork(docker, { name, subnet, labels: { [LABEL_TEST_RUN]: runId } });
    } catch (err) {
      last = err;
      continue;
    }
    const vipRange = `10.214.${third}.128/25`;
    const workerArgs = ['--network', name, '--subnet', subnet];
    return {
      name,
      subnet,
      vipRange,
      workerArgs,
      managerArgs: ['--vip-range', vipRange],
      proxyWorkerArgs: [...workerArgs, '--proxy', '--dns-port', '0', '--no-recursion'],
    };
  }
  throw new Error(`no free test network after ${ATTEMPTS} tries: ${String(last)}`);
}
