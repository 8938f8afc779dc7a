import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import {
  DEFAULT_RESTART_POLICY,
  UUID_PATTERN,
  parseSubmission,
  toSpec,
  type SpecLimits,
} from '../../../src/task/index.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;
const LIMITS: SpecLimits = { maxCpuCores: 4, maxMemoryBytes: 8 * Gi };
const HEX64 = '0123456789abcdef'.repeat(4);

const spec = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'web',
  image: 'busybox',
  ...fields,
});

function throwsInvalidField(body: unknown, field: string, limits: SpecLimits = LIMITS): void {
  assert.throws(
    () => parseSubmission(body, limits),
    (err: unknown) => {
      assert.ok(err instanceof InvalidField, `expected InvalidField, got ${String(err)}`);
      assert.equal(err.field, field);
      assert.ok(err.message.startsWith(`${field} `), `message should name ${field}: ${err.message}`);
      assert.equal(err.code, 'invalid_request');
      assert.equal(err.status, 400);
      return true;
    },
  );
}

/** What is refused, naming which field, with the host's limits (LIMITS unless a fourth says). */
const BAD: ReadonlyArray<readonly [string, unknown, string, SpecLimits?]> = [
  ['a string body', 'web', 'body'],
  ['a null body', null, 'body'],
  ['an array body', [], 'body'],
  ['a missing name', { image: 'busybox' }, 'name'],
  ['an empty name', spec({ name: '' }), 'name'],
  ['a missing image', { name: 'web' }, 'image'],
  ['an unknown field memroy', spec({ memroy: '256Mi' }), 'memroy'],
  ['cpu 0', spec({ cpu: 0 }), 'cpu'],
  ['a negative cpu', spec({ cpu: -1 }), 'cpu'],
  ['cpu above the host limit', spec({ cpu: 5 }), 'cpu'],
  ['memory "1Mi", under the 6 MiB floor', spec({ memory: '1Mi' }), 'memory'],
  ['memory 1000 bytes, under the 6 MiB floor', spec({ memory: 1000 }), 'memory'],
  ['memory "lots"', spec({ memory: 'lots' }), 'memory'],
  ['memory above the host limit', spec({ memory: '9Gi' }), 'memory'],
  ['a negative memory', spec({ memory: -1 }), 'memory'],
  // with no host limit (the manager's check): more than any node has is refused all the same
  ['memory "100000000000Gi", past 4 PiB', spec({ memory: '100000000000Gi' }), 'memory', {}],
  ['memory 1e20 bytes, past 4 PiB', spec({ memory: 1e20 }), 'memory', {}],
  ['disk "5000Ti", past 4 PiB', spec({ disk: '5000Ti' }), 'disk', {}],
  ['disk "much"', spec({ disk: 'much' }), 'disk'],
  ['container port 0', spec({ ports: [{ container: 0 }] }), 'ports[0].container'],
  ['container port 70000', spec({ ports: [{ container: 70000 }] }), 'ports[0].container'],
  ['host port 70000', spec({ ports: [{ container: 80, host: 70000 }] }), 'ports[0].host'],
  ['protocol "sctp"', spec({ ports: [{ container: 80, protocol: 'sctp' }] }), 'ports[0].protocol'],
  [
    'a duplicate container port',
    spec({ ports: [{ container: 80 }, { container: 80, protocol: 'tcp' }] }),
    'ports[1].container',
  ],
  [
    'a host port bound twice',
    spec({
      ports: [
        { container: 80, host: 8080 },
        { container: 81, host: 8080 },
      ],
    }),
    'ports[1].host',
  ],
  ['an unknown port field', spec({ ports: [{ container: 80, hostport: 8080 }] }), 'ports[0].hostport'],
  ['image "UPPER/Case"', spec({ image: 'UPPER/Case' }), 'image'],
  ['image "Busybox"', spec({ image: 'Busybox' }), 'image'],
  ['image "a b"', spec({ image: 'a b' }), 'image'],
  ['image "foo:"', spec({ image: 'foo:' }), 'image'],
  ['image ":tag"', spec({ image: ':tag' }), 'image'],
  ['image "-leading"', spec({ image: '-leading' }), 'image'],
  ['an empty image', spec({ image: '' }), 'image'],
  [
    'an http health check on a port the task does not expose',
    spec({ ports: [{ container: 80 }], healthCheck: { type: 'http', port: 8080 } }),
    'healthCheck.port',
  ],
  ['an http health check when the task exposes no port', spec({ healthCheck: { type: 'http' } }), 'healthCheck.port'],
  [
    'a tcp health check on a udp-only port',
    spec({ ports: [{ container: 53, protocol: 'udp' }], healthCheck: { type: 'tcp', port: 53 } }),
    'healthCheck.port',
  ],
  [
    'a health check timeout longer than its interval',
    spec({ healthCheck: { type: 'exec', command: ['true'], interval: '1s', timeout: '2s' } }),
    'healthCheck.timeout',
  ],
  ['an exec health check without a command', spec({ healthCheck: { type: 'exec' } }), 'healthCheck.command'],
  [
    'a health check interval of "soon"',
    spec({ healthCheck: { type: 'exec', command: ['true'], interval: 'soon' } }),
    'healthCheck.interval',
  ],
  [
    'restartPolicy maxRestarts -1',
    spec({ restartPolicy: { mode: 'on-failure', maxRestarts: -1 } }),
    'restartPolicy.maxRestarts',
  ],
  ['restartPolicy mode "sometimes"', spec({ restartPolicy: { mode: 'sometimes' } }), 'restartPolicy.mode'],
  [
    'a backoff max shorter than its initial delay',
    spec({ restartPolicy: { mode: 'always', backoff: { initial: '10s', max: '1s' } } }),
    'restartPolicy.backoff.max',
  ],
  ['env as an array', spec({ env: ['A=1'] }), 'env'],
  ['an id that is not a UUID', spec({ id: 'task-1' }), 'id'],
];
for (const [what, body, field, limits] of BAD) {
  test(`a submission with ${what} is refused naming ${field}`, () => {
    throwsInvalidField(body, field, limits);
  });
}

