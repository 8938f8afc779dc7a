import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';

/** Bytes of newline-delimited text: a Node stream (dockerode's event stream) or a fetch body. */
export type LineSource = Readable | ReadableStream<Uint8Array>;

/**
 * The non-empty lines of an NDJSON stream, trimmed, in order, as they arrive; the caller parses
 * them, since callers differ on a line that is not JSON (skip it, or fail). A last line with no
 * newline is dropped: the stream broke in the middle of it. When `signal` aborts, the stream is
 * destroyed (so its socket closes now, not at the next chunk) and the lines end quietly; any other
 * stream error is thrown. Leaving the loop early destroys the stream too.
 */
export async function* readLines(source: LineSource, signal?: AbortSignal): AsyncGenerator<string, void, undefined> {
  const stream = source instanceof Readable ? source : Readable.fromWeb(source);
  const onAbort = (): void => {
    stream.destroy();
  };
  if (signal?.aborted === true) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  // one decoder for the whole stream: a character split across two chunks still decodes
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
      buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') yield line;
      }
    }
  } catch (err) {
    if (signal?.aborted !== true) throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
