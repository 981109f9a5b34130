import { describe, expect, it } from 'vitest';
import { escapeHtml, renderDemoPage, renderMarkdown, type DemoPage } from './demo-page.ts';

// The demo's page (examples/demo-page.ts), rendered from data: Markdown as
// GitHub renders it, everything else escaped. test/e2e/demo.test.ts opens the
// page of a real run in Chromium.

const SUMMARY = [
  '### ✅ Deployed `app` to 2 hosts',
  '',
  '| Host | changed |',
  '| --- | ---: |',
  '| web-1 | 2 |',
  '',
  '<details><summary>Plan text</summary>',
  '',
  '```diff',
  '+ resource "a" <b>',
  '```',
  '',
  '</details>',
  '',
  '<!-- iac-actions:marker {"a":1} -->',
].join('\n');

const page: DemoPage = {
  title: 'A run <of two>',
  status: 'failed',
  detail: 'in 2.0 s',
  facts: [['Terraform', 'terraform 1.11.4 & friends']],
  sections: [
    {
      id: 'deploy',
      title: 'deploy',
      status: 'succeeded',
      detail: 'in 1.2 s',
      blocks: [{ id: 'job-summary', title: 'Job summary', markdown: SUMMARY, file: 'deploy.summary.md' }],
      outputs: { results: '[{"url":"/?a=1&b=<2>","ok":true}]', 'changed-hosts': "web-1 'a'", empty: '' },
    },
    { id: 'probe', title: 'probe', status: 'skipped', note: 'Not run: a step before it failed.', blocks: [] },
    {
      id: 'run-2',
      title: 'deploy (push)',
      status: 'cancelled',
      facts: [['Workflow', 'deploy.yml <main>']],
      blocks: [{ id: 'issue-7', title: 'Issue #7', markdown: '## Drift in `prod`' }],
      sections: [
        {
          id: 'run-2--prod',
          title: 'deploy prod',
          status: 'succeeded',
          facts: [['Approved by', 'alice']],
          blocks: [{ id: 'job-summary', title: 'Job summary', markdown: '' }],
          outputs: {},
          sections: [{ id: 'run-2--prod--deep', title: 'deeper', status: 'skipped', blocks: [] }],
        },
      ],
    },
  ],
};

describe('renderMarkdown', () => {
  it('renders a GFM table, with its column alignment', () => {
    const html = renderMarkdown('| Host | changed |\n| --- | ---: |\n| web-1 | 2 |\n');
    expect(html).toContain('<table>');
    expect(html).toContain('<th>Host</th>');
    expect(html).toContain('<th align="right">changed</th>');
    expect(html).toContain('<td>web-1</td>');
  });

  it('passes <details> and HTML comments through, and renders the Markdown inside', () => {
    const html = renderMarkdown(
      '<details><summary>➕ Create (2)</summary>\n\n- `a.b`\n\n</details>\n\n<!-- marker -->',
    );
    expect(html).toContain('<details><summary>➕ Create (2)</summary>');
    expect(html).toContain('<li><code>a.b</code></li>');
    expect(html).toContain('</details>');
    expect(html).toContain('<!-- marker -->');
  });

  it('renders a fenced code block with its language, its text escaped', () => {
    expect(renderMarkdown('```diff\n+ a <b> & c\n```\n')).toBe(
      '<pre><code class="language-diff">+ a &lt;b&gt; &amp; c\n</code></pre>\n',
    );
  });

  it('renders GitHub alerts as GitHub does: a titled markdown-alert box', () => {
    expect(renderMarkdown('> [!TIP]\n> Applied in [run](https://x/1) from `abc`.\n\nafter')).toBe(
      '<div class="markdown-alert markdown-alert-tip">\n<p class="markdown-alert-title">Tip</p>\n' +
        '<p>Applied in <a href="https://x/1">run</a> from <code>abc</code>.</p>\n</div>\n<p>after</p>',
    );
    expect(renderMarkdown('> [!WARNING]\n>\n> Careful.\n')).toBe(
      '<div class="markdown-alert markdown-alert-warning">\n<p class="markdown-alert-title">Warning</p>\n<p>Careful.</p>\n</div>\n',
    );
  });

  it('leaves other block quotes, and alerts not on their own first line, as they are', () => {
    expect(renderMarkdown('> [!TIP] inline\n')).toBe('<blockquote>\n<p>[!TIP] inline</p>\n</blockquote>\n');
    expect(renderMarkdown('> quoted\n> > [!NOTE]\n> > inner\n')).toBe(
      '<blockquote>\n<p>quoted</p>\n<div class="markdown-alert markdown-alert-note">\n<p class="markdown-alert-title">Note</p>\n<p>inner</p>\n</div>\n</blockquote>\n',
    );
  });

  it("filters the tags GitHub's tag filter disallows", () => {
    expect(renderMarkdown('<script>alert(1)</script>')).toContain('&lt;script>');
  });
});

