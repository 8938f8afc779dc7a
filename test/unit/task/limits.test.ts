import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import {
  DEFAULT_PIDS_LIMIT,
  MAX_ENV_BYTES,
  MAX_ENV_VARS,
  MAX_LABELS,
  MAX_LABELS_BYTES,
  MIN_CPU_CORES,
  MIN_MEMORY_BYTES,
  parseSubmission,
  toSpec,
  type SpecLimits,
} from '../../../src/task/index.js';

// The bounds on what a task may ask for (src/task/limits.ts) and the engine's floors: each is
// refused at submission with InvalidField naming the field and the limit.

const Mi = 2 ** 20;
const spec = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'web',
  image: 'busybox',
  ...fields,
});
const seed = (task: Record<string, unknown>): Record<string, unknown> => ({
  State: 0,
  Task: { Name: 'web', Image: 'busybox', ...task },
});

function refused(body: unknown, field: string, says: RegExp, limits: SpecLimits = {}): void {
  assert.throws(
    () => parseSubmission(body, limits),
    (err: unknown) => {
      assert.ok(err instanceof InvalidField, `expected InvalidField, got ${String(err)}`);
      assert.equal(err.field, field);
      assert.equal(err.status, 400);
      assert.match(err.message, says);
      return true;
    },
  );
}

const HOURS_25 = 25 * 3_600_000;
const REFUSED: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
  // what the engine cannot honour
  ['memory "4Mi" (Docker takes 6 MiB at least)', spec({ memory: '4Mi' }), 'memory', /at least 6 MiB/],
  ['memory one byte under 6 MiB', spec({ memory: MIN_MEMORY_BYTES - 1 }), 'memory', /at least 6 MiB/],
  ['a seed Memory of 5 MiB', seed({ Memory: 5 * Mi }), 'Task.Memory', /at least 6 MiB/],
  ['cpu 0.001 (a quota under the kernel 1 ms)', spec({ cpu: 0.001 }), 'cpu', /from 0\.01/],
  ['cpuLimit 0.005', spec({ cpuLimit: 0.005 }), 'cpuLimit', /from 0\.01/],
  ['a seed Cpu of 0.001', seed({ Cpu: 0.001 }), 'Task.Cpu', /the least is 0\.01/],
  ['a cpuLimit below cpu', spec({ cpu: 1, cpuLimit: 0.5 }), 'cpuLimit', /below cpu/],
  ['cpuLimit above the host', spec({ cpuLimit: 8 }), 'cpuLimit', /this host has 4/],
  ['pidsLimit 1 (the init process and the task need 2)', spec({ pidsLimit: 1 }), 'pidsLimit', /from 2/],
  ['pidsLimit past the kernel limit', spec({ pidsLimit: 5_000_000 }), 'pidsLimit', /to 4194304/],
  // durations between 0 and 24 h
  [
    'a backoff of "700h"',
    spec({ restartPolicy: { mode: 'always', backoff: { initial: '700h', max: '700h' } } }),
    'restartPolicy.backoff.initial',
    /0 to 24h/,
  ],
  [
    'a backoff max of "25h"',
    spec({ restartPolicy: { mode: 'always', backoff: { max: '25h' } } }),
    'restartPolicy.backoff.max',
    /0 to 24h/,
  ],
  [
    'a resetAfter of 25 h in milliseconds',
    spec({ restartPolicy: { mode: 'always', resetAfter: HOURS_25 } }),
    'restartPolicy.resetAfter',
    /0 to 24h/,
  ],
  [
    'a health check interval of "25h"',
    spec({ healthCheck: { type: 'exec', command: ['true'], interval: '25h' } }),
    'healthCheck.interval',
    /0 to 24h/,
  ],
  [
    'a health check timeout of 25 h',
    spec({ healthCheck: { type: 'exec', command: ['true'], timeout: HOURS_25 } }),
    'healthCheck.timeout',
    /0 to 24h/,
  ],
  [
    'a health check start period of "1500m"',
    spec({ healthCheck: { type: 'exec', command: ['true'], startPeriod: '1500m' } }),
    'healthCheck.startPeriod',
    /0 to 24h/,
  ],
  // env and labels: count and bytes
  [
    `${MAX_ENV_VARS + 1} env variables`,
    spec({ env: Object.fromEntries(Array.from({ length: MAX_ENV_VARS + 1 }, (_, i) => [`V${i}`, '1'])) }),
    'env',
    new RegExp(`has ${MAX_ENV_VARS + 1} entries; at most ${MAX_ENV_VARS}`),
  ],
  ['env of 65 KiB', spec({ env: { BIG: 'x'.repeat(MAX_ENV_BYTES) } }), 'env', /at most 64 KiB/],
  [
    `${MAX_LABELS + 1} labels`,
    spec({ labels: Object.fromEntries(Array.from({ length: MAX_LABELS + 1 }, (_, i) => [`l${i}`, '1'])) }),
    'labels',
    new RegExp(`has ${MAX_LABELS + 1} entries; at most ${MAX_LABELS}`),
  ],
  [
    'labels of 20 KiB',
    spec({ labels: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`l${i}`, 'x'.repeat(4096)])) }),
    'labels',
    new RegExp(`at most ${MAX_LABELS_BYTES / 1024} KiB`),
  ],
  // a key's and a value's length, and a list's entries, said as a bound, not as a wrong type
  [
    'a label key of 256 characters',
    spec({ labels: { ['k'.repeat(256)]: 'v' } }),
    'labels',
    /has a key 256 characters long \("k{40}\.\.\."\); at most 255$/,
  ],
  [
    'a label value of 4097 characters',
    spec({ labels: { k: 'v'.repeat(4097) } }),
    'labels.k',
    / is 4097 characters long; at most 4096$/,
  ],
  [
    '33 constraints',
    spec({ constraints: Array(33).fill('node.labels.zone == a') }),
    'constraints',
    / has 33 entries; at most 32$/,
  ],
  [
    '17 tmpfs mounts',
    spec({ tmpfs: Array.from({ length: 17 }, (_, i) => ({ path: `/t${i}` })) }),
    'tmpfs',
    / has 17 entries; at most 16$/,
  ],
  ['101 log files', spec({ logs: { maxFiles: 101 } }), 'logs.maxFiles', / is 101; at most 100$/],
  ['no log file', spec({ logs: { maxFiles: 0 } }), 'logs.maxFiles', / is 0; at least 1$/],
  [
    'a sysctl value of 257 characters',
    spec({ sysctls: { 'net.core.somaxconn': '1'.repeat(257) } }),
    'sysctls.net.core.somaxconn',
    / must be a value of 1 to 256 characters on one line/,
  ],
  [
    'a command argument of 5000 characters',
    spec({ command: ['x'.repeat(5000)] }),
    'command[0]',
    / is 5000 characters long; at most 4096$/,
  ],
  ['a command of 80 KiB', spec({ command: Array.from({ length: 20 }, () => 'x'.repeat(4096)) }), 'command', /64 KiB/],
];
test('a restart policy without its mode is refused with the modes it takes', () => {
  refused(
    spec({ restartPolicy: { maxRestarts: 5 } }),
    'restartPolicy.mode',
    /^restartPolicy\.mode is required; it must be "never", "on-failure" or "always"$/,
  );
});

