// RSS 2.0, RSS 1.0 (RDF), Atom and JSON Feed (json-feed.ts), as servers in
// the wild send them, into one plain shape. feedsmith does the mapping of each format and its namespaces
// (entities of every kind, CDATA, xhtml, iTunes, content:encoded, Dublin
// Core); this file adds what a reader of many feeds needs around it:
//
// - decoding bytes by the charset of the Content-Type, then the XML
//   declaration, then a BOM (and tolerating a BOM or whitespace before the
//   declaration);
// - parsing in steps: the document is cut into its entries (a scanner that
//   knows comments, CDATA and quoted attributes) and parsed a batch at a time,
//   so a 50,000-entry feed reports progress and can be cancelled between
//   batches instead of holding its thread for seconds;
// - links resolved against xml:base and the feed's URL; an id for every
//   entry, derived from its content when it has no guid, id or link.
import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { XMLValidator } from 'fast-xml-parser';
import { DetectError, parseFeed as feedsmith } from 'feedsmith';
import { looksLikeJson, mapJsonFeed, readJsonFeed } from './json-feed.js';

export interface FeedEntry {
  /** The guid or id; else the link; else the enclosure; else a hash of the entry's content (`urn:sha256:…`). */
  id: string;
  title: string | null;
  link: string | null;
  /** ISO 8601, or null when the feed gives no date (or one that does not parse). */
  published: string | null;
  summary: string | null;
  /** A podcast's media file, when the entry has one. */
  enclosure?: string;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  title: string | null;
  entries: FeedEntry[];
}

// --- bytes to text ---------------------------------------------------------

/** windows-1252's 0x80–0x9F (undefined bytes map to the C1 control of the same number, as browsers do). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
];

/**
 * windows-1252 by its table. Node 20's TextDecoder drops bytes 0x80–0x9F for
 * this encoding (and for every label WHATWG maps to it: iso-8859-1, latin1,
 * ascii), which loses curly quotes, dashes and the euro sign.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const codes = Array.from(bytes.subarray(at, at + CHUNK), (byte) =>
      byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80]! : byte,
    );
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

/** A decoder for a charset label, or undefined for a label TextDecoder does not know. */
function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label.trim().replace(/^["']|["']$/g, ''));
  } catch {
    return undefined;
  }
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * The feed's text: by the charset of the Content-Type, then the XML
 * declaration's encoding, then a BOM, else UTF-8 (XML's default). A label no
 * decoder knows is passed over for the next source.
 */
export function decodeFeed(bytes: Uint8Array, contentType: string | null = null): string {
  const header = contentType ? /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType)?.[2] : undefined;
  // The declaration is ASCII in every ASCII-compatible encoding; in UTF-16 it is not found here, and the BOM decides.
  const prefix = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  const declared =
    /^(?:\uFEFF|\u00EF\u00BB\u00BF)?\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(
      prefix,
    )?.[1];
  const decoder =
    decoderFor(header) ?? decoderFor(declared) ?? decoderFor(bomEncoding(bytes)) ?? new TextDecoder('utf-8');
  if (decoder.encoding === 'windows-1252') {
    const bom = bomEncoding(bytes) === 'utf-8' ? 3 : 0;
    return decodeWindows1252(bytes.subarray(bom));
  }
  // A BOM of another encoding than the one named is not text: leave it for the parser to reject.
  return decoder.decode(bytes);
}

// --- cutting the document into entries --------------------------------------

interface Cut {
  /** Where the entries start and end: the document is `head + entries + tail`. */
  ranges: [number, number][];
  itemName: 'item' | 'entry' | undefined;
}

const lineOf = (xml: string, at: number) => {
  let line = 1;
  for (let i = xml.indexOf('\n'); i >= 0 && i < at; i = xml.indexOf('\n', i + 1)) line++;
  return line;
};

