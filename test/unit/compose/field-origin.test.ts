import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldOrigin } from '../../../src/compose/index.js';

// `deploy -c base.yml -c prod.yml`: an error in the merged document names the file that set the field.

const base = { services: { web: { image: 'nginx', ports: ['80:80'] }, 'api.v2': { image: 'api' } } };
const prod = { services: { web: { deploy: { replicas: -3 }, ports: ['443:443'] } } };
const names = ['base.yml', 'prod.yml'];

test('the file that holds the whole path is named; of two that do, the later one, which the merge let win', () => {
  assert.equal(fieldOrigin([base, prod], names, 'services.web.deploy.replicas'), 'prod.yml');
  assert.equal(fieldOrigin([base, prod], names, 'services.web.image'), 'base.yml');
  assert.equal(fieldOrigin([base, { services: { web: { image: 'x' } } }], names, 'services.web.image'), 'prod.yml');
});

test("a key with dots is walked; a list's entries count across the files, as the merge appends them", () => {
  assert.equal(fieldOrigin([base, prod], names, 'services.api.v2.image'), 'base.yml');
  assert.equal(fieldOrigin([base, prod], names, 'services.web.ports[0]'), 'base.yml');
  assert.equal(fieldOrigin([base, prod], names, 'services.web.ports[1]'), 'prod.yml');
  // past the end of every file's list: the last file that held the list
  assert.equal(fieldOrigin([base, prod], names, 'services.web.ports[5]'), 'prod.yml');
});

test('a path no file holds even the first step of names none', () => {
  assert.equal(fieldOrigin([base, prod], names, 'volumes.data'), undefined);
});
