import { InvalidField } from '../errors/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';

export interface LogsFlags extends ClientFlags {
  follow?: boolean;
  tail?: string;
}

/** `poseidon logs <id>`: the container's output through the manager; Ctrl-C ends a --follow quietly. */
export async function printLogs(id: string, flags: LogsFlags): Promise<void> {
  if (flags.tail !== undefined && !/^[0-9]{1,9}$/.test(flags.tail))
    throw new InvalidField('--tail', `is "${flags.tail}"; use a number of lines`);
  const client = managerClient(flags);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const output = await client.logs(id, {
    follow: flags.follow === true,
    ...(flags.tail === undefined ? {} : { tail: Number(flags.tail) }),
    signal: abort.signal,
  });
  try {
    for await (const chunk of output) process.stdout.write(chunk as Buffer);
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
}
