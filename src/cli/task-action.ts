import type { ManagerTaskView } from '../api/index.js';
import { readDocument } from '../files/index.js';
import { parseDuration } from '../units/index.js';
import { STDIO, type Output } from './each-name.js';
import { flagsGiven, namingFlags } from './field-flags.js';
import { submitWithName } from './generated-name.js';
import { imageHint, isImageUnavailable } from './image-unavailable.js';
import { lastOutput, outputBlock, writeBlock } from './last-output.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { imageTaskSpec, type RunImageFlags } from './run-image.js';
import { printable, toJson } from './terminal-text.js';
import { submitAndWait } from './wait-task.js';

export interface TaskFlags extends ClientFlags {
  filename?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

/**
 * `poseidon task -f FILE` and `poseidon run FILE`: submits the file as it is (the manager
 * validates it) and prints the id, or with --wait the state it reached. `named` is what named the
 * file, for an error about it.
 */
export async function submitTask(
  file: string,
  flags: TaskFlags,
  named = '--filename',
  io: Output = STDIO,
): Promise<void> {
  const body = await readDocument(file, named);
  await submitBody(() => body, flags, undefined, io);
}

/**
 * `poseidon run IMAGE [-- COMMAND...]`: the task the flags describe (run-image.ts), submitted and
 * printed as a task file's is; the manager's refusal names the flags, not the fields they set.
 */
export async function submitImage(
  image: string,
  command: readonly string[],
  flags: TaskFlags & RunImageFlags,
  io: Output = STDIO,
): Promise<void> {
  const given = flagsGiven(flags, ['IMAGE', ...(command.length > 0 ? ['COMMAND'] : [])]);
  // without --name the name is made up: one in use is made up again
  await submitBody(() => imageTaskSpec(image, command, flags), flags, given, io, flags.name === undefined);
}

/**
 * `make` builds the body (again for another made-up name, when `madeUp`); `given`: the flags that
 * built it (flagsGiven), which a refusal names; none for a file.
 */
async function submitBody(
  make: () => unknown,
  flags: TaskFlags,
  given: readonly string[] | undefined,
  io: Output,
  madeUp = false,
): Promise<void> {
  const client = managerClient(flags);
  const submit = () =>
    submitWithName(make, (body) => client.submit(body), madeUp).catch((err: unknown) => {
      throw given === undefined ? err : namingFlags(err, given, 'task');
    });
  if (flags.wait !== true) {
    const task = await submit();
    io.out(flags.json === true ? `${toJson(task)}\n` : `${printable(task.id)}\n`);
    return;
  }
  const timeoutMs = parseDuration('--timeout', flags.timeout);
  const { outcome: done } = await submitAndWait(client, submit, timeoutMs);
  // a Running task's reason is "running", unless it says more (the host's copy of an image whose pull failed)
  const plain = done.reason === '' || (done.state === 'Running' && done.reason === 'running');
  const why = plain ? '' : `: ${done.reason}`;
  const now = flags.json === true || done.state === 'Failed' ? await client.getTask(done.id) : undefined;
  // a failed start its restart policy tries again: said, so a task Running later surprises no one
  const again = now?.restartAt === null || now === undefined ? '' : '; its restart policy starts it again';
  // an image its node cannot have fails every restart the same way: what to do about it
  const hint = now !== undefined && isImageUnavailable(now) ? `; ${imageHint(now)}` : '';
  if (flags.json === true) io.out(`${toJson(now)}\n`);
  else io.out(`${printable(`${done.id} ${done.state} on ${done.node ?? '-'}${why}${again}${hint}`)}\n`);
  if (done.state !== 'Failed') return;
  process.exitCode = notInvoked(now) ?? 1;
  // what the container said before it failed, each stream to its own as docker run passes them on:
  // the cause is there most often
  if (flags.json !== true && typeof now?.lastExit?.exitCode === 'number')
    writeBlock(outputBlock(done.id, await lastOutput(client, done.id)), io);
}

/**
 * 126 or 127 when the task failed because its command could not be run (not executable) or was not
 * found: its init exits so, as a shell does, and `docker run` exits so for that; a script tells it
 * from another failure (1). Any other exit code of the container stays a failure, exit 1.
 */
function notInvoked(t: Pick<ManagerTaskView, 'exitCode' | 'lastExit'> | undefined): number | undefined {
  const code = t?.exitCode ?? t?.lastExit?.exitCode;
  return code === 126 || code === 127 ? code : undefined;
}
