// The checksum manifest, in the format of `sha256sum` (`<hex>  <path>`), so
// `cd root && sha256sum -c SHA256SUMS` checks it too. Names holding a
// newline or a backslash are escaped the way GNU coreutils does it.

export interface ManifestEntry {
  sha256: string;
  path: string;
}

export function formatManifestLine({ sha256, path }: ManifestEntry): string {
  if (!/[\\\n\r]/.test(path)) return `${sha256}  ${path}\n`;
  const escaped = path.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
  return `\\${sha256}  ${escaped}\n`;
}

const LINE = /^(\\?)([0-9a-fA-F]{64}) [ *](.*)$/;

/** Parses a manifest; lines that are not `<hex>  <path>` are returned as `invalid` (1-based line numbers). */
export function parseManifest(text: string): { entries: ManifestEntry[]; invalid: number[] } {
  const entries: ManifestEntry[] = [];
  const invalid: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line === '' && i === lines.length - 1) return;
    const match = LINE.exec(line);
    if (!match) {
      invalid.push(i + 1);
      return;
    }
    const [, escaped, sha256, rawPath] = match as unknown as [string, string, string, string];
    const path = escaped
      ? rawPath.replace(/\\(\\|n|r)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'))
      : rawPath;
    entries.push({ sha256: sha256.toLowerCase(), path });
  });
  return { entries, invalid };
}
