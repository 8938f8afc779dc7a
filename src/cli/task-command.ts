import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidField } from '../errors/index.js';
import { parseDuration } from '../task/index.js';
import { managerClient, withManager } from './client-options.js';
import { waitForTask } from './wait-task.js';

interface TaskFlags {
  filename?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  manager?: string;
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

async function submit(file: string, flags: TaskFlags): Promise<void> {
  const client = managerClient(flags);
  const body = await readTaskFile(file);
  const task = await client.submit(body);
  if (flags.wait !== true) {
    process.stdout.write(flags.json === true ? `${JSON.stringify(task, null, 2)}\n` : `${task.id}\n`);
    return;
  }
  const done = await waitForTask(client, task.id, parseDuration('--timeout', flags.timeout));
  if (flags.json === true) process.stdout.write(`${JSON.stringify(done, null, 2)}\n`);
  else
    process.stdout.write(
      `${done.id} ${done.state} on ${done.node ?? '-'}${done.state === 'Running' ? '' : `: ${done.reason}`}\n`,
    );
  if (done.state === 'Failed') process.exitCode = 1;
}

export function registerTask(program: Command): void {
  const add = (cmd: Command): Command =>
    withManager(cmd)
      .option('--wait', 'wait until the task is Running (exit 1 if it fails)')
      .option('--timeout <duration>', 'how long --wait waits', '60s')
      .option('--json', 'print the task as JSON');
  add(
    program
      .command('task')
      .description('submit a task from a JSON file (native spec or seed TaskEvent) and print its id'),
  )
    .requiredOption('-f, --filename <file>', 'task file')
    .action((flags: TaskFlags) => submit(flags.filename ?? '', flags));
  add(program.command('run').description('same as `task --filename FILE`').argument('<file>', 'task file')).action(
    (file: string, flags: TaskFlags) => submit(file, flags),
  );
}
