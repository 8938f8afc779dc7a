import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { EndpointTable } from '../../../src/discovery/index.js';
import { startProxy, type Proxy, type VipAddresses } from '../../../src/proxy/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import type { ServiceEndpointsView } from '../../../src/api/endpoints.js';
import { block, closeAll, endpoint, EPOCH, oneShot, serviceView, tcpReplica, type TcpReplica } from './loopback.js';

// Two workers with --proxy on one host (one bridge): the first proxy listens on each VIP's ports,
// the second finds them held. A user saw every VIP of the host stop answering (connections hung)
// once the second worker was stopped, since its proxy took the VIPs it shared off the bridge.
// Real sockets on loopback; the host's addresses are one set both proxies add to and remove from.

/** The host's addresses: adding one that is there, or removing one that is gone, does nothing (as `ip addr`). */
class HostAddresses implements VipAddresses {
  readonly present = new Set<string>();
  async add(vip: string): Promise<void> {
    this.present.add(vip);
  }
  async remove(vip: string): Promise<void> {
    this.present.delete(vip);
  }
}

interface Line {
  level: number;
  msg: string;
}

/** A replica on a loopback block of its own, and service web's view, whose VIP is the block's .1. */
async function oneReplica(): Promise<{
  replica: TcpReplica & { port: number };
  vip: string;
  view: ServiceEndpointsView;
}> {
  const net = block();
  const replica = await tcpReplica('r1', `${net}.2`, 0);
  const vip = `${net}.1`;
  const ports = [{ name: null, port: replica.port, protocol: 'tcp' as const }];
  return { replica, vip, view: serviceView('web', vip, ports, [endpoint('r1', `${net}.2`)]) };
}

test("a second proxy on the host says once that the VIP's port is held, and leaves the VIP on the bridge as it stops", async () => {
  const { replica, vip, view } = await oneReplica();
  const host = new HostAddresses();
  const start = async (log: Line[], clock: FakeClock): Promise<Proxy> => {
    const table = new EndpointTable();
    table.apply({ type: 'snapshot', epoch: EPOCH, revision: 1, services: [view] });
    const logger = pino({ level: 'info' }, { write: (s: string) => log.push(JSON.parse(s) as Line) });
    return startProxy({ table, network: 'unused', logger, vips: host, clock });
  };
  const firstLog: Line[] = [];
  const secondLog: Line[] = [];
  const secondClock = new FakeClock();
  const first = await start(firstLog, new FakeClock());
  const second = await start(secondLog, secondClock);
  try {
    assert.equal(await oneShot(vip, replica.port), 'r1');
    // tried again every 2 s while held: said once, in one line, at warn, without a stack
    for (let i = 0; i < 3; i++) {
      secondClock.advance(2_000);
      await second.restoreVips(); // queued behind the retry: it has run
    }
    const said = secondLog.filter((l) => l.level >= 40);
    assert.deepEqual(
      said.map((l) => [l.level, l.msg]),
      [
        [
          40,
          `${vip}:${replica.port}/tcp of service web is held by another process on this host (another worker's ` +
            '--proxy?), so this proxy serves it once it is free; run one worker with --proxy per host',
        ],
      ],
    );
    await second.close();
    assert.ok(host.present.has(vip), 'the VIP the first proxy serves stays on the bridge');
    assert.equal(await oneShot(vip, replica.port), 'r1');
    await first.close();
    assert.ok(!host.present.has(vip), 'the proxy that served it takes it away');
  } finally {
    await second.close();
    await first.close();
    await closeAll([replica.server]);
  }
});

test('the second proxy serves the port once the first stops, and says so', async () => {
  const { replica, vip, view } = await oneReplica();
  const host = new HostAddresses();
  const table = new EndpointTable();
  table.apply({ type: 'snapshot', epoch: EPOCH, revision: 1, services: [view] });
  const silent = pino({ level: 'silent' });
  const first = await startProxy({ table, network: 'unused', logger: silent, vips: host, clock: new FakeClock() });
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Line) });
  const clock = new FakeClock();
  const second = await startProxy({ table, network: 'unused', logger, vips: host, clock });
  try {
    await first.close();
    clock.advance(2_000);
    await second.restoreVips();
    assert.equal(await oneShot(vip, replica.port), 'r1');
    assert.ok(lines.some((l) => l.msg === 'serving a virtual IP port another process held'));
  } finally {
    await second.close();
    await first.close();
    await closeAll([replica.server]);
  }
});
