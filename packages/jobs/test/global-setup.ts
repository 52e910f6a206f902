// Builds dist before the tests when a source is newer than its output: the
// engine tests run the built job modules, as production does. (Worker threads
// cannot import the .ts sources here: see test/helpers/engine.ts.)
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function isBuilt(): boolean {
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  return sources.every((source) => {
    const built = join(root, 'dist', source.replace(/\.ts$/, '.js'));
    try {
      return statSync(built).mtimeMs >= statSync(join(root, 'src', source)).mtimeMs;
    } catch {
      return false;
    }
  });
}

export default function build(): void {
  if (isBuilt()) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
