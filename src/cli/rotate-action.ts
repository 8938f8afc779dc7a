import { InvalidField } from '../errors/index.js';
import { STDIO, type Output } from './each-name.js';
import { managerClient, type ClientFlags } from './manager-client.js';

// `poseidon token rotate join`: a new worker join token (an admin token's work).

export type RotateFlags = ClientFlags & { json?: boolean };

/** Prints the new join token on stdout, alone; the old one joins no one from now on. */
export async function rotateToken(kind: string, flags: RotateFlags, io: Output = STDIO): Promise<void> {
  if (kind !== 'join') throw new InvalidField('kind', `is "${kind}"; the token that rotates is: join`);
  const { token } = await managerClient(flags).rotateJoinToken();
  if (flags.json === true) {
    io.out(`${JSON.stringify({ token }, null, 2)}\n`);
    return;
  }
  io.out(`${token}\n`);
  io.err('join token rotated: the old one joins no one from now on; joined nodes keep working\n');
}
