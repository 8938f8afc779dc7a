import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_BRIDGE_NAME } from '../driver/index.js';
import { nameFlag } from './flags.js';

// What a `poseidon dev` ran as, kept in its data dir: `poseidon dev --clean` removes the
// containers of that worker and that network, whatever flags the clean itself was given. (A dev
// started with --worker-name x, cleaned without it, said "removed 0 containers", removed the
// state, and left x's containers with nothing that knew of them.)

export interface DevRecord {
  workerName: string;
  network: string;
}

function recordFile(dataDir: string): string {
  return join(dataDir, 'dev.json');
}

export async function writeDevRecord(dataDir: string, rec: DevRecord): Promise<void> {
  await writeFile(recordFile(dataDir), `${JSON.stringify(rec)}\n`, { mode: 0o600 });
}

/** The record of the data dir's dev, if one is there and reads as one (else the clean's flags are used). */
export async function readDevRecord(dataDir: string): Promise<DevRecord | undefined> {
  const text = await readFile(recordFile(dataDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o.workerName !== 'string' || typeof o.network !== 'string') return undefined;
    // names a dev could have run with, checked as its flags are
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(o.network) || o.network.length > MAX_BRIDGE_NAME) return undefined;
    return { workerName: nameFlag('--worker-name', o.workerName), network: o.network };
  } catch {
    return undefined;
  }
}
