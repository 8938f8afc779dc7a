import type { Readable } from 'node:stream';
import { MAX_EXEC_INPUT_BYTES } from '../api/exec-limits.js';
import type { ExecInput } from '../api/index.js';

// `poseidon exec -i`: what is typed or piped here goes to the command's stdin, as calls made one
// after another (each waits for the engine to take the one before), so input arrives in order and
// a command that reads slowly slows the reading here. Keystrokes typed while a call is out go
// together in the next; a resize of the terminal rides along with them.

/** The most one call carries (before base64): the API's bound. */
const MAX_CALL_BYTES = MAX_EXEC_INPUT_BYTES;
/** Input read ahead of what the command has taken: past it, reading here pauses. */
const READ_AHEAD_BYTES = 256 * 1024;

export interface InputPump {
  /** The terminal's new size, sent with the next call. */
  resize(size: { cols: number; rows: number }): void;
  /** Resolves once the end of the input was sent, or the pump stopped; rejects when a call failed. */
  done: Promise<void>;
}

/**
 * Sends `input` through `send` until it ends (then the end of it) or `signal` aborts (the
 * command exited: nothing more is sent).
 */
export function pumpInput(input: Readable, send: (body: ExecInput) => Promise<void>, signal: AbortSignal): InputPump {
  let queued: Buffer[] = [];
  let bytes = 0;
  let ended = false;
  let size: { cols: number; rows: number } | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    wake?.();
    wake = undefined;
  };
  const onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    queued.push(b);
    bytes += b.length;
    if (bytes >= READ_AHEAD_BYTES) input.pause();
    poke();
  };
  const onEnd = (): void => {
    ended = true;
    poke();
  };
  input.on('data', onData);
  input.once('end', onEnd);
  signal.addEventListener('abort', poke, { once: true });

  /** Up to one call's bytes, from the front of what is queued. */
  const take = (): Buffer => {
    const all = queued.length === 1 ? (queued[0] as Buffer) : Buffer.concat(queued);
    const now = all.subarray(0, MAX_CALL_BYTES);
    const rest = all.subarray(now.length);
    queued = rest.length === 0 ? [] : [rest];
    bytes = rest.length;
    return now;
  };

  const run = async (): Promise<void> => {
    try {
      for (;;) {
        if (signal.aborted) return;
        if (bytes === 0 && size === undefined && !ended) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const data = bytes > 0 ? take() : undefined;
        const body: ExecInput = {
          ...(data === undefined ? {} : { data: data.toString('base64') }),
          ...(size === undefined ? {} : { size }),
          ...(ended && bytes === 0 ? { eof: true as const } : {}),
        };
        size = undefined;
        if (input.isPaused() && !ended && bytes < READ_AHEAD_BYTES / 2) input.resume();
        await send(body);
        if (body.eof === true) return;
      }
    } finally {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
    }
  };
  return {
    resize: (next) => {
      size = next;
      poke();
    },
    done: run(),
  };
}
