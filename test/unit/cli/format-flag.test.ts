import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/commands.js';
import { nodeFields } from '../../../src/cli/node-format.js';
import type { FormatField } from '../../../src/cli/row-format.js';
import { SERVICE_FIELDS } from '../../../src/cli/service-format.js';
import { servicePsFields } from '../../../src/cli/service-ps.js';
import { volumeFields } from '../../../src/cli/volume-format.js';
import { STATS_FIELDS } from '../../../src/cli/stats-action.js';
import { taskFields } from '../../../src/cli/task-format.js';

// The help of each --format names the fields its command prints, and no other: the two are
// written apart (the definitions load none of the printing code), so this keeps them together.

/** The placeholders `--format`'s help names, on the command at `path`. */
function helped(path: readonly string[]): string[] {
  let cmd: Command | undefined = buildProgram(path[0]);
  for (const name of path) cmd = cmd?.commands.find((c) => c.name() === name);
  const help = cmd?.options.find((o) => o.long === '--format')?.description ?? '';
  return [...help.matchAll(/\{\{\.(\w+)\}\}/g)].map((m) => m[1] ?? '');
}

const names = (fields: ReadonlyArray<FormatField<never>>): string[] => fields.map((f) => f.name);

test("--format's help names each field of each list command, in order, and no other", () => {
  assert.deepEqual(helped(['status']), names(taskFields(0, false)));
  assert.deepEqual(helped(['stats']), names(STATS_FIELDS));
  assert.deepEqual(helped(['node', 'ls']), names(nodeFields(0)));
  assert.deepEqual(helped(['node']), names(nodeFields(0)));
  assert.deepEqual(helped(['service', 'ls']), names(SERVICE_FIELDS));
  assert.deepEqual(helped(['service', 'ps']), names(servicePsFields(false)));
  assert.deepEqual(helped(['volume', 'ls']), names(volumeFields(0)));
});
