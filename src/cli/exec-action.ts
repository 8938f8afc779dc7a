import type { ExecRequest } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import { durationFlag } from './flags.js';
import { managerClient, type ClientFlags } from './manager-client.js';

// `poseidon exec TASK COMMAND [ARG...]`: a command in a task's running container, wherever it
// runs, as `docker exec` without -i and -t runs it: its stdout and stderr here as they come, and
// its exit code as this command's.

export type ExecFlags = ClientFlags & { timeout?: string };

/** Ctrl-C, as a shell reports a command it interrupted. */
const INTERRUPTED = 130;

/** The request, read from the arguments and flags; refused before anything is sent. */
export function execRequestOf(command: readonly string[], flags: ExecFlags): ExecRequest {
  if (command.length === 0 || command[0] === '')
    throw new InvalidField('COMMAND', 'is missing: poseidon exec TASK COMMAND [ARG...]');
  if (flags.timeout === undefined) return { command: [...command] };
  const timeoutMs = durationFlag('--timeout', flags.timeout); // at most 24 h, as every duration
  if (timeoutMs === 0) throw new InvalidField('--timeout', `is ${flags.timeout}; give a duration from 1ms to 24h`);
  return { command: [...command], timeoutMs };
}

export async function runExec(task: string, command: readonly string[], flags: ExecFlags): Promise<void> {
  const req = execRequestOf(command, flags);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let exitCode: number | undefined;
  try {
    for await (const line of await managerClient(flags).exec(task, req, abort.signal)) {
      if ('stdout' in line) await write(process.stdout, line.stdout);
      else if ('stderr' in line) await write(process.stderr, line.stderr);
      else if ('exitCode' in line) exitCode = line.exitCode;
      else {
        process.stderr.write(`poseidon: ${line.error}\n`);
        exitCode = 1;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  if (abort.signal.aborted) {
    process.stderr.write('poseidon: interrupted; the command may still run in the container\n');
    process.exitCode = INTERRUPTED;
  } else if (exitCode === undefined) {
    process.stderr.write("poseidon: the output ended before the command's exit code (its worker went away?)\n");
    process.exitCode = 1;
  } else process.exitCode = exitCode >= 0 && exitCode <= 255 ? exitCode : 1;
}

/** Writes at the terminal's pace: a command that prints fast is read no faster than it is shown. */
async function write(to: NodeJS.WriteStream, text: string): Promise<void> {
  if (!to.write(text)) await new Promise<void>((resolve) => to.once('drain', resolve));
}
