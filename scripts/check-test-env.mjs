// Runs before `npm test`: stops with what to install when something the tests need is missing,
// instead of failing later with a stack trace.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const missing = [];
if (!existsSync('node_modules/typescript')) missing.push('the npm dependencies: run `npm ci`');
const image = process.env.POSEIDON_TEST_IMAGE ?? 'poseidon/busybox:latest';
try {
  execFileSync('docker', ['info'], { stdio: 'ignore' });
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
  } catch {
    missing.push(`the local test image ${image}: run \`bash scripts/setup-images.sh\` (as root)`);
  }
} catch {
  missing.push('a running Docker engine: run `bash scripts/setup-docker.sh` (as root)');
}
try {
  execFileSync('promtool', ['--version'], { stdio: 'ignore' });
} catch {
  missing.push('promtool, for the metrics test: run `bash scripts/setup-promtool.sh` (as root)');
}
try {
  execFileSync(process.env.ETCD_BIN ?? 'etcd', ['--version'], { stdio: 'ignore' });
} catch {
  missing.push('etcd, for the tests of managers on etcd: run `bash scripts/setup-etcd.sh` (as root)');
}
try {
  execFileSync('dig', ['-v'], { stdio: 'ignore' });
} catch {
  missing.push('dig, for the DNS tests: run `bash scripts/setup-dnsutils.sh` (as root)');
}
try {
  execFileSync('script', ['--version'], { stdio: 'ignore' });
} catch {
  missing.push("util-linux's script, for the terminal tests of poseidon exec -it: apt-get install bsdutils (as root)");
}
if (!existsSync(process.env.CHROMIUM_BIN ?? '/usr/bin/chromium')) {
  missing.push(
    "Debian's chromium, for the web console's browser tests: run `bash scripts/setup-chromium.sh` (as root)",
  );
}
if (missing.length > 0) {
  console.error('npm test needs:');
  for (const m of missing) console.error(`  - ${m}`);
  console.error('or all at once, as root: bash scripts/setup.sh');
  process.exit(1);
}
