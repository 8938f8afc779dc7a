import { volumeTable } from './format.js';
import { volumeDetail } from './volume-detail.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, toJson } from './terminal-text.js';

export type VolumeFlags = ClientFlags & { json?: boolean };

/** `poseidon volume ls`: named volumes, the node holding each, and the tasks using it. */
export async function listVolumes(flags: VolumeFlags): Promise<void> {
  const volumes = await managerClient(flags).listVolumes();
  if (flags.json === true) process.stdout.write(`${toJson(volumes)}\n`);
  else process.stdout.write(volumes.length === 0 ? 'no volumes\n' : `${volumeTable(volumes, Date.now())}\n`);
}

/** `poseidon volume inspect NAME`: its node, and each task that mounts it, with its service and node. */
export async function inspectVolume(name: string, flags: VolumeFlags): Promise<void> {
  const volume = await managerClient(flags).getVolume(name);
  if (flags.json === true) process.stdout.write(`${toJson(volume)}\n`);
  else process.stdout.write(`${volumeDetail(volume, Date.now())}\n`);
}

/** `poseidon volume rm NAME`: refused while a task that is not finished mounts it. */
export async function removeVolume(name: string, flags: VolumeFlags): Promise<void> {
  const removed = await managerClient(flags).removeVolume(name);
  process.stdout.write(
    flags.json === true
      ? `${toJson(removed)}\n`
      : printable(`volume ${removed.name} removed from node ${removed.node}`) + '\n',
  );
}