test('a seed-format submission with a bad Task.ID is refused naming Task.ID', () => {
  throwsInvalidField({ State: 0, Task: { ID: 'nope', Name: 'web', Image: 'busybox' } }, 'Task.ID');
});

// A seed user wrote "Memory" and "Image"; InvalidField's contract is to name the field "as the
// user wrote it" (src/errors/index.ts), so the seed's spelling is expected here.
test('a seed-format submission with too little Memory is refused naming Task.Memory, as the seed spells it', () => {
  throwsInvalidField({ State: 0, Task: { Name: 'web', Image: 'busybox', Memory: 1000 } }, 'Task.Memory');
});

test('a seed-format submission with an image Docker rejects is refused naming Task.Image, as the seed spells it', () => {
  throwsInvalidField({ State: 0, Task: { Name: 'web', Image: 'a b' } }, 'Task.Image');
});

const QUANTITIES: ReadonlyArray<readonly [string | number, number]> = [
  ['256Mi', 268_435_456],
  ['1Gi', Gi],
  ['1.5Gi', 1.5 * Gi],
  [10_000_000, 10_000_000],
  ['6Mi', 6 * Mi], // Docker's floor; 4Mi was taken before the floor matched the engine's (issue 12)
];
for (const [memory, bytes] of QUANTITIES) {
  test(`memory ${JSON.stringify(memory)} becomes memoryBytes ${bytes}`, () => {
    assert.equal(parseSubmission(spec({ memory }), LIMITS).memoryBytes, bytes);
  });
}

test('a bare memory number of 1000000 bytes is read as bytes, then refused as under the 6 MiB floor', () => {
  throwsInvalidField(spec({ memory: 1_000_000 }), 'memory');
});

