import { open, readFile, rename } from 'node:fs/promises';

/** Owner read/write only: private keys and secrets (join token). */
export const PRIVATE_MODE = 0o600;
/** Readable by everyone: certificates. */
export const PUBLIC_MODE = 0o644;

/**
 * Writes `content` to `path` with `mode`, whole or not at all: it goes to a file beside it first,
 * flushed to disk, then takes the name, so a crash never leaves half a key or a key readable by
 * others for a moment. A file already there is replaced.
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', mode);
  try {
    await file.chmod(mode); // a leftover temporary file keeps its old mode through open()
    await file.writeFile(content, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

/** The file's text, or undefined when there is no such file. */
export async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
