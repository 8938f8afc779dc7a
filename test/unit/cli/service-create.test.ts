import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageServiceSpec, modeFlag } from '../../../src/cli/service-action.js';
import { parseServiceSpec } from '../../../src/service/index.js';

// `poseidon service create [--mode M] [--replicas N] IMAGE`: the spec it sends, every flag checked first.

test('--mode global: a global spec with no replicas, as the manager reads it', () => {
  const spec = imageServiceSpec('nginx:1.27', [], { mode: 'global', name: 'edge' });
  assert.deepEqual(spec, { name: 'edge', mode: 'global', task: { image: 'nginx:1.27' } });
  const parsed = parseServiceSpec(spec);
  assert.equal(parsed.mode, 'global');
  assert.equal('replicas' in parsed, false);
});

test('--mode replicated, or none: the spec says no mode (so a manager before global services takes it)', () => {
  assert.deepEqual(imageServiceSpec('nginx:1.27', [], { mode: 'replicated', replicas: '3' }), {
    name: 'nginx',
    replicas: 3,
    task: { image: 'nginx:1.27' },
  });
  assert.deepEqual(imageServiceSpec('nginx:1.27', [], {}), { name: 'nginx', task: { image: 'nginx:1.27' } });
});

test('--mode global with --replicas is refused naming both; a mode that is neither is refused naming --mode', () => {
  assert.throws(() => imageServiceSpec('nginx:1.27', [], { mode: 'global', replicas: '2' }), {
    message:
      /^--replicas is for a replicated service; --mode global runs one replica on each node that meets the constraints: leave --replicas out$/,
  });
  for (const bad of ['Global', 'everywhere', ''])
    assert.throws(() => imageServiceSpec('nginx:1.27', [], { mode: bad }), {
      message: new RegExp(`^--mode is ${JSON.stringify(bad)}; use replicated or global$`),
    });
  assert.equal(modeFlag('global'), 'global');
  assert.equal(modeFlag('replicated'), 'replicated');
});