test('disk "1Gi" becomes diskBytes 1073741824, and a bare disk of 1000000 is bytes', () => {
  assert.equal(parseSubmission(spec({ disk: '1Gi' })).diskBytes, Gi);
  assert.equal(parseSubmission(spec({ disk: 1_000_000 })).diskBytes, 1_000_000);
});

const DURATIONS: ReadonlyArray<readonly [string | number, number]> = [
  ['500ms', 500],
  ['2s', 2_000],
  ['1m', 60_000],
  [1500, 1_500],
];
for (const [interval, ms] of DURATIONS) {
  test(`a health check interval of ${JSON.stringify(interval)} becomes intervalMs ${ms}`, () => {
    const req = parseSubmission(spec({ healthCheck: { type: 'exec', command: ['true'], interval, timeout: 100 } }));
    assert.equal(req.healthCheck?.intervalMs, ms);
    assert.equal(req.healthCheck?.timeoutMs, 100);
  });
}

test('restart backoff and resetAfter durations are read in milliseconds', () => {
  const req = parseSubmission(
    spec({
      restartPolicy: { mode: 'always', maxRestarts: 7, backoff: { initial: '250ms', max: '1m' }, resetAfter: '2s' },
    }),
  );
  assert.deepEqual(req.restartPolicy, {
    mode: 'always',
    maxRestarts: 7,
    backoffInitialMs: 250,
    backoffMaxMs: 60_000,
    resetAfterMs: 2_000,
  });
});

test('a minimal spec gets a generated UUID id, no limits, no ports, and the default restart policy', () => {
  const req = parseSubmission({ name: 'web', image: 'busybox' });
  assert.match(req.id, new RegExp(UUID_PATTERN));
  assert.deepEqual(
    { ...req, id: 'generated' },
    {
      id: 'generated',
      name: 'web',
      image: 'busybox',
      command: [],
      env: {},
      cpuCores: 0,
      memoryBytes: 0,
      diskBytes: 0,
      ports: [],
      labels: {},
      restartPolicy: {
        mode: 'on-failure',
        maxRestarts: 3,
        backoffInitialMs: 500,
        backoffMaxMs: 30_000,
        resetAfterMs: 60_000,
      },
      healthCheck: null,
    },
  );
});

test('two submissions without an id get different ids', () => {
  assert.notEqual(parseSubmission(spec()).id, parseSubmission(spec()).id);
});

test('a given id is kept', () => {
  assert.equal(
    parseSubmission(spec({ id: '21b23589-5d2d-4731-b5c9-a97e9832d021' })).id,
    '21b23589-5d2d-4731-b5c9-a97e9832d021',
  );
});

test('the default restart policy is on-failure with at most 3 restarts', () => {
  assert.equal(DEFAULT_RESTART_POLICY.mode, 'on-failure');
  assert.equal(DEFAULT_RESTART_POLICY.maxRestarts, 3);
  assert.deepEqual(
    parseSubmission(spec({ restartPolicy: { mode: 'on-failure' } })).restartPolicy,
    DEFAULT_RESTART_POLICY,
  );
});

test('restart mode never defaults to 0 restarts', () => {
  assert.equal(parseSubmission(spec({ restartPolicy: { mode: 'never' } })).restartPolicy.maxRestarts, 0);
});

test('restart mode always restarts without limit unless maxRestarts says otherwise; null is no limit', () => {
  assert.equal(parseSubmission(spec({ restartPolicy: { mode: 'always' } })).restartPolicy.maxRestarts, null);
  assert.equal(
    parseSubmission(spec({ restartPolicy: { mode: 'always', maxRestarts: 5 } })).restartPolicy.maxRestarts,
    5,
  );
  const onFailure = spec({ restartPolicy: { mode: 'on-failure', maxRestarts: null } });
  assert.equal(parseSubmission(onFailure).restartPolicy.maxRestarts, null);
});

