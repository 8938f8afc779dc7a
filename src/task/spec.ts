import { Type, type Static } from '@sinclair/typebox';
import { DURATION_PATTERN, MAX_DURATION_MS, QUANTITY_PATTERN } from '../units/index.js';
import {
  MAX_ARG_CHARS,
  MAX_COMMAND_ARGS,
  MAX_ENV_VARS,
  MAX_LABELS,
  MAX_PIDS_LIMIT,
  MIN_CPU_CORES,
  MIN_PIDS_LIMIT,
} from './limits.js';
import { FileRefSpec, MAX_FILE_REFS } from './file-ref.js';
import { hinted } from './hinted.js';
import { HOST_IP_RULE } from './host-ip.js';
import { NESTED_SPEC_FIELDS } from './spec-fields.js';
import { PULL_POLICIES, PULL_RULE, STOP_SIGNAL_RULE, USER_PATTERN, USER_RULE } from './process-rules.js';
import {
  CAPABILITY_RULE,
  EXTRA_HOST_RULE,
  HOSTNAME_PATTERN,
  HOSTNAME_RULE,
  MAX_CAPABILITIES,
  MAX_EXTRA_HOSTS,
  ULIMIT_NAMES,
} from './container-rules.js';
import { DNS_LABEL_PATTERN, LEGACY_NAME_PATTERN, NAME_RULE } from './name.js';
import {
  GROUP_PATTERN,
  GROUP_RULE,
  MAX_GROUPS,
  MAX_LOG_FILES,
  MAX_SYSCTL_VALUE,
  MAX_SYSCTLS,
  SYSCTL_VALUE_RULE,
} from './runtime-rules.js';

// The task spec as people write it (task files, POST /tasks). One schema gives the type and
// the validator; units are resolved once, in parse-spec.ts, into a TaskRequest.

/** What a value of env or labels must be: YAML reads `8080` and `true` unquoted as a number and a boolean. */
const TEXT_RULE = 'must be a string (in YAML, quote numbers and true/false: "8080")';
const Text = hinted(Type.String(), TEXT_RULE);

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = hinted(
  Type.String({ pattern: UUID_PATTERN }),
  'must be a UUID such as 21b23589-5d2d-4731-b5c9-a97e9832d021',
);

export const Quantity = hinted(
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: QUANTITY_PATTERN })]),
  'must be bytes (a whole number >= 0) or a quantity such as "256Mi" or "1Gi"',
);
/** A ulimit's soft or hard value; -1 is unlimited. */
const UlimitValue = hinted(
  Type.Integer({ minimum: -1, maximum: Number.MAX_SAFE_INTEGER }),
  'must be a whole number, or -1 for unlimited',
);
const Capability = hinted(Type.String({ minLength: 1, maxLength: 64 }), CAPABILITY_RULE);

// a string is checked against the 24 h bound once read (parseDuration); a number here
export const Duration = hinted(
  Type.Union([
    Type.Integer({ minimum: 0, maximum: MAX_DURATION_MS }),
    Type.String({ pattern: DURATION_PATTERN, maxLength: 32 }),
  ]),
  'must be a duration from 0 to 24h such as "500ms", "2s" or "1m" (a bare number is milliseconds)',
);
const Command = Type.Array(Type.String({ maxLength: MAX_ARG_CHARS }), { maxItems: MAX_COMMAND_ARGS });

const PortNumber = hinted(Type.Integer({ minimum: 1, maximum: 65535 }), 'must be a port between 1 and 65535');
export const Protocol = Type.Union([Type.Literal('tcp'), Type.Literal('udp')]);
/** A port's protocol in a spec: `http` is TCP on the wire, balanced per request by the host's proxy. */
export const PortProtocol = Type.Union([Type.Literal('tcp'), Type.Literal('udp'), Type.Literal('http')]);
/** How the host's proxy picks a replica for a new connection (tcp) or request (http). */
export const Balance = Type.Union([Type.Literal('least-conn'), Type.Literal('round-robin')]);
/** A PROXY protocol header the proxy sends a replica first, so it sees the client's address (tcp only). */
export const ProxyProtocol = Type.Union([Type.Literal('v1'), Type.Literal('v2')]);

