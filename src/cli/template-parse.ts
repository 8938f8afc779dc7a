import { FUNCTIONS } from './template-functions.js';
import { words, type Token } from './template-lex.js';
import { Written } from './template-values.js';

// A --format template read as Go's text/template reads one, before anything is printed: text and
// `{{...}}` placeholders; a placeholder is a pipeline (`.Name`, `upper .Name`, `.Args | join ","`,
// `len (split .X ",")`), or `if`/`with`/`range` PIPELINE … `else` … `end` around more of them;
// `{{$v := …}}` and `range $k, $v := …` name values; `{{- ` and ` -}}` trim the spaces beside them.
// A function unknown, or called with too few or too many arguments, is refused here, naming it.

/** An operand: a path of fields (from `.`, or from a variable), a value the template wrote, or `(pipeline)`. */
export type Arg =
  | { readonly kind: 'field'; readonly variable: string | undefined; readonly path: readonly string[] }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'pipeline'; readonly pipeline: Pipeline };

/** A function and its arguments, or (fn undefined) one operand. */
export interface Command {
  readonly fn: string | undefined;
  readonly args: readonly Arg[];
}

/** Commands, each one's value the last argument of the next; `vars` the variables it names. */
export interface Pipeline {
  readonly vars: readonly string[];
  readonly commands: readonly Command[];
}

/** A piece of a template: text as it is, a placeholder printed, or a block around more pieces. */
export type TemplateNode =
  | string
  | { readonly kind: 'print'; readonly text: string; readonly pipeline: Pipeline }
  | {
      readonly kind: 'if' | 'with' | 'range';
      readonly text: string;
      readonly pipeline: Pipeline;
      readonly then: readonly TemplateNode[];
      readonly otherwise: readonly TemplateNode[];
    };

/** A template's text, and its placeholders' (between their braces). */
type Item = string | { readonly action: string };

/** An Error about the placeholder `text` (its words between the braces). */
export class TemplateError extends Error {
  constructor(
    readonly text: string,
    message: string,
  ) {
    super(message);
  }
}

/** `template` (`\t` and `\n` read already) as its pieces; TemplateError or Error says what cannot be read. */
export function parseTemplate(template: string): TemplateNode[] {
  const items = itemsOf(template);
  const reader = { items, at: 0 };
  const { nodes, stop } = list(reader);
  if (stop !== undefined) throw new TemplateError(stop.text, `has no if, range or with before it to ${stop.word}`);
  return nodes;
}

const UNCLOSED = 'has a "{{" with no "}}" to close it: write placeholders as {{.Name}}';

function itemsOf(template: string): Item[] {
  const items: Item[] = [];
  let at = 0;
  let trimNext = false;
  for (let open = template.indexOf('{{'); open >= 0; open = template.indexOf('{{', at)) {
    const close = actionEnd(template, open + 2);
    if (close < 0) throw new Error(UNCLOSED);
    let inner = template.slice(open + 2, close);
    // `{{- ` and ` -}}` trim the spaces beside the placeholder; `{{-3}}` is a number
    const trimBefore = /^-\s/.test(inner);
    const trimAfter = /\s-$/.test(inner);
    inner = inner.slice(trimBefore ? 1 : 0, trimAfter ? -1 : undefined);
    let text = template.slice(at, open);
    if (trimNext) text = text.trimStart();
    if (trimBefore) text = text.trimEnd();
    if (text !== '') items.push(text);
    const action = inner.trim();
    if (!(action.startsWith('/*') && action.endsWith('*/'))) items.push({ action });
    trimNext = trimAfter;
    at = close + 2;
  }
  const rest = trimNext ? template.slice(at).trimStart() : template.slice(at);
  if (rest !== '') items.push(rest);
  return items;
}

/**
 * Where the `}}` that closes the placeholder whose words begin at `from` is, or -1 when none does: as
 * Go reads it, one inside a string (`{{printf "%s}}" .Name}}`) or a comment is
 * the string's or the comment's. A string with no end leaves the first `}}` closing it, so its words
 * then say what is wrong.
 */
function actionEnd(template: string, from: number): number {
  const first = template.indexOf('}}', from);
  const words = template.slice(from).match(/^(-\s)?\s*/)?.[0].length ?? 0;
  if (template.startsWith('/*', from + words)) {
    const end = template.indexOf('*/', from + words + 2);
    return end < 0 ? first : template.indexOf('}}', end + 2);
  }
  for (let i = from; i < template.length; i++) {
    const char = template[i];
    if (char === '}' && template[i + 1] === '}') return i;
    if (char !== '"' && char !== '`') continue;
    const end = char === '`' ? template.indexOf('`', i + 1) : quotedEnd(template, i + 1);
    if (end < 0) return first;
    i = end;
  }
  return -1;
}

