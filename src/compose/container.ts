import type { TaskTemplate } from '../api/index.js';
import {
  CAPABILITY_RULE,
  EXTRA_HOST_RULE,
  HOSTNAME_RULE,
  isHostname,
  isSoftAboveHard,
  isUlimitName,
  MAX_EXTRA_HOSTS,
  normalCapabilities,
  ULIMIT_NAME_RULE,
} from '../task/container-rules.js';
import { normalExtraHost } from '../task/extra-host.js';
import { composeBytes } from './deploy.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import {
  asBoolean,
  asInteger,
  asList,
  asMap,
  asScalarText,
  asString,
  composeError,
  isMap,
  isZeroSize,
  fieldPath,
  shown,
  type ComposeMap,
  type Findings,
} from './values.js';

// A service's container options as Compose writes them: hostname, extra_hosts (a list of
// "NAME:ADDRESS" or a mapping of names to addresses), shm_size (a byte size), ulimits (the task's
// own shape: a number, or soft and hard), cap_add and cap_drop; and init, which Poseidon always
// does. null is as absent; a bad value is refused naming its path.

type ContainerFields = Pick<TaskTemplate, 'hostname' | 'extraHosts' | 'shmSize' | 'ulimits' | 'capAdd' | 'capDrop'>;

export function composeContainerFields(map: ComposeMap, at: (key: string) => string, found: Findings): ContainerFields {
  const out: ContainerFields = {};
  const given = (key: string): unknown => (map[key] === null ? undefined : map[key]);
  if (given('hostname') !== undefined) {
    const name = asString(map['hostname'], at('hostname'));
    if (!isHostname(name)) throw composeError(at('hostname'), `${HOSTNAME_RULE} (got ${shown(name)})`);
    out.hostname = name;
  }
  if (given('extra_hosts') !== undefined) {
    const hosts = extraHosts(map['extra_hosts'], at('extra_hosts'));
    if (hosts.length > 0) out.extraHosts = hosts;
  }
  if (given('shm_size') !== undefined) {
    const size = composeBytes(map['shm_size'], at('shm_size'));
    if (isZeroSize(size))
      throw composeError(at('shm_size'), `is ${shown(map['shm_size'])}; /dev/shm's size must be above 0`);
    out.shmSize = size;
  }
  if (given('ulimits') !== undefined) {
    const limits = ulimits(map['ulimits'], at('ulimits'), found);
    if (Object.keys(limits).length > 0) out.ulimits = limits;
  }
  const capAdd = given('cap_add') === undefined ? [] : capabilities(map['cap_add'], at('cap_add'));
  const capDrop = given('cap_drop') === undefined ? [] : capabilities(map['cap_drop'], at('cap_drop'));
  const both = capAdd.find((c) => capDrop.includes(c));
  if (both !== undefined)
    throw composeError(at('cap_drop'), `drops ${both}, which cap_add adds: name it in one of them`);
  if (capAdd.length > 0) out.capAdd = capAdd;
  if (capDrop.length > 0) out.capDrop = capDrop;
  // Poseidon always runs an init as PID 1 (Docker's --init): true is what it does, false it cannot
  if (given('init') !== undefined && !asBoolean(map['init'], at('init')))
    found.unsupported.push(`${at('init')} (Poseidon always runs an init as PID 1)`);
  return out;
}

/**
 * `["db:10.0.0.5", "v6=::1"]` or `{db: 10.0.0.5}` (a list of addresses too, one line each), as
 * NAME:ADDRESS lines; the same line once.
 */
function extraHosts(value: unknown, path: string): string[] {
  const lines: Array<[string, string]> = isMap(value)
    ? Object.entries(value).flatMap(([name, address]): Array<[string, string]> => {
        const where = fieldPath(path, name);
        const addresses = Array.isArray(address)
          ? asList(address, where).map((a, i) => asString(a, fieldPath(where, i)))
          : [asString(address, where)];
        return addresses.map((a) => [where, `${name}:${a}`]);
      })
    : asList(value, path).map((entry, i): [string, string] => [
        fieldPath(path, i),
        asString(entry, fieldPath(path, i)),
      ]);
  const out: string[] = [];
  for (const [where, text] of lines) {
    const entry = normalExtraHost(text);
    if (entry === undefined) throw composeError(where, `${EXTRA_HOST_RULE} (got ${shown(text)})`);
    if (!out.includes(entry)) out.push(entry);
  }
  if (out.length > MAX_EXTRA_HOSTS)
    throw composeError(path, `adds ${out.length} /etc/hosts entries; at most ${MAX_EXTRA_HOSTS}`);
  return out;
}

type Ulimits = NonNullable<TaskTemplate['ulimits']>;

/** `{nofile: 65536}` or `{nofile: {soft: 1024, hard: 65536}}`, as written; -1 is unlimited. */
function ulimits(value: unknown, path: string, found: Findings): Ulimits {
  const out: Ulimits = {};
  for (const [name, limit] of Object.entries(asMap(value, path))) {
    const where = fieldPath(path, name);
    if (!isUlimitName(name)) throw composeError(where, `is not a limit: the name ${ULIMIT_NAME_RULE}`);
    if (!isMap(limit)) {
      out[name] = asInteger(limit, where, -1);
      continue;
    }
    found.unknownKeys(limit, where, SOFT_HARD, COMPOSE_KEYS.ulimit);
    if (limit['soft'] === undefined || limit['hard'] === undefined)
      throw composeError(where, `must give both soft and hard, or be one number (got ${shown(limit)})`);
    const soft = asInteger(limit['soft'], fieldPath(where, 'soft'), -1);
    const hard = asInteger(limit['hard'], fieldPath(where, 'hard'), -1);
    if (isSoftAboveHard(soft, hard)) throw composeError(where, `has soft ${soft} above hard ${hard} (-1 is unlimited)`);
    out[name] = { soft, hard };
  }
  return out;
}

const SOFT_HARD = new Set(['soft', 'hard']);

/** Capabilities as Docker names them (`net_admin`, `CAP_NET_ADMIN`: NET_ADMIN; ALL), each once. */
function capabilities(value: unknown, path: string): string[] {
  const texts = asList(value, path).map((entry, i) => asScalarText(entry, fieldPath(path, i)));
  return normalCapabilities(texts, (text, i) =>
    composeError(fieldPath(path, i), `${CAPABILITY_RULE} (got ${shown(text)})`),
  );
}
