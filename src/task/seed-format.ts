import { Type, type Static } from '@sinclair/typebox';
import { InvalidField } from '../errors/index.js';
import type { TaskSpec, PortSpec } from './spec.js';
import { TaskState } from './state-machine.js';
import { compile } from './validate.js';
import { hostIpProblem, normalHostIp, withHostIp } from './host-ip.js';

// The seed's task file format: a TaskEvent envelope around a Task, states numbered 0-4.
// Translated here, both ways, so old task files keep working.

const SeedState = Type.Integer();
const SeedUuid = Type.String({ minLength: 1, maxLength: 64 }); // checked as a UUID below, with a better message

// Every string is bounded: a seed file is checked as closely as a native spec (the name rule and
// the rest are applied by parseSpec to both).
const SeedTime = Type.String({ maxLength: 64 });
export const SeedTask = Type.Object(
  {
    ID: Type.Optional(SeedUuid),
    ContainerID: Type.Optional(Type.String({ maxLength: 128 })),
    Name: Type.String({ maxLength: 128 }),
    State: Type.Optional(SeedState),
    Image: Type.String({ maxLength: 255 }),
    Cpu: Type.Optional(Type.Number({ minimum: 0 })),
    Memory: Type.Optional(Type.Integer({ minimum: 0 })),
    Disk: Type.Optional(Type.Integer({ minimum: 0 })),
    ExposedPorts: Type.Optional(
      Type.Union([Type.Null(), Type.Record(Type.String(), Type.Object({}), { maxProperties: 64 })]),
    ),
    HostPorts: Type.Optional(Type.Unknown()), // observed state in the seed; ignored on input
    PortBindings: Type.Optional(
      // "8080", or on one host address "127.0.0.1:8080", "[::1]:8080"
      Type.Union([Type.Null(), Type.Record(Type.String(), Type.String({ maxLength: 64 }), { maxProperties: 64 })]),
    ),
    RestartPolicy: Type.Optional(Type.String({ maxLength: 32 })),
    StartTime: Type.Optional(SeedTime),
    FinishTime: Type.Optional(SeedTime),
    HealthCheck: Type.Optional(Type.String({ maxLength: 2048 })),
    RestartCount: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export const SeedTaskEvent = Type.Object(
  {
    ID: Type.Optional(SeedUuid),
    State: SeedState,
    Timestamp: Type.Optional(Type.String({ maxLength: 64 })),
    Task: SeedTask,
  },
  { additionalProperties: false },
);
export type SeedTaskEvent = Static<typeof SeedTaskEvent>;
export type SeedTask = Static<typeof SeedTask>;

const validator = compile(SeedTaskEvent);
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The seed numbers states 0-4; one table serves both directions. */
const SEED_STATES = ['Pending', 'Scheduled', 'Running', 'Completed', 'Failed'] as const satisfies readonly TaskState[];

export function stateFromSeed(field: string, n: number): TaskState {
  const state = SEED_STATES[n];
  if (state === undefined) throw new InvalidField(field, `is ${n}; the seed format uses 0 (Pending) to 4 (Failed)`);
  return state;
}

export function stateToSeed(state: TaskState): number {
  return SEED_STATES.indexOf(state);
}

/** A seed TaskEvent, decoded: the envelope's fields and the task as a native spec. */
export interface DecodedSeed {
  eventId: string | undefined;
  eventState: TaskState;
  taskState: TaskState | undefined;
  timestamp: string | undefined;
  spec: TaskSpec;
}

/** True when `value` looks like a seed TaskEvent rather than a native spec. */
export function isSeedFormat(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'Task' in value;
}

export function decodeSeed(value: unknown): DecodedSeed {
  const event = validator.parse(value);
  const t = event.Task;
  if (event.ID !== undefined && !UUID.test(event.ID))
    throw new InvalidField('ID', `is "${event.ID}"; it must be a UUID`);
  if (t.ID !== undefined && !UUID.test(t.ID)) throw new InvalidField('Task.ID', `is "${t.ID}"; it must be a UUID`);
  const spec: TaskSpec = { name: t.Name, image: t.Image };
  if (t.ID !== undefined) spec.id = t.ID.toLowerCase();
  if (t.Cpu !== undefined && t.Cpu > 0) spec.cpu = t.Cpu;
  if (t.Memory !== undefined && t.Memory > 0) spec.memory = t.Memory;
  if (t.Disk !== undefined && t.Disk > 0) spec.disk = t.Disk;
  const ports = portsFromSeed(t);
  if (ports.length > 0) spec.ports = ports;
  const policy = restartFromSeed(t.RestartPolicy);
  if (policy !== undefined) spec.restartPolicy = { mode: policy };
  if (t.HealthCheck !== undefined && t.HealthCheck !== '') {
    const path = t.HealthCheck.startsWith('/') ? t.HealthCheck : `/${t.HealthCheck}`;
    spec.healthCheck = { type: 'http', path };
  }
  return {
    eventId: event.ID,
    eventState: stateFromSeed('State', event.State),
    taskState: t.State === undefined ? undefined : stateFromSeed('Task.State', t.State),
    timestamp: event.Timestamp,
    spec,
  };
}

/** The inverse of decodeSeed: decode(encode(x)) == x, and encode(decode(file)) == file for what the seed sets. */
export function encodeSeed(d: DecodedSeed): SeedTaskEvent {
  const s = d.spec;
  const task: SeedTask = { Name: s.name, Image: s.image };
  if (d.taskState !== undefined) task.State = stateToSeed(d.taskState);
  if (s.id !== undefined) task.ID = s.id;
  if (s.cpu !== undefined) task.Cpu = s.cpu;
  if (typeof s.memory === 'number') task.Memory = s.memory;
  if (typeof s.disk === 'number') task.Disk = s.disk;
  if (s.ports !== undefined && s.ports.length > 0) {
    task.ExposedPorts = Object.fromEntries(s.ports.map((p) => [`${p.container}/${p.protocol ?? 'tcp'}`, {}]));
    const bound = s.ports.filter((p) => (p.host !== undefined && p.host !== 0) || p.hostIp !== undefined);
    if (bound.length > 0)
      task.PortBindings = Object.fromEntries(
        bound.map((p) => {
          const host = String(p.host ?? 0);
          return [`${p.container}/${p.protocol ?? 'tcp'}`, p.hostIp === undefined ? host : withHostIp(p.hostIp, host)];
        }),
      );
  }
  if (s.restartPolicy !== undefined)
    task.RestartPolicy = s.restartPolicy.mode === 'never' ? 'no' : s.restartPolicy.mode;
  if (s.healthCheck?.path !== undefined) task.HealthCheck = s.healthCheck.path;
  const event: SeedTaskEvent = { State: stateToSeed(d.eventState), Task: task };
  if (d.eventId !== undefined) event.ID = d.eventId;
  if (d.timestamp !== undefined) event.Timestamp = d.timestamp;
  return event;
}

function portsFromSeed(t: SeedTask): PortSpec[] {
  const keys = new Set([...Object.keys(t.ExposedPorts ?? {}), ...Object.keys(t.PortBindings ?? {})]);
  return [...keys].map((key) => {
    const m = /^([0-9]{1,5})(?:\/(tcp|udp))?$/.exec(key);
    const container = Number(m?.[1]);
    if (m === null || container < 1 || container > 65535) {
      throw new InvalidField(`Task.ExposedPorts.${key}`, 'must be a port such as "80/tcp"');
    }
    const port: PortSpec = { container, protocol: m[2] === 'udp' ? 'udp' : 'tcp' };
    const binding = t.PortBindings?.[key];
    if (binding !== undefined && binding !== '') {
      const field = `Task.PortBindings.${key}`;
      const m = /^(?:(\[[^\]]*\]|[^:]*):)?([^:]*)$/.exec(binding);
      const host = m?.[2] === '' ? 0 : Number(m?.[2]);
      if (m === null || !Number.isInteger(host) || host < 0 || host > 65535) {
        throw new InvalidField(
          field,
          `is "${binding}"; it must be a port between 1 and 65535, or an address and port ("127.0.0.1:8080")`,
        );
      }
      if (m[2] !== '') port.host = host;
      const ip = m[1];
      if (ip !== undefined && ip !== '') {
        const problem = hostIpProblem(ip);
        if (problem !== undefined) throw new InvalidField(field, `is "${binding}"; its address ${problem}`);
        port.hostIp = normalHostIp(ip) ?? ip;
      }
    }
    return port;
  });
}

function restartFromSeed(policy: string | undefined): 'never' | 'on-failure' | 'always' | undefined {
  switch (policy) {
    case undefined:
    case '':
      return undefined; // the seed's default: restart up to 3 times
    case 'no':
    case 'never':
      return 'never';
    case 'on-failure':
      return 'on-failure';
    case 'always':
    case 'unless-stopped':
      return 'always';
    default:
      throw new InvalidField(
        'Task.RestartPolicy',
        `is "${policy}"; use "", "no", "on-failure", "always" or "unless-stopped"`,
      );
  }
}
