import type { ExecLine, ExecRequest } from '../api/index.js';
import type { ManagerClient } from '../client/index.js';
import { InvalidField, isUnknownFieldRefusal, PoseidonError, RemoteError } from '../errors/index.js';
import { pumpInput, type InputPump } from './exec-input.js';
import { serviceHint, someOf } from './service-hint.js';
import { durationFlag, pairs } from './flags.js';
import { managerClient, type ClientFlags } from './manager-client.js';
import { streamError } from './stream-end.js';

// `poseidon exec [-d] [-i] [-t] TASK COMMAND [ARG...]`: a command in a task's running container,
// wherever it runs, as `docker exec` runs it: its stdout and stderr here as they come, and its
// exit code as this command's. With -i what is typed or piped here is its stdin; with -t it has a
// terminal (this one's size, followed as it changes), and this terminal passes every key to it.
// With -d it runs in the background: this command returns once it has started.

export type ExecFlags = ClientFlags & {
  timeout?: string;
  detach?: boolean;
  privileged?: boolean;
  interactive?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
};

const PRIVILEGED_REFUSED =
  'is refused: it would give the command every capability of its node, beyond what its worker allows ' +
  "(worker --allow-cap); an exec has its task's capabilities (run the task with --cap-add CAP)";

/** Ctrl-C, as a shell reports a command it interrupted. */
const INTERRUPTED = 130;

/** The request, read from the arguments and flags; refused before anything is sent. */
export function execRequestOf(
  command: readonly string[],
  flags: ExecFlags,
  terminal?: { cols: number; rows: number },
  env: NodeJS.ProcessEnv = process.env,
): ExecRequest {
  // `exec TASK -- COMMAND`, as kubectl exec and poseidon run IMAGE -- COMMAND take it: the `--` is no program
  const words = command[0] === '--' ? command.slice(1) : command;
  if (words.length === 0 || words[0] === '')
    throw new InvalidField('COMMAND', 'is missing: poseidon exec [-d] [-i] [-t] TASK COMMAND [ARG...]');
  // the security rules (README, Security): a capability beyond Docker's default set only where its
  // worker allows it (--allow-cap); a privileged exec would have them all, whatever its worker allows
  if (flags.privileged === true) throw new InvalidField('--privileged', PRIVILEGED_REFUSED);
  // bytes as the command wrote them (a tar stream, an image), not text: base64 on the wire
  const req: ExecRequest = { command: [...words], encoding: 'base64' };
  if (flags.detach === true) {
    if (flags.interactive === true)
      throw new InvalidField('-d', 'runs the command in the background, where no input reaches it: leave out -i');
    if (flags.timeout !== undefined)
      throw new InvalidField('--timeout', 'is how long output is shown, and -d shows none: leave one of them out');
    req.detach = true;
  }
  if (flags.interactive === true) req.stdin = true;
  if (flags.user !== undefined) req.user = flags.user;
  if (flags.workdir !== undefined) {
    if (!flags.workdir.startsWith('/'))
      throw new InvalidField('--workdir', `is "${flags.workdir}"; give an absolute path in the container`);
    req.workdir = flags.workdir;
  }
  const vars = pairs('--env', flags.env, env); // -e NAME alone takes its value here, as docker exec -e does
  if (vars !== undefined) req.env = vars;
  if (flags.tty === true) {
    req.tty = true;
    if (terminal !== undefined && terminal.cols > 0 && terminal.rows > 0) req.size = terminal;
  }
  if (flags.timeout === undefined) return req;
  const timeoutMs = durationFlag('--timeout', flags.timeout); // at most 24 h, as every duration
  if (timeoutMs === 0) throw new InvalidField('--timeout', `is ${flags.timeout}; give a duration from 1ms to 24h`);
  return { ...req, timeoutMs };
}

/** This terminal's size, when stdout is one. */
function terminalSize(): { cols: number; rows: number } | undefined {
  return process.stdout.isTTY ? { cols: process.stdout.columns, rows: process.stdout.rows } : undefined;
}

