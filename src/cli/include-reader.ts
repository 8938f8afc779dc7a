import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { IncludeReader } from '../compose/index.js';
import { InvalidField } from '../errors/index.js';
import { fsProblem, readDocument } from '../files/index.js';

/** What `poseidon deploy` reads a Compose file's `include:` with: files of this machine. */
export const includeReader: IncludeReader = {
  async readCompose(path, at) {
    // readDocument refuses a file larger than one Compose file may be, before reading it
    const doc = await readDocument(path, at);
    return { doc, bytes: statSync(path).size };
  },
  readEnv(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new InvalidField(path, `cannot be read: ${fsProblem(err)}`);
    }
  },
  shown(path) {
    const rel = relative(process.cwd(), path);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  },
};
