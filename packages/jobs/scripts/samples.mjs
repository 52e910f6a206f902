#!/usr/bin/env node
// Sample data for trying the built-in jobs by hand:
//   node packages/jobs/scripts/samples.mjs /tmp/threadline-samples
// writes images, photos (with EXIF orientation and dates), a small tree and a
// CSV there, and prints one command per job. With --serve-feeds it then serves
// a few fixture feeds on 127.0.0.1 until stopped, for feeds.fetch.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

const args = process.argv.slice(2);
const serveFeeds = args.includes('--serve-feeds');
const dir = resolve(args.find((arg) => !arg.startsWith('--')) ?? 'threadline-samples');

async function image(path, width, height, { orientation, taken, format = 'jpeg' } = {}) {
  const hue = (width * 7 + height * 13) % 255;
  let pipeline = sharp({
    create: { width, height, channels: 3, background: { r: hue, g: 120, b: 255 - hue } },
  });
  if (taken) pipeline = pipeline.withExif({ IFD2: { DateTimeOriginal: taken } });
  if (orientation) pipeline = pipeline.withMetadata({ orientation });
  await pipeline.toFormat(format).toFile(path);
}

await mkdir(join(dir, 'images/holiday'), { recursive: true });
for (let i = 0; i < 12; i++) await image(join(dir, `images/big-${i}.jpg`), 3000 + i * 40, 2000);
await image(join(dir, 'images/holiday/beach.png'), 2400, 3200, { format: 'png' });
await image(join(dir, 'images/icon.png'), 64, 64, { format: 'png' });

await mkdir(join(dir, 'photos'), { recursive: true });
const orientations = [1, 3, 6, 8, 6, 1];
for (let i = 0; i < orientations.length; i++) {
  const taken = `2023:0${(i % 9) + 1}:1${i} 1${i}:2${i}:3${i}`;
  await image(join(dir, `photos/IMG_${1000 + i}.jpg`), 1200, 800, { orientation: orientations[i], taken });
}

await mkdir(join(dir, 'tree/docs/deep'), { recursive: true });
await writeFile(join(dir, 'tree/readme.txt'), 'hello\n');
await writeFile(join(dir, 'tree/docs/notes.md'), '# notes\n');
await writeFile(join(dir, 'tree/docs/deep/data.bin'), Buffer.alloc(64 * 1024 * 1024, 1));
await symlink('..', join(dir, 'tree/docs/up')).catch(() => {});

const rows = Array.from({ length: 5000 }, (_, i) => {
  const size = 30 + (i % 170);
  const rooms = 1 + (i % 5);
  return `${size},${rooms},${(1200 * size + 15000 * rooms + ((i * 7919) % 20000)).toFixed(0)}`;
});
await writeFile(join(dir, 'houses.csv'), `size,rooms,price\n${rows.join('\n')}\n`);

const FEEDS_PORT = 8765;
const feed = (n) => `http://127.0.0.1:${FEEDS_PORT}/${n}`;
const input = (value) => `'${JSON.stringify(value)}'`;
const commands = [
  ['image.scale', { source: join(dir, 'images'), target: join(dir, 'scaled'), size: 800, format: 'webp' }],
  ['photo.tidy', { folder: join(dir, 'photos'), rename: '{YYYY}-{MM}-{DD} {hh}.{mm}.{ss}', dryRun: true }],
  ['files.index', { root: join(dir, 'tree'), followSymlinks: true }],
  ['files.checksum', { root: join(dir, 'tree') }],
  [
    'feeds.fetch',
    { feeds: [feed('rss'), feed('atom'), feed('broken'), feed('missing')], output: join(dir, 'feeds') },
  ],
  ['demo.sleep', { items: 40, ms: 200, failEvery: 7 }],
  ['model.train', { data: join(dir, 'houses.csv') }],
];
console.log(`Sample data in ${dir}. Try:\n`);
for (const [name, value] of commands) console.log(`npx threadline run ${name} --input ${input(value)}`);
console.log(`\n(feeds.fetch needs: node ${process.argv[1]} ${dir} --serve-feeds)`);

if (serveFeeds) {
  const now = Date.now();
  const items = (n) =>
    Array.from({ length: 3 }, (_, i) => ({
      id: `${n}-${Math.floor(now / 60_000) - i}`,
      at: new Date(now - i * 60_000),
    }));
  const routes = {
    '/rss': () =>
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Sample RSS</title>${items('rss')
        .map(
          (e) =>
            `<item><title>Post ${e.id}</title><guid>${e.id}</guid><pubDate>${e.at.toUTCString()}</pubDate></item>`,
        )
        .join('')}</channel></rss>`,
    '/atom': () =>
      `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Sample Atom</title>${items(
        'atom',
      )
        .map(
          (e) =>
            `<entry><id>${e.id}</id><title>Entry ${e.id}</title><updated>${e.at.toISOString()}</updated></entry>`,
        )
        .join('')}</feed>`,
    '/broken': () => '<rss><channel><item></channel>',
  };
  createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route) res.writeHead(200, { 'content-type': 'application/xml' }).end(route());
    else res.writeHead(404).end();
  }).listen(FEEDS_PORT, '127.0.0.1', () =>
    console.log(`serving feeds on http://127.0.0.1:${FEEDS_PORT} (Ctrl+C stops)`),
  );
}
