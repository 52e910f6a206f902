// Text cut into lines of a given width, for the screens that wrap instead of
// cutting (details, help): breaks after a space or a comma near the edge (so
// JSON wraps between its fields), else at the width.

/** `text` as lines of at most `width` characters; every line but the first starts with `indent`. */
export function wrapText(text: string, width: number, indent = ''): string[] {
  if (width <= indent.length) return [text.slice(0, Math.max(0, width))];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let rest = paragraph;
    let first = true;
    do {
      const lead = first ? '' : indent;
      const room = width - lead.length;
      if (rest.length <= room) {
        lines.push(lead + rest);
        break;
      }
      // A break in the last third of the line; a longer word is cut at the edge.
      let at = room;
      for (let i = room; i > (room * 2) / 3; i--) {
        if (rest[i - 1] === ' ' || rest[i - 1] === ',') {
          at = i;
          break;
        }
      }
      lines.push(lead + rest.slice(0, at).trimEnd());
      rest = rest.slice(at).trimStart();
      first = false;
    } while (rest !== '');
  }
  return lines;
}
