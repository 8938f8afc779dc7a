import { randomUUID } from 'node:crypto';
import type { ExecInput } from '../api/index.js';
import type { ExecStdin } from '../driver/index.js';
import { ExecSessionNotFound, TooManyExecSessions } from '../errors/index.js';

/** Interactive execs a worker runs at once: each holds a connection to the engine and one to the manager. */
export const MAX_EXEC_SESSIONS = 64;

interface Session {
  taskId: string;
  taskName: string;
  stdin: ExecStdin;
  /** The last input given, which the next waits for: input goes to the command in the order it came. */
  last: Promise<void>;
}

/**
 * The worker's interactive execs (`poseidon exec -i`), each under a random id that the exec's
 * answer gives its caller: input for it comes as separate calls, each written to the command's
 * stdin after the one before. A session lasts as long as its exec's answer streams.
 */
export class ExecSessions {
  readonly #open = new Map<string, Session>();

  constructor(private readonly max = MAX_EXEC_SESSIONS) {}

  get size(): number {
    return this.#open.size;
  }

  /** Refused past the limit, before the engine is asked for anything. */
  reserve(): void {
    if (this.#open.size >= this.max) throw new TooManyExecSessions(this.max);
  }

  /** A new session for this exec's stdin; its id, for the answer's first line. */
  open(task: { id: string; name: string }, stdin: ExecStdin): string {
    this.reserve();
    const id = randomUUID();
    this.#open.set(id, { taskId: task.id, taskName: task.name, stdin, last: Promise.resolve() });
    return id;
  }

  /** The exec's answer ended (the command exited, its caller left): later input is refused. */
  close(id: string): void {
    this.#open.delete(id);
  }

  /**
   * Gives the session's command what `input` carries: bytes for its stdin, then a new terminal
   * size, then the end of its stdin. Resolves once the engine has taken them. Input for a session
   * of another task is refused as if the session were not there.
   */
  async feed(task: { id: string; name: string }, id: string, input: ExecInput): Promise<void> {
    const s = this.#open.get(id);
    if (s === undefined || s.taskId !== task.id) throw new ExecSessionNotFound(task.name, id);
    const next = s.last.then(async () => {
      if (input.data !== undefined && input.data !== '') await s.stdin.write(Buffer.from(input.data, 'base64'));
      if (input.size !== undefined) await s.stdin.resize(input.size);
      if (input.eof === true) s.stdin.end();
    });
    s.last = next.catch(() => undefined); // a failed write fails its own call, not the next
    await next;
  }
}
