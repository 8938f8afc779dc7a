import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { HostRoute } from '../../../src/discovery/index.js';
import { EndpointTable } from '../../../src/discovery/index.js';
import { startProxy } from '../../../src/proxy/index.js';
import { routedVips, VipRouted } from '../../../src/proxy/routed-vips.js';
import { EPOCH, RecordingVips, serviceView } from './loopback.js';

// A service's virtual IP that the proxy's host routes elsewhere (the manager's --vip-range on a LAN
// or a VPN the host reaches) is not added on the bridge: it would take that address's traffic from
// where the route sends it. Routes out of the Poseidon bridge itself are its own. The routes and
// the `ip addr` calls are stand-ins: nothing here touches the host.

const LAN: HostRoute = { block: '10.246.0.0/16', dev: 'eth1' };
const OWN: HostRoute = { block: '10.213.0.0/16', dev: 'png' };

test('a VIP in a route of another interface is refused, naming the route and the flag to change', async () => {
  const inner = new RecordingVips();
  const vips = routedVips(inner, 'png', async () => [OWN, LAN, { block: '0.0.0.0/0', dev: 'eth0' }]);
  const err = await vips.add('10.246.130.7').catch((x: unknown) => x);
  assert.ok(err instanceof VipRouted, String(err));
  assert.equal(
    err.message,
    'virtual IP 10.246.130.7 lies in the route 10.246.0.0/16 on eth1 of this host, so it is not added here; ' +
      "start the manager with a --vip-range no host of the cluster routes (ip route), inside the upper half of the workers' --subnet",
  );
  assert.deepEqual(inner.added, []);
  // its own bridge's subnet, and what no route but the default one holds: added
  await vips.add('10.213.128.1');
  await vips.add('10.247.0.1');
  assert.deepEqual(inner.added, ['10.213.128.1', '10.247.0.1']);
  await vips.remove('10.213.128.1');
  assert.deepEqual(inner.removed, ['10.213.128.1']);
});

test('the proxy adds no VIP the host routes elsewhere, says so once across tries, and adds it once the route is gone', async () => {
  const lines: Array<{ msg: string; vip?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string }) });
  let routes: HostRoute[] = [OWN, LAN];
  const table = new EndpointTable();
  table.apply({ type: 'snapshot', epoch: EPOCH, revision: 1, services: [serviceView('web', '10.246.130.7', [], [])] });
  const vips = new RecordingVips();
  const proxy = await startProxy({ table, network: 'png', logger, vips, hostRoutes: async () => routes });
  try {
    const added = (): string[] => vips.added; // read afresh: an assert on it narrows its type
    assert.deepEqual(added(), []);
    // another change: every service is looked at again, the routed VIP tried again
    const other = serviceView('db', '10.213.128.2', [], []);
    table.apply({ type: 'service', epoch: EPOCH, revision: 2, service: other });
    await proxy.restoreVips(); // queued behind that reconcile: it has run
    assert.deepEqual(added(), ['10.213.128.2', '10.213.128.2']);
    const said = lines.filter((l) =>
      l.msg.startsWith('virtual IP 10.246.130.7 lies in the route 10.246.0.0/16 on eth1'),
    );
    assert.equal(said.length, 1, JSON.stringify(lines));
    assert.equal(said[0]?.vip, '10.246.130.7');
    // the VPN went down: the next look adds it
    routes = [OWN];
    table.apply({ type: 'service', epoch: EPOCH, revision: 3, service: { ...other, revision: 3 } });
    await proxy.restoreVips();
    assert.ok(added().includes('10.246.130.7'), JSON.stringify(added()));
  } finally {
    await proxy.close();
  }
});
