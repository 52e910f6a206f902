// RSS 2.0, RSS 1.0 (RDF) and Atom, parsed with fast-xml-parser into one
// plain shape. Feeds in the wild are loose: every field is optional here, and
// an entry's id falls back to its link, then its title.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface FeedEntry {
  id: string;
  title: string | null;
  link: string | null;
  /** ISO 8601, or null when the feed gives no date (or one that does not parse). */
  published: string | null;
  summary: string | null;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf';
  title: string | null;
  entries: FeedEntry[];
}

// fast-xml-parser's defaults cap entity expansion, which a remote document could abuse (billion laughs).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  isArray: (name) => name === 'item' || name === 'entry' || name === 'link',
});

type Node = Record<string, unknown>;

const asNode = (value: unknown): Node | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;

/** The text of an element that may be a string, a number, or an object with attributes and `#text`. */
function text(value: unknown): string | null {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const node = asNode(value);
  return node ? text(node['#text']) : null;
}

function isoDate(value: unknown): string | null {
  const raw = text(value);
  if (!raw) return null;
  const time = Date.parse(raw);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

export function parseFeed(xml: string): ParsedFeed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(xml) as Node;
  const rss = asNode(doc.rss);
  if (rss) return fromRss('rss', asNode(rss.channel) ?? {}, asNode(rss.channel)?.item);
  const rdf = asNode(doc['rdf:RDF']);
  if (rdf) return fromRss('rdf', asNode(rdf.channel) ?? {}, rdf.item);
  const atom = asNode(doc.feed);
  if (atom) return fromAtom(atom);
  throw new Error('not an RSS or Atom feed');
}

function fromRss(format: 'rss' | 'rdf', channel: Node, items: unknown): ParsedFeed {
  const entries = (Array.isArray(items) ? items : []).map((raw): FeedEntry | undefined => {
    const item = asNode(raw);
    if (!item) return undefined;
    const link = text(item.link);
    const title = text(item.title);
    const id = text(item.guid) ?? link ?? title;
    if (!id) return undefined;
    const published = isoDate(item.pubDate ?? item['dc:date']);
    return { id, title, link, published, summary: text(item.description) };
  });
  return { format, title: text(channel.title), entries: entries.filter((entry) => entry !== undefined) };
}

function fromAtom(feed: Node): ParsedFeed {
  const entries = (Array.isArray(feed.entry) ? feed.entry : []).map((raw): FeedEntry | undefined => {
    const entry = asNode(raw);
    if (!entry) return undefined;
    const link = atomLink(entry.link);
    const title = text(entry.title);
    const id = text(entry.id) ?? link ?? title;
    if (!id) return undefined;
    const published = isoDate(entry.published ?? entry.updated);
    return { id, title, link, published, summary: text(entry.summary ?? entry.content) };
  });
  return { format: 'atom', title: text(feed.title), entries: entries.filter((entry) => entry !== undefined) };
}

/** Atom's `<link rel="alternate" href>`: the alternate link, or the first without a rel. */
function atomLink(links: unknown): string | null {
  const list = (Array.isArray(links) ? links : [links]).map(asNode).filter((link) => link !== undefined);
  const alternate =
    list.find((link) => link['@rel'] === 'alternate') ?? list.find((link) => !link['@rel']) ?? list[0];
  const href = alternate?.['@href'];
  return typeof href === 'string' ? href : null;
}