/** Where the `"` that ends a Go string whose text begins at `from` is; -1 at a line's end or the text's. */
function quotedEnd(template: string, from: number): number {
  for (let i = from; i < template.length; i++) {
    const char = template[i];
    if (char === '\\') i++;
    else if (char === '"') return i;
    else if (char === '\n') return -1;
  }
  return -1;
}

interface Reader {
  readonly items: readonly Item[];
  at: number;
}

/** Where a list of pieces stopped: at `{{end}}`, or `{{else …}}` (its words after else). */
interface Stop {
  readonly word: 'end' | 'else';
  readonly text: string;
  readonly rest: readonly Token[];
}

function list(reader: Reader): { nodes: TemplateNode[]; stop: Stop | undefined } {
  const nodes: TemplateNode[] = [];
  while (reader.at < reader.items.length) {
    const item = reader.items[reader.at++] ?? '';
    if (typeof item === 'string') {
      nodes.push(item);
      continue;
    }
    const text = item.action;
    const tokens = wordsOf(text);
    const first = tokens[0];
    const keyword = first?.kind === 'name' ? first.value : undefined;
    if (keyword === 'end' || keyword === 'else') {
      if (keyword === 'end' && tokens.length > 1) throw new TemplateError(text, 'end takes nothing after it');
      return { nodes, stop: { word: keyword, text, rest: tokens.slice(1) } };
    }
    if (keyword === 'if' || keyword === 'with' || keyword === 'range')
      nodes.push(block(reader, keyword, text, tokens.slice(1)));
    else if (tokens.length === 0) throw new TemplateError(text, 'is empty: write a field, as {{.Name}}');
    else nodes.push({ kind: 'print', text, pipeline: pipeline(tokens, text, 1) });
  }
  return { nodes, stop: undefined };
}

/** `{{if|with|range PIPELINE}}` and what follows, to its `{{end}}` (which an `{{else if …}}` in it shares). */
function block(reader: Reader, kind: 'if' | 'with' | 'range', text: string, tokens: readonly Token[]): TemplateNode {
  const read = pipeline(tokens, text, kind === 'range' ? 2 : 1);
  if (read.commands.length === 0) throw new TemplateError(text, `${kind} needs a value to test`);
  const then = list(reader);
  if (then.stop === undefined) throw new TemplateError(text, 'has no {{end}}');
  let otherwise: TemplateNode[] = [];
  if (then.stop.word === 'else') {
    const [next, ...rest] = then.stop.rest;
    if (next?.kind === 'name' && (next.value === 'if' || next.value === 'with') && kind !== 'range')
      otherwise = [block(reader, next.value, then.stop.text, rest)];
    else {
      if (next !== undefined) throw new TemplateError(then.stop.text, 'else takes nothing after it but if or with');
      const after = list(reader);
      if (after.stop?.word !== 'end')
        throw new TemplateError(text, after.stop ? 'has a second {{else}}' : 'has no {{end}}');
      otherwise = after.nodes;
    }
  }
  return { kind, text, pipeline: read, then: then.nodes, otherwise };
}

function wordsOf(text: string): Token[] {
  try {
    return words(text);
  } catch (err) {
    throw new TemplateError(text, (err as Error).message);
  }
}

/** `tokens` as a pipeline, which may name up to `maxVars` variables (`$v :=`). */
function pipeline(tokens: readonly Token[], text: string, maxVars: number): Pipeline {
  const assign = tokens.findIndex((t) => t.kind === 'punct' && t.value === ':=');
  const vars: string[] = [];
  if (assign >= 0) {
    for (const [i, t] of tokens.slice(0, assign).entries()) {
      const comma = i % 2 === 1;
      if (
        comma
          ? t.kind === 'punct' && t.value === ','
          : t.kind === 'field' && t.variable !== undefined && t.path.length === 0 && t.variable !== '$'
      )
        continue;
      throw new TemplateError(text, 'names its variables as $name := (range: $i, $v :=)');
    }
    for (const t of tokens.slice(0, assign)) if (t.kind === 'field' && t.variable !== undefined) vars.push(t.variable);
    if (vars.length === 0 || vars.length > maxVars)
      throw new TemplateError(text, maxVars === 2 ? 'range names one or two variables' : 'names one variable');
  }
  const commands = split(tokens.slice(assign + 1), text).map((words) => command(words, text));
  if (assign >= 0 && commands.length === 0) throw new TemplateError(text, `gives ${vars.join(', ')} no value`);
  for (const [i, c] of commands.entries()) check(c, i > 0, text);
  return { vars, commands };
}

