import { constants, realpathSync } from 'node:fs';
import { access, mkdir, open, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { InvalidField } from '../errors/index.js';
import { fsFault } from '../files/index.js';
import { isDnsLabel } from '../task/name.js';
import { configKeys } from './config-file.js';
import { DEFAULT_CONFIG_DIR } from './defaults.js';
import { EXIT_NODE_REMOVED } from './lifecycle.js';
import { registerManager, registerWorker } from './runtime-commands.js';

// `poseidon install-units manager|worker`: a systemd unit as k3s and Nomad ship theirs (restart
// always, a high open-file limit; for a worker, Docker first and only the worker's own process
// stopped, so its containers outlive a restart of it), and the config file the unit starts it
// with, when there is none yet: every key of the command, commented out at its default, but the
// data dir and a worker's name (configText says why).

type UnitKind = 'manager' | 'worker';

/** Where each kind keeps its state under systemd (the unit's StateDirectory). */
const STATE_DIR = '/var/lib/poseidon';

function unitText(kind: UnitKind, execStart: string, configFile: string): string {
  const worker = kind === 'worker';
  return [
    `# Written by \`poseidon install-units ${kind}\`; its settings are in ${configFile}.`,
    '[Unit]',
    `Description=Poseidon ${kind}`,
    // a worker runs its tasks on Docker: started after it, and wanting it, but not stopped with it:
    // it rides out an engine restart by itself (its tasks keep their state and come back)
    `Wants=network-online.target${worker ? ' docker.service' : ''}`,
    `After=network-online.target${worker ? ' docker.service' : ''}`,
    '',
    '[Service]',
    'Type=exec',
    `ExecStart=${execStart} ${kind} --config ${configFile}`,
    'Restart=always',
    'RestartSec=5s',
    ...(worker
      ? [
          '# removed from the cluster (poseidon node rm): it stopped its tasks and exits for good',
          `RestartPreventExitStatus=${EXIT_NODE_REMOVED}`,
        ]
      : []),
    // SIGTERM: the manager finishes its writes in flight and answers 503 to new ones, a worker
    // stops reporting; both exit within 10 s
    'KillSignal=SIGTERM',
    'TimeoutStopSec=15s',
    ...(worker ? ['# the worker alone: its containers keep running through a restart of it', 'KillMode=process'] : []),
    'LimitNOFILE=1048576',
    'LimitNPROC=infinity',
    'LimitCORE=infinity',
    'TasksMax=infinity',
    `StateDirectory=poseidon/${kind}`,
    // its store, keys and tokens: the owner's alone (systemd would set 0755 at each start)
    'StateDirectoryMode=0700',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * A worker's name from its host's (`Web-01.example.com`: `web-01`): host names are alike in any
 * case, a worker's name is a DNS label; undefined when the host's short name is not one.
 */
export function workerNameOf(host: string): string | undefined {
  const short = (host.split('.')[0] ?? '').toLowerCase();
  return isDnsLabel(short) ? short : undefined;
}

/**
 * Every key of the command, commented out at its default, with its help, but two set: the state
 * dir (the unit's StateDirectory), and a worker's name (its host's: each worker of a cluster needs
 * its own, and the default, worker-1, on a second host would be refused by the manager).
 */
export function configText(kind: UnitKind, host = hostname()): string {
  const program = new Command();
  (kind === 'manager' ? registerManager : registerWorker)(program);
  const cmd = program.commands[0] as Command;
  const set = new Map<string, { value: string; why: string }>([
    ['data-dir', { value: `${STATE_DIR}/${kind}`, why: "the unit's StateDirectory, which systemd makes" }],
  ]);
  const name = kind === 'worker' ? workerNameOf(host) : undefined;
  if (name !== undefined)
    set.set('name', {
      value: name,
      why: "this host's name: each worker of a cluster needs its own (the manager refuses a second live one)",
    });
  const lines = [
    `# poseidon ${kind}: every key is a flag of \`poseidon ${kind}\` (see --help); flags and the`,
    '# environment win over this file. Check the result with:',
    `#   poseidon ${kind} --config <this file> --print-config`,
  ];
  if (kind === 'worker')
    lines.push("# To join a cluster, set manager and join-token (the manager's <data-dir>/join-token).");
  if (kind === 'worker' && name === undefined)
    lines.push(`# Set name: each worker of a cluster needs its own (this host's, ${host}, is no DNS label).`);
  for (const [key, option] of configKeys(cmd)) {
    lines.push('', `# ${option.description}`);
    const fallback: unknown = option.negate ? true : option.defaultValue;
    const given = set.get(key);
    if (given !== undefined) lines.push(`# set: ${given.why}`, `${key}: ${given.value}`);
    else lines.push(`# ${key}:${fallback === undefined ? '' : ` ${yamlValue(fallback)}`}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A default as YAML: a number or word bare, anything else quoted. */
function yamlValue(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9./-]+$/.test(value) ? value : JSON.stringify(value);
}

/** `node /path/to/bin/poseidon.js` of this installation. */
function execStart(): string {
  const script = process.argv[1];
  if (script === undefined) throw new InvalidField('install-units', 'cannot tell where poseidon is installed');
  return `${process.execPath} ${realpathSync(script)}`;
}

/**
 * A directory `flag` names, checked before anything is written: it is one, or can be made (what
 * is there on its way is directories); else an error naming the flag, and nothing was written.
 */
async function checkDirectory(flag: string, dir: string): Promise<void> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(at)).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // not there (made, with what is missing above it), or under a file (found further up)
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(at) !== at) continue;
      throw new InvalidField(flag, `is ${dir}, which cannot be made (${fsFault(err)}); give a directory`);
    }
    if (isDirectory) {
      // the first directory that is there is where the writing (or making) starts
      const writable = await access(at, constants.W_OK).then(
        () => true,
        () => false,
      );
      if (!writable)
        throw new InvalidField(flag, `is ${dir}, where this user cannot write; run as root, or give another directory`);
      return;
    }
    const what = at === resolve(dir) ? 'a file, not a directory' : `under ${at}, a file`;
    throw new InvalidField(flag, `is ${dir}, ${what}; give a directory (nothing was written)`);
  }
}

export async function installUnits(
  kind: string,
  flags: { dir: string; configDir?: string },
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  if (kind !== 'manager' && kind !== 'worker') throw new InvalidField('kind', `is "${kind}"; use manager or worker`);
  const configDir = flags.configDir ?? process.env.POSEIDON_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const configFlag =
    flags.configDir === undefined && process.env.POSEIDON_CONFIG_DIR !== undefined
      ? 'POSEIDON_CONFIG_DIR'
      : '--config-dir';
  const configFile = join(configDir, `${kind}.yaml`);
  const unitFile = join(flags.dir, `poseidon-${kind}.service`);
  // both places first: a unit whose config file cannot be written would start with none
  await checkDirectory('--dir', flags.dir);
  await checkDirectory(configFlag, configDir);
  const start = execStart();
  await mkdir(flags.dir, { recursive: true });
  await mkdir(configDir, { recursive: true });
  await writeFile(unitFile, unitText(kind, start, configFile));
  out(`wrote ${unitFile}\n`);
  // it may come to hold a join token: the owner's alone; one that exists is the operator's and stays
  const file = await open(configFile, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EEXIST') return undefined;
    throw err;
  });
  if (file === undefined) out(`kept ${configFile} (it exists)\n`);
  else {
    try {
      await file.writeFile(configText(kind));
    } finally {
      await file.close();
    }
    out(`wrote ${configFile}\n`);
    // as written, a worker's file joins no cluster: started so, it fails and is restarted every 5 s
    if (kind === 'worker')
      out(`then: set manager and join-token in ${configFile} (the manager's <data-dir>/join-token); and\n`);
  }
  out(`then: systemctl daemon-reload && systemctl enable --now poseidon-${kind}\n`);
}
