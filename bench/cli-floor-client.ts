// The `cli` benchmark's floor: the least a Node program can do for `poseidon status` and
// `poseidon run --wait`, with the same credentials and over the same mutual-TLS-capable HTTPS as
// the CLI, and nothing else: no argument parser, no config file, no validation, no error
// messages, no table; Node's own modules only, one file. What it takes beyond `node -e 0` (and
// beside `docker run -d`) is what no CLI written for Node can go under on the machine.
//
//   node cli-floor-client.js status          GET /tasks?fields=..., one line per task
//   node cli-floor-client.js run FILE        the event stream opened, POST /tasks, then exits on
//                                            the task's own task.started (or task.exited) event
//
// The manager's URL, token and CA come from POSEIDON_MANAGER, POSEIDON_TOKEN and POSEIDON_CA.
import { readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';

const base = new URL(process.env.POSEIDON_MANAGER ?? '');
const agent = new Agent({ ca: readFileSync(process.env.POSEIDON_CA ?? ''), keepAlive: true });
const headers = { authorization: `Bearer ${process.env.POSEIDON_TOKEN ?? ''}` };

function call(method: string, path: string, body?: string): Promise<IncomingMessage> {
  const options: RequestOptions = {
    method,
    agent,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
  };
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), options, resolve);
    req.once('error', reject);
    req.end(body);
  });
}

async function text(res: IncomingMessage): Promise<string> {
  let out = '';
  res.setEncoding('utf8');
  for await (const chunk of res) out += chunk as string;
  if ((res.statusCode ?? 0) >= 300) throw new Error(`HTTP ${res.statusCode}: ${out}`);
  return out;
}

async function status(): Promise<void> {
  const fields = 'id,name,service,slot,image,desiredState,state,node,ports,restarts,submittedAt,reason';
  const tasks = JSON.parse(await text(await call('GET', `/tasks?fields=${fields}`))) as Array<Record<string, unknown>>;
  let out = 'ID NAME IMAGE STATE NODE REASON\n';
  for (const t of tasks)
    out += `${String(t.id).slice(0, 8)} ${t.name} ${t.image} ${t.state} ${t.node ?? '-'} ${t.reason}\n`;
  process.stdout.write(out);
}

async function run(file: string): Promise<void> {
  // both connections at once, as the CLI makes them: the stream is open long before the container starts
  const opening = call('GET', '/events');
  const submitted = call('POST', '/tasks', readFileSync(file, 'utf8')).then(text);
  let id: string | undefined;
  let pending = '';
  const seen: string[] = [];
  const settled = (line: string): boolean =>
    id !== undefined && line.includes(id) && (line.includes('"task.started"') || line.includes('"task.exited"'));
  let heard: (line: string) => void = () => {};
  const done = new Promise<string>((resolve) => (heard = resolve));
  void opening.then((events) => {
    events.setEncoding('utf8');
    events.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        seen.push(line);
        if (settled(line)) heard(line);
      }
    });
  });
  id = (JSON.parse(await submitted) as { id: string }).id;
  // the safety net for an event sent before the stream was open: the task's record, after a while
  const late = setTimeout(() => void call('GET', `/tasks/${id}`).then(text).then(heard), 5_000);
  const line = seen.find(settled) ?? (await done);
  clearTimeout(late);
  const e = JSON.parse(line) as { state?: string; node?: string };
  process.stdout.write(`${id} ${e.state} on ${e.node}\n`);
  process.exit(0);
}

const [command, file] = process.argv.slice(2);
await (command === 'run' ? run(file ?? '') : status());
