// Parsers for what an action writes to the runner: the `GITHUB_OUTPUT`,
// `GITHUB_STATE` and `GITHUB_ENV` files (`key=value` or heredoc
// `key<<DELIMITER`), and workflow commands on stdout (`::name props::value`).

/** Parses a key/value file command file as the runner does. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (!line) continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    const equals = line.indexOf('=');
    if (heredoc && (equals < 0 || heredoc.index + heredoc[1]!.length < equals)) {
      const [, key, delimiter] = heredoc;
      const end = lines.findIndex((l, j) => j > i && l.replace(/\r$/, '') === delimiter);
      if (end < 0) throw new Error(`file command '${key}' has no closing delimiter '${delimiter}'`);
      result[key!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (equals > 0) {
      result[line.slice(0, equals)] = line.slice(equals + 1);
    } else {
      throw new Error(`malformed file command line: ${line}`);
    }
  }
  return result;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

/** Parses one stdout line as a workflow command, or undefined for plain text. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!match) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at > 0) properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
  }
  return { command: match[1]!, properties, message: unescapeData(match[3]!) };
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text.replace(/%3A/g, ':').replace(/%2C/g, ','));
}
