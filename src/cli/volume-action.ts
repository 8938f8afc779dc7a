import { eachOf, STDIO, type Output } from './each-name.js';
import { volumeTable } from './format.js';
import { volumeDetail } from './volume-detail.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, toJson } from './terminal-text.js';

export type VolumeFlags = ClientFlags & { json?: boolean };
export type VolumeListFlags = VolumeFlags & { quiet?: boolean };

/** `poseidon volume ls`: named volumes, the node holding each, and the tasks using it; -q: the names alone. */
export async function listVolumes(flags: VolumeListFlags, io: Output = STDIO): Promise<void> {
  const volumes = await managerClient(flags).listVolumes();
  if (flags.json === true) io.out(`${toJson(volumes)}\n`);
  else if (flags.quiet === true) io.out(volumes.map((v) => `${printable(v.name)}\n`).join(''));
  else io.out(volumes.length === 0 ? 'no volumes\n' : `${volumeTable(volumes, Date.now())}\n`);
}

/** `poseidon volume inspect NAME`: its node, and each task that mounts it, with its service and node. */
export async function inspectVolume(name: string, flags: VolumeFlags): Promise<void> {
  const volume = await managerClient(flags).getVolume(name);
  if (flags.json === true) process.stdout.write(`${toJson(volume)}\n`);
  else process.stdout.write(`${volumeDetail(volume, Date.now())}\n`);
}

/**
 * `poseidon volume rm NAME...`: each in turn, as `docker volume rm` takes several; one refused
 * (in use by a task that is not finished, or unknown) is said on stderr, the rest still go, and
 * the exit status is then 1.
 */
export async function removeVolumes(names: readonly string[], flags: VolumeFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const removed = await eachOf(names, io, async (name) => {
    const done = await client.removeVolume(name);
    if (flags.json !== true) io.out(printable(`volume ${done.name} removed from node ${done.node}`) + '\n');
    return done;
  });
  if (flags.json === true) io.out(`${toJson(removed.length === 1 && names.length === 1 ? removed[0] : removed)}\n`);
}
