import { Readable } from 'node:stream';
import type { ExecOutput } from '../driver/index.js';
import { outputTexts } from './output-texts.js';

/**
 * A log read's answer from the container's output: one JSON object a line, each piece with its
 * stream (`framed`, LOGS_NDJSON), or the bytes of both streams together as text, as they come.
 */
export function logOutput(output: AsyncIterable<ExecOutput>, framed: boolean): Readable {
  if (framed) return Readable.from(ndjson(output), { objectMode: false });
  return Readable.from(bytes(output), { objectMode: false });
}

async function* ndjson(output: AsyncIterable<ExecOutput>): AsyncGenerator<string> {
  for await (const text of outputTexts(output)) yield `${JSON.stringify(text)}\n`;
}

async function* bytes(output: AsyncIterable<ExecOutput>): AsyncGenerator<Buffer> {
  for await (const piece of output) yield piece.data;
}
