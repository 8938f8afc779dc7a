import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import type { Command } from 'commander';
import { ServiceSpec } from '../../../src/api/index.js';
import { buildProgram } from '../../../src/cli/commands.js';
import { FIELD_FLAGS, flagsGiven, namingFlags } from '../../../src/cli/field-flags.js';
import { imageTaskSpec, type RunImageFlags } from '../../../src/cli/run-image.js';
import { imageServiceSpec, type ServiceCreateFlags } from '../../../src/cli/service-action.js';
import { updatedSpec, type UpdateFlags } from '../../../src/cli/service-update.js';
import { InvalidField, RemoteError } from '../../../src/errors/index.js';
import { parseServiceSpec } from '../../../src/service/index.js';
import { parseSubmission, TaskSpec } from '../../../src/task/index.js';

// The manager checks a spec the CLI built from flags against the spec schema and names a field;
// the CLI names the flag the user typed instead.

/** What the client gets from the manager when `parse` (the manager's own check) refuses a spec. */
function managerRefusal(parse: () => unknown): RemoteError {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof InvalidField)) throw err;
    return new RemoteError(err.code, err.status, err.message);
  }
  assert.fail('the manager took it');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `poseidon run [flags] IMAGE`: what the user sees when the manager refuses the task. */
function runRefusal(flags: RunImageFlags, image = 'nginx:1.27'): string {
  const err = managerRefusal(() => parseSubmission(imageTaskSpec(image, [], flags, {}, () => 'abcd')));
  return message(namingFlags(err, flagsGiven(flags, ['IMAGE']), 'task'));
}

/** `poseidon service create [flags] IMAGE`. */
function createRefusal(flags: ServiceCreateFlags): string {
  const err = managerRefusal(() => parseServiceSpec(imageServiceSpec('nginx:1.27', [], flags)));
  return message(namingFlags(err, flagsGiven(flags, ['IMAGE']), 'service'));
}

const service = { name: 'web', replicas: 2, task: { image: 'nginx:1.27' } };

/** `poseidon service update [flags] web`, of `base` (the service's spec, or the file's). */
function updateRefusal(flags: UpdateFlags, base: unknown = service): string {
  const err = managerRefusal(() => parseServiceSpec(updatedSpec(base, flags, {})));
  return message(namingFlags(err, flagsGiven(flags), 'service'));
}

test('service create and update: a value the schema refuses is said naming the flag, not the field', () => {
  // the CLI checks these against the manager's range itself, in the same words below and above it
  assert.equal(
    createRefusal({ updateParallelism: '20000' }),
    '--update-parallelism is "20000"; use a whole number from 1 to 10000',
  );
  assert.equal(
    updateRefusal({ updateParallelism: '20000' }),
    '--update-parallelism is "20000"; use a whole number from 1 to 10000',
  );
  assert.equal(createRefusal({ replicas: '20000' }), '--replicas must be a whole number from 0 to 10000 (got 20000)');
  assert.equal(
    createRefusal({ mode: 'replicated-job', maxConcurrent: '20000' }),
    '--max-concurrent is "20000"; use a whole number from 1 to 10000',
  );
  assert.match(updateRefusal({ image: '' }), /^--image expected string length greater or equal to 1/);
  assert.match(updateRefusal({ image: 'a b' }), /^--image "a b" is not an image reference/);
  assert.match(createRefusal({ memory: '1' }), /^--memory is 1 B; a container needs at least/);
});

test('run: the task spec is a template with a name, its fields named by the flags that set them', () => {
  assert.match(runRefusal({ memory: '1' }), /^--memory is 1 B; a container needs at least/);
  // a field below the flag's is said after the flag
  assert.match(
    runRefusal({ entrypoint: 'a'.repeat(5000) }),
    /^--entrypoint \(entrypoint\[0\]\) is 5000 characters long; at most 4096$/,
  );
  // the health check's fields no setting flag gave are --health-cmd's
  assert.match(
    runRefusal({ healthCmd: 'a'.repeat(5000) }),
    /^--health-cmd \(healthCheck\.command\[2\]\) is 5000 characters long; at most 4096$/,
  );
});

