import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseLoadAvg,
  parseMemInfo,
  parseProcessStat,
  parseProcStat,
  parseUptime,
  type CpuTimes,
} from '../../../src/stats/index.js';

const ZERO: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };

const procStatCases: { name: string; text: string; want: CpuTimes }[] = [
  {
    name: 'a modern kernel: guest and guest_nice are ignored, per-cpu lines too',
    text: [
      'cpu  3158 12 1683 30215 164 7 37 6 25 3',
      'cpu0 1382 0 634 15616 5 0 12 1 0 0',
      'cpu1 1776 12 1049 14599 159 7 25 5 25 3',
      'intr 204513 0 9 0 0',
      'ctxt 392611',
      'btime 1718000000',
      'processes 4569',
      'procs_running 1',
      'procs_blocked 0',
      'softirq 98012 0 1234 5 678 0 0 9 10 0 11',
      '',
    ].join('\n'),
    want: { user: 3158, nice: 12, system: 1683, idle: 30215, iowait: 164, irq: 7, softirq: 37, steal: 6 },
  },
  {
    name: 'a 2.6.0 kernel without steal: steal is 0',
    text: 'cpu  100 2 30 4000 50 1 3\ncpu0 100 2 30 4000 50 1 3\n',
    want: { ...ZERO, user: 100, nice: 2, system: 30, idle: 4000, iowait: 50, irq: 1, softirq: 3 },
  },
  {
    name: 'a 2.4 kernel with only user nice system idle',
    text: 'cpu  100 2 30 4000\ncpu0 100 2 30 4000\npage 5741 1808\n',
    want: { ...ZERO, user: 100, nice: 2, system: 30, idle: 4000 },
  },
  {
    name: 'the cpu line need not come first',
    text: 'intr 1 2 3\ncpu 1 2 3 4 5 6 7 8\n',
    want: { user: 1, nice: 2, system: 3, idle: 4, iowait: 5, irq: 6, softirq: 7, steal: 8 },
  },
];

for (const c of procStatCases) {
  test(`parseProcStat reads ${c.name}`, () => {
    assert.deepEqual(parseProcStat(c.text), c.want);
  });
}

const procStatBad: { name: string; text: string; message: RegExp }[] = [
  { name: 'empty text', text: '', message: /no aggregate "cpu" line/ },
  { name: 'only per-cpu lines', text: 'cpu0 1 2 3 4\ncpu1 1 2 3 4\n', message: /no aggregate "cpu" line/ },
  { name: 'three columns', text: 'cpu  1 2 3\n', message: /3 columns; expected at least 4/ },
  { name: 'a non-number', text: 'cpu  1 2 x 4\n', message: /system is "x"/ },
  { name: 'a negative number', text: 'cpu  1 2 3 -4\n', message: /idle is "-4"/ },
];

for (const c of procStatBad) {
  test(`parseProcStat rejects ${c.name}`, () => {
    assert.throws(() => parseProcStat(c.text), c.message);
  });
}

const loadAvgCases: { name: string; text: string; want: { load1: number; load5: number; load15: number } }[] = [
  { name: 'an idle machine', text: '0.00 0.01 0.05 1/100 4569\n', want: { load1: 0, load5: 0.01, load15: 0.05 } },
  { name: 'a busy machine', text: '12.34 8.50 4.07 17/1024 98765\n', want: { load1: 12.34, load5: 8.5, load15: 4.07 } },
  { name: 'only the three averages', text: '1.00 2.00 3.00', want: { load1: 1, load5: 2, load15: 3 } },
];

for (const c of loadAvgCases) {
  test(`parseLoadAvg reads ${c.name}`, () => {
    assert.deepEqual(parseLoadAvg(c.text), c.want);
  });
}

test('parseLoadAvg rejects text with fewer than three averages', () => {
  assert.throws(() => parseLoadAvg('0.12 0.11\n'), /2 fields; expected at least 3/);
  assert.throws(() => parseLoadAvg(''), /0 fields/);
  assert.throws(() => parseLoadAvg('0.12 abc 0.04 1/100 4569'), /load5 is "abc"/);
});

