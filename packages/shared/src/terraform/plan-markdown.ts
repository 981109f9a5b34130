import { planHeadline } from './plan-summary.ts';
import { toolDisplayName } from './release-index.ts';
import type { PlanSummary, ResourceAction, ResourceChangeSummary } from './plan-types.ts';

// Markdown renderers of a plan: the pull-request comment (which must fit
// GitHub's 65,536-character limit whatever the plan's size) and the job
// summary (up to 1 MiB, with the full plan text).

/** GitHub rejects comment bodies longer than this. */
export const COMMENT_LIMIT = 65_536;
/** GitHub's limit of one step's job summary, in bytes, less room for what the step adds after the plan. */
export const SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;

export interface PlanReport {
  /** The stack: directory, workspace and optional label. */
  workingDirectory: string;
  workspace: string;
  label?: string;
  tool: 'terraform' | 'tofu';
  toolVersion?: string;
  commitSha: string;
  /** Set when the plan ran; absent when init/validate/plan failed. */
  summary?: PlanSummary;
  /** The human plan text, already masked. */
  planText?: string;
  /** A failure of init, validate or plan: its full error text, already masked. */
  failure?: {
    stage: string;
    message: string;
    /** Already Markdown (diagnostics), not text to fence. */ markdown?: boolean;
  };
  digest?: string;
  artifactName?: string;
  /** The artifact's page on GitHub, once uploaded. */
  artifactUrl?: string;
  runUrl?: string;
  /** Where the full plan text is: the job summary of the run. */
  summaryUrl?: string;
}

/** A report's identity: the stack, the commit and the run. tf-plan and tf-apply fill in the rest. */
export function stackReport(
  stack: { workingDirectory: string; workspace: string; label: string; tool: PlanReport['tool'] },
  context: { commitSha: string; runUrl: string },
): Pick<PlanReport, 'workingDirectory' | 'workspace' | 'label' | 'tool' | 'commitSha' | 'runUrl'> {
  return {
    workingDirectory: stack.workingDirectory,
    workspace: stack.workspace,
    ...(stack.label ? { label: stack.label } : {}),
    tool: stack.tool,
    commitSha: context.commitSha,
    runUrl: context.runUrl,
  };
}

const GROUPS: { action: ResourceAction | 'moved' | 'imported'; title: string; icon: string }[] = [
  { action: 'delete', title: 'Destroy', icon: '🗑️' },
  { action: 'replace', title: 'Replace', icon: '♻️' },
  { action: 'update', title: 'Update in place', icon: '✏️' },
  { action: 'create', title: 'Create', icon: '➕' },
  { action: 'moved', title: 'Move', icon: '🚚' },
  { action: 'imported', title: 'Import', icon: '📥' },
  { action: 'forget', title: 'Forget (remove from state, keep the object)', icon: '🫥' },
  { action: 'read', title: 'Read during apply', icon: '📖' },
];

export function stackTitle(report: Pick<PlanReport, 'workingDirectory' | 'workspace' | 'label'>): string {
  const label = report.label ? ` · ${report.label}` : '';
  return `\`${report.workingDirectory}\` · workspace \`${report.workspace}\`${label}`;
}

/** The headline of a plan, in Terraform's words. */
export function headline(summary: PlanSummary): string {
  return summary.hasChanges
    ? `Plan: ${planHeadline(summary)}.`
    : 'No changes. Infrastructure matches the configuration.';
}

/** Resources by group, in one pass; a resource can be in an action group and in Move/Import. */
function groupMembers(summary: PlanSummary): Map<(typeof GROUPS)[number]['action'], ResourceChangeSummary[]> {
  const groups = new Map(GROUPS.map((g) => [g.action, [] as ResourceChangeSummary[]]));
  for (const r of summary.resources) {
    groups.get(r.action)?.push(r);
    if (r.movedFrom) groups.get('moved')!.push(r);
    if (r.importId !== undefined) groups.get('imported')!.push(r);
  }
  return groups;
}

function resourceLine(r: ResourceChangeSummary): string {
  const details = [
    r.movedFrom && `moved from \`${r.movedFrom}\``,
    r.importId !== undefined && `import ID \`${r.importId}\``,
    r.deposed && `deposed object \`${r.deposed}\``,
    r.actionReason && reasonText(r.actionReason),
  ].filter(Boolean);
  return `- \`${r.address}\`${details.length ? ` — ${details.join('; ')}` : ''}`;
}

