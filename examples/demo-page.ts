import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

// The page `npm run demo` ends with (.demo/index.html): every job summary, the
// pull request's comments and the issues as GitHub shows them, and each job's
// status and outputs. One self-contained file, with GitHub's stylesheet
// inlined, that opens from disk with no network. `renderDemoPage` is pure
// (data → HTML) and knows nothing of the demo's runs: sections nest (a run, its
// jobs), each level one heading deeper.

export type SectionStatus = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface MarkdownBlock {
  /** Stable within its section (`data-block`), e.g. `job-summary`. */
  id: string;
  title: string;
  /** GitHub Flavored Markdown, as an action wrote it. */
  markdown: string;
  /** The file beside the page that holds the same Markdown, linked from the block's title. */
  file?: string;
}

export interface PageSection {
  /** Unique in the page (`data-section`, and the anchor `#<id>`), e.g. a run's or a job's name. */
  id: string;
  title: string;
  status: SectionStatus;
  /** Plain text after the status, e.g. `in 1.3 s`. */
  detail?: string;
  /** Plain-text facts, shown as a table under the heading (e.g. the environment, who approved). */
  facts?: [label: string, value: string][];
  /** Plain text, e.g. why the section was skipped. */
  note?: string;
  blocks: MarkdownBlock[];
  /** The job's or step's outputs, shown as a table; omitted: no table. */
  outputs?: Record<string, string>;
  /** Sections within this one (a run's jobs), after its blocks and outputs, one heading level down. */
  sections?: PageSection[];
}

export interface DemoPage {
  title: string;
  status: SectionStatus;
  /** Plain text after the status, e.g. `in 24.1 s`. */
  detail?: string;
  /** Plain-text facts about the run, shown as a table under the title. */
  facts?: [label: string, value: string][];
  sections: PageSection[];
}

const STATUS_ICONS: Record<SectionStatus, string> = { succeeded: '✅', failed: '❌', cancelled: '🚫', skipped: '⏭️' };

/**
 * Markdown as GitHub renders it in a job summary or a comment. micromark with
 * its GFM extension follows the CommonMark and GFM specs exactly (tables, task
 * lists, autolinks, strikethrough, footnotes, and GFM's tag filter), and passes
 * raw HTML through as GitHub does (`<details>`, `<sub>`, the markers in HTML
 * comments). Unlike GitHub it sanitizes nothing further: it renders only what
 * the suite's own actions wrote.
 */
export function renderMarkdown(markdown: string): string {
  return renderAlerts(
    micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] }),
  );
}

/** A block quote whose first line is `[!NOTE]` (TIP, IMPORTANT, WARNING, CAUTION), as micromark renders it. */
const ALERT = /<blockquote>\n<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\](\n|<\/p>\n)/g;

/**
 * GitHub's alerts ("> [!TIP]" block quotes), which GFM itself does not know,
 * as GitHub renders them: a `markdown-alert` box with its title, which
 * github-markdown-css styles (without GitHub's icon).
 */
function renderAlerts(html: string): string {
  let rendered = '';
  let from = 0;
  for (;;) {
    ALERT.lastIndex = from;
    const match = ALERT.exec(html);
    if (!match) break;
    const end = closingBlockquote(html, match.index);
    if (end < 0) break;
    const type = match[1]!;
    const body = html.slice(match.index + match[0].length, end);
    rendered +=
      html.slice(from, match.index) +
      `<div class="markdown-alert markdown-alert-${type.toLowerCase()}">\n` +
      `<p class="markdown-alert-title">${type[0]}${type.slice(1).toLowerCase()}</p>\n` +
      `${match[2] === '\n' ? '<p>' : ''}${body}</div>`;
    from = end + '</blockquote>'.length;
  }
  return rendered + html.slice(from);
}

