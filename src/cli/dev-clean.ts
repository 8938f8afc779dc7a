import { rm, rmdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { removeWorkerLeftovers } from '../driver/index.js';
import { loadNodeCredentials } from '../pki/index.js';
import { shmFilesRoot } from '../worker/index.js';
import { credentialsPath, loadCredentials } from './credentials.js';
import type { DevOptions } from './dev-action.js';
import { claimForClean } from './dev-claim.js';
import { STDIO, type Output } from './each-name.js';
import { readDevRecord } from './dev-record.js';

/**
 * `poseidon dev --clean`: removes what the dev cluster of this data dir started: its worker's
 * containers (running or not, by the `poseidon.worker` label) and named volumes, its network once
 * nothing else uses it, the manager's and worker's state in the data dir (tasks, CA, tokens,
 * certificates), its tasks' secret and config files, and the CLI credentials it saved for
 * itself. Refused while that dev cluster runs.
 */
export async function cleanDev(opts: DevOptions, io: Output = STDIO): Promise<void> {
  const release = await claimForClean(opts.dataDir);
  try {
    await clean(opts, io);
  } finally {
    await release();
  }
}

async function clean(opts: DevOptions, io: Output): Promise<void> {
  // what the data dir's dev ran as, over the clean's own flags (a dev run with --worker-name x,
  // cleaned without it, would leave x's containers with nothing left that knows of them)
  const ran = (await readDevRecord(opts.dataDir)) ?? { workerName: opts.workerName, network: opts.network.name };
  const left = await removeWorkerLeftovers({
    socketPath: opts.worker.dockerSocket,
    workerName: ran.workerName,
    networkName: ran.network,
  });
  // its tasks' secrets and configs, on /dev/shm under its node id (read before its certificate goes)
  const node = await loadNodeCredentials(join(opts.dataDir, 'worker')).catch(() => undefined);
  if (node !== undefined) await rm(shmFilesRoot(node.info.nodeId), { recursive: true, force: true });
  // dev.pid and dev.process: the pid files of an older release's dev
  for (const part of ['manager', 'worker', 'dev.json', 'dev.pid', 'dev.process'])
    await rm(join(opts.dataDir, part), { recursive: true, force: true });
  await rmdir(opts.dataDir).catch(() => undefined); // only when nothing else is in it
  const saved = (() => {
    try {
      return loadCredentials();
    } catch {
      return undefined; // not credentials: not ours to remove
    }
  })();
  const ours = saved?.ca !== undefined && saved.ca.startsWith(opts.dataDir + sep);
  if (ours) await rm(credentialsPath(), { force: true });
  const network =
    left.network === 'removed'
      ? `network ${ran.network}`
      : left.network === 'in use'
        ? `no network (${ran.network} is used by other containers)`
        : 'no network';
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  io.out(
    `poseidon dev --clean: removed ${plural(left.containers, 'container')} of worker ${ran.workerName}, ` +
      `${plural(left.volumes, 'volume')}, ${network}, the state in ${opts.dataDir}` +
      `${ours ? ' and the credentials saved for it' : ''}\n`,
  );
}
