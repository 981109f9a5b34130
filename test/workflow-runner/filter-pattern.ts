// GitHub's filter patterns for branches, tags and paths ("Filter pattern cheat
// sheet" of the workflow syntax). Hand-written because they are not globs:
// `?` and `+` quantify the preceding character ("zero or one", "one or more"),
// `*` stops at `/`, `**` does not, `[]` is a character class, a leading `!`
// negates and later patterns override earlier ones.

function patternSource(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` also matches no directory at all: `**/README.md` matches `README.md`.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?' || c === '+') {
      source += c;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) source += '\\[';
      else {
        source += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return source;
}

export function filterPattern(pattern: string): RegExp {
  return new RegExp(`^${patternSource(pattern)}$`);
}

/** Whether `value` is selected by a list of patterns, `!` patterns excluding what earlier ones included. */
export function matchesFilters(value: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matched && filterPattern(pattern.slice(1)).test(value)) matched = false;
    } else if (!matched && filterPattern(pattern).test(value)) {
      matched = true;
    }
  }
  return matched;
}

/** Whether any pattern of an `-ignore` list matches. */
export function matchesAny(value: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => filterPattern(pattern).test(value));
}
