// task/name.js, not task/index.js: run and service commands read --publish here, and the index loads TypeBox
import type { PortSpec, Protocol } from '../task/index.js';
import { isDnsLabel, NAME_RULE } from '../task/name.js';
import { hostIpProblem, isWildcardIp, normalHostIp } from '../task/host-ip.js';
import { COMPOSE_KEYS } from './spec-keys.js';
import { asInteger, asMap, asList, asScalarText, composeError, fieldPath, shown, type Findings } from './values.js';

// `ports:` in both Compose syntaxes. Short: "80", "8080:80", "127.0.0.1:8080:80/udp",
// "8000-8002:80-82" (a range is expanded into one port per number, host and container ranges
// of the same length); long: {target, published, protocol, host_ip, mode, name}. A replica's ports
// are published on the node that runs it (Swarm's `mode: host`); there is no routing mesh. A host
// address (`127.0.0.1:8080:80`, `host_ip`) is the port's `hostIp`: bound on that address of the
// node only (the worker's --host when none, or every address, is given). A
// long port's `name` is the port's name, as a service spec's: its SRV record's
// (`_<name>._tcp.<service>.svc.poseidon.cluster`).

/** A task has at most this many ports (the task spec's bound). */
export const MAX_PORTS = 64;

const LONG_KEYS = new Set(['target', 'published', 'protocol', 'host_ip', 'mode', 'name', 'app_protocol']);

export function composePorts(value: unknown, path: string, found: Findings): PortSpec[] {
  const ports: PortSpec[] = [];
  const names = new Set<string>();
  asList(value, path).forEach((entry, i) => {
    const at = fieldPath(path, i);
    const more = typeof entry === 'object' && entry !== null ? longPort(entry, at, found) : shortPort(entry, at);
    for (const port of more) {
      if (port.name === undefined) continue;
      // as a service spec's ports are checked (task/parse-spec.ts): one name, one port
      if (names.has(port.name)) throw composeError(fieldPath(at, 'name'), `"${port.name}" names two ports`);
      names.add(port.name);
    }
    ports.push(...more);
    if (ports.length > MAX_PORTS)
      throw composeError(at, `makes ${ports.length} ports; a service has at most ${MAX_PORTS}`);
  });
  return ports;
}

function shortPort(entry: unknown, path: string): PortSpec[] {
  const text = asScalarText(entry, path).trim();
  const slash = text.lastIndexOf('/');
  const protocol = slash < 0 ? 'tcp' : protocolOf(text.slice(slash + 1), path);
  const spec = slash < 0 ? text : text.slice(0, slash);
  let rest = spec;
  let hostIp: string | undefined;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
  if (v6 !== null) {
    hostIp = v6[1];
    rest = v6[2] ?? '';
  }
  const parts = rest.split(':');
  if (hostIp === undefined && parts.length === 3) hostIp = parts.shift();
  if (parts.length > 2 || (v6 !== null && parts.length !== 2))
    throw composeError(
      path,
      `is "${text}"; use "CONTAINER", "HOST:CONTAINER" or "IP:HOST:CONTAINER", each with /tcp or /udp`,
    );
  const container = rangeOf(parts[parts.length - 1] ?? '', path, text);
  const hostText = parts.length === 2 ? (parts[0] ?? '') : '';
  const ports = expand(container, hostText === '' ? null : rangeOf(hostText, path, text), protocol, path);
  return hostIp === undefined || hostIp === '' ? ports : onHostIp(ports, hostIp, path);
}

/** The ports bound on one address of the node (`127.0.0.1`); every address (`0.0.0.0`) is as none: its worker's. */
function onHostIp(ports: PortSpec[], text: string, path: string): PortSpec[] {
  const problem = hostIpProblem(text);
  if (problem !== undefined) throw composeError(path, `has host address ${shown(text)}, which ${problem}`);
  const ip = normalHostIp(text) ?? text;
  return isWildcardIp(ip) ? ports : ports.map((p) => ({ ...p, hostIp: ip }));
}

