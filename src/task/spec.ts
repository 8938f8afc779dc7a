import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DURATION_PATTERN, QUANTITY_PATTERN } from '../units/index.js';

// The task spec as people write it (task files, POST /tasks). One schema gives the type and
// the validator; units are resolved once, in parse-spec.ts, into a TaskRequest.

const hinted = <T extends TSchema>(schema: T, hint: string): T => ({ ...schema, hint });

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = hinted(
  Type.String({ pattern: UUID_PATTERN }),
  'must be a UUID such as 21b23589-5d2d-4731-b5c9-a97e9832d021',
);

export const Quantity = hinted(
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: QUANTITY_PATTERN })]),
  'must be bytes (a whole number >= 0) or a quantity such as "256Mi" or "1Gi"',
);
export const Duration = hinted(
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })]),
  'must be a duration such as "500ms", "2s" or "1m" (a bare number is milliseconds)',
);

const PortNumber = hinted(Type.Integer({ minimum: 1, maximum: 65535 }), 'must be a port between 1 and 65535');
export const Protocol = Type.Union([Type.Literal('tcp'), Type.Literal('udp')]);

export const PortSpec = Type.Object(
  {
    container: PortNumber,
    // 0 or absent: Docker picks a free host port, and the chosen port is reported.
    host: Type.Optional(
      hinted(Type.Integer({ minimum: 0, maximum: 65535 }), 'must be 0 (any free port) or a port between 1 and 65535'),
    ),
    protocol: Type.Optional(hinted(Protocol, 'must be "tcp" or "udp"')),
  },
  { additionalProperties: false },
);

export const RestartMode = Type.Union([Type.Literal('never'), Type.Literal('on-failure'), Type.Literal('always')]);
export const RestartPolicySpec = Type.Object(
  {
    mode: hinted(RestartMode, 'must be "never", "on-failure" or "always"'),
    // null: no limit (the default for `always`); 3 by default for `on-failure`
    maxRestarts: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    backoff: Type.Optional(
      Type.Object({ initial: Type.Optional(Duration), max: Type.Optional(Duration) }, { additionalProperties: false }),
    ),
    // the backoff resets once the task has run this long without failing
    resetAfter: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

export const HealthCheckType = Type.Union([Type.Literal('http'), Type.Literal('tcp'), Type.Literal('exec')]);
export const HealthCheckSpec = Type.Object(
  {
    type: hinted(HealthCheckType, 'must be "http", "tcp" or "exec"'),
    port: Type.Optional(PortNumber), // a container port the task exposes (http, tcp)
    path: Type.Optional(Type.String({ pattern: '^/', maxLength: 2048 })), // http
    expectedStatus: Type.Optional(
      Type.Object(
        { min: Type.Integer({ minimum: 100, maximum: 599 }), max: Type.Integer({ minimum: 100, maximum: 599 }) },
        { additionalProperties: false },
      ),
    ),
    command: Type.Optional(Type.Array(Type.String(), { minItems: 1 })), // exec
    interval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    failureThreshold: Type.Optional(Type.Integer({ minimum: 1 })),
    startPeriod: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

export const TaskName = hinted(
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }),
  'must be 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit',
);

export const TaskSpec = Type.Object(
  {
    id: Type.Optional(Uuid), // generated when absent
    name: TaskName,
    image: Type.String({ minLength: 1, maxLength: 255 }),
    command: Type.Optional(Type.Array(Type.String(), { maxItems: 256 })),
    env: Type.Optional(Type.Record(Type.String({ pattern: '^[^=\\0]+$' }), Type.String())),
    // cores
    cpu: Type.Optional(hinted(Type.Number({ exclusiveMinimum: 0 }), 'must be a number of cores above 0, such as 0.5')),
    memory: Type.Optional(Quantity), // bytes, or "256Mi"
    disk: Type.Optional(Quantity), // bytes, or "1Gi"
    ports: Type.Optional(Type.Array(PortSpec, { maxItems: 64 })),
    labels: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 4096 }))),
    restartPolicy: Type.Optional(RestartPolicySpec),
    healthCheck: Type.Optional(HealthCheckSpec),
  },
  { additionalProperties: false },
);
export type TaskSpec = Static<typeof TaskSpec>;
export type PortSpec = Static<typeof PortSpec>;
export type RestartMode = Static<typeof RestartMode>;
export type Protocol = Static<typeof Protocol>;
export type HealthCheckType = Static<typeof HealthCheckType>;