test('the seed format\'s RestartPolicy "always" restarts without limit', () => {
  const id = '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c';
  const seed = { ID: id, State: 0, Task: { ID: id, Name: 'web', Image: 'nginx:1.27', RestartPolicy: 'always' } };
  assert.equal(parseSubmission(seed).restartPolicy.maxRestarts, null);
});

test('a port without host or protocol gets hostPort 0 and protocol tcp', () => {
  assert.deepEqual(parseSubmission(spec({ ports: [{ container: 80 }] })).ports, [
    { containerPort: 80, hostPort: 0, protocol: 'tcp' },
  ]);
});

test('the same container port may be listed once for tcp and once for udp', () => {
  const req = parseSubmission(spec({ ports: [{ container: 53 }, { container: 53, protocol: 'udp', host: 5353 }] }));
  assert.deepEqual(req.ports, [
    { containerPort: 53, hostPort: 0, protocol: 'tcp' },
    { containerPort: 53, hostPort: 5353, protocol: 'udp' },
  ]);
});

test('an http health check without a port uses the first tcp port and defaults the rest', () => {
  const req = parseSubmission(
    spec({ ports: [{ container: 53, protocol: 'udp' }, { container: 8080 }], healthCheck: { type: 'http' } }),
  );
  assert.deepEqual(req.healthCheck, {
    type: 'http',
    port: 8080,
    path: '/',
    expectedStatusMin: 200,
    expectedStatusMax: 399,
    command: [],
    intervalMs: 10_000,
    timeoutMs: 2_000,
    failureThreshold: 3,
    startPeriodMs: 0,
  });
});

test('cpu and memory at exactly the host limits are accepted', () => {
  const req = parseSubmission(spec({ cpu: 4, memory: '8Gi' }), LIMITS);
  assert.equal(req.cpuCores, 4);
  assert.equal(req.memoryBytes, 8 * Gi);
});

const IMAGES = ['busybox', 'poseidon/busybox:latest', 'localhost:5000/a/b:v1.2', `repo@sha256:${HEX64}`, HEX64];
for (const image of IMAGES) {
  test(`image ${JSON.stringify(image)} is accepted and kept as written`, () => {
    assert.equal(parseSubmission(spec({ image })).image, image);
  });
}

test('the seed sample submits as a task with its id, name and image', () => {
  const req = parseSubmission({
    ID: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c',
    State: 2,
    Task: {
      State: 1,
      ID: '21b23589-5d2d-4731-b5c9-a97e9832d021',
      Name: 'test-chapter-5',
      Image: 'strm/helloworld-http',
    },
  });
  assert.equal(req.id, '21b23589-5d2d-4731-b5c9-a97e9832d021');
  assert.equal(req.name, 'test-chapter-5');
  assert.equal(req.image, 'strm/helloworld-http');
  assert.deepEqual(req.restartPolicy, DEFAULT_RESTART_POLICY);
});

test('a seed submission with a port binding and health check resolves to the bound port', () => {
  const req = parseSubmission({
    State: 0,
    Task: {
      Name: 'web',
      Image: 'strm/helloworld-http',
      ExposedPorts: { '80/tcp': {} },
      PortBindings: { '80/tcp': '8080' },
      HealthCheck: '/health',
    },
  });
  assert.deepEqual(req.ports, [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }]);
  assert.equal(req.healthCheck?.port, 80);
  assert.equal(req.healthCheck?.path, '/health');
});

test('a seed submission refused for one of its ports names the seed field, ExposedPorts', () => {
  const twice = {
    State: 0,
    Task: {
      Name: 'web',
      Image: 'strm/helloworld-http',
      ExposedPorts: { '80/tcp': {}, '81/tcp': {} },
      PortBindings: { '80/tcp': '8080', '81/tcp': '8080' },
    },
  };
  assert.throws(
    () => parseSubmission(twice),
    (err: unknown) => err instanceof InvalidField && err.message === 'Task.ExposedPorts 8080/tcp is bound twice',
  );
});

