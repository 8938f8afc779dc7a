import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../../../src/errors/index.js';
import { isDnsLabel, parseSubmission } from '../../../src/task/index.js';

// Task names are DNS labels, in both formats; a name stored before the rule is still taken from
// the manager that holds it (acceptLegacyNames), and nothing with a control character is a name.

const ACCEPTED = ['web', 'a', '0', 'web-1', 'a1-b2-c3', 'x'.repeat(63), 'hello-web'];
for (const name of ACCEPTED) {
  test(`task name ${JSON.stringify(name)} is a DNS label and accepted`, () => {
    assert.equal(isDnsLabel(name), true);
    assert.equal(parseSubmission({ name, image: 'busybox' }).name, name);
  });
}

const REFUSED = [
  'Web',
  'web_1',
  'web.1',
  '-web',
  'web-',
  'x'.repeat(64),
  'wéb',
  '',
  'web\u001b[2J',
  '\u001b]0;owned\u0007web',
  'web\u202egnp.exe',
  'web\n',
];
for (const name of REFUSED) {
  test(`task name ${JSON.stringify(name)} is refused naming name, with the rule`, () => {
    assert.throws(
      () => parseSubmission({ name, image: 'busybox' }),
      (err: unknown) => err instanceof InvalidField && err.field === 'name' && /must be a DNS label/.test(err.message),
    );
  });
}

test('a seed file Name with terminal escape codes is refused naming Task.Name', () => {
  assert.throws(
    () => parseSubmission({ State: 0, Task: { Name: 'web\u001b[31mred', Image: 'busybox' } }),
    (err: unknown) => err instanceof InvalidField && err.field === 'Task.Name' && /DNS label/.test(err.message),
  );
});

test('a seed file Name that is not a DNS label is refused like a native one', () => {
  assert.throws(
    () => parseSubmission({ State: 0, Task: { Name: 'Test_Chapter_5', Image: 'busybox' } }),
    (err: unknown) => err instanceof InvalidField && err.field === 'Task.Name',
  );
});

test('a name valid before the rule is taken where stored tasks arrive (a worker), and only there', () => {
  assert.equal(parseSubmission({ name: 'Web_1.old', image: 'busybox' }, { acceptLegacyNames: true }).name, 'Web_1.old');
  assert.throws(() => parseSubmission({ name: 'Web_1.old', image: 'busybox' }), InvalidField);
});

test('even where old names are taken, a name with a control character is not', () => {
  assert.throws(
    () => parseSubmission({ name: 'web\u001b[2J', image: 'busybox' }, { acceptLegacyNames: true }),
    (err: unknown) => err instanceof InvalidField && err.field === 'name',
  );
});
