import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import { PrefixFollower } from '../../store/etcd-follow.js';
import type { RecordCopy } from '../record-copy.js';

// A follower's copy of what the group's leader stores, fed by one etcd watch on the group's
// prefix: the manager's records under `state/` and the API tokens under `tokens/` (the rest, the
// group's CA bundle, the leader key and the members, only moves the revision on). A follower
// answers reads of tasks and services from it, and checks tokens against it, so those reads go
// on while no manager leads and cost the leader nothing (forward.ts says which).

/** Where each store of the group keeps its records under the group's prefix (cli/manager-stores.ts). */
const STATE = 'state/';
const TOKENS = 'tokens/';

export interface TokenCopy {
  copy(key: string, value: unknown): void;
  clear(): void;
}

export class StateCopy {
  readonly #follower: PrefixFollower;

  constructor(opts: { client: Etcd3; prefix: string; records: RecordCopy; tokens: TokenCopy; log: Logger }) {
    const { records, tokens } = opts;
    const apply = (key: string, bytes: Buffer | undefined): void => {
      const value = bytes === undefined ? undefined : decode(bytes);
      if (value === null) return; // not JSON: the leader sets it aside
      if (key.startsWith(STATE)) records.apply(key.slice(STATE.length), value);
      else if (key.startsWith(TOKENS)) tokens.copy(key.slice(TOKENS.length), value);
    };
    this.#follower = new PrefixFollower({
      client: opts.client,
      prefix: opts.prefix,
      log: opts.log,
      handlers: {
        reset: (entries) => {
          records.clear();
          tokens.clear();
          for (const [key, bytes] of entries) apply(key, bytes);
        },
        changes: (changes) => {
          for (const c of changes) apply(c.key, c.value);
        },
      },
    });
  }

  start(): void {
    this.#follower.start();
  }

  /** Its snapshot is in and its watch connected. */
  get ready(): boolean {
    return this.#follower.ready;
  }

  /** The etcd revision the copy has reached. */
  get revision(): bigint {
    return this.#follower.revision;
  }

  /** Resolves true once the copy holds every write up to etcd's `revision`; false after `timeoutMs`. */
  waitFor(revision: bigint, timeoutMs: number): Promise<boolean> {
    return this.#follower.waitFor(revision, timeoutMs);
  }

  stop(): Promise<void> {
    return this.#follower.stop();
  }
}

function decode(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