/** The message of the InvalidField parseSubmission throws for `body`. */
function refusal(body: unknown): string {
  try {
    parseSubmission(body, LIMITS);
  } catch (err) {
    assert.ok(err instanceof InvalidField, `expected InvalidField, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the submission was accepted');
}

test('an unknown field close to a known one is answered with the known one', () => {
  assert.equal(refusal(spec({ memroy: '256Mi' })), 'memroy is not a known field (did you mean memory?)');
  assert.equal(
    refusal(spec({ restart_policy: { mode: 'always' } })),
    'restart_policy is not a known field (did you mean restartPolicy?)',
  );
});

test("an unknown field of a small object lists that object's fields", () => {
  assert.equal(
    refusal(spec({ restartPolicy: { mode: 'on-failure', maxAttempts: 2 } })),
    'restartPolicy.maxAttempts is not a known field (known: mode, maxRestarts, backoff, resetAfter)',
  );
});

test("a field borrowed from another tool is named before the one it left missing (Swarm's condition for mode)", () => {
  assert.equal(
    refusal(spec({ restartPolicy: { condition: 'on-failure' } })),
    'restartPolicy.condition is not a known field (known: mode, maxRestarts, backoff, resetAfter)',
  );
});

test('a backoff given as one duration is the same wait before every restart', () => {
  const req = parseSubmission(spec({ restartPolicy: { mode: 'on-failure', backoff: '1s' } }), LIMITS);
  assert.equal(req.restartPolicy.backoffInitialMs, 1_000);
  assert.equal(req.restartPolicy.backoffMaxMs, 1_000);
  assert.equal(
    parseSubmission(spec({ restartPolicy: { mode: 'always', backoff: 250 } }), LIMITS).restartPolicy.backoffMaxMs,
    250,
  );
  throwsInvalidField(spec({ restartPolicy: { mode: 'always', backoff: '25h' } }), 'restartPolicy.backoff');
  throwsInvalidField(spec({ restartPolicy: { mode: 'always', backoff: 'soon' } }), 'restartPolicy.backoff');
});

test('an env value YAML read as a number is refused saying to quote it', () => {
  assert.match(refusal(spec({ env: { PORT: 8080 } })), /^env\.PORT must be a string \(in YAML, quote numbers/);
  assert.match(refusal(spec({ env: ['A=1'] })), /^env must be an object of names to values/);
});

test("imageHealthCheck: false is kept (the image's HEALTHCHECK off), and said again in the spec; absent or true, nothing", () => {
  const off = parseSubmission({ name: 'app', image: 'busybox', imageHealthCheck: false });
  assert.equal(off.imageHealthCheck, false);
  assert.equal(toSpec(off).imageHealthCheck, false);
  for (const given of [{}, { imageHealthCheck: true }]) {
    const on = parseSubmission({ name: 'app', image: 'busybox', ...given });
    assert.equal('imageHealthCheck' in on, false);
    assert.equal('imageHealthCheck' in toSpec(on), false);
  }
  assert.throws(() => parseSubmission({ name: 'app', image: 'busybox', imageHealthCheck: 'no' }), InvalidField);
});

test('a value of the wrong kind is told what the field holds, never in the schema library’s words', () => {
  assert.equal(
    refusal(spec({ restartPolicy: { mode: 'on-failure', maxRestarts: -1 } })),
    'restartPolicy.maxRestarts must be a whole number of restarts, 0 or more (null: no limit) (got -1)',
  );
  assert.match(refusal(spec({ command: 'sleep 30' })), /^command must be a list \(YAML: \[a, b\]/);
  assert.match(refusal([spec()]), /^body must be a mapping of fields \(YAML: "key: value" lines/);
  assert.match(refusal(spec({ command: ['sleep', 30] })), /^command\[1\] must be a string/);
  for (const body of [spec({ restartPolicy: { mode: 'on-failure', maxRestarts: '3' } }), spec({ command: 'x' })])
    assert.doesNotMatch(refusal(body), /expected|union/i);
});
