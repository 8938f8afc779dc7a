import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type Docker from 'dockerode';
import { ensureNetwork } from '../../../src/driver/index.js';

// Several workers of one host starting at once, with no Poseidon network yet: each creates it.
// The engine refuses every create but the first ("Pool overlaps ...") as soon as the first has
// its address pool, which can be before that network answers an inspect. The engine is not
// under test: a stand-in answers the two calls ensureNetwork makes.

const OPTS = { name: 'pn-race', subnet: '10.215.0.0/24' };

/** An engine where another worker's network appears after `hiddenLooks` inspects answered 404. */
function engine(hiddenLooks: number): { docker: Docker; looks: () => number } {
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
});
