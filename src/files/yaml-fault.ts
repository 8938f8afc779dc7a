import type { YAMLError } from 'yaml';
import { fieldPath } from '../errors/index.js';
import { lineColumn } from './strict-json.js';

// What a YAML syntax error says to the person who wrote the file: the `yaml` package's first
// error, placed on the line to fix. Types only from `yaml` here: the package itself is loaded only
// when a YAML file is read.

/** Errors the package gives when text it read as a value turns into a key on a later line. */
const KEY_OVER_LINES = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/**
 * The first of `errors` (from parsing `text` with prettyErrors) as one line ending "at line L,
 * column C"; undefined when there is none.
 *
 * A key indented deeper than the line before it (`image: busybox`, then `  cpu: 1`) reads to YAML
 * as that line's value going on (`busybox cpu`) and then becoming a key. The package places both
 * its errors where the value starts, a line before the one to fix; the line to fix is where the
 * key that runs over lines ends.
 */
export function yamlFault(errors: readonly YAMLError[], text: string, contents?: unknown): string | undefined {
  const first = errors[0];
  if (first === undefined) return undefined;
  if (first.code === 'DUPLICATE_KEY') {
    const twice = keyGivenTwice(contents, first.pos[0], text);
    if (twice !== undefined) return twice;
  }
  if (KEY_OVER_LINES.has(first.code)) {
    const [start, end] = errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY')?.linePos ?? [];
    if (start !== undefined && end !== undefined && end.line > start.line) {
      const column = (text.split('\n')[end.line - 1] ?? '').search(/\S/) + 1;
      const where = `at line ${end.line}, column ${column}`;
      return `a key is indented more than the line before allows ${where}; line it up with the keys around it`;
    }
  }
  // prettyErrors: the message's first line ends with "at line L, column C:"
  return (first.message.split('\n')[0] ?? first.message).replace(/:$/, '');
}

/** A node of a parsed document, as far as finding a key in it needs (no runtime import of `yaml`). */
interface Node {
  items?: unknown[];
  key?: unknown;
  value?: unknown;
  range?: readonly number[] | null;
}

function asNode(value: unknown): Node | undefined {
  return typeof value === 'object' && value !== null ? (value as Node) : undefined;
}

function at(text: string, offset: number): string {
  const { line, column } = lineColumn(text, offset);
  return `line ${line}, column ${column}`;
}

/**
 * The package says only "Map keys must be unique", where the second key is: this names the key by
 * its path in the document and says where both are, as a JSON file's is (strict-json.ts):
 * `the key "env.MODE" is given twice at line 4, column 3; first at line 3, column 3`. Walks the
 * document (`contents`) with an explicit stack for the mapping whose key starts at `offset`.
 */
function keyGivenTwice(contents: unknown, offset: number, text: string): string | undefined {
  const stack: Array<{ node: unknown; path: string }> = [{ node: contents, path: '' }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const items = asNode(frame.node)?.items ?? [];
    const seen = new Map<string, number>();
    for (const [index, item] of items.entries()) {
      const pair = asNode(item);
      if (pair === undefined || !('key' in pair)) {
        stack.push({ node: item, path: fieldPath(frame.path, index) }); // a sequence's entry
        continue;
      }
      const key = asNode(pair.key);
      if (key === undefined || 'items' in key) continue; // a complex key: no name to give
      const name = String(key.value);
      stack.push({ node: pair.value, path: fieldPath(frame.path, name) });
      const start = key.range?.[0];
      if (start === undefined) continue;
      const first = seen.get(name);
      if (first !== undefined && start === offset) {
        const named = JSON.stringify(fieldPath(frame.path, name));
        return `the key ${named} is given twice at ${at(text, start)}; first at ${at(text, first)}`;
      }
      if (first === undefined) seen.set(name, start);
    }
  }
  return undefined;
}
