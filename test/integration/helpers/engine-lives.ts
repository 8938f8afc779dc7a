import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { LABEL_TASK_ID } from '../../../src/driver/labels.js';

/** One container of a task as the engine saw it: its start and its death (ns since epoch). */
export interface Life {
  container: string;
  startedAt: number;
  diedAt: number | null;
}

interface EngineEvent {
  id?: string;
  status?: string;
  timeNano?: number;
  Actor?: { Attributes?: Record<string, string> };
}

/**
 * The engine's own start and die events of task containers, followed live from `open` on. Not
 * read back from the engine's history afterwards: the engine keeps only its last 256 events, and
 * on a busy engine (other tests' containers) a task's start is gone from it within seconds.
 */
export class EngineLives {
  readonly #byTask = new Map<string, Map<string, Life>>();
  #buffered = '';

  private constructor(private readonly stream: Readable) {
    stream.on('data', (chunk: Buffer) => this.#read(chunk.toString('utf8')));
    stream.on('error', () => undefined); // destroyed by close()
  }

  static async open(docker: Docker): Promise<EngineLives> {
    const stream = (await docker.getEvents({
      filters: { type: ['container'], event: ['start', 'die'], label: [LABEL_TASK_ID] },
    })) as Readable;
    return new EngineLives(stream);
  }

  /** The task's containers seen so far, in the order they started. */
  of(taskId: string): Life[] {
    return [...(this.#byTask.get(taskId)?.values() ?? [])].sort((a, b) => a.startedAt - b.startedAt);
  }

  close(): void {
    this.stream.destroy();
  }

  #read(text: string): void {
    this.#buffered += text;
    let nl: number;
    while ((nl = this.#buffered.indexOf('\n')) >= 0) {
      const line = this.#buffered.slice(0, nl).trim();
      this.#buffered = this.#buffered.slice(nl + 1);
      if (line !== '') this.#apply(JSON.parse(line) as EngineEvent);
    }
  }

  #apply(e: EngineEvent): void {
    const taskId = e.Actor?.Attributes?.[LABEL_TASK_ID];
    if (taskId === undefined || e.id === undefined || e.timeNano === undefined) return;
    let lives = this.#byTask.get(taskId);
    if (lives === undefined) this.#byTask.set(taskId, (lives = new Map()));
    const life = lives.get(e.id) ?? { container: e.id, startedAt: Number.NaN, diedAt: null };
    if (e.status === 'start') [life.startedAt, life.diedAt] = [e.timeNano, null];
    else life.diedAt = e.timeNano;
    lives.set(e.id, life);
  }
}