/** A start tag (attribute values may hold `>`), from `<` to its `>`. */
const START_TAG = /<([^\s/>!?]+)(?:[^"'>]|"[^"]*"|'[^']*')*>/y;

/** Finds each top-level `<item>` (RSS, RDF) or `<entry>` (Atom) without building a tree. */
function cutEntries(xml: string): Cut {
  const ranges: [number, number][] = [];
  let itemName: Cut['itemName'];
  let depth = 0;
  let openAt = -1;
  let openDepth = -1;
  let pos = 0;
  const skipTo = (from: number, end: string, what: string) => {
    const at = xml.indexOf(end, from);
    if (at < 0) throw new Error(`malformed XML: unterminated ${what} (line ${lineOf(xml, from)})`);
    return at + end.length;
  };
  for (;;) {
    const lt = xml.indexOf('<', pos);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) pos = skipTo(lt + 4, '-->', 'comment');
    else if (xml.startsWith('<![CDATA[', lt)) pos = skipTo(lt + 9, ']]>', 'CDATA section');
    else if (xml.startsWith('<?', lt)) pos = skipTo(lt + 2, '?>', 'processing instruction');
    else if (xml.startsWith('<!', lt)) {
      // DOCTYPE, with an internal subset in brackets perhaps.
      const close = xml.indexOf('>', lt);
      const bracket = xml.indexOf('[', lt);
      pos =
        bracket >= 0 && bracket < close
          ? skipTo(skipTo(bracket, ']', 'DOCTYPE'), '>', 'DOCTYPE')
          : skipTo(lt, '>', 'DOCTYPE');
    } else if (xml.startsWith('</', lt)) {
      pos = skipTo(lt, '>', 'end tag');
      depth--;
      if (openAt >= 0 && depth === openDepth) {
        // The end tag at the item's own depth must be the item's: else the item was never closed.
        if (xml.slice(lt + 2, pos - 1).trim() !== itemName) break;
        ranges.push([openAt, pos]);
        openAt = -1;
      }
    } else {
      START_TAG.lastIndex = lt;
      const match = START_TAG.exec(xml);
      if (!match) throw new Error(`malformed XML: a tag that never ends (line ${lineOf(xml, lt)})`);
      pos = START_TAG.lastIndex;
      const name = match[1]!;
      const local = name.slice(name.indexOf(':') + 1);
      if (depth === 0) {
        itemName = local === 'feed' ? 'entry' : local === 'rss' || local === 'RDF' ? 'item' : undefined;
      }
      const selfClosing = xml.charCodeAt(pos - 2) === 0x2f;
      if (openAt < 0 && itemName && local === itemName && name.indexOf(':') < 0) {
        if (selfClosing) ranges.push([lt, pos]);
        else {
          openAt = lt;
          openDepth = depth;
        }
      }
      if (!selfClosing) depth++;
    }
  }
  if (openAt >= 0)
    throw new Error(`malformed XML: <${itemName}> at line ${lineOf(xml, openAt)} is never closed`);
  return { ranges, itemName };
}

// --- mapping ----------------------------------------------------------------

type Loose = Record<string, unknown>;
const asLoose = (value: unknown): Loose | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;
const list = (value: unknown): Loose[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((v): Loose[] => {
    const node = asLoose(v);
    return node ? [node] : [];
  });

/** Text of a value feedsmith gives as a string, a number, or `{ value }` (Atom's text constructs). */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const node = asLoose(value);
  return node && 'value' in node ? text(node.value) : null;
}

function isoDate(value: unknown): string | null {
  const raw = text(value);
  if (!raw) return null;
  const time = Date.parse(raw);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function resolveUrl(href: string | null, base: string | undefined): string | null {
  if (!href) return null;
  try {
    return new URL(href, base).href;
  } catch {
    return href;
  }
}

/** The base for an element with `xml:base` (relative to its parent's base). */
const baseOf = (node: Loose | undefined, parent: string | undefined) => {
  const own = text(asLoose(node?.xml)?.base);
  return own ? (resolveUrl(own, parent) ?? parent) : parent;
};

/** A key for an entry with no guid, id, link or enclosure: the same content, the same key, run after run. */
function derivedId(entry: Omit<FeedEntry, 'id'>): string {
  const hash = createHash('sha256').update(JSON.stringify([entry.title, entry.published, entry.summary]));
  return `urn:sha256:${hash.digest('hex').slice(0, 32)}`;
}

function withId(entry: Omit<FeedEntry, 'id'>, id: string | null): FeedEntry {
  const { enclosure, ...rest } = entry;
  return {
    id: id ?? entry.link ?? enclosure ?? derivedId(entry),
    ...rest,
    ...(enclosure ? { enclosure } : {}),
  };
}

function rssEntry(item: Loose, base: string | undefined): FeedEntry {
  const guid = asLoose(item.guid);
  const guidValue = text(guid?.value ?? item.guid);
  // RSS 2.0: a guid is a permalink unless it says otherwise.
  const permalink =
    guidValue && guid?.isPermaLink !== false && /^https?:\/\//i.test(guidValue) ? guidValue : null;
  const dc = asLoose(item.dc);
  const link = resolveUrl(text(item.link) ?? permalink, base);
  const enclosure = resolveUrl(text(list(item.enclosures)[0]?.url), base);
  const entry = {
    title: text(item.title),
    link,
    published: isoDate(item.pubDate ?? (Array.isArray(dc?.dates) ? dc.dates[0] : dc?.date)),
    summary:
      text(item.description) ?? text(asLoose(item.content)?.encoded) ?? text(asLoose(item.itunes)?.summary),
    ...(enclosure ? { enclosure } : {}),
  };
  return withId(entry, guidValue);
}

function atomEntry(item: Loose, parentBase: string | undefined): FeedEntry {
  const base = baseOf(item, parentBase);
  const links = list(item.links);
  const alternate = links.find((l) => l.rel === 'alternate') ?? links.find((l) => !l.rel) ?? links[0];
  const enclosure = resolveUrl(text(links.find((l) => l.rel === 'enclosure')?.href), base);
  const entry = {
    title: text(item.title),
    link: resolveUrl(text(alternate?.href), base),
    published: isoDate(item.published ?? item.updated),
    summary: text(item.summary) ?? text(item.content),
    ...(enclosure ? { enclosure } : {}),
  };
  return withId(entry, text(item.id));
}

function jsonEntry(item: Loose, base: string | undefined): FeedEntry {
  const enclosure = resolveUrl(text(list(item.attachments)[0]?.url), base);
  const entry = {
    title: text(item.title),
    link: resolveUrl(text(item.url) ?? text(item.external_url), base),
    published: isoDate(item.date_published ?? item.date_modified),
    summary: text(item.summary) ?? text(item.content_text) ?? text(item.content_html),
    ...(enclosure ? { enclosure } : {}),
  };
  return withId(entry, text(item.id));
}

/** A JSON Feed in steps, as parseFeedSteps does XML: links resolve against the feed's own URL. */
function* jsonFeedSteps(
  source: string,
  options: ParseSteps,
): Generator<{ done: number; total: number }, ParsedFeed> {
  const { head, items } = readJsonFeed(source);
  const feed = mapJsonFeed(head, []);
  const base = resolveUrl(text(feed.feed_url), options.baseUrl) ?? options.baseUrl;
  const batch = options.batch ?? 500;
  const entries: FeedEntry[] = [];
  for (let from = 0; from < items.length; from += batch) {
    const to = Math.min(items.length, from + batch);
    for (const item of list(mapJsonFeed(head, items.slice(from, to)).items))
      entries.push(jsonEntry(item, base));
    yield { done: to, total: items.length };
  }
  return { format: 'json', title: text(feed.title), entries };
}

/** feedsmith on one document; its errors as this job reports them. */
function parseDocument(xml: string): { format: string; feed: Loose } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  try {
    const { format, feed } = feedsmith(xml) as { format: string; feed: unknown };
    if (format === 'rss' || format === 'atom' || format === 'rdf')
      return { format, feed: asLoose(feed) ?? {} };
  } catch (error) {
    if (error instanceof DetectError) throw new Error('not an RSS, Atom or JSON feed');
    throw new Error(`malformed XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new Error('not an RSS, Atom or JSON feed');
}

export interface ParseSteps {
  /** Resolves relative links (after any xml:base): the feed's own URL. */
  baseUrl?: string;
  /** Entries parsed per step. */
  batch?: number;
}

/**
 * Parses a feed a batch of entries at a time: yields `{ done, total }` after
 * each batch, returns the feed. The caller decides what happens in between
 * (report progress, check for a cancel, let the event loop run).
 */
export function* parseFeedSteps(
  source: string,
  options: ParseSteps = {},
): Generator<{ done: number; total: number }, ParsedFeed> {
  // A BOM or whitespace before the declaration: common, and harmless once dropped.
  const xml = source.replace(/^[\uFEFF\s]+/, '');
  if (looksLikeJson(xml)) return yield* jsonFeedSteps(xml, options);
  const { ranges } = cutEntries(xml);
  const head = ranges.length > 0 ? xml.slice(0, ranges[0]![0]) : xml;
  const tail = ranges.length > 0 ? xml.slice(ranges.at(-1)![1]) : '';
  const { format, feed } = parseDocument(head + tail);
  const feedBase = baseOf(feed, options.baseUrl);
  const batch = options.batch ?? 500;
  const entries: FeedEntry[] = [];
  for (let from = 0; from < ranges.length; from += batch) {
    const to = Math.min(ranges.length, from + batch) - 1;
    const part = parseDocument(head + xml.slice(ranges[from]![0], ranges[to]![1]) + tail).feed;
    for (const item of list(format === 'atom' ? part.entries : part.items)) {
      entries.push(format === 'atom' ? atomEntry(item, feedBase) : rssEntry(item, feedBase));
    }
    yield { done: to + 1, total: ranges.length };
  }
  return { format: format as ParsedFeed['format'], title: text(feed.title), entries };
}

/** The whole feed at once (tests, small feeds). */
export function parseFeed(xml: string, options: ParseSteps = {}): ParsedFeed {
  const steps = parseFeedSteps(xml, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
