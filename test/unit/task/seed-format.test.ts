import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import {
  TASK_STATES,
  decodeSeed,
  encodeSeed,
  isSeedFormat,
  stateFromSeed,
  stateToSeed,
} from '../../../src/task/index.js';

const SAMPLE = {
  ID: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c',
  State: 2,
  Task: { State: 1, ID: '21b23589-5d2d-4731-b5c9-a97e9832d021', Name: 'test-chapter-5', Image: 'strm/helloworld-http' },
};

const RICH = {
  ID: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c',
  State: 1,
  Timestamp: '2024-01-02T03:04:05Z',
  Task: {
    State: 0,
    ID: '21b23589-5d2d-4731-b5c9-a97e9832d021',
    Name: 'web',
    Image: 'strm/helloworld-http',
    Cpu: 0.5,
    Memory: 268_435_456,
    Disk: 1_073_741_824,
    ExposedPorts: { '80/tcp': {} },
    PortBindings: { '80/tcp': '8080' },
    RestartPolicy: 'always',
    HealthCheck: '/health',
  },
};

/** A copy of `base` with `Task` fields replaced; a fresh object each time. */
function seedWith(task: Record<string, unknown>, envelope: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(SAMPLE), ...envelope, Task: { ...structuredClone(SAMPLE.Task), ...task } };
}