function reasonText(reason: string): string {
  const known: Record<string, string> = {
    replace_because_cannot_update: 'an attribute forces replacement',
    replace_because_tainted: 'tainted',
    replace_by_request: 'replacement requested (-replace)',
    replace_by_triggers: 'replace_triggered_by',
    delete_because_no_resource_config: 'removed from the configuration',
    delete_because_no_module: 'its module was removed',
    delete_because_wrong_repetition: 'count/for_each changed',
    delete_because_count_index: 'count index out of range',
    delete_because_each_key: 'for_each key removed',
    read_because_config_unknown: 'configuration known only after apply',
    read_because_dependency_pending: 'depends on pending changes',
  };
  return known[reason] ?? reason.replace(/_/g, ' ');
}

interface Section {
  title: string;
  lines: string[];
  open: boolean;
}

/** A collapsible list; `cap` limits the items shown (the rest are counted). */
function renderSection({ title, lines, open }: Section, cap: number): string {
  const rest = lines.length - Math.min(cap, lines.length);
  const shown = rest > 0 ? lines.slice(0, cap) : lines;
  const more = rest > 0 ? `\n- … and ${thousands(rest)} more (full list in the job summary)` : '';
  return `<details${open ? ' open' : ''}><summary>${title}</summary>\n\n${shown.join('\n')}${more}\n\n</details>`;
}

/** The sections of each summary rendered, for the next renderer: the comment and the job summary list the same plan. */
const sectionsOf = new WeakMap<PlanSummary, { tool: string; sections: Section[] }>();

/** The lists of a plan: resources by action, drift, outputs. */
function planSections(summary: PlanSummary, tool: string): Section[] {
  const known = sectionsOf.get(summary);
  if (known?.tool === tool) return known.sections;
  const sections = buildSections(summary, tool);
  sectionsOf.set(summary, { tool, sections });
  return sections;
}

function buildSections(summary: PlanSummary, tool: string): Section[] {
  const out: Section[] = [];
  const groups = groupMembers(summary);
  for (const group of GROUPS) {
    const members = groups.get(group.action)!;
    if (!members.length) continue;
    const open = group.action === 'delete' || group.action === 'replace';
    out.push({ title: `${group.icon} ${group.title} (${members.length})`, lines: members.map(resourceLine), open });
  }
  if (summary.drift.length) {
    out.push({
      title: `⚠️ Drift: ${summary.drift.length} resource${plural(summary.drift.length)} changed outside ${tool}`,
      lines: summary.drift.map(
        (r) => `- \`${r.address}\` — ${r.action === 'delete' ? 'deleted' : 'changed'} outside ${tool}`,
      ),
      open: false,
    });
  }
  if (summary.outputs.length) {
    out.push({
      title: `Output changes (${summary.outputs.length})`,
      lines: summary.outputs.map((o) => `- \`${o.name}\` — ${o.action}${o.sensitive ? ' (sensitive)' : ''}`),
      open: false,
    });
  }
  return out;
}

/**
 * The sections with as many list items as fit `budget` characters: all of
 * them when they fit, else each list capped (halving the cap) with a count of
 * the rest, so the numbers stay complete. Lines are built once; only the
 * shown slices are joined per try.
 */
function fittedSections(summary: PlanSummary, tool: string, budget: number): string[] {
  const sections = planSections(summary, tool);
  const render = (cap: number) => sections.map((section) => renderSection(section, cap));
  const size = (cap: number) =>
    sections.reduce((sum, { title, lines }) => {
      const shown = lines.slice(0, cap);
      return sum + title.length + 60 + shown.reduce((n, line) => n + line.length + 1, 0);
    }, 0);
  let cap = Infinity;
  while (size(cap) > budget && cap > 1) cap = cap === Infinity ? 1_000 : Math.floor(cap / 2);
  return render(cap);
}

