#!/usr/bin/env node
// Runs before `npm test`: makes sure the system programs the tests drive for
// real (a Redis server, Chromium, tmux, exiftool) are present. As root it installs the
// missing ones with apt-get; otherwise it names them and how to install them.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [
  { bin: 'redis-server', pkg: 'redis-server' },
  { bin: 'chromium', pkg: 'chromium' },
  { bin: 'tmux', pkg: 'tmux' },
  { bin: 'exiftool', pkg: 'libimage-exiftool-perl' },
];

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const missing = needed.filter(({ bin }) => !has(bin));

if (missing.length === 0) process.exit(0);

const pkgs = missing.map((m) => m.pkg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !has('apt-get')) {
  console.error(
    `The tests need ${pkgs.join(', ')}, which are not installed.\n` +
      `Install them (Debian/Ubuntu: sudo apt-get install -y ${pkgs.join(' ')}) and run npm test again.`,
  );
  process.exit(1);
}

console.error(`Installing test dependencies with apt-get: ${pkgs.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
  stdio: 'inherit',
  env,
});