describe('renderDemoPage', () => {
  const html = renderDemoPage(page, '.markdown-body { color: red; }');

  it('is one document, with the stylesheet inlined and nothing to fetch', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>\n.markdown-body { color: red; }\n</style>');
    expect(html).not.toMatch(/<link|<script|\ssrc=/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('renders each section: the Markdown as GitHub does, inside markdown-body', () => {
    expect(html).toContain('<section id="deploy" data-section="deploy" data-status="succeeded" class="level-2">');
    expect(html).toContain(
      '<h2 class="section-title">deploy <span class="status status-succeeded">✅ succeeded</span>',
    );
    expect(html).toContain('<div class="block" data-block="job-summary">');
    expect(html).toContain('<div class="markdown-body rendered">\n<h3>✅ Deployed <code>app</code> to 2 hosts</h3>');
    expect(html).toContain('<th align="right">changed</th>');
    expect(html).toContain('<details><summary>Plan text</summary>');
    expect(html).toContain('<pre><code class="language-diff">+ resource &quot;a&quot; &lt;b&gt;\n</code></pre>');
    expect(html).toContain('<a class="source" href="deploy.summary.md">deploy.summary.md</a>');
  });

  it('escapes every value that is not Markdown: outputs, titles, facts', () => {
    expect(html).toContain('<tr><td><code>results</code></td>');
    expect(html).toContain(
      '<pre class="value">[{&quot;url&quot;:&quot;/?a=1&amp;b=&lt;2&gt;&quot;,&quot;ok&quot;:true}]</pre>',
    );
    expect(html).toContain('<pre class="value">web-1 &#39;a&#39;</pre>');
    expect(html).toContain('<tr><td><code>empty</code></td><td><span class="note">(empty)</span></td></tr>');
    expect(html).toContain('<title>A run &lt;of two&gt;</title>');
    expect(html).toContain('<td>terraform 1.11.4 &amp; friends</td>');
    expect(html).not.toContain('<of two>');
  });

  it('shows each status, and why a section has nothing', () => {
    expect(html).toContain('<span class="status status-failed">❌ failed</span> <span class="detail">in 2.0 s</span>');
    expect(html).toContain('<section id="probe" data-section="probe" data-status="skipped" class="level-2">');
    expect(html).toContain('<p class="note">Not run: a step before it failed.</p>');
    expect(html).toMatch(/<li><a href="#probe">probe<\/a> <span class="status status-skipped">/);
  });
});

describe('renderDemoPage, sections within sections', () => {
  const html = renderDemoPage(page, '');
  const nested = html.slice(html.indexOf('<section id="run-2"'));

  it('renders each level one heading deeper, its blocks one below it', () => {
    expect(nested).toMatch(/^<section id="run-2" data-section="run-2" data-status="cancelled" class="level-2">\n<h2 /);
    expect(nested).toContain('<h3 class="block-title">Issue #7</h3>');
    expect(nested).toContain(
      '<section id="run-2--prod" data-section="run-2--prod" data-status="succeeded" class="level-3">\n<h3 ',
    );
    expect(nested).toContain('<h4 class="block-title">Job summary</h4>');
    expect(nested).toContain('<h4 class="block-title">Outputs</h4>');
    expect(nested).toContain('class="level-4">\n<h4 class="section-title">deeper');
  });

  it('closes a section after its own sections', () => {
    const inner = nested.indexOf('<section id="run-2--prod--deep"');
    expect(nested.indexOf('</section>')).toBeGreaterThan(inner);
    expect(nested.match(/<\/section>/g)).toHaveLength(3);
  });

  it("shows a section's facts, escaped, and what is empty", () => {
    expect(nested).toContain('<tr><th scope="row">Workflow</th><td>deploy.yml &lt;main&gt;</td></tr>');
    expect(nested).toContain('<tr><th scope="row">Approved by</th><td>alice</td></tr>');
    expect(nested).toContain('<p class="note">(empty)</p>');
    expect(nested).toContain('<p class="note">(none)</p>');
    expect(nested).toContain('<span class="status status-cancelled">🚫 cancelled</span>');
  });

  it('lists only the top-level sections in the contents', () => {
    const nav = html.slice(html.indexOf('<nav'), html.indexOf('</nav>'));
    expect(nav).toContain('<a href="#run-2">deploy (push)</a>');
    expect(nav).not.toContain('run-2--prod');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
