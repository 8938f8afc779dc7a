import Docker from 'dockerode';
import { LABEL_NETWORK, LABEL_VOLUME, LABEL_WORKER } from '../labels.js';
import { type HttpError } from './engine-error.js';

// What a worker left on its engine, removed on request (`poseidon dev --clean`): its containers
// and named volumes, found by the worker's label, and its Poseidon network once nothing uses it.

export interface Leftovers {
  containers: number;
  volumes: number;
  /** What became of the network: removed, not there (or not Poseidon's), or still used by a container. */
  network: 'removed' | 'none' | 'in use';
}

/**
 * Removes every container labelled `poseidon.worker=<workerName>` (running or not), then the
 * named volumes the worker created, then the network `networkName` if it is Poseidon's (labelled
 * `poseidon.network`) and no container is attached to it any more.
 */
export async function removeWorkerLeftovers(opts: {
  socketPath: string;
  workerName: string;
  networkName: string;
}): Promise<Leftovers> {
  const docker = new Docker({ socketPath: opts.socketPath });
  const byWorker = `${LABEL_WORKER}=${opts.workerName}`;
  const containers = await docker.listContainers({ all: true, filters: { label: [byWorker] } });
  for (const c of containers) await ignoreGone(docker.getContainer(c.Id).remove({ force: true, v: true }));
  const { Volumes: volumes } = await docker.listVolumes({ filters: { label: [byWorker, `${LABEL_VOLUME}=true`] } });
  for (const v of volumes ?? []) await ignoreGone(docker.getVolume(v.Name).remove());
  return { containers: containers.length, volumes: (volumes ?? []).length, network: await removeNetwork(docker) };

  async function removeNetwork(d: Docker): Promise<Leftovers['network']> {
    let info: Docker.NetworkInspectInfo;
    try {
      info = (await d.getNetwork(opts.networkName).inspect()) as Docker.NetworkInspectInfo;
    } catch (err) {
      if ((err as HttpError).statusCode === 404) return 'none';
      throw err;
    }
    // the engine matches an id prefix too; and a network not Poseidon's is never touched
    if (info.Name !== opts.networkName || info.Labels?.[LABEL_NETWORK] !== opts.networkName) return 'none';
    if (Object.keys(info.Containers ?? {}).length > 0) return 'in use';
    try {
      await d.getNetwork(info.Id).remove();
      return 'removed';
    } catch (err) {
      const status = (err as HttpError).statusCode;
      if (status === 404) return 'none';
      if (status === 403 || status === 409) return 'in use';
      throw err;
    }
  }
}

async function ignoreGone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as HttpError).statusCode !== 404) throw err;
  }
}