export const PortSpec = Type.Object(
  {
    container: PortNumber,
    // 0 or absent: Docker picks a free host port, and the chosen port is reported.
    host: Type.Optional(
      hinted(Type.Integer({ minimum: 0, maximum: 65535 }), 'must be 0 (any free port) or a port between 1 and 65535'),
    ),
    protocol: Type.Optional(hinted(PortProtocol, 'must be "tcp", "udp" or "http"')),
    // the one address of the node the port is bound on (checked in parse-spec.ts); absent: where its
    // worker publishes, its --host (every address when that is 0.0.0.0)
    hostIp: Type.Optional(hinted(Type.String({ minLength: 1, maxLength: 64 }), HOST_IP_RULE)),
    // a service's port names its SRV record: _<name>._tcp.<service>.svc.poseidon.cluster
    name: Type.Optional(Type.String({ pattern: DNS_LABEL_PATTERN, hint: NAME_RULE })),
    // the proxy's balancing for this port (default least-conn)
    balance: Type.Optional(hinted(Balance, 'must be "least-conn" or "round-robin"')),
    // send the replica a PROXY protocol header first (tcp ports only)
    proxyProtocol: Type.Optional(hinted(ProxyProtocol, 'must be "v1" or "v2"')),
    // false: bound to no host port; other containers reach it, through the service's virtual IP
    // or the container's address (Compose's `expose`). Default true.
    publish: Type.Optional(hinted(Type.Boolean(), 'must be true or false')),
  },
  { additionalProperties: false },
);

