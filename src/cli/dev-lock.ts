import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidField } from '../errors/index.js';

// `poseidon dev` writes its pid in its data dir while it runs: a second one on the same data dir
// (which would adopt the first one's containers) and `poseidon dev --clean` (which would remove
// them under it) are refused meanwhile. A pid file left by a process that died is ignored.

function pidFile(dataDir: string): string {
  return join(dataDir, 'dev.pid');
}

/** The pid of a live `poseidon dev` on this data dir (not this process), if any. */
export async function runningDev(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile(dataDir), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Records this process as the data dir's `poseidon dev`; refused while another one runs there. */
export async function claimDataDir(dataDir: string): Promise<void> {
  const other = await runningDev(dataDir);
  if (other !== undefined)
    throw new InvalidField('--data-dir', `${dataDir} is used by another poseidon dev (pid ${other}); stop it first`);
  await mkdir(dataDir, { recursive: true });
  await writeFile(pidFile(dataDir), `${process.pid}\n`);
}

export async function releaseDataDir(dataDir: string): Promise<void> {
  await rm(pidFile(dataDir), { force: true });
}
