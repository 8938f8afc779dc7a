import type { ManagerClient } from '../client/index.js';
import { printable } from './terminal-text.js';

/** How many of its last lines a failed task's output shows under the line that says it failed. */
export const LAST_LINES = 10;

/** At most this much of the output is read: a line longer than that is cut. */
const MAX_BYTES = 16 * 1024;

/**
 * The last lines a task printed (stdout and stderr), safe to print, for a wait that saw it fail:
 * what `docker run` would have shown. None when it printed nothing or they cannot be read (its
 * container gone, its node away): the failure's own line says enough then.
 */
export async function lastOutput(
  client: Pick<ManagerClient, 'logs'>,
  id: string,
  lines = LAST_LINES,
): Promise<string[]> {
  try {
    const stream = await client.logs(id, { follow: false, tail: lines });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      // the oldest chunks go while the rest still hold MAX_BYTES: the end is what is shown
      for (let first = chunks[0]; first !== undefined && chunks.length > 1 && size - first.length >= MAX_BYTES;) {
        size -= first.length;
        chunks.shift();
        first = chunks[0];
      }
    }
    const text = Buffer.concat(chunks).toString('utf8').slice(-MAX_BYTES);
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .slice(-lines)
      .map(printable);
  } catch {
    return [];
  }
}

/**
 * The lines under a failure, indented, with the command that prints the rest; '' without any.
 * `whose` names the task when the line above does not (a service's replica).
 */
export function outputBlock(id: string, lines: readonly string[], whose = 'its'): string {
  if (lines.length === 0) return '';
  const more = `poseidon logs ${id.slice(0, 8)}`;
  return `poseidon: ${whose} last output (${more} for all of it):\n${lines.map((l) => `  ${l}\n`).join('')}`;
}