export const RestartMode = Type.Union([Type.Literal('never'), Type.Literal('on-failure'), Type.Literal('always')]);
export const RestartPolicySpec = Type.Object(
  {
    mode: hinted(RestartMode, 'must be "never", "on-failure" or "always"'),
    // null: no limit (the default for `always`); 3 by default for `on-failure`
    maxRestarts: Type.Optional(
      hinted(
        Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
        'must be a whole number of restarts, 0 or more (null: no limit)',
      ),
    ),
    // the wait before each restart: doubling from `initial` up to `max`, or one duration for the
    // same wait every time (as Swarm's restart delay)
    backoff: Type.Optional(
      hinted(
        Type.Union([
          Duration,
          Type.Object(
            { initial: Type.Optional(Duration), max: Type.Optional(Duration) },
            { additionalProperties: false },
          ),
        ]),
        'must be a duration such as "1s" (the same wait before every restart) or {initial, max} (doubling from ' +
          'initial up to max)',
      ),
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
    command: Type.Optional(
      Type.Array(Type.String({ maxLength: MAX_ARG_CHARS }), { minItems: 1, maxItems: MAX_COMMAND_ARGS }),
    ), // exec
    interval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    failureThreshold: Type.Optional(Type.Integer({ minimum: 1 })),
    startPeriod: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

// The schema admits the names of records stored before names became DNS labels (a manager still
// dispatches those); parseSpec holds new submissions to the DNS label rule.
export const TaskName = hinted(Type.String({ pattern: LEGACY_NAME_PATTERN }), NAME_RULE);
const Cores = hinted(
  Type.Number({ minimum: MIN_CPU_CORES }),
  `must be a number of cores from ${MIN_CPU_CORES} (the kernel's least cpu quota), such as 0.5`,
);

/** A volume name: a DNS label, so a service replica's volume can carry its slot (`db-data-1`). */
export const VolumeName = hinted(
  Type.String({ pattern: DNS_LABEL_PATTERN }),
  `must be a volume name: ${NAME_RULE.slice(5)}`,
);
export const MountPath = hinted(
  Type.String({ pattern: '^/', minLength: 1, maxLength: 4096 }),
  'must be an absolute path such as /var/lib/data, of at most 4096 characters',
);

// One of `name` (a named volume the node's engine creates with its local driver, labelled as
// Poseidon's; it stays on that node and the task goes back there) or `hostPath` (a directory of
// the node, refused unless the worker allows its prefix with --allow-host-path).
export const VolumeMountSpec = Type.Object(
  {
    name: Type.Optional(VolumeName),
    hostPath: Type.Optional(MountPath),
    path: MountPath, // where it appears in the container
    readOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

// A rule a node must meet to take the task: `node.labels.<key> == <value>`, `!=`, and the same
// for `node.name` and `node.id`. Parsed in parse-spec.ts; a rule no node meets leaves the task
// Pending with the reason.
export const Constraint = hinted(
  Type.String({ minLength: 1, maxLength: 512 }),
  'must be a rule such as "node.labels.zone == a" or "node.name != n2"',
);
export const MAX_CONSTRAINTS = 32;
export const MAX_TMPFS = 16;
// a tmpfs: memory mounted at `path`, empty at each start (a read-only root's writable /tmp)
const TmpfsSpec = Type.Object(
  {
    path: MountPath,
    size: Type.Optional(Quantity),
  },
  { additionalProperties: false },
);

const User = hinted(Type.String({ pattern: USER_PATTERN }), USER_RULE);
const StopSignal = hinted(Type.String({ minLength: 1, maxLength: 16 }), STOP_SIGNAL_RULE);
export const MAX_VOLUMES = 32;

export const TaskSpec = Type.Object(
  {
    id: Type.Optional(Uuid), // generated when absent
    name: TaskName,
    image: Type.String({ minLength: 1, maxLength: 255 }),
    // when the worker pulls the image (process-rules.ts): absent, only when its engine lacks it
    pull: Type.Optional(hinted(Type.Union(PULL_POLICIES.map((p) => Type.Literal(p))), PULL_RULE)),
    command: Type.Optional(Command),
    // replaces the image's ENTRYPOINT; [] runs the command alone
    entrypoint: Type.Optional(Command),
    user: Type.Optional(User),
    workdir: Type.Optional(
      hinted(
        Type.String({ pattern: '^/', maxLength: 4096 }),
        'must be an absolute path in the container, such as /app, of at most 4096 characters',
      ),
    ),
    // what a stop sends first (SIGTERM when absent), and how long it waits before SIGKILL (absent:
    // the worker's --stop-grace)
    stopSignal: Type.Optional(StopSignal),
    stopGracePeriod: Type.Optional(Duration),
    // the container's root filesystem is read-only (its volumes, secrets and configs are as they are)
    readOnlyRootfs: Type.Optional(hinted(Type.Boolean(), 'must be true or false')),
    env: Type.Optional(
      hinted(
        Type.Record(Type.String({ pattern: '^[^=\\0]+$', maxLength: 1024 }), Text, { maxProperties: MAX_ENV_VARS }),
        'must be an object of names to values, such as {"MODE": "demo"}',
      ),
    ),
    // cores the task asks for: what the scheduler reserves, and the container's cpu weight
    cpu: Type.Optional(Cores),
    // cores the container may use at most (a hard quota); absent: it may use idle cpu
    cpuLimit: Type.Optional(Cores),
    memory: Type.Optional(Quantity), // bytes, or "256Mi"
    disk: Type.Optional(Quantity), // bytes, or "1Gi"
    ports: Type.Optional(Type.Array(PortSpec, { maxItems: 64 })),
    labels: Type.Optional(
      hinted(
        Type.Record(
          Type.String({ minLength: 1, maxLength: 255 }),
          hinted(Type.String({ maxLength: 4096 }), TEXT_RULE),
          {
            maxProperties: MAX_LABELS,
          },
        ),
        'must be an object of names to values, such as {"team": "web"}',
      ),
    ),
    // processes the container may hold; DEFAULT_PIDS_LIMIT when absent
    pidsLimit: Type.Optional(
      hinted(
        Type.Integer({ minimum: MIN_PIDS_LIMIT, maximum: MAX_PIDS_LIMIT }),
        `must be a whole number from ${MIN_PIDS_LIMIT} (the init process and the task) to ${MAX_PIDS_LIMIT}`,
      ),
    ),
    restartPolicy: Type.Optional(RestartPolicySpec),
    // at most one copy, ever: never placed elsewhere while its old copy may still run (see README)
    exclusive: Type.Optional(hinted(Type.Boolean(), 'must be true or false')),
    healthCheck: Type.Optional(HealthCheckSpec),
    // false: the image's own HEALTHCHECK is turned off too (counted when there is no healthCheck)
    imageHealthCheck: Type.Optional(hinted(Type.Boolean(), 'must be true or false')),
    constraints: Type.Optional(Type.Array(Constraint, { maxItems: MAX_CONSTRAINTS })),
    volumes: Type.Optional(Type.Array(VolumeMountSpec, { maxItems: MAX_VOLUMES })),
    tmpfs: Type.Optional(Type.Array(TmpfsSpec, { maxItems: MAX_TMPFS })),
    // the container's host name; absent: Docker's (its id's first 12 characters)
    hostname: Type.Optional(hinted(Type.String({ pattern: HOSTNAME_PATTERN, maxLength: 63 }), HOSTNAME_RULE)),
    // lines added to its /etc/hosts: "NAME:ADDRESS" (host-gateway: the node's own address)
    extraHosts: Type.Optional(
      Type.Array(hinted(Type.String({ minLength: 3, maxLength: 320 }), EXTRA_HOST_RULE), {
        maxItems: MAX_EXTRA_HOSTS,
      }),
    ),
    // /dev/shm's size (bytes, or "256Mi"); absent: Docker's 64 MiB. What it holds counts as memory.
    shmSize: Type.Optional(Quantity),
    // process limits by setrlimit name, as Compose writes them: {"nofile": 65536} (soft and hard
    // alike) or {"nofile": {"soft": 1024, "hard": 65536}}; -1 is unlimited
    ulimits: Type.Optional(
      hinted(
        Type.Record(
          Type.String({ minLength: 1, maxLength: 32 }),
          Type.Union([
            UlimitValue,
            Type.Object({ soft: UlimitValue, hard: UlimitValue }, { additionalProperties: false }),
          ]),
          { maxProperties: ULIMIT_NAMES.length },
        ),
        'must be an object of limit names to a number or {"soft": N, "hard": N}, such as {"nofile": 65536}',
      ),
    ),
    // Linux capabilities beyond Docker's default set (a worker gives those it allows: --allow-cap),
    // and capabilities taken away ("ALL": every one)
    capAdd: Type.Optional(Type.Array(Capability, { maxItems: MAX_CAPABILITIES })),
    capDrop: Type.Optional(Type.Array(Capability, { maxItems: MAX_CAPABILITIES })),
    // kernel parameters of the container's own namespaces (net.*, fs.mqueue.*, kernel.shm*, …)
    sysctls: Type.Optional(
      hinted(
        Type.Record(
          Type.String({ minLength: 1, maxLength: 128 }),
          hinted(Type.Union([Type.String({ maxLength: MAX_SYSCTL_VALUE }), Type.Integer()]), SYSCTL_VALUE_RULE),
          { maxProperties: MAX_SYSCTLS },
        ),
        'must be an object of sysctl names to values, such as {"net.core.somaxconn": "1024"}',
      ),
    ),
    // supplementary groups its process runs with: names in the image's /etc/group, or numbers
    groupAdd: Type.Optional(
      Type.Array(hinted(Type.String({ pattern: GROUP_PATTERN }), GROUP_RULE), { maxItems: MAX_GROUPS }),
    ),
    // its log's rotation: a file is cut at maxSize and maxFiles are kept (absent: 10 MiB and 3)
    logs: Type.Optional(
      Type.Object(
        {
          maxSize: Type.Optional(Quantity),
          maxFiles: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LOG_FILES })),
        },
        { additionalProperties: false },
      ),
    ),
    // secrets and configs (created with `poseidon secret|config create`) mounted as read-only files
    secrets: Type.Optional(Type.Array(FileRefSpec, { maxItems: MAX_FILE_REFS })),
    configs: Type.Optional(Type.Array(FileRefSpec, { maxItems: MAX_FILE_REFS })),
  },
  { additionalProperties: false },
);
export type TaskSpec = Static<typeof TaskSpec>;

/**
 * The fields this build's TaskSpec has, and the nested ones named in NESTED_SPEC_FIELDS. A worker
 * sends its list when it registers, so the manager places a task that sets a field an older
 * worker would refuse only on nodes that read it.
 */
export const SPEC_FIELDS: readonly string[] = [...Object.keys(TaskSpec.properties), ...Object.keys(NESTED_SPEC_FIELDS)];
export type PortSpec = Static<typeof PortSpec>;
export type VolumeMountSpec = Static<typeof VolumeMountSpec>;
export type RestartMode = Static<typeof RestartMode>;
export type Protocol = Static<typeof Protocol>;
export type PortProtocol = Static<typeof PortProtocol>;
export type Balance = Static<typeof Balance>;
export type ProxyProtocol = Static<typeof ProxyProtocol>;
export type HealthCheckType = Static<typeof HealthCheckType>;
