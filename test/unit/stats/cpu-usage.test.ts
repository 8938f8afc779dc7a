import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuUsageBetween, type CpuTimes } from '../../../src/stats/index.js';

const BASE: CpuTimes = { user: 1000, nice: 10, system: 500, idle: 8000, iowait: 100, irq: 5, softirq: 20, steal: 0 };

function plus(delta: Partial<CpuTimes>): CpuTimes {
  return {
    user: BASE.user + (delta.user ?? 0),
    nice: BASE.nice + (delta.nice ?? 0),
    system: BASE.system + (delta.system ?? 0),
    idle: BASE.idle + (delta.idle ?? 0),
    iowait: BASE.iowait + (delta.iowait ?? 0),
    irq: BASE.irq + (delta.irq ?? 0),
    softirq: BASE.softirq + (delta.softirq ?? 0),
    steal: BASE.steal + (delta.steal ?? 0),
  };
}

const cases: { name: string; after: CpuTimes; want: number }[] = [
  { name: 'all idle is 0', after: plus({ idle: 400 }), want: 0 },
  { name: 'all busy is 1', after: plus({ user: 300, system: 100 }), want: 1 },
  { name: 'a quarter busy is 0.25', after: plus({ user: 50, system: 50, idle: 300 }), want: 0.25 },
  { name: 'iowait counts as idle', after: plus({ user: 100, iowait: 100 }), want: 0.5 },
  {
    name: 'nice, irq, softirq and steal count as busy',
    after: plus({ nice: 25, irq: 25, softirq: 25, steal: 25, idle: 100 }),
    want: 0.5,
  },
  { name: 'no time passed is 0', after: BASE, want: 0 },
  { name: 'counters going backwards is 0', after: plus({ user: -100, idle: -100 }), want: 0 },
  { name: 'iowait dropping between reads stays at most 1', after: plus({ user: 100, iowait: -10 }), want: 1 },
];

for (const c of cases) {
  test(`cpu usage: ${c.name}`, () => {
    assert.equal(cpuUsageBetween(BASE, c.after), c.want);
  });
}
