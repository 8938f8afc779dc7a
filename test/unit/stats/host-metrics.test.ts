import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HostMetrics, readDiskSpace, type HostSnapshot } from '../../../src/stats/index.js';

function assertSane(s: HostSnapshot, diskPath: string): void {
  assert.ok(Number.isInteger(s.cpuCores) && s.cpuCores >= 1, `cpuCores ${s.cpuCores}`);
  assert.ok(s.cpuUsage >= 0 && s.cpuUsage <= 1, `cpuUsage ${s.cpuUsage}`);
  assert.ok(s.load.load1 >= 0 && s.load.load5 >= 0 && s.load.load15 >= 0, `load ${JSON.stringify(s.load)}`);
  assert.ok(s.memory.totalBytes > s.memory.availableBytes, `memory ${JSON.stringify(s.memory)}`);
  assert.ok(s.memory.availableBytes > 0, `memory ${JSON.stringify(s.memory)}`);
  assert.equal(s.disk.path, diskPath);
  assert.ok(s.disk.totalBytes >= s.disk.freeBytes, `disk ${JSON.stringify(s.disk)}`);
  assert.ok(s.disk.freeBytes > 0, `disk ${JSON.stringify(s.disk)}`);
  assert.ok(s.uptimeSeconds > 0, `uptime ${s.uptimeSeconds}`);
}

test('reads sane numbers from the real /proc of this machine without start()', async () => {
  const metrics = new HostMetrics({ diskPath: tmpdir() });
  assertSane(await metrics.read(), tmpdir());
});

test('a started reader reads sane numbers, and stop is idempotent', async () => {
  const metrics = new HostMetrics({ diskPath: tmpdir(), sampleIntervalMs: 10 });
  metrics.start();
  metrics.start(); // a second start keeps the one timer
  try {
    assertSane(await metrics.read(), tmpdir());
  } finally {
    await metrics.stop();
    await metrics.stop();
  }
  assertSane(await metrics.read(), tmpdir());
});

test('readDiskSpace reports total and free bytes of the filesystem holding a path', async () => {
  const disk = await readDiskSpace(tmpdir());
  assert.ok(disk.totalBytes >= disk.freeBytes && disk.freeBytes > 0, JSON.stringify(disk));
});

test('readDiskSpace rejects a missing path with an error naming it', async () => {
  const missing = join(tmpdir(), 'poseidon-no-such-folder');
  await assert.rejects(readDiskSpace(missing), (err: unknown) => err instanceof Error && err.message.includes(missing));
});

let fakeProc = '';
before(async () => {
  fakeProc = await mkdtemp(join(tmpdir(), 'poseidon-stats-'));
});
after(async () => {
  await rm(fakeProc, { recursive: true, force: true });
});

async function writeProc(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(fakeProc, 'proc-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, name), text);
  return root;
}

const GOOD = {
  stat: 'cpu  100 0 50 1000 10 0 0 0\n',
  loadavg: '0.50 0.40 0.30 1/100 4569\n',
  meminfo: 'MemTotal: 2000 kB\nMemFree: 500 kB\nMemAvailable: 1000 kB\n',
  uptime: '123.45 200.00\n',
};

test('reads every figure from a procRoot of sample files', async () => {
  const procRoot = await writeProc(GOOD);
  const s = await new HostMetrics({ procRoot, diskPath: procRoot }).read();
  assert.equal(s.cpuUsage, 0); // the sample file never changes, so no time passed
  assert.deepEqual(s.load, { load1: 0.5, load5: 0.4, load15: 0.3 });
  assert.deepEqual(s.memory, { totalBytes: 2000 * 1024, availableBytes: 1000 * 1024 });
  assert.equal(s.uptimeSeconds, 123.45);
});

const broken: { name: string; files: Record<string, string>; message: RegExp }[] = [
  {
    name: 'an empty /proc/meminfo',
    files: { ...GOOD, meminfo: '' },
    message: /cannot parse .*\/meminfo: has no MemTotal/,
  },
  {
    name: 'a malformed /proc/stat',
    files: { ...GOOD, stat: 'cpu 1 2\n' },
    message: /cannot parse .*\/stat: "cpu" line has 2 columns/,
  },
  {
    name: 'an unreadable /proc/loadavg',
    files: { stat: GOOD.stat, meminfo: GOOD.meminfo, uptime: GOOD.uptime },
    message: /cannot read .*\/loadavg: ENOENT/,
  },
  {
    name: 'a malformed /proc/uptime',
    files: { ...GOOD, uptime: 'later\n' },
    message: /cannot parse .*\/uptime: uptime is "later"/,
  },
];

for (const c of broken) {
  test(`read rejects ${c.name} with an error naming the file`, async () => {
    const procRoot = await writeProc(c.files);
    await assert.rejects(new HostMetrics({ procRoot, diskPath: procRoot }).read(), c.message);
  });
}

test('a started reader with an unreadable /proc/stat rejects with an error naming it', async () => {
  const { stat: _stat, ...rest } = GOOD;
  const procRoot = await writeProc(rest);
  const metrics = new HostMetrics({ procRoot, diskPath: procRoot });
  metrics.start();
  try {
    await assert.rejects(metrics.read(), /cannot read .*\/stat: ENOENT/);
  } finally {
    await metrics.stop();
  }
});
