// exiftool (Debian: libimage-exiftool-perl), the reference reader the photo
// tests compare with. scripts/setup-system.mjs installs it before `npm test`;
// a test that needs it skips, saying why, only where it cannot be installed
// (not root), and fails where it should have been.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

export const hasExiftool = spawnSync('sh', ['-c', 'command -v exiftool'], { stdio: 'ignore' }).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Skip (with the reason on stderr) only when exiftool is missing and this user cannot install it. */
export const skipWithoutExiftool = !hasExiftool && !isRoot;
if (skipWithoutExiftool) {
  console.warn(
    'exiftool is not installed, so the tests comparing with it are skipped: sudo apt-get install -y libimage-exiftool-perl',
  );
}

/** Tags of each file, numeric values (-n), grouped by family 1 (-G1: IFD0, ExifIFD, Canon, XMP-tiff, IPTC…). */
export async function exiftool(files: string[], tags: string[] = []): Promise<Record<string, unknown>[]> {
  if (!hasExiftool) {
    throw new Error(
      'exiftool is missing: run `node scripts/setup-system.mjs` (installs libimage-exiftool-perl)',
    );
  }
  const { stdout } = await promisify(execFile)(
    'exiftool',
    ['-j', '-n', '-G1', ...tags.map((tag) => `-${tag}`), ...files],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Record<string, unknown>[];
}
