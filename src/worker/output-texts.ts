import { StringDecoder } from 'node:string_decoder';
import type { ExecOutput } from '../driver/index.js';

/** A piece of output as text, with the stream it went to: a line of an exec's or a log read's NDJSON. */
export type OutputText = { stdout: string } | { stderr: string };

/** Bytes to text, a stream at a time: what a piece leaves unfinished waits for the next one, or the end. */
export interface TextDecoding {
  write(b: Buffer): string;
  end(): string;
}

/**
 * Each piece of `output` as its stream's text as it comes (UTF-8 by default: a character cut
 * between two pieces of one stream waits for the rest of its bytes), then what each stream left.
 */
export async function* outputTexts(
  output: AsyncIterable<ExecOutput>,
  decoding: () => TextDecoding = () => new StringDecoder('utf8'),
): AsyncGenerator<OutputText> {
  const decoders = { stdout: decoding(), stderr: decoding() };
  for await (const piece of output) {
    const text = decoders[piece.stream].write(piece.data);
    if (text !== '') yield textOf(piece.stream, text);
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const rest = decoders[stream].end();
    if (rest !== '') yield textOf(stream, rest);
  }
}

function textOf(stream: ExecOutput['stream'], text: string): OutputText {
  return stream === 'stdout' ? { stdout: text } : { stderr: text };
}
