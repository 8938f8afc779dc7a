import { composeError, isMap, fieldPath, shown } from './values.js';

// Variables in a Compose file, substituted as `docker compose` and `docker stack deploy` do
// (the Compose specification's "Interpolation"): in values, never in keys.
//   $NAME, ${NAME}               the variable's value; unset: empty, and a warning says so
//   ${NAME:-word}, ${NAME-word}  word when NAME is unset or empty (with ':'), or unset (without)
//   ${NAME:?why}, ${NAME?why}    the file is refused, with `why`, when NAME is unset or empty / unset
//   ${NAME:+word}, ${NAME+word}  word when NAME is set and not empty / set; else empty
//   $$                           a $ itself
// A word may hold variables of its own (`${TAG:-${DEFAULT_TAG}}`). Any other `$` is an error naming
// its path, as in Compose: a shell's `$1` in a command is written `$$1`.

export type Variables = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  doc: unknown;
  /** Variables used without a value and without a default (substituted as empty), sorted. */
  unset: string[];
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const OPERATORS = [':-', ':?', ':+', '-', '?', '+'] as const;
type Operator = (typeof OPERATORS)[number];

/** The document with every variable in its values substituted from `vars`. */
export function interpolate(doc: unknown, vars: Variables): Interpolated {
  const unset = new Set<string>();
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return value.includes('$') ? substitute(value, path, vars, unset) : value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, fieldPath(path, i)));
    if (isMap(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, fieldPath(path, k))]));
    return value;
  };
  return { doc: walk(doc, ''), unset: [...unset].sort() };
}

/** One string of the file at `path` (the stack's `name:`), substituted as interpolate() does. */
export function interpolateText(text: string, path: string, vars: Variables): string {
  return substitute(text, path, vars, new Set());
}

function substitute(text: string, path: string, vars: Variables, unset: Set<string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) return out + text.slice(i);
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const end = closingBrace(text, dollar + 2);
      if (end < 0) throw composeError(path, `has a \${ without its closing } in ${shown(text)}`);
      out += braced(text.slice(dollar + 2, end), text, path, vars, unset);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined) throw invalid(text, path);
      out += valueOf(name, vars, unset);
      i = dollar + 1 + name.length;
    }
  }
  return out;
}

/** `inner` is what `${` and its `}` enclose. */
function braced(inner: string, text: string, path: string, vars: Variables, unset: Set<string>): string {
  const name = NAME.exec(inner)?.[0];
  if (name === undefined) throw invalid(text, path);
  const rest = inner.slice(name.length);
  if (rest === '') return valueOf(name, vars, unset);
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (op === undefined) throw invalid(text, path);
  const value = vars[name];
  const empty = value === undefined || (op.startsWith(':') && value === '');
  const word = (): string => substitute(rest.slice(op.length), path, vars, unset);
  switch (op as Operator) {
    case ':-':
    case '-':
      return empty ? word() : (value as string);
    case ':?':
    case '?': {
      if (!empty) return value as string;
      const why = word();
      const needs = op === ':?' ? 'is unset or empty' : 'is unset';
      throw composeError(path, `needs the variable ${name}, which ${needs}${why === '' ? '' : `: ${why}`}`);
    }
    default:
      return empty ? '' : word();
  }
}

function valueOf(name: string, vars: Variables, unset: Set<string>): string {
  const value = vars[name];
  if (value === undefined) unset.add(name);
  return value ?? '';
}

/** Where the `}` that closes a `${` opened before `from` is, nested `${...}` skipped; -1 when none. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && (text[i + 1] === '$' || text[i + 1] === '{')) {
      if (text[i + 1] === '{') depth += 1;
      i += 1;
    } else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function invalid(text: string, path: string): Error {
  return composeError(
    path,
    `has a $ that is no variable in ${shown(text)} (a variable is $NAME or \${NAME}, with :-, -, :?, ?, :+ or +); ` +
      'write $$ for a $ itself',
  );
}
