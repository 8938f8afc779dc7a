import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { fsProblem } from '../files/index.js';
import { asBoolean, asList, asMap, asString, composeError, isMap, fieldPath } from './values.js';

/**
 * `env_file:` as Compose reads it: a path, or a list of paths or of `{path, required}` (a file
 * that is not required may be missing), each relative to the Compose file's directory and read
 * as `.env` files are (`KEY=value` lines, `#` comments, quoted values); a later file's variable
 * wins over an earlier one's.
 */
export function composeEnvFiles(
  value: unknown,
  path: string,
  baseDir: string,
  readFile: (path: string) => string,
): Record<string, string> {
  const entries = typeof value === 'string' ? [value] : asList(value, path);
  const env: Record<string, string> = {};
  entries.forEach((entry, i) => {
    const at = typeof value === 'string' ? path : fieldPath(path, i);
    const { file, required } = fileOf(entry, at);
    let text: string;
    try {
      text = readFile(resolve(baseDir, file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) return;
      throw composeError(at, `names ${file}, which cannot be read: ${fsProblem(err)}`);
    }
    Object.assign(env, parse(text));
  });
  return env;
}

function fileOf(entry: unknown, at: string): { file: string; required: boolean } {
  if (!isMap(entry)) return { file: asString(entry, at), required: true };
  const map = asMap(entry, at);
  for (const key of Object.keys(map))
    if (key !== 'path' && key !== 'required' && key !== 'format')
      throw composeError(fieldPath(at, key), 'is not a key of an env_file entry (path, required)');
  if (map['format'] !== undefined && map['format'] !== 'dotenv')
    throw composeError(fieldPath(at, 'format'), 'must be dotenv (the default); Poseidon reads no other format');
  const required = map['required'] === undefined ? true : asBoolean(map['required'], fieldPath(at, 'required'));
  return { file: asString(map['path'], fieldPath(at, 'path')), required };
}
