import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidImageRef } from '../../../src/task/index.js';

const HEX64 = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

// Accepted by Docker's reference grammar (github.com/distribution/reference).
const VALID = [
  'busybox',
  'busybox:1.36',
  'poseidon/busybox:latest',
  'strm/helloworld-http',
  'localhost:5000/a/b:v1.2',
  'registry.example.com/team/app:v2',
  'my_org/my__app',
  'a-b---c/d.e',
  'app:Tag_With.Upper-Case',
  `repo@sha256:${HEX64}`,
  `repo:tag@sha256:${HEX64}`,
  HEX64,
  `sha256:${HEX64}`,
  // Docker reads an upper-case first element as a registry host ("UPPER" here), not a
  // namespace: splitDockerDomain in distribution/reference normalize.go.
  'UPPER/case',
];
for (const ref of VALID) {
  test(`isValidImageRef accepts ${JSON.stringify(ref)}`, () => {
    assert.equal(isValidImageRef(ref), true);
  });
}

// Refused by Docker ("invalid reference format").
const INVALID = [
  '',
  'Busybox', // a repository name must be lowercase
  'foo/Bar',
  'a b',
  'foo:',
  ':tag',
  '-leading',
  'trailing-',
  'foo/-bar',
  'foo//bar',
  'foo/',
  '/foo',
  'foo@sha256:abc', // digest too short
  'foo:-tag',
  `foo:${'t'.repeat(129)}`, // tags are at most 128 characters
  'x'.repeat(256),
];
for (const ref of INVALID) {
  test(`isValidImageRef refuses ${JSON.stringify(ref.length > 40 ? `${ref.slice(0, 20)}...(${ref.length} chars)` : ref)}`, () => {
    assert.equal(isValidImageRef(ref), false);
  });
}
