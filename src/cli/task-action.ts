import { readFile } from 'node:fs/promises';
import { InvalidField } from '../errors/index.js';
import { parseDuration } from '../units/index.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { printable, toJson } from './terminal-text.js';
import { waitForTask } from './wait-task.js';

export interface TaskFlags extends ClientFlags {
  filename?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

async function readTaskFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidField(
      '--filename',
      `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidField('--filename', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * `poseidon task -f FILE` and `poseidon run FILE`: submits the file as it is (the manager
 * validates it) and prints the id, or with --wait the state it reached.
 */
export async function submitTask(file: string, flags: TaskFlags): Promise<void> {
  const client = managerClient(flags);
  const body = await readTaskFile(file);
  const task = await client.submit(body);
  if (flags.wait !== true) {
    process.stdout.write(flags.json === true ? `${toJson(task)}\n` : `${printable(task.id)}\n`);
    return;
  }
  const done = await waitForTask(client, task.id, parseDuration('--timeout', flags.timeout));
  const why = done.state === 'Running' ? '' : `: ${done.reason}`;
  if (flags.json === true) process.stdout.write(`${toJson(done)}\n`);
  else process.stdout.write(`${printable(`${done.id} ${done.state} on ${done.node ?? '-'}${why}`)}\n`);
  if (done.state === 'Failed') process.exitCode = 1;
}
