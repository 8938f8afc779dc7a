import { FUNCTIONS, type TemplateFunction } from './template-functions.js';
import { TemplateError, type Arg, type Pipeline, type TemplateNode } from './template-parse.js';
import { kindOf, printed, truthy, Written } from './template-values.js';

// A --format template's pieces filled in from a value (a view, a row's fields): fields looked up,
// functions called, if/with/range followed. A field the value lacks is a TemplateError naming it
// and the fields there are (docker prints `<no value>`: here a typo is never an empty answer).

/** What a template is run over, and how. */
export interface Run {
  /** What `.` and `$` are at first, and what an error calls it (`the view`). */
  readonly root: unknown;
  readonly rootName: string;
  /** Field names as written only (a row's), or also in any case (a view's JSON keys: `Spec` for `spec`). */
  readonly exact: boolean;
  readonly functions?: Readonly<Record<string, TemplateFunction>>;
}

interface Scope {
  readonly dot: unknown;
  readonly dotName: string;
  readonly vars: Map<string, unknown>;
}

/** The template's text for `run`; TemplateError says which placeholder could not be filled in. */
export function runTemplate(nodes: readonly TemplateNode[], run: Run): string {
  const scope = { dot: run.root, dotName: run.rootName, vars: new Map([['$', run.root]]) };
  return fill(nodes, scope, run);
}

function fill(nodes: readonly TemplateNode[], scope: Scope, run: Run): string {
  let out = '';
  for (const node of nodes) {
    if (typeof node === 'string') {
      out += node;
      continue;
    }
    const value = pipeline(node.pipeline, node.text, scope, run);
    const inner = { ...scope, vars: new Map(scope.vars) };
    if (node.kind === 'print') {
      if (node.pipeline.vars.length === 0) out += printed(value);
      else scope.vars.set(node.pipeline.vars[0] ?? '', value); // until the end of the block it is in
    } else if (node.kind === 'range') out += range(node, value, inner, run);
    else if (!truthy(value)) out += fill(node.otherwise, inner, run);
    else if (node.kind === 'if') out += fill(node.then, inner, run);
    else {
      for (const name of node.pipeline.vars) inner.vars.set(name, value);
      out += fill(node.then, { ...inner, dot: value, dotName: `the value of {{${node.text}}}` }, run);
    }
  }
  return out;
}

function range(
  node: {
    readonly text: string;
    readonly pipeline: Pipeline;
    readonly then: readonly TemplateNode[];
    readonly otherwise: readonly TemplateNode[];
  },
  value: unknown,
  scope: Scope,
  run: Run,
): string {
  let entries: [unknown, unknown][];
  if (Array.isArray(value)) entries = value.map((v, i) => [i, v]);
  else if (value === null || value === undefined) entries = [];
  else if (typeof value === 'object' && !(value instanceof Written))
    // a map's keys in order, as Go ranges over one
    entries = Object.keys(value)
      .sort()
      .map((k) => [k, (value as Record<string, unknown>)[k]]);
  else throw new TemplateError(node.text, `range takes a list or a map, not ${kindOf(value)}`);
  if (entries.length === 0) return fill(node.otherwise, scope, run);
  const [first, second] = node.pipeline.vars;
  let out = '';
  for (const [key, element] of entries) {
    const vars = new Map(scope.vars);
    if (second !== undefined) vars.set(second, element);
    if (first !== undefined) vars.set(first, second === undefined ? element : key);
    out += fill(node.then, { dot: element, dotName: 'the element', vars }, run);
  }
  return out;
}

function pipeline(p: Pipeline, text: string, scope: Scope, run: Run): unknown {
  let value: unknown;
  for (const [i, c] of p.commands.entries()) {
    const args = c.args.map((a) => operand(a, text, scope, run));
    if (i > 0) args.push(value);
    if (c.fn === undefined) {
      value = args[0];
      continue;
    }
    const f = (run.functions ?? FUNCTIONS)[c.fn];
    try {
      value = f?.run(args);
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw new TemplateError(text, `${c.fn} ${(err as Error).message}`);
    }
  }
  return value;
}

function operand(a: Arg, text: string, scope: Scope, run: Run): unknown {
  if (a.kind === 'value') return a.value;
  if (a.kind === 'pipeline') return pipeline(a.pipeline, text, scope, run);
  if (a.variable !== undefined && !scope.vars.has(a.variable))
    throw new TemplateError(text, `has no variable ${a.variable}: name one first, as {{${a.variable} := .Field}}`);
  const start = a.variable === undefined ? scope.dot : scope.vars.get(a.variable);
  const name = a.variable === undefined ? scope.dotName : a.variable;
  return lookup(start, name, a.variable ?? '', a.path, text, run.exact);
}

/** The value at `path` from `at`; a TemplateError names the field it lacks and those it has. */
function lookup(
  start: unknown,
  startName: string,
  prefix: string,
  path: readonly string[],
  text: string,
  exact: boolean,
): unknown {
  let at = start;
  for (const [i, name] of path.entries()) {
    const where = i === 0 ? startName : `${prefix}.${path.slice(0, i).join('.')}`;
    if (at === null || typeof at !== 'object' || Array.isArray(at) || at instanceof Written)
      throw new TemplateError(text, `but ${where} is ${kindOf(at)}, which has no fields`);
    const fields = at as Record<string, unknown>;
    const key = keyFor(Object.keys(fields), name, exact);
    if (key === undefined) {
      const known = Object.keys(fields).map((k) => `.${exact ? k : capitalized(k)}`);
      throw new TemplateError(text, `but ${where} has no field ${name}: it has ${known.join(', ') || 'none'}`);
    }
    at = fields[key];
  }
  return at;
}

/** The key `name` stands for: itself, or (not `exact`) the one key it matches in any case. */
function keyFor(keys: readonly string[], name: string, exact: boolean): string | undefined {
  if (keys.includes(name)) return name;
  if (exact) return undefined;
  const folded = keys.filter((k) => k.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

function capitalized(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}
