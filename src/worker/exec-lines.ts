import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ExecEncoding, ExecLine } from '../api/index.js';
import type { ExecRun } from '../driver/index.js';
import { formatDuration } from '../units/index.js';
import { outputTexts, type TextDecoding } from './output-texts.js';

/**
 * `POST /tasks/{id}/exec`'s answer: the command's output as NDJSON lines as it comes (read at the
 * client's pace, through the manager), then its exit code; past `timeoutMs` the stream ends with
 * an error line instead, and the command runs on in the container (the engine cannot stop an exec).
 * `detach` lets go of the command's output (the client left, the time is up). `first` comes before
 * the output (an interactive exec's session). Output is text, or its bytes in base64 as asked.
 */
export function execLines(
  run: ExecRun,
  timeoutMs: number,
  detach: AbortController,
  opts: { first?: ExecLine; encoding?: ExecEncoding } = {},
): Readable {
  let timedOut = false;
  async function* lines(): AsyncGenerator<string> {
    if (opts.first !== undefined) yield line(opts.first);
    const as = opts.encoding ?? 'utf8';
    const timer = setTimeout(() => {
      timedOut = true;
      detach.abort();
    }, timeoutMs);
    try {
      for await (const text of outputTexts(run.output, () => decoder(as))) yield line(text);
      if (!timedOut) {
        yield line({ exitCode: await run.exitCode() });
        return;
      }
    } catch (err) {
      if (!timedOut) {
        if (detach.signal.aborted) return; // the client left: nobody reads on
        yield line({ error: `the command's output was cut: ${(err as Error).message}` });
        return;
      }
    } finally {
      clearTimeout(timer);
    }
    yield line({ error: `timed out after ${formatDuration(timeoutMs)}; the command may still run in the container` });
  }
  return Readable.from(lines(), { objectMode: false });
}

/** Bytes to the answer's text: UTF-8 (a character cut in two waits for the rest of it), or base64 byte for byte. */
function decoder(encoding: ExecEncoding): TextDecoding {
  if (encoding === 'utf8') return new StringDecoder('utf8');
  return { write: (b) => b.toString('base64'), end: () => '' };
}

function line(l: ExecLine): string {
  return `${JSON.stringify(l)}\n`;
}
