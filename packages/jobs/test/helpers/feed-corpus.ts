// Feeds as servers in the wild send them, as bytes with their headers: legacy
// charsets declared only in the XML declaration, every kind of character
// reference, CDATA, RSS 1.0 (RDF), Atom with xml:base and relative links,
// iTunes podcast tags, items with no guid, link or title, a BOM and
// whitespace before the declaration; JSON Feed 1.0 and 1.1. Each comes with what a reader should get.

export interface CorpusFeed {
  name: string;
  body: Buffer;
  contentType: string;
  /** Fetched from this path (relative links resolve against it). */
  path: string;
  expected: {
    title: string;
    entries: {
      title: string | null;
      link: string | null;
      summary?: string | null;
      id?: string;
      enclosure?: string | null;
    }[];
  };
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

/** windows-1252's bytes 0x80–0x9F (where it differs from ISO-8859-1) for the characters used here. */
const CP1252: Record<string, number> = {
  '€': 0x80,
  '…': 0x85,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '–': 0x96,
  '—': 0x97,
};
const cp1252 = (text: string) => Buffer.from(Array.from(text, (c) => CP1252[c] ?? c.charCodeAt(0)));

export const corpusFeeds: CorpusFeed[] = [
  {
    name: 'iso-8859-1, declared only in the XML',
    path: '/latin1.rss',
    contentType: 'application/rss+xml',
    body: latin1(`<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>Café Müller</title><link>https://example.org/</link>
<item><title>Crème brûlée à la française</title><link>https://example.org/creme</link><guid>creme-1</guid>
<description>Ça coûte 5 ¤ - non, 5 £</description></item>
</channel></rss>`),
    expected: {
      title: 'Café Müller',
      entries: [
        {
          title: 'Crème brûlée à la française',
          link: 'https://example.org/creme',
          summary: 'Ça coûte 5 ¤ - non, 5 £',
          id: 'creme-1',
        },
      ],
    },
  },
  {
    name: 'windows-1252, declared only in the XML, served as text/xml',
    path: '/cp1252.rss',
    contentType: 'text/xml',
    body: cp1252(`<?xml version="1.0" encoding="windows-1252"?>
<rss version="2.0"><channel><title>“Smart” quotes’ feed</title>
<item><title>It’s 5 € – or so…</title><link>https://example.org/smart</link><guid>smart-1</guid></item>
</channel></rss>`),
    expected: {
      title: '“Smart” quotes’ feed',
      entries: [{ title: 'It’s 5 € – or so…', link: 'https://example.org/smart' }],
    },
  },
  {
    name: 'charset in Content-Type wins over the declaration',
    path: '/header-charset.rss',
    contentType: 'application/xml; charset=ISO-8859-1',
    body: latin1(`<?xml version="1.0"?>
<rss version="2.0"><channel><title>Señal</title>
<item><title>Año nuevo</title><link>https://example.org/ano</link></item></channel></rss>`),
    expected: { title: 'Señal', entries: [{ title: 'Año nuevo', link: 'https://example.org/ano' }] },
  },
  {
    name: 'character references of every kind, CDATA',
    path: '/entities.rss',
    contentType: 'application/rss+xml; charset=utf-8',
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tom &amp; Jerry&#039;s &#34;Blog&#34;</title>
<item><title>Don&#x2019;t &lt;panic&gt; &#8212; it&apos;s &quot;fine&quot;</title><link>https://example.org/a?x=1&amp;y=2</link>
<description><![CDATA[<p>Fish & chips &amp; <b>peas</b></p>]]></description></item>
<item><title><![CDATA[Caf&eacute; <em>society</em>]]></title><link>https://example.org/b</link>
<description>&lt;p&gt;Escaped &amp;amp; HTML&lt;/p&gt;</description></item>
<item><title>Na&iuml;ve&nbsp;caf&eacute; &hellip; &copy; 2024</title><link>https://example.org/c</link></item>
</channel></rss>`),
    expected: {
      title: 'Tom & Jerry\'s "Blog"',
      entries: [
        {
          title: 'Don’t <panic> — it\'s "fine"',
          link: 'https://example.org/a?x=1&y=2',
          summary: '<p>Fish & chips &amp; <b>peas</b></p>',
        },
        {
          title: 'Caf&eacute; <em>society</em>',
          link: 'https://example.org/b',
          summary: '<p>Escaped &amp; HTML</p>',
        },
        { title: 'Naïve\u00a0café … © 2024', link: 'https://example.org/c' },
      ],
    },
  },
  {
    name: 'RSS 1.0 (RDF)',
    path: '/rdf.xml',
    contentType: 'application/rdf+xml',
    body: Buffer.from(`<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://example.org/rdf"><title>RDF &amp; co</title><link>https://example.org/</link>
<items><rdf:Seq><rdf:li rdf:resource="https://example.org/r/1"/></rdf:Seq></items></channel>
<item rdf:about="https://example.org/r/1"><title>First RDF item</title><link>https://example.org/r/1</link>
<dc:date>2024-03-01T12:00:00+01:00</dc:date><description>Plain</description></item>
</rdf:RDF>`),
    expected: {
      title: 'RDF & co',
      entries: [{ title: 'First RDF item', link: 'https://example.org/r/1', summary: 'Plain' }],
    },
  },
  {
    name: 'Atom with xml:base and relative links, html and xhtml content',
    path: '/blog/atom.xml',
    contentType: 'application/atom+xml',
    body: Buffer.from(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/">
<title type="html">Atom &amp;amp; more</title><id>tag:example.org,2024:blog</id><updated>2024-02-01T00:00:00Z</updated>
<link rel="self" href="atom.xml"/>
<entry><id>tag:example.org,2024:1</id><title>Relative</title><link href="posts/1"/><updated>2024-02-01T00:00:00Z</updated>
<content type="html">&lt;p&gt;Hi &amp;amp; bye&lt;/p&gt;</content></entry>
<entry xml:base="/other/"><id>tag:example.org,2024:2</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X<b>HTML</b></div></title>
<link rel="alternate" type="text/html" href="two.html"/><link rel="enclosure" href="two.mp3"/><published>2024-02-02T00:00:00Z</published>
<summary>Second</summary></entry>
<entry><title>No base on the entry</title><link href="/root-relative"/><updated>2024-02-03T00:00:00Z</updated></entry>
</feed>`),
    expected: {
      title: 'Atom &amp; more',
      entries: [
        { title: 'Relative', link: 'https://example.org/blog/posts/1', summary: '<p>Hi &amp; bye</p>' },
        { title: 'X<b>HTML</b>', link: 'https://example.org/other/two.html', summary: 'Second' },
        { title: 'No base on the entry', link: 'https://example.org/root-relative' },
      ],
    },
  },
  {
    name: 'podcast with iTunes tags; items without guid, link or title',
    path: '/podcast.rss',
    contentType: 'application/rss+xml',
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>The Podcast</title><itunes:author>Host</itunes:author><itunes:explicit>false</itunes:explicit>
<item><title>Episode 1</title><enclosure url="https://cdn.example.org/ep1.mp3" length="123" type="audio/mpeg"/>
<itunes:duration>00:42:00</itunes:duration><itunes:summary>First episode</itunes:summary><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate></item>
<item><enclosure url="https://cdn.example.org/ep2.mp3" length="456" type="audio/mpeg"/><content:encoded><![CDATA[<p>Only content</p>]]></content:encoded></item>
<item><description>A status update with nothing else</description></item>
</channel></rss>`),
    expected: {
      title: 'The Podcast',
      entries: [
        {
          title: 'Episode 1',
          link: null,
          enclosure: 'https://cdn.example.org/ep1.mp3',
          summary: 'First episode',
        },
        {
          title: null,
          link: null,
          enclosure: 'https://cdn.example.org/ep2.mp3',
          summary: '<p>Only content</p>',
        },
        { title: null, link: null, summary: 'A status update with nothing else' },
      ],
    },
  },
  {
    name: 'a BOM and whitespace before the declaration',
    path: '/bom.rss',
    contentType: 'application/xml',
    body: Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`\r\n  \n<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>BOM’d</title><item><title>Still here</title><guid isPermaLink="true">https://example.org/bom</guid></item></channel></rss>`),
    ]),
    expected: { title: 'BOM’d', entries: [{ title: 'Still here', link: 'https://example.org/bom' }] },
  },
  {
    name: 'a UTF-16 feed with its BOM',
    path: '/utf16.xml',
    contentType: 'application/xml',
    body: Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-16"?>
<rss version="2.0"><channel><title>Sixteen ✓</title><item><title>Wide ☃</title><link>https://example.org/16</link></item></channel></rss>`,
        'utf16le',
      ),
    ]),
    expected: { title: 'Sixteen ✓', entries: [{ title: 'Wide ☃', link: 'https://example.org/16' }] },
  },
  {
    name: 'JSON Feed 1.1 (application/feed+json): relative and external links, HTML only, attachments',
    path: '/blog/feed.json',
    contentType: 'application/feed+json',
    body: Buffer.from(
      JSON.stringify(
        {
          version: 'https://jsonfeed.org/version/1.1',
          title: 'Caf\u00e9 notes \u2615',
          home_page_url: 'https://example.org/',
          feed_url: 'https://example.org/blog/feed.json',
          language: 'fr',
          authors: [{ name: 'Zo\u00e9' }],
          items: [
            {
              id: 'https://example.org/blog/2',
              url: 'posts/2',
              title: 'Deux',
              content_html: '<p>Le <em>deuxi\u00e8me</em> &amp; dernier</p>',
              date_published: '2024-05-02T09:30:00+02:00',
            },
            {
              id: 'link-only',
              external_url: 'https://elsewhere.example.com/read',
              title: 'Ailleurs',
              summary: 'A link post',
              content_text: 'not the summary',
              date_modified: '2024-05-01T00:00:00Z',
            },
            {
              id: 'episode-7',
              title: 'Episode 7',
              content_text: 'Audio only',
              attachments: [{ url: '/media/ep7.mp3', mime_type: 'audio/mpeg', size_in_bytes: 1234 }],
            },
          ],
        },
        null,
        2,
      ).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ),
    expected: {
      title: 'Café notes ☕',
      entries: [
        {
          id: 'https://example.org/blog/2',
          title: 'Deux',
          link: 'https://example.org/blog/posts/2',
          summary: '<p>Le <em>deuxième</em> &amp; dernier</p>',
        },
        {
          id: 'link-only',
          title: 'Ailleurs',
          link: 'https://elsewhere.example.com/read',
          summary: 'A link post',
        },
        {
          id: 'episode-7',
          title: 'Episode 7',
          link: null,
          summary: 'Audio only',
          enclosure: 'https://example.org/media/ep7.mp3',
        },
      ],
    },
  },
  {
    name: 'JSON Feed 1.0 (application/json with a BOM): author, numeric ids, an item with nothing but text',
    path: '/feed-1.0.json',
    contentType: 'application/json; charset=utf-8',
    body: Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`
{
  "version": "https://jsonfeed.org/version/1",
  "title": "Micro ✓",
  "home_page_url": "https://micro.example.net/",
  "author": { "name": "Sam", "url": "https://micro.example.net/about" },
  "items": [
    { "id": 1001, "url": "https://micro.example.net/1001", "content_text": "Hello — world", "date_published": "2019-01-02T03:04:05-05:00" },
    { "content_text": "No id, no link, no title" }
  ]
}`),
    ]),
    expected: {
      title: 'Micro ✓',
      entries: [
        { id: '1001', title: null, link: 'https://micro.example.net/1001', summary: 'Hello — world' },
        { title: null, link: null, summary: 'No id, no link, no title' },
      ],
    },
  },
];

/** A feed of `count` entries, as a busy site's full archive feed: ~150 bytes an entry. */
export function bigFeed(count: number, prefix = 'e'): string {
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    items.push(
      `<item><title>Entry ${i}</title><link>https://example.org/${prefix}/${i}</link><guid>${prefix}-${i}</guid></item>`,
    );
  }
  return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Big</title>\n${items.join('\n')}\n</channel></rss>`;
}
