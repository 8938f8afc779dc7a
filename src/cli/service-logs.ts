import type { ManagerTaskView } from '../api/index.js';
import { isNotFound } from '../errors/index.js';
import { readLines } from '../ndjson/index.js';
import {
  copy,
  follow,
  laterRead,
  readOf,
  type LogRead,
  type LogSink,
  type LogsFlags,
  type LogStream,
} from './logs-action.js';
import { managerClient } from './manager-client.js';
import { ReplicaReads } from './replica-reads.js';
import { ServiceWatch } from './service-watch.js';
import { Cut } from './stream-again.js';
import { StreamLines } from './stream-lines.js';
import { managerAway, streamError } from './stream-end.js';
import { printable } from './terminal-text.js';

/**
 * How often --follow asks for the service's tasks, to follow new replicas (a scale, a restart
 * elsewhere), while the manager's events cannot say when; with them, a replica placed is looked
 * for at once, and this only catches what a broken stream missed.
 */
const LOOK_FOR_NEW_MS = 2_000;
const LOOK_AGAIN_MS = 15_000;
const NEWLINE = 0x0a;
const LF = Buffer.from('\n');

/**
 * `poseidon service logs NAME`: every replica's output through the manager, each line after
 * `<task name>.<id>@<node> | `, as `docker service logs` prints it. `--tail` counts per replica.
 * With --follow it follows each replica across restarts, and replicas that appear later (scaled
 * up, replaced, updated) from their first line, until the service is removed or Ctrl-C.
 */
export async function printServiceLogs(name: string, flags: LogsFlags): Promise<void> {
  const read = readOf(flags);
  const client = managerClient(flags);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const first = await client.serviceTasks(name);
  const width = Math.max(0, ...first.map((t) => prefixOf(t).length));
  const sink = (t: ManagerTaskView): LineSink =>
    new LineSink(prefixOf(t).padEnd(width), process.stdout, process.stderr);
  const reads = new ReplicaReads(abort);
  if (flags.follow !== true) {
    // each replica's lines whole and in order; replicas side by side, as their answers come
    for (const t of first) {
      if (t.containerId === null) continue;
      const out = sink(t);
      const copied = (async () =>
        copy(await client.logStreams(t.id, { follow: false, ...read, signal: abort.signal }), out))();
      reads.add(
        copied
          .catch((err: unknown) => {
            throw streamError(err, 'the log stream', `run poseidon service logs ${printable(name)} again`);
          })
          .finally(() => out.end()),
      );
    }
    return reads.end();
  }
  const again = `run poseidon service logs -f ${printable(name)} again`;
  const followed = new Set<string>();
  const start = (t: ManagerTaskView, from: LogRead): void => {
    // not placed yet: no output, and no node for its prefix; a later look starts it
    if (t.node === null || t.node === undefined) return;
    followed.add(t.id);
    const out = sink(t);
    reads.add(follow(client, t, from, abort.signal, out, again).finally(() => out.end()));
  };
  for (const t of first) start(t, read);
  const watch = new ServiceWatch(client, name, abort.signal);
  // a manager away (stopping, restarting, a new leader elected) is asked again, as the replicas'
  // streams are; past the window, the command ends, and its reads with it
  const away = new Cut();
  for (let lookNow = false; ; lookNow = away.due) {
    if (!lookNow) await watch.wake.after(watch.isOpen ? LOOK_AGAIN_MS : LOOK_FOR_NEW_MS);
    if (abort.signal.aborted) break; // Ctrl-C, or a replica's read failed
    let now: ManagerTaskView[];
    try {
      now = await client.serviceTasks(name);
      away.progress();
      away.due = false;
    } catch (err) {
      if (isNotFound(err, 'service')) {
        process.stderr.write(`poseidon: service ${printable(name)} was removed\n`);
        abort.abort();
        break;
      }
      if (!managerAway(err)) {
        reads.fail(err);
        break;
      }
      try {
        await away.hit(() => err, abort.signal); // a pause, then the look again at once
      } catch (last) {
        reads.fail(last); // away past the window (nothing once Ctrl-C ended the reads)
        break;
      }
      continue;
    }
    // a replica that came after the command began is followed from its first line
    for (const t of now) if (!followed.has(t.id)) start(t, laterRead(read));
  }
  await reads.end();
}

/** `web-2.1a2b3c4d@worker-1`. */
function prefixOf(t: ManagerTaskView): string {
  return printable(`${t.name}.${t.id.slice(0, 8)}@${t.node ?? '-'}`);
}

/**
 * Output cut into lines, each written whole after the replica's prefix, so lines of replicas
 * written side by side never mix: the container's stdout to `out`, its stderr to `err` (and the
 * notes too), as `docker service logs` does, with the bytes the container wrote; a last line
 * without its newline is written at the end.
 */
export class LineSink implements LogSink {
  readonly #head: Buffer;
  /** Each stream's lines: a line, and a character, cut between two chunks waits for the rest of its bytes. */
  readonly #lines = new StreamLines((line, stream) => {
    const ended = line.at(-1) === NEWLINE;
    this.#to(stream).write(Buffer.concat([this.#head, line, ...(ended ? [] : [LF])]));
  });

  constructor(
    prefix: string,
    private readonly out: { write(bytes: Buffer | string): unknown },
    private readonly err: { write(bytes: Buffer | string): unknown } = out,
  ) {
    this.#head = Buffer.from(`${prefix} | `);
  }

  write(chunk: Buffer, stream: LogStream = 'stdout'): void {
    this.#lines.write(chunk, stream);
  }

  note(line: string): void {
    this.end();
    this.err.write(`${this.#head.toString()}poseidon: ${line}\n`);
  }

  /** Writes what is left of a last line of each stream. */
  end(): void {
    this.#lines.end();
  }

  #to(stream: LogStream): { write(bytes: Buffer): unknown } {
    return stream === 'stderr' ? this.err : this.out;
  }
}
