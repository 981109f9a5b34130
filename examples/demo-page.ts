import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

// The page `npm run demo` ends with (.demo/index.html): every job summary and
// the pull request comment as GitHub shows them, and each step's status and
// outputs. One self-contained file, with GitHub's stylesheet inlined, that opens
// from disk with no network. `renderDemoPage` is pure (data → HTML) and knows
// nothing of the demo's steps, so that a run with more jobs can reuse it.

export type SectionStatus = 'succeeded' | 'failed' | 'skipped';

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
  /** Stable within the page (`data-section`, and the anchor `#<id>`), e.g. the step's name. */
  id: string;
  title: string;
  status: SectionStatus;
  /** Plain text after the status, e.g. `in 1.3 s`. */
  detail?: string;
  /** Plain text, e.g. why the section was skipped. */
  note?: string;
  blocks: MarkdownBlock[];
  /** The step's outputs, shown as a table; omitted: no table. */
  outputs?: Record<string, string>;
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

const STATUS_ICONS: Record<SectionStatus, string> = { succeeded: '✅', failed: '❌', skipped: '⏭️' };

/**
 * Markdown as GitHub renders it in a job summary or a comment. micromark with
 * its GFM extension follows the CommonMark and GFM specs exactly (tables, task
 * lists, autolinks, strikethrough, footnotes, and GFM's tag filter), and passes
 * raw HTML through as GitHub does (`<details>`, `<sub>`, the markers in HTML
 * comments). Unlike GitHub it sanitizes nothing further: it renders only what
 * the suite's own actions wrote.
 */
export function renderMarkdown(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The page, whole: `stylesheet` is GitHub's Markdown CSS (github-markdown-css), inlined. */
export function renderDemoPage(page: DemoPage, stylesheet: string): string {
  const facts = page.facts?.length
    ? `<table class="facts"><tbody>${page.facts.map(([label, value]) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</tbody></table>`
    : '';
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
${facts}
<nav aria-label="Steps"><ol class="contents">${contents}</ol></nav>
</header>
${page.sections.map(renderSection).join('\n')}
</main>
</body>
</html>
`;
}

function renderSection(section: PageSection): string {
  const parts = [
    `<section id="${escapeHtml(section.id)}" data-section="${escapeHtml(section.id)}" data-status="${section.status}">`,
    `<h2>${escapeHtml(section.title)} ${statusBadge(section.status)}${detail(section.detail)}</h2>`,
  ];
  if (section.note) parts.push(`<p class="note">${escapeHtml(section.note)}</p>`);
  for (const block of section.blocks) {
    const source = block.file
      ? ` <a class="source" href="${escapeHtml(encodeURI(block.file))}">${escapeHtml(block.file)}</a>`
      : '';
    const body = block.markdown.trim()
      ? renderMarkdown(block.markdown)
      : '<p class="note">(empty: the step wrote none)</p>';
    parts.push(
      `<div class="block" data-block="${escapeHtml(block.id)}">`,
      `<h3 class="block-title">${escapeHtml(block.title)}${source}</h3>`,
      `<div class="markdown-body rendered">\n${body}\n</div>`,
      `</div>`,
    );
  }
  if (section.outputs) parts.push(renderOutputs(section.outputs));
  parts.push('</section>');
  return parts.join('\n');
}

function renderOutputs(outputs: Record<string, string>): string {
  const rows = Object.entries(outputs).map(
    ([name, value]) =>
      `<tr><td><code>${escapeHtml(name)}</code></td><td>${value ? `<pre class="value">${escapeHtml(value)}</pre>` : '<span class="note">(empty)</span>'}</td></tr>`,
  );
  return [
    `<div class="block" data-block="outputs">`,
    `<h3 class="block-title">Outputs</h3>`,
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
.page h2 .status, .page h2 .detail { font-size: 14px; font-weight: normal; margin-left: 4px; }
.status-succeeded { color: var(--fgColor-success); }
.status-failed { color: var(--fgColor-danger); }
.status-skipped, .detail, .note { color: var(--fgColor-muted); }
.contents { display: flex; flex-wrap: wrap; gap: 4px 24px; padding-left: 1.5em; }
.contents li + li { margin-top: 0; }
.markdown-body table.facts { display: table; width: 100%; }
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
