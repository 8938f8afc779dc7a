// Sums a `.cpuprofile` (Node's `--cpu-prof`, e.g. `POSEIDON_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" npm run
// bench -- submit`, or bench/submit-alloc.ts --cpu) by function and by file on self time (not part of `npm run bench`):
//   node dist/bench/cpu-profile-summary.js FILE [--units N] [--top N]
// --units divides every figure: µs per submission when N is the submissions the profile covers.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { summarizeCpuProfile, type CpuProfile } from './cpu-profile.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { units: { type: 'string', default: '1' }, top: { type: 'string', default: '40' } },
});
const file = positionals[0];
if (file === undefined) {
  process.stderr.write('usage: node dist/bench/cpu-profile-summary.js FILE [--units N] [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
const unit = values.units === '1' ? 'profile' : 'submission';
process.stdout.write(`${summarizeCpuProfile(profile, Number(values.units), Number(values.top), unit)}\n`);
