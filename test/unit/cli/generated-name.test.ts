import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENERATED_NAME_TRIES, submitWithName } from '../../../src/cli/generated-name.js';
import { RemoteError } from '../../../src/errors/index.js';

// `poseidon run IMAGE` makes up a name (`nginx-1a2b`) when --name gives none; a task not ended
// holds its name, so a made-up one in use is made up again, and a given one is refused as it is.

const taken = (name: string): RemoteError =>
  new RemoteError('task_name_taken', 409, `the name ${name} is in use by task 1a2b (Running), which has not ended`);

function manager(inUse: Set<string>): { submit(body: unknown): Promise<string>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    submit: (body) => {
      const { name } = body as { name: string };
      asked.push(name);
      return inUse.has(name) ? Promise.reject(taken(name)) : Promise.resolve(name);
    },
  };
}

test('a made-up name in use is made up again; the first free one is submitted', async () => {
  const names = ['nginx-aaaa', 'nginx-bbbb', 'nginx-cccc'];
  const m = manager(new Set(['nginx-aaaa', 'nginx-bbbb']));
  const made = await submitWithName(() => ({ name: names.shift() }), m.submit, true);
  assert.equal(made, 'nginx-cccc');
  assert.deepEqual(m.asked, ['nginx-aaaa', 'nginx-bbbb', 'nginx-cccc']);
});

test('a given name in use is refused at once; made-up ones give up after a few tries', async () => {
  const given = manager(new Set(['web']));
  await assert.rejects(
    submitWithName(() => ({ name: 'web' }), given.submit, false),
    { code: 'task_name_taken' },
  );
  assert.deepEqual(given.asked, ['web']);
  const always = manager(new Set(['x']));
  await assert.rejects(
    submitWithName(() => ({ name: 'x' }), always.submit, true),
    { code: 'task_name_taken' },
  );
  assert.equal(always.asked.length, GENERATED_NAME_TRIES);
});

test('another refusal is not retried', async () => {
  let asked = 0;
  const refused = new RemoteError('invalid_field', 400, 'memory is too small');
  await assert.rejects(
    submitWithName(
      () => ({ name: 'nginx-aaaa' }),
      () => ((asked += 1), Promise.reject(refused)),
      true,
    ),
    refused,
  );
  assert.equal(asked, 1);
});
