import { parseWorkflowCommand, type WorkflowCommand } from './file-commands.ts';

// The runner's view of a step's output: both streams are read line by line as
// they arrive, workflow commands are consumed on either stream, and each line is
// masked with the values registered so far — a value printed before its
// `::add-mask::` stays in the log, as it does on GitHub. Registered values are
// masked with the variations the runner's SecretMasker adds for them
// (actions/runner, HostContext: Base64StringEscape with its two byte shifts,
// ExpressionStringEscape, JsonStringEscape, UriDataEscape, XmlDataEscape,
// TrimDoubleQuotes).

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

export interface ReplayedLog {
  /** The log as a person sees it on GitHub: masked, commands consumed. */
  log: string;
  /** Values registered with `::add-mask::` (and the preset ones), as given. */
  masks: string[];
  commands: WorkflowCommand[];
  annotations: Annotation[];
}

export type Stream = 'stdout' | 'stderr';

/** The variations the runner masks along with a registered value. */
export function runnerMaskVariations(value: string): string[] {
  if (!value) return [];
  const bytes = Buffer.from(value, 'utf8');
  const base64 = (from: number) => (bytes.length > from ? bytes.subarray(from) : bytes).toString('base64');
  const json = JSON.stringify(value).slice(1, -1);
  const xml = value.replace(/[<>"'&]/g, (c) => XML_ESCAPES[c]!);
  const trimmed = value.length > 8 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : '';
  const variations = [
    value,
    base64(0),
    base64(1),
    base64(2),
    value.replace(/'/g, "''"),
    json,
    uriDataEscape(value),
    xml,
    trimmed,
  ];
  return [...new Set(variations.filter(Boolean))];
}

const XML_ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '&': '&amp;' };

/** .NET's Uri.EscapeDataString: every character but RFC 3986's unreserved ones is percent-encoded. */
function uriDataEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export class RunnerLog {
  readonly masks: string[] = [];
  readonly commands: WorkflowCommand[] = [];
  readonly annotations: Annotation[] = [];
  private readonly lines: string[] = [];
  private readonly partial: Record<Stream, string> = { stdout: '', stderr: '' };
  private readonly variations = new Set<string>();
  private pattern: RegExp | undefined;
  private readonly onLine: ((line: string) => void) | undefined;
  private patternStale = false;

  /**
   * @param preset values masked from the first line (the runner masks the job token and secrets from the start)
   * @param onLine receives each displayed line as soon as it is complete
   */
  constructor(preset: readonly string[] = [], onLine?: (line: string) => void) {
    this.onLine = onLine;
    for (const value of preset) this.register(value);
  }

  write(stream: Stream, text: string): void {
    const pending = this.partial[stream] + text;
    const parts = pending.split('\n');
    this.partial[stream] = parts.pop()!;
    for (const line of parts) this.line(line.replace(/\r$/, ''));
  }

  /** Flushes an unterminated last line of each stream. */
  end(): ReplayedLog {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.line(this.partial[stream]);
      this.partial[stream] = '';
    }
    return { log: this.lines.join('\n'), masks: this.masks, commands: this.commands, annotations: this.annotations };
  }

  mask(text: string): string {
    if (this.patternStale) {
      const escaped = [...this.variations]
        .sort((a, b) => b.length - a.length)
        .map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.pattern = escaped.length ? new RegExp(escaped.join('|'), 'g') : undefined;
      this.patternStale = false;
    }
    return this.pattern ? text.replace(this.pattern, '***') : text;
  }

  private register(value: string): void {
    this.masks.push(value);
    for (const variation of runnerMaskVariations(value)) this.variations.add(variation);
    this.patternStale = true;
  }

  private show(line: string): void {
    this.lines.push(line);
    this.onLine?.(line);
  }

  private line(line: string): void {
    const command = parseWorkflowCommand(line);
    if (!command) return this.show(this.mask(line));
    this.commands.push(command);
    switch (command.command) {
      case 'add-mask':
        // The runner ignores an empty or blank value (with a warning).
        if (command.message.trim()) this.register(command.message);
        return;
      case 'error':
      case 'warning':
      case 'notice': {
        const message = this.mask(command.message);
        this.annotations.push({ level: command.command, message, properties: command.properties });
        return this.show(`${command.command[0]!.toUpperCase()}${command.command.slice(1)}: ${message}`);
      }
      case 'group':
        return this.show(`▸ ${this.mask(command.message)}`);
      case 'endgroup':
      case 'debug':
        return;
      default:
        return this.show(this.mask(line));
    }
  }
}

/** Replays recorded output chunks, in the order they arrived. */
export function replayLog(
  chunks: readonly { stream: Stream; text: string }[],
  preset: readonly string[] = [],
): ReplayedLog {
  const log = new RunnerLog(preset);
  for (const chunk of chunks) log.write(chunk.stream, chunk.text);
  return log.end();
}
