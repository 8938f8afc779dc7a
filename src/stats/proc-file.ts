import { readFile } from 'node:fs/promises';

/** A file of /proc read and parsed; one that cannot be read or parsed rejects with an Error naming the file. */
export async function readProcFile<T>(file: string, parse: (text: string) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${messageOf(err)}`, { cause: err });
  }
  try {
    return parse(text);
  } catch (err) {
    throw new Error(`cannot parse ${file}: ${messageOf(err)}`, { cause: err });
  }
}

/** readProcFile, but undefined when the file is not there (no IPv6, not Linux). */
export async function readProcTable<T>(file: string, parse: (text: string) => T): Promise<T | undefined> {
  try {
    return await readProcFile(file, parse);
  } catch (err) {
    if (((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw err;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