function warning(summary: PlanSummary): string {
  const destructive = [
    ...summary.resources.filter((r) => r.action === 'delete'),
    ...summary.resources.filter((r) => r.action === 'replace'),
  ];
  if (!destructive.length) return '';
  const names = destructive.slice(0, 5).map((r) => `\`${r.address}\``);
  const more = destructive.length > names.length ? ` and ${destructive.length - names.length} more` : '';
  return `> [!WARNING]\n> This plan **destroys ${summary.counts.destroy}** resource${plural(summary.counts.destroy)}${summary.counts.replace ? ` (${summary.counts.replace} by replacement)` : ''}: ${names.join(', ')}${more}.`;
}

function countsTable(summary: PlanSummary): string {
  const c = summary.counts;
  const cells: [string, number][] = [
    ['add', c.add],
    ['change', c.change],
    ['destroy', c.destroy],
    ['replace', c.replace],
    ['move', c.move],
    ['import', c.import],
    ['forget', c.forget],
    ['drift', summary.drift.length],
    ['outputs', summary.outputs.length],
  ];
  return `| ${cells.map(([k]) => k).join(' | ')} |\n| ${cells.map(() => '---:').join(' | ')} |\n| ${cells.map(([, v]) => v).join(' | ')} |`;
}

/**
 * Terraform's plan text as a `diff` block: the action symbol moves to the
 * first column so GitHub colours it (`~` becomes `!`).
 */
export function planTextAsDiff(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const match = /^(\s*)(-\/\+|\+\/-|[+~-])( .*|)$/.exec(line);
      if (!match) return line;
      const [, indent, symbol, rest] = match;
      if (symbol === '+' || symbol === '-') return `${symbol}${indent}${rest}`;
      return symbol === '~' ? `!${indent}${rest}` : `! ${indent}${symbol}${rest}`;
    })
    .join('\n');
}

/** The size of a text: characters for comments, UTF-8 bytes for the job summary. */
type Measure = (text: string) => number;
const characters: Measure = (text) => text.length;
const bytes: Measure = (text) => Buffer.byteLength(text);

/**
 * Keeps the head and tail of a text so it fits `budget` (characters unless
 * another measure is given): whole lines, taken from each end in turn. The
 * lines are found with indexOf rather than split out, so a plan text of tens
 * of megabytes costs only what is kept.
 */
export function shortenMiddle(text: string, budget: number, note: string, measure = characters): string {
  const size = measure(text);
  if (size <= budget) return text;
  // In characters, or in bytes when the text is ASCII (its bytes are its characters), a line's size is
  // its length: no copy to measure.
  const lineSize =
    measure === characters || (measure === bytes && size === text.length)
      ? (from: number, to: number) => to - from
      : (from: number, to: number) => measure(text.slice(from, to));
  const lineCount = countLines(text);
  const marker = (omitted: number) => `\n… ${thousands(omitted)} lines omitted: ${note} …\n`;
  const keep = Math.max(0, budget - measure(marker(lineCount)));
  // Head lines end before `headEnd`, tail lines start at `tailStart`; the next head line starts at `headEnd + 1`.
  let headEnd = -1;
  let tailStart = text.length + 1;
  let heads = 0;
  let tails = 0;
  let used = 0;
  while (heads + tails < lineCount) {
    const takeHead = heads <= tails;
    let from: number;
    let to: number;
    if (takeHead) {
      from = headEnd + 1;
      const newline = text.indexOf('\n', from);
      to = newline === -1 ? text.length : newline;
    } else {
      to = tailStart - 1;
      from = to === 0 ? 0 : text.lastIndexOf('\n', to - 1) + 1;
    }
    const line = lineSize(from, to) + 1;
    if (used + line > keep) break;
    used += line;
    if (takeHead) {
      headEnd = to;
      heads++;
    } else {
      tailStart = from;
      tails++;
    }
  }
  const head = heads ? text.slice(0, headEnd) : '';
  const tail = tails ? text.slice(tailStart) : '';
  return `${head}${marker(lineCount - heads - tails)}${tail}`;
}

/** The last text counted: the comment and the job summary shorten the same plan text. */
let counted: { text: string; lines: number } | undefined;

function countLines(text: string): number {
  if (counted?.text !== text) {
    let lines = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
    counted = { text, lines };
  }
  return counted.lines;
}

