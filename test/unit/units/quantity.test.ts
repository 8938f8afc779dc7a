import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import {
  formatBytes,
  formatDuration,
  MAX_QUANTITY_BYTES,
  parseDuration,
  parseQuantity,
} from '../../../src/units/index.js';

const Ki = 2 ** 10;
const Mi = 2 ** 20;
const Gi = 2 ** 30;
const Ti = 2 ** 40;

const QUANTITIES: ReadonlyArray<readonly [number | string, number]> = [
  [0, 0],
  [1_000_000, 1_000_000],
  ['0', 0],
  ['1024', 1024],
  ['1Ki', Ki],
  ['256Mi', 268_435_456],
  ['1Gi', Gi],
  ['1.5Gi', 1.5 * Gi],
  ['2Ti', 2 * Ti],
  ['1k', 1_000],
  ['5M', 5_000_000],
  ['2G', 2_000_000_000],
  ['1T', 1e12],
  ['0.5Ki', 512],
];
for (const [input, bytes] of QUANTITIES) {
  test(`parseQuantity reads ${JSON.stringify(input)} as ${bytes} bytes`, () => {
    assert.equal(parseQuantity('memory', input), bytes);
  });
}

const BAD_QUANTITIES = ['lots', '', '1 Gi', '1gi', '1GB', '-1Mi', '1.Mi', '.5Gi', 'Mi', '1e3'];
for (const input of BAD_QUANTITIES) {
  test(`parseQuantity refuses ${JSON.stringify(input)} with InvalidField naming the field`, () => {
    assert.throws(
      () => parseQuantity('Task.memory', input),
      (err: unknown) =>
        err instanceof InvalidField &&
        err.field === 'Task.memory' &&
        err.message.startsWith('Task.memory ') &&
        err.message.includes(JSON.stringify(input)),
    );
  });
}

test('parseQuantity refuses more than 4 PiB, more than any node has, saying the most', () => {
  assert.equal(MAX_QUANTITY_BYTES, 2 ** 52);
  assert.equal(parseQuantity('memory', '4096Ti'), 2 ** 52);
  assert.equal(parseQuantity('memory', 2 ** 52), 2 ** 52);
  assert.throws(() => parseQuantity('memory', '100000000000Gi'), {
    message: 'memory is "100000000000Gi"; at most 4 PiB, more than any node has',
  });
  assert.throws(() => parseQuantity('disk', 2 ** 52 + 1), {
    message: `disk is ${2 ** 52 + 1}; at most 4 PiB, more than any node has`,
  });
});

const DURATIONS: ReadonlyArray<readonly [number | string, number]> = [
  [0, 0],
  [250, 250],
  ['500ms', 500],
  ['2s', 2_000],
  ['1.5s', 1_500],
  ['1m', 60_000],
  ['1h', 3_600_000],
  ['0ms', 0],
];
for (const [input, ms] of DURATIONS) {
  test(`parseDuration reads ${JSON.stringify(input)} as ${ms} ms`, () => {
    assert.equal(parseDuration('timeout', input), ms);
  });
}

const BAD_DURATIONS = ['2', 'soon', '', '1 s', '1d', '-1s', '1S', 'ms'];
for (const input of BAD_DURATIONS) {
  test(`parseDuration refuses ${JSON.stringify(input)} with InvalidField naming the field`, () => {
    assert.throws(
      () => parseDuration('healthCheck.timeout', input),
      (err: unknown) =>
        err instanceof InvalidField &&
        err.field === 'healthCheck.timeout' &&
        err.code === 'invalid_request' &&
        err.status === 400,
    );
  });
}

const FORMATTED: ReadonlyArray<readonly [number, string]> = [
  [0, '0 B'],
  [512, '512 B'],
  [1023, '1023 B'],
  [1024, '1 KiB'],
  [1536, '1.5 KiB'],
  [4 * Mi, '4 MiB'],
  [268_435_456, '256 MiB'],
  [1.5 * Gi, '1.5 GiB'],
  [3 * Ti, '3 TiB'],
  [2048 * Ti, '2 PiB'],
  // the largest unit that leaves at least 1: never a run of digits before the point
  [1e20, '86.7 EiB'],
  [Math.round(95.4 * 2 ** 50), '95.4 PiB'],
  [2 ** 52, '4 PiB'],
  // 1023.97 KiB rounds to 1 MiB, not "1024.0 KiB"
  [1023.97 * Ki, '1.0 MiB'],
  // past YiB: scientific
  [2 ** 90, '1.24e+27 B'],
];
for (const [bytes, text] of FORMATTED) {
  test(`formatBytes writes ${bytes} as "${text}"`, () => {
    assert.equal(formatBytes(bytes), text);
  });
}

test('formatBytes output of a whole binary quantity parses back to the same bytes once the space and "B" are removed', () => {
  for (const q of ['4Mi', '256Mi', '1Gi', '3Ti']) {
    const bytes = parseQuantity('memory', q);
    assert.equal(formatBytes(bytes).replace(' ', '').replace(/B$/, ''), q);
  }
});

test('formatDuration writes ms in the largest unit that divides them, and parseDuration reads it back', () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [0, '0s'],
    [250, '250ms'],
    [1500, '1500ms'],
    [5000, '5s'],
    [90_000, '90s'],
    [60_000, '1m'],
    [600_000, '10m'],
    [5_400_000, '90m'],
    [3_600_000, '1h'],
    [86_400_000, '24h'],
  ];
  for (const [ms, text] of cases) {
    assert.equal(formatDuration(ms), text);
    assert.equal(parseDuration('x', text), ms);
  }
});
