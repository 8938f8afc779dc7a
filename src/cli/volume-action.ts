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

/**
 * `poseidon volume inspect NAME...`: each volume's node, and each task that mounts it, with its
 * service and node; as `docker volume inspect` takes several, a name that matches nothing is said
 * on stderr, the others are still shown, and the exit status is then 1. --json: the volume for
 * one name, as before; an array for several, as docker prints them.
 */
export async function inspectVolumes(names: readonly string[], flags: VolumeFlags, io: Output = STDIO): Promise<void> {
  const client = managerClient(flags);
  const volumes = await eachOf(names, io, (name) => client.getVolume(name));
  if (flags.json === true) {
    if (names.length > 1) io.out(`${toJson(volumes)}\n`);
    else if (volumes[0] !== undefined) io.out(`${toJson(volumes[0])}\n`);
    return;
  }
  const nowMs = Date.now();
  // a blank line between two volumes, as between a volume's rows and its tasks: each begins with its Name
  if (volumes.length > 0) io.out(`${volumes.map((v) => volumeDetail(v, nowMs)).join('\n\n')}\n`);
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