/** Where the block quote opened at `start` closes (nested ones skipped); -1 when it does not. */
function closingBlockquote(html: string, start: number): number {
  const tag = /<(\/?)blockquote>/g;
  tag.lastIndex = start;
  let depth = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return m.index;
  }
  return -1;
}

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The page, whole: `stylesheet` is GitHub's Markdown CSS (github-markdown-css), inlined. */
export function renderDemoPage(page: DemoPage, stylesheet: string): string {
  const contents = page.sections
    .map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a> ${statusBadge(s.status)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(page.title)}</title>
<style>
${stylesheet.replace(/<\/style/gi, '<\\/style')}
</style>
<style>
${PAGE_CSS}
</style>
</head>
<body class="markdown-body">
<main class="page">
<header>
<h1>${escapeHtml(page.title)}</h1>
<p class="run-status">${statusBadge(page.status)}${detail(page.detail)}</p>
${renderFacts(page.facts)}
<nav aria-label="Contents"><ol class="contents">${contents}</ol></nav>
</header>
${page.sections.map((s) => renderSection(s, 2)).join('\n')}
</main>
</body>
</html>
`;
}

function renderFacts(facts: PageSection['facts']): string {
  if (!facts?.length) return '';
  const rows = facts.map(
    ([label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
  );
  return `<table class="facts"><tbody>${rows.join('')}</tbody></table>`;
}

/** A section, its heading at `level` (h2 for the page's own sections; at most h6), its blocks one below. */
function renderSection(section: PageSection, level: number): string {
  const heading = Math.min(level, 6);
  const parts = [
    `<section id="${escapeHtml(section.id)}" data-section="${escapeHtml(section.id)}" data-status="${section.status}" class="level-${heading}">`,
    `<h${heading} class="section-title">${escapeHtml(section.title)} ${statusBadge(section.status)}${detail(section.detail)}</h${heading}>`,
  ];
  const blockHeading = Math.min(level + 1, 6);
  if (section.note) parts.push(`<p class="note">${escapeHtml(section.note)}</p>`);
  parts.push(renderFacts(section.facts));
  for (const block of section.blocks) {
    const source = block.file
      ? ` <a class="source" href="${escapeHtml(encodeURI(block.file))}">${escapeHtml(block.file)}</a>`
      : '';
    const body = block.markdown.trim() ? renderMarkdown(block.markdown) : '<p class="note">(empty)</p>';
    parts.push(
      `<div class="block" data-block="${escapeHtml(block.id)}">`,
      `<h${blockHeading} class="block-title">${escapeHtml(block.title)}${source}</h${blockHeading}>`,
      `<div class="markdown-body rendered">\n${body}\n</div>`,
      `</div>`,
    );
  }
  if (section.outputs) parts.push(renderOutputs(section.outputs, blockHeading));
  for (const child of section.sections ?? []) parts.push(renderSection(child, level + 1));
  parts.push('</section>');
  return parts.filter(Boolean).join('\n');
}

function renderOutputs(outputs: Record<string, string>, heading: number): string {
  const rows = Object.entries(outputs).map(
    ([name, value]) =>
      `<tr><td><code>${escapeHtml(name)}</code></td><td>${value ? `<pre class="value">${escapeHtml(value)}</pre>` : '<span class="note">(empty)</span>'}</td></tr>`,
  );
  return [
    `<div class="block" data-block="outputs">`,
    `<h${heading} class="block-title">Outputs</h${heading}>`,
    rows.length
      ? `<table class="outputs"><thead><tr><th>Output</th><th>Value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : '<p class="note">(none)</p>',
    `</div>`,
  ].join('\n');
}

function statusBadge(status: SectionStatus): string {
  return `<span class="status status-${status}">${STATUS_ICONS[status]} ${status}</span>`;
}

function detail(text: string | undefined): string {
  return text ? ` <span class="detail">${escapeHtml(text)}</span>` : '';
}

// The page's own frame, on the colours github-markdown-css defines (light and dark).
const PAGE_CSS = `
body.markdown-body { min-height: 100vh; }
.page { box-sizing: border-box; max-width: 1012px; margin: 0 auto; padding: 24px 24px 48px; }
.page h1 { margin-top: 0; }
.page section { margin-top: 32px; }
.section-title .status, .section-title .detail { font-size: 14px; font-weight: normal; margin-left: 4px; }
.page section.level-3, .page section.level-4 { margin-top: 24px; padding-left: 16px; border-left: 3px solid var(--borderColor-muted); }
.status-succeeded { color: var(--fgColor-success); }
.status-failed { color: var(--fgColor-danger); }
.status-cancelled, .status-skipped, .detail, .note { color: var(--fgColor-muted); }
.contents { display: flex; flex-wrap: wrap; gap: 4px 24px; padding-left: 1.5em; }
.contents li + li { margin-top: 0; }
.markdown-body table.facts { display: table; width: 100%; font-size: 14px; }
.markdown-body table.facts th, .markdown-body table.facts td { padding: 3px 10px; }
table.facts th { text-align: left; white-space: nowrap; width: 1%; }
table.facts td { overflow-wrap: anywhere; }
.block { margin: 16px 0; }
.block-title { font-size: 14px; margin: 0 0 8px; }
.block-title .source { font-weight: normal; margin-left: 8px; }
.rendered { border: 1px solid var(--borderColor-default); border-radius: 6px; padding: 16px; }
.markdown-body table.outputs { display: table; width: 100%; table-layout: fixed; }
table.outputs th:first-child, table.outputs td:first-child { width: 25%; overflow-wrap: anywhere; }
table.outputs pre.value { margin: 0; padding: 4px 8px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 16em; overflow: auto; }
`;

/** Writes the page to `file`, with GitHub's stylesheet from the github-markdown-css package inlined. */
export async function writeDemoPage(file: string, page: DemoPage): Promise<string> {
  const stylesheet = await readFile(
    createRequire(import.meta.url).resolve('github-markdown-css/github-markdown.css'),
    'utf8',
  );
  await writeFile(file, renderDemoPage(page, stylesheet));
  return file;
}
