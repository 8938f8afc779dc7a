import { InvalidField } from '../errors/index.js';
import { table } from './format.js';
import { STDIO, type Output } from './each-name.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { serviceHint, someOf } from './service-hint.js';

// `poseidon top TASK [ps OPTIONS]`: the processes of a task's running container, wherever it
// runs, as `docker top` lists them.

/** ps's options as one argument for the engine; refused here when the API would refuse them. */
export function psArgsOf(words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined;
  const joined = words.join(' ');
  if (!/^[A-Za-z0-9,=_ -]{1,64}$/.test(joined))
    throw new InvalidField('ps OPTIONS', `are "${joined}"; use at most 64 letters, digits, spaces and , = _ -`);
  return joined;
}

export async function printTop(
  task: string,
  psWords: readonly string[],
  flags: ClientFlags,
  io: Output = STDIO,
): Promise<void> {
  const psArgs = psArgsOf(psWords);
  const client = managerClient(flags);
  try {
    const top = await client.processes(task, psArgs);
    io.out(`${table(top.titles, top.processes)}\n`);
  } catch (err) {
    throw await serviceHint(client, task, err, topAdvice);
  }
}

/** Whose processes to list when a service was named: one of its replicas. */
function topAdvice(service: string, replicas: readonly string[]): string {
  if (replicas.length === 0) return `it has no replicas running (poseidon service ps ${service})`;
  return `its processes run in each of its replicas, ${someOf(replicas)} (poseidon top ${replicas[0]})`;
}