function throwsInvalidField(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidField, `expected InvalidField, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.ok(err.message.startsWith(`${field} `), `message names ${field}: ${err.message}`);
    assert.equal(err.code, 'invalid_request');
    assert.equal(err.status, 400);
    return true;
  });
}

test('decodeSeed reads the seed sample: event id and state, task state, and a spec with id, name and image', () => {
  const d = decodeSeed(structuredClone(SAMPLE));
  assert.deepEqual(d, {
    eventId: '6be4cb6b-61d1-40cb-bc7b-9cacefefa60c',
    eventState: 'Running',
    taskState: 'Scheduled',
    timestamp: undefined,
    spec: { id: '21b23589-5d2d-4731-b5c9-a97e9832d021', name: 'test-chapter-5', image: 'strm/helloworld-http' },
  });
});

test('decodeSeed turns Cpu, Memory, Disk, ports, restart policy and health check into native spec fields', () => {
  const d = decodeSeed(structuredClone(RICH));
  assert.deepEqual(d.spec, {
    id: '21b23589-5d2d-4731-b5c9-a97e9832d021',
    name: 'web',
    image: 'strm/helloworld-http',
    cpu: 0.5,
    memory: 268_435_456,
    disk: 1_073_741_824,
    ports: [{ container: 80, protocol: 'tcp', host: 8080 }],
    restartPolicy: { mode: 'always' },
    healthCheck: { type: 'http', path: '/health' },
  });
  assert.equal(d.timestamp, '2024-01-02T03:04:05Z');
});

test('encodeSeed(decodeSeed(file)) gives back the seed sample unchanged', () => {
  assert.deepEqual(encodeSeed(decodeSeed(structuredClone(SAMPLE))), SAMPLE);
});

test('encodeSeed(decodeSeed(file)) gives back a file with Cpu, Memory, Disk, ports, restart policy and health check unchanged', () => {
  assert.deepEqual(encodeSeed(decodeSeed(structuredClone(RICH))), RICH);
});

test('decodeSeed(encodeSeed(decoded)) gives back the decoded value', () => {
  for (const file of [SAMPLE, RICH]) {
    const decoded = decodeSeed(structuredClone(file));
    assert.deepEqual(decodeSeed(encodeSeed(decoded)), decoded);
  }
});

const SEED_STATES = [
  [0, 'Pending'],
  [1, 'Scheduled'],
  [2, 'Running'],
  [3, 'Completed'],
  [4, 'Failed'],
] as const;
for (const [n, state] of SEED_STATES) {
  test(`seed state ${n} is ${state}, and ${state} encodes back to ${n}`, () => {
    assert.equal(stateFromSeed('State', n), state);
    assert.equal(stateToSeed(state), n);
    assert.equal(decodeSeed(seedWith({ State: n }, { State: n })).eventState, state);
    assert.equal(decodeSeed(seedWith({ State: n })).taskState, state);
  });
}

test('every task state has a seed number', () => {
  assert.deepEqual(TASK_STATES.map(stateToSeed), [0, 1, 2, 3, 4]);
});

for (const n of [5, -1]) {
  test(`an event State of ${n} is refused naming State`, () => {
    throwsInvalidField(() => decodeSeed(seedWith({}, { State: n })), 'State');
  });
  test(`a Task.State of ${n} is refused naming Task.State`, () => {
    throwsInvalidField(() => decodeSeed(seedWith({ State: n })), 'Task.State');
  });
}

test('a State that is not a whole number is refused naming State', () => {
  throwsInvalidField(() => decodeSeed(seedWith({}, { State: 1.5 })), 'State');
});

test('a Task.ID that is not a UUID is refused naming Task.ID', () => {
  throwsInvalidField(() => decodeSeed(seedWith({ ID: 'not-a-uuid' })), 'Task.ID');
});

test('an event ID that is not a UUID is refused naming ID', () => {
  throwsInvalidField(() => decodeSeed(seedWith({}, { ID: '1234' })), 'ID');
});

for (const field of ['Foo', 'Memroy', 'image']) {
  test(`an unknown field ${field} in Task is refused naming Task.${field}`, () => {
    throwsInvalidField(() => decodeSeed(seedWith({ [field]: 1 })), `Task.${field}`);
  });
}

test('an unknown field in the envelope is refused naming it', () => {
  throwsInvalidField(() => decodeSeed(seedWith({}, { Extra: true })), 'Extra');
});

test('a Task without a Name is refused naming Task.Name', () => {
  const file = seedWith({});
  delete (file['Task'] as Record<string, unknown>)['Name'];
  throwsInvalidField(() => decodeSeed(file), 'Task.Name');
});

test('an ExposedPorts key that is not a port is refused naming it', () => {
  throwsInvalidField(() => decodeSeed(seedWith({ ExposedPorts: { '80/sctp': {} } })), 'Task.ExposedPorts.80/sctp');
  throwsInvalidField(() => decodeSeed(seedWith({ ExposedPorts: { '70000/tcp': {} } })), 'Task.ExposedPorts.70000/tcp');
});

test('a PortBindings value that is not a port is refused naming it', () => {
  throwsInvalidField(
    () => decodeSeed(seedWith({ ExposedPorts: { '80/tcp': {} }, PortBindings: { '80/tcp': 'http' } })),
    'Task.PortBindings.80/tcp',
  );
});

test('a PortBindings value may name a host address, as Docker binds one; encodeSeed writes it so again', () => {
  const bindings = { '80/tcp': '127.0.0.1:8080', '443/tcp': '[::1]:8443', '53/udp': '127.0.0.1:' };
  const ports = { '80/tcp': {}, '443/tcp': {}, '53/udp': {} };
  const decoded = decodeSeed(seedWith({ ExposedPorts: ports, PortBindings: bindings }));
  assert.deepEqual(decoded.spec.ports, [
    { container: 80, protocol: 'tcp', host: 8080, hostIp: '127.0.0.1' },
    { container: 443, protocol: 'tcp', host: 8443, hostIp: '::1' },
    { container: 53, protocol: 'udp', hostIp: '127.0.0.1' },
  ]);
  assert.deepEqual(encodeSeed(decoded).Task.PortBindings, {
    '80/tcp': '127.0.0.1:8080',
    '443/tcp': '[::1]:8443',
    '53/udp': '127.0.0.1:0',
  });
  assert.throws(
    () => decodeSeed(seedWith({ ExposedPorts: { '80/tcp': {} }, PortBindings: { '80/tcp': 'localhost:8080' } })),
    /^InvalidField: Task\.PortBindings\.80\/tcp is "localhost:8080"; its address must be an IPv4 or IPv6 address/,
  );
});

test('an unknown RestartPolicy is refused naming Task.RestartPolicy', () => {
  throwsInvalidField(() => decodeSeed(seedWith({ RestartPolicy: 'sometimes' })), 'Task.RestartPolicy');
});

test('the seed restart policies map to never, on-failure and always; "" keeps the default', () => {
  const mode = (p: string): string | undefined => decodeSeed(seedWith({ RestartPolicy: p })).spec.restartPolicy?.mode;
  assert.equal(mode(''), undefined);
  assert.equal(mode('no'), 'never');
  assert.equal(mode('never'), 'never');
  assert.equal(mode('on-failure'), 'on-failure');
  assert.equal(mode('always'), 'always');
  assert.equal(mode('unless-stopped'), 'always');
});

test('isSeedFormat tells a TaskEvent from a native spec', () => {
  assert.equal(isSeedFormat(SAMPLE), true);
  assert.equal(isSeedFormat({ name: 'web', image: 'busybox' }), false);
  assert.equal(isSeedFormat(null), false);
  assert.equal(isSeedFormat('Task'), false);
});