function longPort(entry: unknown, path: string, found: Findings): PortSpec[] {
  const map = asMap(entry, path);
  found.unknownKeys(map, path, LONG_KEYS, COMPOSE_KEYS.port);
  if (map['target'] === undefined) throw composeError(fieldPath(path, 'target'), 'is required (the container port)');
  const target = asInteger(map['target'], fieldPath(path, 'target'), 1, 65535);
  const protocol =
    map['protocol'] === undefined
      ? 'tcp'
      : protocolOf(asScalarText(map['protocol'], fieldPath(path, 'protocol')), fieldPath(path, 'protocol'));
  if (map['app_protocol'] !== undefined) found.unsupported.push(fieldPath(path, 'app_protocol'));
  const name = map['name'] === undefined ? undefined : portName(map['name'], fieldPath(path, 'name'));
  if (map['mode'] !== undefined && map['mode'] !== 'host')
    found.unsupported.push(
      `${fieldPath(path, 'mode')} (${shown(map['mode'])}: ports are published on the replica's node)`,
    );
  const published = map['published'];
  const at = fieldPath(path, 'published');
  // one target, so one port: a published range of several is refused by expand
  const ports =
    published === undefined || published === ''
      ? expand({ first: target, last: target }, null, protocol, path)
      : expand(
          { first: target, last: target },
          rangeOf(asScalarText(published, at), at, String(published)),
          protocol,
          at,
        );
  const hostIp = map['host_ip'];
  const hostIpAt = fieldPath(path, 'host_ip');
  const bound =
    hostIp === undefined || hostIp === '' ? ports : onHostIp(ports, asScalarText(hostIp, hostIpAt), hostIpAt);
  return name === undefined ? bound : bound.map((p) => ({ ...p, name }));
}

/** A port's name, held to a service spec's rule for it (a DNS label) and told in the same words. */
function portName(value: unknown, path: string): string {
  if (typeof value !== 'string' || !isDnsLabel(value)) throw composeError(path, `${NAME_RULE} (got ${shown(value)})`);
  return value;
}

interface PortRange {
  first: number;
  last: number;
}

function rangeOf(text: string, path: string, whole: string): PortRange {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(text.trim());
  const first = Number(m?.[1]);
  const last = m?.[2] === undefined ? first : Number(m[2]);
  if (m === null || !(first >= 1 && first <= 65535 && last >= first && last <= 65535))
    throw composeError(path, `is "${whole}"; a port is a number from 1 to 65535, a range is "8000-8002"`);
  return { first, last };
}

function protocolOf(text: string, path: string): Protocol {
  const p = text.toLowerCase();
  if (p === 'tcp' || p === 'udp') return p;
  throw composeError(path, `has protocol "${text}"; Poseidon publishes tcp or udp`);
}

function expand(container: PortRange, host: PortRange | null, protocol: Protocol, path: string): PortSpec[] {
  const count = container.last - container.first + 1;
  if (host !== null && count === 1 && host.last > host.first)
    // docker's "8000-8002:80": one free port of the range, which a scheduler cannot know beforehand
    throw composeError(
      path,
      `maps host ports ${host.first}-${host.last} to container port ${container.first}, one free port of the ` +
        `range as docker picks it: write one host port ("${host.first}:${container.first}"), or none ` +
        `("${container.first}") to let Docker choose`,
    );
  if (host !== null && host.last - host.first + 1 !== count) {
    throw composeError(
      path,
      `maps host ports ${host.first}-${host.last} to container ports ${container.first}-${container.last}: ` +
        'the two ranges must be the same length (Poseidon publishes each container port on its own host port)',
    );
  }
  if (count > MAX_PORTS) throw composeError(path, `is a range of ${count} ports; a service has at most ${MAX_PORTS}`);
  const out: PortSpec[] = [];
  for (let i = 0; i < count; i += 1) {
    const port: PortSpec = { container: container.first + i };
    if (host !== null) port.host = host.first + i;
    if (protocol === 'udp') port.protocol = protocol;
    out.push(port);
  }
  return out;
}

/**
 * `expose:` ("5432", "8000-8001", "53/udp", or a number): ports other containers reach, through
 * the service's virtual IP and name, bound to no host port. One `ports:` already lists is left
 * as `ports:` has it (published).
 */
export function composeExpose(value: unknown, path: string, published: readonly PortSpec[]): PortSpec[] {
  const listed = new Set(published.map((p) => `${p.container}/${p.protocol ?? 'tcp'}`));
  const out: PortSpec[] = [];
  asList(value, path).forEach((entry, i) => {
    const at = fieldPath(path, i);
    const text = asScalarText(entry, at).trim();
    const slash = text.lastIndexOf('/');
    const protocol = slash < 0 ? 'tcp' : protocolOf(text.slice(slash + 1), at);
    const range = rangeOf(slash < 0 ? text : text.slice(0, slash), at, text);
    for (const port of expand(range, null, protocol, at)) {
      const key = `${port.container}/${protocol}`;
      if (listed.has(key)) continue;
      listed.add(key);
      out.push({ ...port, publish: false });
    }
    if (published.length + out.length > MAX_PORTS)
      throw composeError(at, `makes ${published.length + out.length} ports; a service has at most ${MAX_PORTS}`);
  });
  return out;
}
