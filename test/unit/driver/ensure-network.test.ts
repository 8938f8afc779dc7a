import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type Docker from 'dockerode';
import { ensureNetwork, NetworkUnusable } from '../../../src/driver/index.js';

// Several workers of one host starting at once, with no Poseidon network yet: each creates it.
// The engine refuses every create but the first ("Pool overlaps ...") as soon as the first has
// its address pool, which can be before that network answers an inspect. The engine is not
// under test: a stand-in answers the two calls ensureNetwork makes.

const OPTS = { name: 'pn-race', subnet: '10.215.0.0/24' };

/** An engine where another worker's network appears after `hiddenLooks` inspects answered 404. */
function engine(
  hiddenLooks: number,
  networks: Array<{ Name: string; IPAM: { Config: Array<{ Subnet?: string }> } }> = [],
): { docker: Docker; looks: () => number } {
  let looks = 0;
  const notFound = Object.assign(new Error('(HTTP code 404) no such network'), { statusCode: 404 });
  const docker = {
    getNetwork: () => ({
      inspect: async () => {
        looks += 1;
        if (looks <= hiddenLooks) throw notFound;
        return {
          Name: OPTS.name,
          Labels: { 'poseidon.network': OPTS.name },
          IPAM: { Config: [{ Subnet: OPTS.subnet }] },
        };
      },
    }),
    listNetworks: async () => networks,
    createNetwork: async () => {
      throw Object.assign(
        new Error('(HTTP code 403) unexpected - Pool overlaps with other one on this address space'),
        {
          statusCode: 403,
          json: { message: 'Pool overlaps with other one on this address space' },
        },
      );
    },
  } as unknown as Docker;
  return { docker, looks: () => looks };
}

describe('ensureNetwork when another worker creates the same network', () => {
  test('a refused create looks again until the other worker network is there, and takes it', async () => {
    // the first look (before the create) and two after it find nothing; the fourth finds it
    const e = engine(3);
    const info = await ensureNetwork(e.docker, OPTS);
    assert.equal(info.name, OPTS.name);
    assert.equal(info.gateway, '10.215.0.1');
    assert.equal(e.looks(), 4);
  });

  test('a create refused for good still fails, naming the engine reason', async () => {
    const e = engine(Number.POSITIVE_INFINITY);
    await assert.rejects(
      ensureNetwork(e.docker, OPTS),
      /network pn-race \(10\.215\.0\.0\/24\) could not be created: Pool overlaps with other one on this address space/,
    );
  });

  test('an overlapping subnet fails as NetworkUnusable: one line, the other network named, and what to do', async () => {
    const e = engine(Number.POSITIVE_INFINITY, [
      { Name: 'bridge', IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] } },
      { Name: 'v6only', IPAM: { Config: [{ Subnet: 'fd00::/64' }] } },
      { Name: 'someone-else', IPAM: { Config: [{ Subnet: '10.215.0.0/16' }] } },
    ]);
    const err = await ensureNetwork(e.docker, OPTS).catch((x: unknown) => x);
    assert.ok(err instanceof NetworkUnusable, String(err));
    assert.equal(err.code, 'network_unusable');
    assert.equal(
      err.message,
      'network pn-race (10.215.0.0/24) could not be created: Pool overlaps with other one on this address space; ' +
        'start the worker with --subnet 10.213.0.0/16 (free now), or without --subnet to have a free one picked, ' +
        'or remove Docker network someone-else (10.215.0.0/16) (docker network ls)',
    );
    assert.doesNotMatch(err.message, /\n/);
    // the engine's list not there to read: the way out is still said
    const unlisted = engine(Number.POSITIVE_INFINITY);
    const plain = await ensureNetwork(unlisted.docker, OPTS).catch((x: unknown) => x);
    assert.ok(plain instanceof NetworkUnusable);
    assert.match(plain.message, /; start the worker with --subnet .*, or remove the Docker network that holds it/);
  });
});
