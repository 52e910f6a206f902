// The pure pieces behind what the screen shows: wrapping, the footer's choice of
// keys, the colour rule, the mouse reports, the details' and the help's lines.
import { describe, expect, it } from 'vitest';
import { colorWanted } from '../src/ui/color.js';
import { detailsLines, itemName } from '../src/ui/details-lines.js';
import { fitHints, type KeyHint } from '../src/ui/Footer.js';
import { HELP, helpLines } from '../src/ui/help-lines.js';
import { hintsFor } from '../src/ui/hints.js';
import { parseMouse } from '../src/ui/mouse.js';
import { wrapText } from '../src/ui/wrap.js';
import { snapshot } from './helpers/snapshot.js';

describe('wrapping', () => {
  it('breaks JSON between its fields and indents what follows, never past the width', () => {
    const input = JSON.stringify({
      root: '/srv/photos/2024/holidays/iceland',
      pattern: '**/*.jpg',
      maxWidth: 1600,
    });
    const lines = wrapText(`Input   ${input}`, 40, '        ');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines.slice(1).every((line) => line.startsWith('        '))).toBe(true);
    // Nothing is lost: the lines put back together are the text.
    expect(lines.join('').replace(/\s/g, '')).toBe(`Input${input}`.replace(/\s/g, ''));
  });

  it('cuts a word longer than a line at the edge', () => {
    expect(wrapText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});

describe('the footer', () => {
  const hints: KeyHint[] = [
    ['n', 'start'],
    ['s', 'schedules', 1],
    ['?', 'help'],
    ['q', 'quit'],
    ['j/k', 'move', 2],
  ];

  it('drops the keys that matter least first, keeping their order', () => {
    expect(fitHints(hints, 200)).toEqual(hints);
    expect(fitHints(hints, 46).map(([key]) => key)).toEqual(['n', 's', '?', 'q']);
    expect(fitHints(hints, 30).map(([key]) => key)).toEqual(['n', '?', 'q']);
  });

  it('keeps ? help at 80 columns, with the keys of a running job', () => {
    const running = snapshot({ state: 'running' });
    const keys = fitHints(hintsFor({ kind: 'list' }, false, running), 80).map(([key]) => key);
    expect(keys).toEqual(['n', 'c', 'f', '⏎', '/', 's', '?', 'q']);
    const wide = fitHints(hintsFor({ kind: 'list' }, false, running), 160).map(([key]) => key);
    expect(wide).toEqual(['n', 'c', 'f', '⏎', '/', 's', '?', 'q', 'j/k', 'g/G', 'PgUp/PgDn']);
  });

  it('offers no action while the server does not answer', () => {
    const keys = hintsFor({ kind: 'list' }, false, snapshot({ state: 'running' }), false).map(([key]) => key);
    expect(keys).toEqual(['⏎', '/', '?', 'q', 'j/k', 'g/G', 'PgUp/PgDn']);
  });
});

describe('colour', () => {
  it('is off with a non-empty NO_COLOR, unless FORCE_COLOR says otherwise', () => {
    expect(colorWanted({})).toBe(true);
    expect(colorWanted({ NO_COLOR: '1' })).toBe(false);
    expect(colorWanted({ NO_COLOR: '' })).toBe(true);
    expect(colorWanted({ NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(true);
    expect(colorWanted({ FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('the mouse', () => {
  it('reads a left click and the wheel from SGR reports, and nothing else', () => {
    expect(parseMouse('\u001b[<0;12;5M')).toEqual({ kind: 'click', column: 12, row: 5 });
    expect(parseMouse('[<0;12;5M')).toEqual({ kind: 'click', column: 12, row: 5 });
    expect(parseMouse('[<64;3;4M')).toEqual({ kind: 'wheel', direction: -1, column: 3, row: 4 });
    expect(parseMouse('[<65;3;4M')).toEqual({ kind: 'wheel', direction: 1, column: 3, row: 4 });
    // A release, a right click, a drag: reports, but nothing to do.
    expect(parseMouse('[<0;12;5m')).toBeNull();
    expect(parseMouse('[<2;12;5M')).toBeNull();
    expect(parseMouse('[<32;12;5M')).toBeNull();
    // A key is not a report.
    expect(parseMouse('q')).toBeUndefined();
    expect(parseMouse('[A')).toBeUndefined();
  });
});

describe('the details', () => {
  it('wrap the input and the summary at 80 columns instead of cutting them', () => {
    const input = {
      root: '/srv/photos/2024/holidays/iceland/raw',
      pattern: '**/*.{jpg,jpeg,heic}',
      maxWidth: 1600,
    };
    const summary = {
      scaled: 1204,
      skipped: 12,
      bytesIn: 3_221_225_472,
      bytesOut: 402_653_184,
      outputDir: '/srv/out',
    };
    const job = snapshot({ state: 'succeeded', input, summary, finishedAt: 9_000 });
    const lines = detailsLines(job, null, null, 80);
    for (const line of lines) expect(line.text.length).toBeLessThanOrEqual(80);
    const text = lines.map((line) => line.text.trim()).join('');
    expect(text).toContain('/srv/photos/2024/holidays/iceland/raw');
    expect(text).toContain('"outputDir":"/srv/out"');
  });

  it('list every failure fetched, numbered from 1, with the label when it says more', () => {
    const failures = Array.from({ length: 40 }, (_, index) => ({
      type: 'item' as const,
      seq: index + 1,
      jobId: 'j_x',
      at: 0,
      index: index * 2,
      outcome: 'failed' as const,
      label: index % 2 === 0 ? String(index * 2 + 1) : `photo-${index}.jpg`,
      error: { message: `item ${index * 2 + 1} failed` },
      ms: 1,
    }));
    const job = snapshot({ state: 'partial', items: { total: 80, succeeded: 40, failed: 40, cancelled: 0 } });
    const lines = detailsLines(job, { job, failures, logs: [] }, null, 80).map((line) => line.text);
    expect(lines).toContain('Failures (40)');
    expect(lines).toContain('  #1: item 1 failed');
    expect(lines).toContain('  #3 photo-1.jpg: item 3 failed');
    expect(lines).toContain('  #79 photo-39.jpg: item 79 failed');
    expect(itemName(6, '6')).toBe('#7 6');
    expect(itemName(6, '7')).toBe('#7');
  });
});

describe('the help', () => {
  it('lists every key of every screen within the width', () => {
    const lines = helpLines(80);
    for (const line of lines) expect(line.text.length).toBeLessThanOrEqual(80);
    const text = lines.map((line) => line.text).join('\n');
    for (const [title, keys] of HELP) {
      expect(text).toContain(title);
      for (const [key] of keys) expect(text).toContain(key);
    }
    for (const key of ['j k', 'PgUp PgDn', 'g G', '? h F1', 'click, wheel']) expect(text).toContain(key);
  });
});

describe('the failures heading', () => {
  it('says how many are listed only once the details have come, and only when not all are', () => {
    const job = snapshot({
      state: 'partial',
      items: { total: 900, succeeded: 300, failed: 600, cancelled: 0 },
    });
    const heading = (failures: number | null) =>
      detailsLines(
        job,
        failures === null
          ? null
          : {
              job,
              logs: [],
              failures: Array.from({ length: failures }, (_, index) => ({
                type: 'item' as const,
                seq: index + 1,
                jobId: job.id,
                at: 0,
                index,
                outcome: 'failed' as const,
                label: null,
                error: { message: 'boom' },
                ms: 1,
              })),
            },
        null,
        80,
      ).find((line) => line.text.startsWith('Failures'))?.text;
    expect(heading(null)).toBe('Failures (600)');
    expect(heading(500)).toBe('Failures (600, first 500 listed)');
  });
});
