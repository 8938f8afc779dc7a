import { readFile, stat } from 'node:fs/promises';
import { InvalidField } from '../errors/index.js';
import { fsProblem } from './fs-problem.js';
import { jsonFault } from './strict-json.js';
import { yamlFault } from './yaml-fault.js';

// Task, service and Compose files: JSON or YAML, read the same way by every command that takes
// a file. YAML 1.2 (the `yaml` package) reads JSON too, but a `.json` file is parsed as JSON so its
// errors read as JSON errors (and YAML in it is refused); as in YAML, a key given twice is refused
// and a syntax error names its line and column (strict-json.ts). The YAML parser is loaded only
// when a YAML file is read.

/** Larger files are refused before they are parsed: no spec is anywhere near this. */
export const MAX_DOCUMENT_BYTES = 4 * 2 ** 20;

function unreadable(flag: string, file: string, err: unknown): InvalidField {
  return new InvalidField(flag, `${file} cannot be read: ${fsProblem(err)}`);
}

/**
 * Reads `file` as one JSON or YAML document. Throws InvalidField naming `flag` (the CLI flag or
 * argument that named the file) when the file cannot be read, is too large, or does not parse.
 */
export async function readDocument(file: string, flag = '--filename'): Promise<unknown> {
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_DOCUMENT_BYTES)
      throw new InvalidField(flag, `${file} is ${size} bytes; at most ${MAX_DOCUMENT_BYTES}`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof InvalidField) throw err;
    throw unreadable(flag, file, err);
  }
  return parseDocument(text, file, flag);
}

/** Parses `text` (the content of `file`) as JSON when the name ends in `.json`, else as YAML. */
export async function parseDocument(text: string, file: string, flag = '--filename'): Promise<unknown> {
  if (file.toLowerCase().endsWith('.json')) {
    // JSON.parse keeps the last of a key given twice, and places its errors by offset
    const fault = jsonFault(text);
    if (fault !== undefined) throw new InvalidField(flag, `${file} is not valid JSON: ${fault.message}`);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new InvalidField(flag, `${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const { parseDocument: parseYaml } = await import('yaml');
  // uniqueKeys: a key given twice is an error, not a silent "last one wins"; merge: `<<: *anchor`
  // merges a mapping in (YAML 1.1's merge key), as Compose files use it to share settings
  const doc = parseYaml(text, { uniqueKeys: true, prettyErrors: true, merge: true });
  const fault = yamlFault(doc.errors, text, doc.contents);
  if (fault !== undefined) throw new InvalidField(flag, `${file} is not valid YAML: ${fault}`);
  // maxAliasCount bounds alias expansion ("billion laughs"); past it, toJS throws a ReferenceError
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    throw new InvalidField(flag, `${file} is not valid YAML: ${(err as Error).message}`);
  }
}