/** A code block that no backtick run inside `text` can close. */
export function fence(text: string, language = ''): string {
  // Most texts hold no run of three: includes() finds that far faster than a regular expression's scan.
  const longest = text.includes('```') ? Math.max(...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length)) : 2;
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${language}\n${text}\n${ticks}`;
}

function footer(report: PlanReport): string {
  const parts = [
    `commit \`${report.commitSha.slice(0, 7)}\``,
    `${toolDisplayName(report.tool)}${report.toolVersion ? ` ${report.toolVersion}` : ''}`,
    report.runUrl && `[run](${report.runUrl})`,
    report.summaryUrl && `[full plan in the job summary](${report.summaryUrl})`,
    report.artifactName &&
      (report.artifactUrl
        ? `[artifact \`${report.artifactName}\`](${report.artifactUrl})`
        : `artifact \`${report.artifactName}\``),
    report.digest && `digest \`${report.digest.slice(0, 12)}\``,
  ].filter(Boolean);
  return `<sub>${parts.join(' · ')}</sub>`;
}

function failureBody(report: PlanReport, budget: number): string {
  const failure = report.failure ?? { stage: 'tf-plan', message: 'The plan did not complete; see the job log.' };
  const heading = `#### ❌ ${failure.stage} failed`;
  const text = shortenMiddle(failure.message, Math.max(1_000, budget - heading.length - 20), 'see the job log');
  return `${heading}\n\n${failure.markdown ? text : fence(text, '')}`;
}

/**
 * The pull-request comment: marker, headline, counts, warnings and resource
 * lists (never cut as a whole; long lists are capped with a count of the
 * rest), then the plan text shortened around the middle to fit the limit.
 */
export function renderPlanComment(report: PlanReport, marker: string, limit = COMMENT_LIMIT): string {
  const title = `### ${toolDisplayName(report.tool)} plan for ${stackTitle(report)}`;
  const tail = footer(report);
  const fixed = (parts: string[]) => [...parts, tail].join('\n\n').length;
  if (!report.summary)
    return [marker, title, failureBody(report, limit - fixed([marker, title]) - 50), tail].join('\n\n');
  const summary = report.summary;
  const head = [marker, title, `**${headline(summary)}**`, countsTable(summary), warning(summary)].filter(Boolean);
  // Lists may take three quarters of what is left; the plan text gets the rest.
  const parts = [...head, ...fittedSections(summary, toolDisplayName(report.tool), (limit - fixed(head)) * 0.75)];
  if (report.planText !== undefined && summary.hasChanges) {
    const wrapper = '<details><summary>Plan text</summary>\n\n````diff\n\n````\n\n</details>\n\n'.length;
    const budget = limit - fixed(parts) - wrapper - 100;
    if (budget > 200) {
      // Shortened before colouring (which adds at most two characters to a line), so only what is shown is transformed.
      const shown = shortenMiddle(report.planText, Math.floor(budget * 0.97), 'the full plan is in the job summary');
      const diff = planTextAsDiff(shown);
      parts.push(`<details><summary>Plan text</summary>\n\n${fence(diff, 'diff')}\n\n</details>`);
    }
  }
  return [...parts, tail].join('\n\n');
}

/**
 * The job summary: everything, the plan text in full up to GitHub's 1 MiB
 * (`limit`). tf-apply gives its own `title` and what it adds before.
 */
export function renderPlanSummary(
  report: PlanReport,
  { limit = SUMMARY_LIMIT, title = `## ${toolDisplayName(report.tool)} plan for ${stackTitle(report)}` } = {},
): string {
  const tail = footer(report);
  if (!report.summary) return [title, failureBody(report, limit / 2), tail].join('\n\n') + '\n';
  const summary = report.summary;
  const head = [title, `**${headline(summary)}**`, countsTable(summary), warning(summary)].filter(Boolean);
  const parts = [...head, ...fittedSections(summary, toolDisplayName(report.tool), limit / 2)];
  if (report.planText !== undefined) {
    const budget = limit - bytes([...parts, tail].join('\n\n')) - 200;
    const text = shortenMiddle(report.planText, Math.max(0, budget), 'the plan in the artifact has everything', bytes);
    parts.push(`<details><summary>Plan text</summary>\n\n${fence(text, 'hcl')}\n\n</details>`);
  }
  return [...parts, tail].join('\n\n') + '\n';
}

/** 12345 → `12,345`; not toLocaleString, whose first call loads ICU data (~15 ms). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
