import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import {
  describeConstraint,
  meetsConstraint,
  parseConstraint,
  parseNodeLabels,
  parseSubmission,
  toSpec,
  MAX_NODE_LABELS,
} from '../../../src/task/index.js';

const base = { name: 'web', image: 'poseidon/busybox:latest' };

test('constraints parse into rules on labels, name and id, with == and !=', () => {
  const cases: Array<[string, ReturnType<typeof parseConstraint>]> = [
    ['node.labels.zone == a', { attribute: 'label', key: 'zone', op: '==', value: 'a' }],
    ['node.labels.disk.type!=ssd', { attribute: 'label', key: 'disk.type', op: '!=', value: 'ssd' }],
    ['  node.name == worker-2 ', { attribute: 'name', key: '', op: '==', value: 'worker-2' }],
    [
      'node.id != 7c9e6679-7425-40de-944b-e07fc1f90ae7',
      { attribute: 'id', key: '', op: '!=', value: '7c9e6679-7425-40de-944b-e07fc1f90ae7' },
    ],
  ];
  for (const [text, rule] of cases) {
    assert.deepEqual(parseConstraint('constraints[0]', text), rule, text);
    assert.equal(describeConstraint(rule), text.trim().replace(/\s*(==|!=)\s*/, ' $1 '));
  }
});

test('a malformed constraint is refused naming its field', () => {
  for (const bad of [
    'zone == a',
    'node.labels.zone = a',
    'node.labels.zone == a b',
    'node.labels. == a',
    'node.role == manager',
    'node.name ==',
    'node.labels.-zone == a',
    'node.labels.zone == a;b',
  ]) {
    assert.throws(
      () => parseSubmission({ ...base, constraints: ['node.name == w1', bad] }),
      (err: unknown) =>
        err instanceof InvalidField && err.field === 'constraints[1]' && /^constraints\[1\] /.test(err.message),
      bad,
    );
  }
  assert.throws(
    () => parseSubmission({ ...base, constraints: ['node.labels.zone = a'] }),
    /constraints\[0\] must be a rule such as "node\.labels\.zone == a"/,
  );
});

test('a node meets == only with the same value, and != unless it has that value (a missing label included)', () => {
  const n = { id: 'id-1', name: 'w1', labels: { zone: 'a' } };
  const rule = (text: string): ReturnType<typeof parseConstraint> => parseConstraint('c', text);
  assert.equal(meetsConstraint(rule('node.labels.zone == a'), n), true);
  assert.equal(meetsConstraint(rule('node.labels.zone == b'), n), false);
  assert.equal(meetsConstraint(rule('node.labels.zone != a'), n), false);
  assert.equal(meetsConstraint(rule('node.labels.disk == ssd'), n), false);
  assert.equal(meetsConstraint(rule('node.labels.disk != ssd'), n), true);
  assert.equal(meetsConstraint(rule('node.labels.zone == a'), { id: 'x', name: 'y' }), false);
  assert.equal(meetsConstraint(rule('node.name == w1'), n), true);
  assert.equal(meetsConstraint(rule('node.name != w1'), n), false);
  assert.equal(meetsConstraint(rule('node.id == id-1'), n), true);
  // a label named like an inherited property is not one the node has
  assert.equal(meetsConstraint(rule('node.labels.constructor == x'), n), false);
});

test("a task's constraints are kept in its request and survive toSpec; a task without them has none", () => {
  const r = parseSubmission({ ...base, constraints: ['node.labels.zone == a', 'node.name != w2'] });
  assert.equal(r.constraints?.length, 2);
  assert.deepEqual(toSpec(r).constraints, ['node.labels.zone == a', 'node.name != w2']);
  assert.deepEqual(parseSubmission(toSpec(r)), r);
  const plain = parseSubmission(base);
  assert.equal('constraints' in plain, false);
  assert.equal('constraints' in toSpec(plain), false);
});

test('node labels from --label are key=value, bounded, each key once', () => {
  assert.deepEqual(parseNodeLabels('--label', ['zone=a', 'disk.type=ssd', 'empty=']), {
    zone: 'a',
    'disk.type': 'ssd',
    empty: '',
  });
  for (const bad of [['zone'], ['=a'], ['zone=a b'], ['zo ne=a'], [`${'k'.repeat(64)}=v`], [`k=${'v'.repeat(64)}`]])
    assert.throws(() => parseNodeLabels('--label', bad), /--label must be key=value/, bad.join());
  assert.throws(() => parseNodeLabels('--label', ['zone=a', 'zone=b']), /--label gives the label zone twice/);
  const many = Array.from({ length: MAX_NODE_LABELS + 1 }, (_, i) => `k${i}=v`);
  assert.throws(() => parseNodeLabels('--label', many), /at most 32 labels/);
});
