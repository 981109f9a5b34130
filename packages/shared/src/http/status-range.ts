/** A set of HTTP status codes written as `200,204` or `200-299` or a mix. */
export interface StatusRange {
  text: string;
  includes(status: number): boolean;
}

/** Parses a status list; undefined when the text is not one. */
export function parseStatusRange(text: string): StatusRange | undefined {
  const parts = String(text)
    .split(',')
    .map((p) => p.trim());
  const spans: [number, number][] = [];
  for (const part of parts) {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!match) return undefined;
    const low = Number(match[1]);
    const high = Number(match[2] ?? match[1]);
    if (low < 100 || high > 599 || low > high) return undefined;
    spans.push([low, high]);
  }
  return {
    text: parts.join(','),
    includes: (status) => spans.some(([low, high]) => status >= low && status <= high),
  };
}