for (const [what, body, field, says] of REFUSED) {
  test(`${what} is refused naming ${field} and the limit`, () => {
    refused(body, field, says, { maxCpuCores: 4 });
  });
}

test('what sits exactly on a bound is accepted', () => {
  const req = parseSubmission(
    spec({
      memory: MIN_MEMORY_BYTES,
      cpu: MIN_CPU_CORES,
      cpuLimit: MIN_CPU_CORES,
      pidsLimit: 2,
      env: Object.fromEntries(Array.from({ length: MAX_ENV_VARS }, (_, i) => [`V${i}`, '1'])),
      restartPolicy: { mode: 'always', backoff: { initial: '24h', max: '24h' }, resetAfter: 24 * 3_600_000 },
      healthCheck: { type: 'exec', command: ['true'], interval: '24h', timeout: '24h' },
    }),
  );
  assert.equal(req.memoryBytes, MIN_MEMORY_BYTES);
  assert.equal(req.cpuCores, 0.01);
  assert.equal(req.cpuLimitCores, 0.01);
  assert.equal(req.pidsLimit, 2);
  assert.equal(req.restartPolicy.backoffMaxMs, 24 * 3_600_000);
});

test('pidsLimit and cpuLimit are absent unless asked for (the driver then uses DEFAULT_PIDS_LIMIT and no quota)', () => {
  const req = parseSubmission(spec({ cpu: 0.5 }));
  assert.equal('pidsLimit' in req, false);
  assert.equal('cpuLimitCores' in req, false);
  assert.equal(DEFAULT_PIDS_LIMIT, 1024);
});

test('pidsLimit and cpuLimit survive the dispatch (toSpec, then the worker parses it again)', () => {
  const req = parseSubmission(spec({ cpu: 0.25, cpuLimit: 0.5, pidsLimit: 64 }));
  assert.deepEqual(parseSubmission(toSpec(req)), req);
});