export async function runExec(task: string, command: readonly string[], flags: ExecFlags): Promise<void> {
  const keys = flags.interactive === true && flags.tty === true; // every key goes to the command
  if (keys && !process.stdin.isTTY)
    throw new InvalidField('-t', 'needs a terminal, and stdin is not one: leave out -t to pipe input (exec -i)');
  const req = execRequestOf(command, flags, flags.tty === true ? terminalSize() : undefined);
  const client = managerClient(flags);
  const abort = new AbortController();
  const ended = new AbortController(); // the output ended: no more input goes
  process.once('SIGINT', () => abort.abort()); // in raw mode Ctrl-C is a key for the command instead
  let pump: InputPump | undefined;
  const onResize = (): void => {
    const size = terminalSize();
    if (size !== undefined) pump?.resize(size);
  };
  let exitCode: number | undefined;
  if (keys) process.stdin.setRawMode(true);
  try {
    const { lines, encoding } = await openExec(client, task, req, abort.signal);
    for await (const line of lines) {
      if ('stdout' in line) await write(process.stdout, Buffer.from(line.stdout, encoding));
      else if ('stderr' in line) await write(process.stderr, Buffer.from(line.stderr, encoding));
      else if ('exitCode' in line) exitCode = line.exitCode;
      else if ('detached' in line)
        exitCode = 0; // it runs on in the background, as after docker exec -d
      else if ('session' in line) {
        pump = pumpInput(process.stdin, (body) => client.execInput(line.taskId, line.session, body), ended.signal);
        pump.done.catch((err: unknown) => {
          // the command may have exited meanwhile: its output says so, and this is no news
          if (!ended.signal.aborted) process.stderr.write(`poseidon: input not sent: ${(err as Error).message}\n`);
        });
        if (keys) process.stdout.on('resize', onResize);
      } else {
        process.stderr.write(`poseidon: ${line.error}\n`);
        exitCode = 1;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted)
      throw streamError(
        await serviceHint(client, task, err, execAdvice),
        "the exec's output",
        'the command may still run in the container',
      );
  } finally {
    ended.abort();
    process.stdout.off('resize', onResize);
    if (keys) process.stdin.setRawMode(false);
    if (flags.interactive === true) process.stdin.destroy(); // nothing more is read: let the process end
  }
  if (abort.signal.aborted) {
    process.stderr.write('poseidon: interrupted; the command may still run in the container\n');
    process.exitCode = INTERRUPTED;
  } else if (exitCode === undefined) {
    process.stderr.write("poseidon: the output ended before the command's exit code (its worker went away?)\n");
    process.exitCode = 1;
  } else process.exitCode = exitCode >= 0 && exitCode <= 255 ? exitCode : 1;
}

/** What to exec into when a service was named: one of its replicas. */
function execAdvice(service: string, replicas: readonly string[]): string {
  if (replicas.length === 0) return `it has no replicas to run a command in (poseidon service ps ${service})`;
  return `a command runs in one of its replicas, ${someOf(replicas)} (poseidon exec ${replicas[0]} COMMAND)`;
}

/** What the flags for a field an older manager refuses are called. */
const FLAG_OF: Record<string, string> = {
  detach: '-d',
  stdin: '-i',
  tty: '-t',
  size: '-t',
  user: '-u',
  workdir: '-w',
  env: '-e',
};

/**
 * The manager, or the worker of the task (on `node`), is older than this CLI and runs no exec with
 * these fields' flags.
 */
class OlderServer extends PoseidonError {
  constructor(fields: readonly string[], node?: string) {
    const flags = [...new Set(fields.map((f) => FLAG_OF[f] ?? f))].join(', ');
    const older = node === undefined ? 'the manager is' : `the worker on node ${node} is`;
    super(
      node === undefined ? 'invalid_request' : 'worker_too_old',
      `${older} older than this CLI and runs no exec with ${flags}: upgrade it, or leave them out`,
    );
  }
}

/** The node of the task, as status shows it: the host whose worker to upgrade ('?' when not known). */
function nodeOf(client: ManagerClient, task: string): Promise<string> {
  return client.getTask(task).then(
    (t) => t.node ?? '?',
    () => '?',
  );
}

/**
 * The exec's answer. A manager (or the task's worker) from before `encoding` refuses the field: a
 * plain exec is asked again without it, as text (its bytes that are not UTF-8 are lost), rather
 * than not at all; one with newer flags is refused naming them, and which side is older.
 */
export async function openExec(
  client: ManagerClient,
  task: string,
  req: ExecRequest,
  signal: AbortSignal,
): Promise<{ lines: AsyncGenerator<ExecLine>; encoding: 'utf8' | 'base64' }> {
  try {
    return { lines: await client.exec(task, req, signal), encoding: 'base64' };
  } catch (err) {
    const worker = err instanceof RemoteError && err.code === 'worker_too_old';
    if (!worker && !isUnknownFieldRefusal(err)) throw err;
    const { encoding: _asked, ...text } = req;
    const newer = Object.keys(text).filter((k) => k !== 'command' && k !== 'timeoutMs');
    if (newer.length > 0) throw new OlderServer(newer, worker ? await nodeOf(client, task) : undefined);
    return { lines: await client.exec(task, text, signal), encoding: 'utf8' };
  }
}

/** Writes at the terminal's pace: a command that prints fast is read no faster than it is shown. */
async function write(to: NodeJS.WriteStream, bytes: Buffer): Promise<void> {
  if (!to.write(bytes)) await new Promise<void>((resolve) => to.once('drain', resolve));
}
