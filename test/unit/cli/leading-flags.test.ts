import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveLeadingFlags } from '../../../src/cli/leading-flags.js';

test('connection flags before the command go after it, values and all', () => {
  assert.deepEqual(moveLeadingFlags(['--manager', 'https://m:5555', '--token=t1', 'service', 'scale', 'web', '2']), [
    'service',
    'scale',
    'web',
    '2',
    '--manager',
    'https://m:5555',
    '--token=t1',
  ]);
  assert.deepEqual(moveLeadingFlags(['--ca', 'ca.crt', 'status']), ['status', '--ca', 'ca.crt']);
});

test('they stay before a --, and nothing else moves', () => {
  assert.deepEqual(moveLeadingFlags(['--token', 't', 'logs', 'web', '--', '-f']), [
    'logs',
    'web',
    '--token',
    't',
    '--',
    '-f',
  ]);
  assert.deepEqual(moveLeadingFlags(['status', '--token', 't']), ['status', '--token', 't']);
  assert.deepEqual(moveLeadingFlags(['--json', 'status']), ['--json', 'status'], 'only the connection flags');
  assert.deepEqual(
    moveLeadingFlags(['--token']),
    ['--token'],
    'a flag without its value is left for commander to refuse',
  );
  assert.deepEqual(moveLeadingFlags([]), []);
});

test('before run IMAGE and service create IMAGE, whose later words are the container command, they go right after the command', () => {
  assert.deepEqual(moveLeadingFlags(['--manager', 'https://m:5555', 'run', 'busybox', 'sleep', '1']), [
    'run',
    '--manager',
    'https://m:5555',
    'busybox',
    'sleep',
    '1',
  ]);
  assert.deepEqual(moveLeadingFlags(['--token=t', 'service', 'create', '--replicas', '2', 'nginx', 'ls', '-l']), [
    'service',
    'create',
    '--token=t',
    '--replicas',
    '2',
    'nginx',
    'ls',
    '-l',
  ]);
  assert.deepEqual(moveLeadingFlags(['--token', 't', 'service', 'ls']), ['service', 'ls', '--token', 't']);
});
