import type { Duplex } from 'node:stream';
import type { ExecOutput, ExecStdin, TerminalSize } from '../types.js';

// An interactive exec's two directions over the engine's hijacked connection (`docker exec -i -t`):
// what the command prints, and its stdin.

/** A terminal's output: one stream, as the terminal shows it (the engine does not frame it). */
export async function* asStdout(source: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<ExecOutput> {
  for await (const data of source) yield { stream: 'stdout', data };
}

/**
 * The command's stdin is the connection's sending side: bytes written in order, each write
 * resolved once the socket took it; its end half-closes the connection, which the engine passes
 * on as the end of the command's input while its output still comes.
 */
export function execStdin(connection: Duplex, resize: (size: TerminalSize) => Promise<void>): ExecStdin {
  return {
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        connection.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    end: () => {
      connection.end();
    },
    resize,
  };
}
