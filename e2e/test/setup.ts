// The e2e run's global setup: every public package is packed with `npm pack`,
// the tarballs are installed into a fresh project outside the repository (its
// other dependencies from the npm cache), and `threadline init` runs there,
// once for every test file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@threadline/testing';
import type { TestProject } from 'vitest/node';
import { type Installed, PACKAGES, type PackageJson } from './project.js';
import { REPO, run, said, sizeOf, step, stopAll, timings } from './shell.js';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export default async function setup(vitest: TestProject) {
  for (const pkg of PACKAGES) {
    const main = join(REPO, 'packages', pkg.dir, 'dist/index.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: run \`npx turbo run build\` at the root first`);
  }
  const root = tempDir('e2e-install');
  const teardown = async () => {
    await stopAll();
    // THREADLINE_E2E_KEEP=1 keeps the tarballs and the project, to look around in after a failure.
    if (process.env.THREADLINE_E2E_KEEP) console.log(`[e2e] kept ${root.path}`);
    else root.remove();
    console.log(
      `[e2e] setup timings:\n${timings.map(([name, ms]) => `  ${name.padEnd(48)} ${(ms / 1000).toFixed(1)} s`).join('\n')}`,
    );
  };
  try {
    vitest.provide('installed', await install(root.path));
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

async function install(root: string): Promise<Installed> {
  const tarballs = join(root, 'tarballs');
  const project = join(root, 'my-project');
  mkdirSync(tarballs);
  mkdirSync(project);

  // 1. npm pack, from the repository root, every public workspace.
  const pack = await step('npm pack (8 packages)', () =>
    run(
      'npm',
      ['pack', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['--workspace', p.name])],
      REPO,
      { timeoutMs: 120_000 },
    ),
  );
  if (pack.code !== 0) throw new Error(`npm pack failed: ${said(pack)}`);
  const packed: Installed['packed'] = {};
  for (const pkg of PACKAGES) {
    const file = join(tarballs, pkg.tarball);
    const files = execFileSync('tar', ['tzf', file], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line && !line.endsWith('/'))
      .map((line) => line.replace(/^package\//, ''));
    const manifest = execFileSync('tar', ['xzfO', file, 'package/package.json'], { encoding: 'utf8' });
    packed[pkg.name] = { files, pkg: JSON.parse(manifest) as PackageJson };
    console.log(`[e2e] ${pkg.tarball}: ${files.length} files, ${mb(statSync(file).size)}`);
  }

  // 2. A fresh project that depends on the tarballs. They are not on the registry, so the
  // @threadline/* dependencies between them are pinned to the tarballs too (overrides).
  const deps = Object.fromEntries(PACKAGES.map((p) => [p.name, `file:../tarballs/${p.tarball}`]));
  const typesNode = JSON.parse(readFileSync(join(REPO, 'node_modules/@types/node/package.json'), 'utf8')) as {
    version: string;
  };
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'my-project',
        version: '0.1.0',
        private: true,
        type: 'module',
        dependencies: deps,
        // For the type check a user's editor does: their own @types/node (the repository's version).
        devDependencies: { '@types/node': typesNode.version },
        overrides: deps,
      },
      null,
      2,
    )}\n`,
  );
  const install = await step('npm install (tarballs + registry cache)', () =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project, { timeoutMs: 300_000 }),
  );
  if (install.code !== 0) throw new Error(`npm install failed: ${said(install)}`);
  const size = sizeOf(join(project, 'node_modules'));
  const count = readdirSync(join(project, 'node_modules')).length;
  console.log(`[e2e] node_modules: ${mb(size)} (${count} top-level entries)`);
  console.log(`[e2e] npm install said: ${install.stdout.trim().split('\n').at(-1)}`);

  // 3. `threadline init` in the installed project, then what it says to type next.
  const initOutput = await step('threadline init', () =>
    run('npx', ['--no-install', 'threadline', 'init'], project),
  );
  if (initOutput.code !== 0) throw new Error(`threadline init failed: ${said(initOutput)}`);
  const again = await step('npm install (after init, as it says)', () =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project, { timeoutMs: 300_000 }),
  );
  if (again.code !== 0) throw new Error(`npm install after init failed: ${said(again)}`);
  return { root, project, packed, initOutput };
}
