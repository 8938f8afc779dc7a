import { fieldPath } from '../errors/index.js';

// What JSON.parse does not say about a file people wrote: where its syntax error is (Node 20's
// messages give an offset, `at position 46`, or none at all) and that a key is given twice (it
// keeps the last one without a word). One pass over the text, with an explicit stack, so a
// deeply nested file cannot overflow the call stack; JSON.parse still builds the value.

/**
 * What is wrong with a JSON text, and where: `line` and `column` count from 1 (columns in UTF-16
 * units); `message` says both (`unexpected "}" at line 3, column 5; expected a value`).
 */
export interface JsonFault {
  message: string;
  line: number;
  column: number;
}

type Frame =
  | { kind: 'object'; path: string; keys: Map<string, number>; key: string }
  | { kind: 'array'; path: string; index: number };

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9a-fA-F]{4}$/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

/** Line and column (from 1) of an offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) {
    line += 1;
    start = at + 1;
  }
  return { line, column: offset - start + 1 };
}

class Fault extends Error {
  constructor(
    readonly offset: number,
    readonly what: string,
    readonly hint?: string,
  ) {
    super(what);
  }
}

/**
 * The first fault of `text` as JSON (RFC 8259): a syntax error, or a key given twice in one
 * object; undefined when there is none.
 */
export function jsonFault(text: string): JsonFault | undefined {
  try {
    scan(text);
    return undefined;
  } catch (err) {
    if (!(err instanceof Fault)) throw err;
    const { line, column } = lineColumn(text, err.offset);
    const hint = err.hint === undefined ? '' : `; ${err.hint}`;
    return { message: `${err.what} at line ${line}, column ${column}${hint}`, line, column };
  }
}

/** A character as a message shows it: quoted, and escaped when a terminal would not show it (a BOM, U+FEFF). */
function shown(char: string): string {
  return JSON.stringify(char).replace(
    /[\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function unexpected(text: string, at: number, expected: string): Fault {
  const found = at >= text.length ? 'the end of the file' : shown(String.fromCodePoint(text.codePointAt(at) ?? 0));
  return new Fault(at, `unexpected ${found}`, `expected ${expected}`);
}

function skip(text: string, at: number): number {
  while (at < text.length && WHITESPACE.has(text[at]!)) at += 1;
  return at;
}

/** The offset after the string that opens at `at`, a '"'. */
function skipString(text: string, open: number): number {
  let at = open + 1;
  for (;;) {
    if (at >= text.length) throw new Fault(open, 'a string is never closed', 'no " before the end of the file');
    const c = text.charCodeAt(at);
    if (c === 0x22) return at + 1; // "
    if (c < 0x20) throw new Fault(at, 'a control character in a string', 'write a tab as \\t, a line break as \\n');
    if (c === 0x5c) {
      // backslash
      const next = text[at + 1];
      if (next === 'u' && HEX.test(text.slice(at + 2, at + 6))) at += 6;
      else if (next !== undefined && ESCAPES.has(next)) at += 2;
      else throw new Fault(at, 'an unknown escape in a string', 'known: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX');
    } else at += 1;
  }
}

function scan(text: string): void {
  const stack: Frame[] = [];
  let at = skip(text, 0);
  let want: 'value' | 'key' = 'value';
  for (;;) {
    const top = stack[stack.length - 1];
    if (want === 'key') {
      // in an object, after `{` or `,`
      if (top?.kind !== 'object' || text[at] !== '"') throw unexpected(text, at, 'a key (a string in double quotes)');
      const end = skipString(text, at);
      const key = JSON.parse(text.slice(at, end)) as string;
      const before = top.keys.get(key);
      if (before !== undefined) {
        const first = lineColumn(text, before);
        const named = JSON.stringify(fieldPath(top.path, key));
        throw new Fault(at, `the key ${named} is given twice`, `first at line ${first.line}, column ${first.column}`);
      }
      top.keys.set(key, at);
      top.key = key;
      at = skip(text, end);
      if (text[at] !== ':') throw unexpected(text, at, '":"');
      at = skip(text, at + 1);
      want = 'value';
      continue;
    }
    // a value
    const path = top === undefined ? '' : fieldPath(top.path, top.kind === 'object' ? top.key : top.index);
    const c = text[at];
    if (c === '{' || c === '[') {
      at = skip(text, at + 1);
      const close = c === '{' ? '}' : ']';
      if (text[at] !== close) {
        stack.push(c === '{' ? { kind: 'object', path, keys: new Map(), key: '' } : { kind: 'array', path, index: 0 });
        want = c === '{' ? 'key' : 'value';
        continue;
      }
      at += 1; // {} or []
    } else if (c === '"') {
      at = skipString(text, at);
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = at;
      if (!NUMBER.test(text)) throw unexpected(text, at + 1, 'a digit');
      at = NUMBER.lastIndex;
    } else {
      const literal = LITERALS.find((word) => text.startsWith(word, at));
      if (literal === undefined) throw unexpected(text, at, 'a value');
      at += literal.length;
    }
    // after a value: a `,` or the close of its object or array, each ending values in turn
    for (;;) {
      at = skip(text, at);
      const open = stack[stack.length - 1];
      if (open === undefined) {
        if (at < text.length) throw unexpected(text, at, 'the end of the file (there is more after the value)');
        return;
      }
      const close = open.kind === 'object' ? '}' : ']';
      if (text[at] === ',') {
        at = skip(text, at + 1);
        if (open.kind === 'array') open.index += 1;
        want = open.kind === 'object' ? 'key' : 'value';
        break;
      }
      if (text[at] !== close) throw unexpected(text, at, `"," or "${close}"`);
      stack.pop();
      at += 1;
    }
  }
}