test("service update: a health check's setting changed alone is named by its flag", () => {
  const checked = {
    ...service,
    task: { ...service.task, healthCheck: { type: 'exec', command: ['true'], interval: 1000 } },
  };
  assert.equal(
    updateRefusal({ healthTimeout: '5s' }, checked),
    '--health-timeout (5000ms) is longer than healthCheck.interval (1000ms)',
  );
});

test('a field no given flag set keeps its name: the file (or the service) said it, and is what to fix', () => {
  const file = { ...service, update: { parallelism: 20000 } };
  assert.match(updateRefusal({ replicas: '3' }, file), /^update\.parallelism must be at least 1/);
  // a file as it is: no flags
  const err = managerRefusal(() => parseServiceSpec(file));
  assert.equal(namingFlags(err, [], 'service'), err);
  // not the manager's refusal of the spec: as it came
  const other = new RemoteError('service_exists', 409, 'replicas of web exist');
  assert.equal(namingFlags(other, ['--replicas'], 'service'), other);
});

test('flagsGiven spells the flags as typed: kebab-case, a negation given as --no-, nothing for unset or empty', () => {
  assert.deepEqual(
    flagsGiven(
      { updateParallelism: '2', healthcheck: false, readOnly: true, env: [], label: ['a=b'], cpu: undefined },
      ['IMAGE'],
    ),
    ['IMAGE', '--update-parallelism', '--no-healthcheck', '--read-only', '--label'],
  );
});

/** The schema of the field at `path` (dot-separated), or undefined when the spec has none there. */
function schemaAt(root: TSchema, path: string): TSchema | undefined {
  let at: TSchema | undefined = root;
  for (const part of path.split('.')) {
    const props: Record<string, TSchema> | undefined = (at as { properties?: Record<string, TSchema> } | undefined)
      ?.properties;
    at = props?.[part];
  }
  return at;
}

test("every field in the table is one of the spec's (a task's own fields under task.)", () => {
  for (const [field] of FIELD_FLAGS) {
    const found = field.startsWith('task.')
      ? schemaAt(TaskSpec, field.slice('task.'.length))
      : schemaAt(ServiceSpec, field);
    assert.ok(found !== undefined, `${field} is no field of the spec`);
  }
});

/** Flags of run, service create and service update that set no field the manager checks. */
const NO_SPEC_FIELD = new Set([
  '--manager',
  '--token',
  '--ca',
  '--json',
  '--wait',
  '--timeout',
  '--filename',
  '--help',
  // removals take away: what is left was there
  '--env-rm',
  '--label-rm',
  '--publish-rm',
  '--constraint-rm',
  '--placement-pref-rm',
  '--secret-rm',
  '--config-rm',
  '--tmpfs-rm',
  '--host-rm',
  '--ulimit-rm',
  '--sysctl-rm',
  '--group-rm',
]);

function subcommand(program: Command, ...names: string[]): Command {
  let cmd = program;
  for (const name of names) {
    const next = cmd.commands.find((c) => c.name() === name);
    assert.ok(next !== undefined, `no command ${names.join(' ')}`);
    cmd = next;
  }
  return cmd;
}

test('every flag of run, service create and service update that sets a field is in the table', () => {
  const inTable = new Set(FIELD_FLAGS.flatMap(([, flags]) => flags));
  const program = buildProgram();
  for (const names of [['run'], ['service', 'create'], ['service', 'update']]) {
    const cmd = subcommand(program, ...names);
    for (const option of cmd.options) {
      const flag = option.long ?? '';
      assert.ok(
        inTable.has(flag) || NO_SPEC_FIELD.has(flag),
        `${names.join(' ')} ${flag}: which field does it set? (src/cli/field-flags.ts)`,
      );
    }
  }
});
