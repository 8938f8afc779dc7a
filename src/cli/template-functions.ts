import { printableJson } from './terminal-text.js';
import { kindOf, printed, sameKind, stringOf, truthy, Written } from './template-values.js';

// The functions a --format template may call: docker's own (json, join, split, upper, lower,
// title, pad, truncate, println) and Go's that docker users write (index, len, print, printf, eq,
// ne, lt, le, gt, ge, not, and, or). An Error thrown here says what is wrong with the arguments;
// the template reader adds which placeholder.

/** A function: how it is called (for errors), how many arguments it takes, and what it returns. */
export interface TemplateFunction {
  readonly usage: string;
  readonly min: number;
  readonly max: number;
  run(args: readonly unknown[]): unknown;
}

const fn = (usage: string, min: number, max: number, run: (args: readonly unknown[]) => unknown): TemplateFunction => ({
  usage,
  min,
  max,
  run,
});

function text(value: unknown, what: string): string {
  const s = stringOf(value);
  if (s === undefined) throw new Error(`takes ${what} as a string, not ${kindOf(value)}`);
  return s;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new Error(`takes ${what} as a whole number, not ${kindOf(value)}`);
  return value;
}

/** A string function: of the template's text, the template's text; of text from outside, from outside. */
const onText = (usage: string, change: (s: string) => string): TemplateFunction =>
  fn(usage, 1, 1, ([s]) => sameKind(s, change(text(s, 'its argument'))));

/** `index X K...`: a map's key or a list's place, in turn; a key the map lacks is refused, naming those it has. */
function index(args: readonly unknown[]): unknown {
  let at = args[0];
  for (const key of args.slice(1)) {
    if (Array.isArray(at)) {
      const i = integer(key, 'a place in a list');
      if (i < 0 || i >= at.length) throw new Error(`has no place ${i} in a list of ${at.length}`);
      at = at[i] as unknown;
    } else if (at !== null && typeof at === 'object' && !(at instanceof Written)) {
      const name = text(key, "a map's key");
      const map = at as Record<string, unknown>;
      if (!Object.hasOwn(map, name))
        throw new Error(`finds no key "${name}": the keys are ${Object.keys(map).join(', ') || 'none'}`);
      at = map[name];
    } else throw new Error(`takes a map or a list, not ${kindOf(at)}`);
  }
  return at;
}

function length(value: unknown): number {
  const s = stringOf(value);
  if (s !== undefined) return [...s].length;
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  throw new Error(`takes a string, a list or a map, not ${kindOf(value)}`);
}

/** Go's fmt.Sprint: a space between two operands when neither is a string. */
function sprint(args: readonly unknown[]): string {
  let out = '';
  for (const [i, arg] of args.entries()) {
    if (i > 0 && stringOf(arg) === undefined && stringOf(args[i - 1]) === undefined) out += ' ';
    out += printed(arg);
  }
  return out;
}

/** Go's fmt.Sprintf for the verbs a format uses: %s %v %d %q %f %t %%, with a width (%-20s). */
function sprintf(args: readonly unknown[]): string {
  const format = text(args[0], 'its format');
  let next = 1;
  return format.replace(
    /%(-)?(\d+)?(?:\.(\d+))?([svdqft%])/g,
    (_all, left?: string, width?: string, prec?: string, verb = '') => {
      if (verb === '%') return '%';
      if (next >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[next++];
      let out =
        verb === 'q'
          ? printableJson(JSON.stringify(stringOf(arg) ?? arg))
          : verb === 'f' && typeof arg === 'number'
            ? arg.toFixed(prec === undefined ? 6 : Number(prec))
            : printed(arg);
      if (verb === 's' && prec !== undefined) out = out.slice(0, Number(prec));
      const pad = ' '.repeat(Math.max(0, Number(width ?? 0) - [...out].length));
      return left === undefined ? pad + out : out + pad;
    },
  );
}

function compare(name: string, test: (order: number) => boolean): TemplateFunction {
  return fn(`${name} A B`, 2, 2, ([a, b]) => {
    const [x, y] = [stringOf(a) ?? a, stringOf(b) ?? b];
    const both = (typeof x === 'number' && typeof y === 'number') || (typeof x === 'string' && typeof y === 'string');
    if (!both) throw new Error(`compares two numbers or two strings, not ${kindOf(a)} and ${kindOf(b)}`);
    const [p, q] = [x as number | string, y as number | string];
    return test(p < q ? -1 : p > q ? 1 : 0);
  });
}

const same = (a: unknown, b: unknown): boolean => (stringOf(a) ?? a) === (stringOf(b) ?? b);

export const FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  json: fn('json VALUE', 1, 1, ([v]) => new Written(printableJson(JSON.stringify(v) ?? 'null'))),
  index: fn('index MAP-OR-LIST KEY...', 1, Infinity, index),
  len: fn('len VALUE', 1, 1, ([v]) => length(v)),
  join: fn('join LIST SEPARATOR', 2, 2, ([list, sep]) => {
    if (!Array.isArray(list)) throw new Error(`takes a list, not ${kindOf(list)}`);
    text(sep, 'its separator');
    return new Written(list.map(printed).join(printed(sep))); // the template's separator as it is
  }),
  split: fn('split STRING SEPARATOR', 2, 2, ([s, sep]) =>
    text(s, 'what it splits')
      .split(text(sep, 'its separator'))
      .map((part) => sameKind(s, part)),
  ),
  upper: onText('upper STRING', (s) => s.toUpperCase()),
  lower: onText('lower STRING', (s) => s.toLowerCase()),
  title: onText('title STRING', (s) =>
    s.replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, b: string, c: string) => b + c.toUpperCase()),
  ),
  pad: fn('pad STRING LEFT RIGHT', 3, 3, ([s, left, right]) =>
    text(s, 'STRING') === '' // docker pads no empty string
      ? s
      : sameKind(s, ' '.repeat(integer(left, 'LEFT')) + text(s, 'STRING') + ' '.repeat(integer(right, 'RIGHT'))),
  ),
  truncate: fn('truncate STRING LENGTH', 2, 2, ([s, n]) =>
    sameKind(s, [...text(s, 'STRING')].slice(0, Math.max(0, integer(n, 'LENGTH'))).join('')),
  ),
  print: fn('print VALUE...', 0, Infinity, (args) => new Written(sprint(args))),
  println: fn('println VALUE...', 0, Infinity, (args) => new Written(`${args.map(printed).join(' ')}\n`)),
  printf: fn('printf FORMAT VALUE...', 1, Infinity, (args) => new Written(sprintf(args))),
  eq: fn('eq A B...', 2, Infinity, ([a, ...bs]) => bs.some((b) => same(a, b))),
  ne: fn('ne A B', 2, 2, ([a, b]) => !same(a, b)),
  lt: compare('lt', (o) => o < 0),
  le: compare('le', (o) => o <= 0),
  gt: compare('gt', (o) => o > 0),
  ge: compare('ge', (o) => o >= 0),
  not: fn('not VALUE', 1, 1, ([v]) => !truthy(v)),
  and: fn('and VALUE...', 1, Infinity, (args) => args.find((v) => !truthy(v)) ?? args.at(-1)),
  or: fn('or VALUE...', 1, Infinity, (args) => args.find(truthy) ?? args.at(-1)),
};