const MEMINFO_MODERN = [
  'MemTotal:       24684092 kB',
  'MemFree:        23697136 kB',
  'MemAvailable:   24306740 kB',
  'Buffers:           11968 kB',
  'Cached:           775744 kB',
  'SwapCached:            0 kB',
  'HugePages_Total:       0',
  'HugePages_Free:        0',
  'Hugepagesize:       2048 kB',
  '',
].join('\n');

// Before 3.14 there was no MemAvailable (this is a 2.6.32 sample).
const MEMINFO_OLD = [
  'MemTotal:        2058236 kB',
  'MemFree:          120456 kB',
  'Buffers:          150000 kB',
  'Cached:           900000 kB',
  'SwapCached:         1024 kB',
  'Active:          1200000 kB',
  '',
].join('\n');

const memInfoCases: { name: string; text: string; want: { totalBytes: number; availableBytes: number } }[] = [
  {
    name: 'MemTotal and MemAvailable in kB as bytes',
    text: MEMINFO_MODERN,
    want: { totalBytes: 24684092 * 1024, availableBytes: 24306740 * 1024 },
  },
  {
    name: 'MemFree + Buffers + Cached as available on kernels without MemAvailable',
    text: MEMINFO_OLD,
    want: { totalBytes: 2058236 * 1024, availableBytes: (120456 + 150000 + 900000) * 1024 },
  },
  {
    name: 'MemFree alone when Buffers and Cached are missing',
    text: 'MemTotal: 1000 kB\nMemFree: 400 kB\n',
    want: { totalBytes: 1000 * 1024, availableBytes: 400 * 1024 },
  },
];

for (const c of memInfoCases) {
  test(`parseMemInfo reads ${c.name}`, () => {
    assert.deepEqual(parseMemInfo(c.text), c.want);
  });
}

test('parseMemInfo rejects text without MemTotal or without any free figure', () => {
  assert.throws(() => parseMemInfo('MemFree: 400 kB\n'), /no MemTotal/);
  assert.throws(() => parseMemInfo('MemTotal: 1000 kB\nBuffers: 10 kB\n'), /neither MemAvailable nor MemFree/);
  assert.throws(() => parseMemInfo('MemTotal: lots kB\n'), /MemTotal is "lots"/);
});

const uptimeCases: { name: string; text: string; want: number }[] = [
  { name: 'seconds with hundredths', text: '177.47 302.15\n', want: 177.47 },
  { name: 'a long uptime', text: '8640000.99 34560000.01\n', want: 8640000.99 },
  { name: 'whole seconds', text: '42 80', want: 42 },
];

for (const c of uptimeCases) {
  test(`parseUptime reads ${c.name}`, () => {
    assert.equal(parseUptime(c.text), c.want);
  });
}

test('parseUptime rejects empty or non-numeric text', () => {
  assert.throws(() => parseUptime('\n'), /is empty/);
  assert.throws(() => parseUptime('soon 1.0'), /uptime is "soon"/);
});

test('parseProcessStat reads the state, cpu ticks and start after a command name with spaces and parentheses', () => {
  // a real line of Linux 6.x, its command name changed to hold ") (" and a space
  const line =
    '4569 (node (x) y) S 1 4569 4569 0 -1 4194560 2412 0 0 0 731 94 0 0 20 0 11 0 6757744 1190752256 12563 ' +
    '18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0\n';
  assert.deepEqual(parseProcessStat(line), { state: 'S', userTicks: 731, systemTicks: 94, startTicks: 6757744 });
  assert.equal(parseProcessStat(line.replace(') S 1', ') Z 1')).state, 'Z');
});

test('parseProcessStat rejects text without a command name or with too few fields', () => {
  assert.throws(() => parseProcessStat('4569 node S 1'), /has no "\)" after the command name/);
  assert.throws(
    () => parseProcessStat('4569 (node) S 1 2 3'),
    /has 4 fields after the command name; expected at least 20/,
  );
  assert.throws(() => parseProcessStat('4569 (node) S 1 1 1 0 -1 4 2 0 0 0 x 94 0 0 20 0 11 0 67 1'), /utime is "x"/);
});
