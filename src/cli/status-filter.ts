import { InvalidField } from '../errors/index.js';
import { TASK_STATES } from '../task/state-machine.js';
import { filterPairs } from './filter-flag.js';

// `poseidon status -f KEY=VALUE`, as `docker ps --filter` takes it: state= (docker's status= too),
// node= and service= are the --state, --node and --service flags, asked of the manager; name= (a
// part of the task's name, as docker matches one) and id= (the start of its id) are kept here.

/** What status is asked to keep: the flags, and the filters that stand for them. */
export interface StatusFilter {
  state?: string;
  node?: string;
  service?: string;
  name?: string;
  id?: string;
}

const KEYS = ['state', 'status', 'node', 'service', 'name', 'id'] as const;
const TAKES = 'state=STATE, node=NAME, service=NAME, name=PART or id=PREFIX (once each)';

/**
 * The flags with each `--filter` added; a key given twice, or with a flag that says otherwise
 * (`--state Running -f state=failed`), is refused: the manager keeps one of each.
 */
export function statusFilterOf(flags: StatusFilter & { filter?: readonly string[] }): StatusFilter {
  const out: StatusFilter = {
    ...(flags.state === undefined ? {} : { state: flags.state }),
    ...(flags.node === undefined ? {} : { node: flags.node }),
    ...(flags.service === undefined ? {} : { service: flags.service }),
  };
  const seen = new Set<string>();
  for (const [given, value] of filterPairs(flags.filter, KEYS, TAKES)) {
    const key = given === 'status' ? 'state' : given;
    if (seen.has(key) || (out[key] !== undefined && !sameValue(key, out[key], value)))
      throw new InvalidField('--filter', `has ${key}= twice, or beside --${key}: status keeps one ${key}; give one`);
    seen.add(key);
    out[key] = value;
  }
  return out;
}

/** A state is named in any case (`running`, `Running`); a node, service, name or id as it is. */
function sameValue(key: keyof StatusFilter, a: string, b: string): boolean {
  return key === 'state' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** Whether a task passes name= and id=, the filters the manager is not asked. */
export function keptHere(filter: Pick<StatusFilter, 'name' | 'id'>): (t: { id: string; name: string }) => boolean {
  const { name, id } = filter;
  return (t) => (name === undefined || t.name.includes(name)) && (id === undefined || t.id.startsWith(id));
}

/** --state (and -f state=) in any case, as the state's own name. */
export function stateOf(text: string, flag = '--state'): string {
  const state = TASK_STATES.find((s) => s.toLowerCase() === text.toLowerCase());
  if (state === undefined) throw new InvalidField(flag, `is "${text}"; use one of ${TASK_STATES.join(', ')}`);
  return state;
}
