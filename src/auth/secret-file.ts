import { open, rename } from 'node:fs/promises';

/**
 * Writes `content` to `path` readable by its owner only (0600), whole or not at all: it goes to a
 * file beside it first, flushed to disk, then takes the name. A file already there is replaced.
 */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.chmod(0o600); // a leftover temporary file keeps its mode through open()
    await file.writeFile(content, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}