/** The commands of a pipeline, parted by the `|` outside parentheses. */
function split(tokens: readonly Token[], text: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && t.value === '(') depth++;
    if (t.kind === 'punct' && t.value === ')' && --depth < 0)
      throw new TemplateError(text, 'has a ")" with no "(" before it');
    if (t.kind === 'punct' && t.value === '|' && depth === 0) parts.push([]);
    else parts.at(-1)?.push(t);
  }
  if (depth > 0) throw new TemplateError(text, 'has a "(" with no ")" to close it');
  if (parts.length === 1 && parts[0]?.length === 0) return [];
  if (parts.some((p) => p.length === 0)) throw new TemplateError(text, 'has a "|" with nothing on one side of it');
  return parts;
}

function command(tokens: readonly Token[], text: string): Command {
  const [first] = tokens;
  const named = first?.kind === 'name' && !['true', 'false', 'nil'].includes(first.value) ? first.value : undefined;
  const args: Arg[] = [];
  for (let i = named === undefined ? 0 : 1; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    if (t.kind === 'punct' && t.value === '(') {
      let depth = 1;
      let end = i + 1;
      for (; end < tokens.length && depth > 0; end++) {
        const u = tokens[end];
        if (u?.kind === 'punct') depth += u.value === '(' ? 1 : u.value === ')' ? -1 : 0;
      }
      const inner = pipeline(tokens.slice(i + 1, end - 1), text, 0);
      if (inner.commands.length === 0) throw new TemplateError(text, 'has "()" with nothing in it');
      args.push({ kind: 'pipeline', pipeline: inner });
      i = end - 1;
    } else args.push(operand(t, text));
  }
  return { fn: named, args };
}

function operand(t: Token, text: string): Arg {
  switch (t.kind) {
    case 'field':
      return { kind: 'field', variable: t.variable, path: t.path };
    case 'string':
      return { kind: 'value', value: new Written(t.value) };
    case 'number':
      return { kind: 'value', value: t.value };
    case 'name':
      if (t.value === 'true' || t.value === 'false') return { kind: 'value', value: t.value === 'true' };
      if (t.value === 'nil') return { kind: 'value', value: null };
      throw new TemplateError(text, `has ${t.value} as an argument: call a function inside ( ), as (${t.value} …)`);
    case 'punct':
      throw new TemplateError(text, `has a "${t.value}" where a value goes`);
  }
}

/** A function known, given as many arguments as it takes (with the one piped in); a field given none. */
function check(c: Command, piped: boolean, text: string): void {
  const count = c.args.length + (piped ? 1 : 0);
  if (c.fn === undefined) {
    if (count > 1)
      throw new TemplateError(
        text,
        'gives arguments to a field or value: only a function takes them (as index .Labels "key")',
      );
    return;
  }
  if (['if', 'with', 'range', 'else', 'end'].includes(c.fn))
    throw new TemplateError(text, `has ${c.fn} inside: it begins a placeholder, as {{${c.fn} …}}`);
  const f = Object.hasOwn(FUNCTIONS, c.fn) ? FUNCTIONS[c.fn] : undefined;
  if (f === undefined)
    throw new TemplateError(text, `${c.fn} is not a function: the functions are ${Object.keys(FUNCTIONS).join(', ')}`);
  if (count < f.min || count > f.max) {
    const takes = f.min === f.max ? `${f.min}` : f.max === Infinity ? `at least ${f.min}` : `${f.min} to ${f.max}`;
    const given = `${count}${piped ? ' (with the one piped in)' : ''}`;
    const plural = (f.max === Infinity ? f.min : f.max) === 1 ? '' : 's';
    throw new TemplateError(text, `${c.fn} takes ${takes} argument${plural} (${f.usage}), not ${given}`);
  }
}

/** Each path of fields read from the template's own `.` (outside range and with) or from `$`, to be checked. */
export function rootFields(
  nodes: readonly TemplateNode[],
  dotIsRoot = true,
): { text: string; path: readonly string[] }[] {
  const found: { text: string; path: readonly string[] }[] = [];
  const fromPipeline = (p: Pipeline, text: string): void => {
    for (const c of p.commands)
      for (const a of c.args) {
        if (a.kind === 'pipeline') fromPipeline(a.pipeline, text);
        else if (a.kind === 'field' && (a.variable === '$' || (a.variable === undefined && dotIsRoot)))
          found.push({ text, path: a.path });
      }
  };
  for (const n of nodes) {
    if (typeof n === 'string') continue;
    fromPipeline(n.pipeline, n.text);
    if (n.kind === 'print') continue;
    found.push(...rootFields(n.then, dotIsRoot && n.kind === 'if'), ...rootFields(n.otherwise, dotIsRoot));
  }
  return found;
}
