import type Docker from 'dockerode';
import type { TaskRequest } from '../../task/index.js';
import { ContainerStartFailed, VolumeBusy } from '../errors.js';
import { LABEL_VOLUME, LABEL_WORKER } from '../labels.js';
import { type HttpError } from './engine-error.js';

// Named volumes on the engine: created with its local driver before a container that mounts one,
// labelled as Poseidon's and this worker's (as containers are), and found by those labels.

/** The Engine API's mounts for a task's volumes: named volumes and host directories (bind). */
export function mountsOf(task: TaskRequest): Docker.MountConfig {
  return (task.volumes ?? []).map((v) =>
    v.kind === 'volume'
      ? { Type: 'volume' as const, Source: v.name, Target: v.path, ReadOnly: v.readOnly }
      : // a bind mount of a directory that is not there fails the start, rather than creating it as root
        { Type: 'bind' as const, Source: v.hostPath, Target: v.path, ReadOnly: v.readOnly },
  );
}

/**
 * Creates each named volume the task mounts that the engine does not have yet. One that exists
 * without Poseidon's label is someone else's: the task is refused rather than handed their data.
 */
export async function ensureVolumes(docker: Docker, task: TaskRequest, workerName: string): Promise<void> {
  for (const v of task.volumes ?? []) {
    if (v.kind !== 'volume') continue;
    let labels: Record<string, string> | null | undefined;
    try {
      labels = ((await docker.getVolume(v.name).inspect()) as { Labels?: Record<string, string> | null }).Labels;
    } catch (err) {
      if ((err as HttpError).statusCode !== 404) throw err;
      await docker.createVolume({
        Name: v.name,
        Driver: 'local',
        Labels: { [LABEL_VOLUME]: 'true', [LABEL_WORKER]: workerName },
      });
      continue;
    }
    if (labels?.[LABEL_VOLUME] !== 'true')
      throw new ContainerStartFailed(
        `volume ${v.name} exists on this host and is not Poseidon's (no ${LABEL_VOLUME} label); ` +
          'give the task another volume name, or remove that volume',
      );
  }
}

/**
 * Removes a named volume of this worker: the stopped containers of this worker that mount it go
 * first (the engine keeps a volume any container refers to); a running one makes it VolumeBusy.
 * A volume that is not there, or is not this worker's, is left alone.
 */
export async function removeVolume(docker: Docker, name: string, workerName: string): Promise<void> {
  let labels: Record<string, string> | null | undefined;
  try {
    labels = ((await docker.getVolume(name).inspect()) as { Labels?: Record<string, string> | null }).Labels;
  } catch (err) {
    if ((err as HttpError).statusCode === 404) return;
    throw err;
  }
  if (labels?.[LABEL_VOLUME] !== 'true' || labels[LABEL_WORKER] !== workerName) return;
  const users = await docker.listContainers({ all: true, filters: { volume: [name] } });
  const running = users.find((c) => c.State === 'running');
  if (running !== undefined) throw new VolumeBusy(name, running.Id);
  for (const c of users) {
    if (c.Labels[LABEL_WORKER] !== workerName) throw new VolumeBusy(name, c.Id);
    await removeQuietly(() => docker.getContainer(c.Id).remove({ force: true }));
  }
  await removeQuietly(() => docker.getVolume(name).remove());
}

async function removeQuietly(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if ((err as HttpError).statusCode !== 404) throw err;
  }
}
