// JSON Feed (jsonfeed.org, versions 1.0 and 1.1) into the shape the XML
// formats have (feed-parser.ts). feedsmith maps it, field names in any case
// (1.0's `author` and 1.1's `authors` alike); this adds the steps: the
// document is one JSON.parse (no entry scanner is needed: JSON has no
// entities, CDATA or charset declarations), then its items are mapped a batch
// at a time, so a large feed reports progress and can be cancelled between batches.
import { DetectError, parseJsonFeed } from 'feedsmith';

/** True when the text is JSON rather than XML (a feed is an object: its first character says). */
export const looksLikeJson = (text: string): boolean => text.startsWith('{');

export interface JsonFeedDocument {
  /** The feed without its items: title, home page, feed URL. */
  head: Record<string, unknown>;
  items: unknown[];
}

/** Parses the JSON and checks it is a JSON Feed; its reasons as this job reports them. */
export function readJsonFeed(text: string): JsonFeedDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a JSON Feed');
  const { items, ...head } = json as Record<string, unknown>;
  // Checked on the head with an empty list: feedsmith's own detection, without mapping every item yet.
  try {
    parseJsonFeed({ ...head, items: [] });
  } catch (error) {
    if (error instanceof DetectError)
      throw new Error('not a JSON Feed (no jsonfeed.org version, title or items)');
    throw error;
  }
  return { head, items: Array.isArray(items) ? items : [] };
}

/** feedsmith's mapping of the head and a slice of the items. */
export function mapJsonFeed(head: Record<string, unknown>, items: unknown[]): Record<string, unknown> {
  return parseJsonFeed({ ...head, items }) as unknown as Record<string, unknown>;
}
