// `npm run coverage`: one row per folder of packages/shared/src (action,
// docker, terraform, …), the four istanbul measures side by side, then the
// total. The thresholds of vitest.config.ts apply to the same folders.

interface Metric {
  pct: number;
  covered: number;
  total: number;
}
type Summary = Record<'statements' | 'branches' | 'functions' | 'lines', Metric>;
interface TreeNode {
  isSummary(): boolean;
  getChildren(): TreeNode[];
  getRelativeName(): string;
  getCoverageSummary(filesOnly: boolean): Summary;
}
interface Context {
  getTree(summarizer: 'pkg'): { getRoot(): TreeNode };
  writer: { writeFile(file: string | null): { println(line: string): void; close(): void } };
}

const MEASURES = ['statements', 'branches', 'functions', 'lines'] as const;

// An istanbul report: vitest loads it by path and calls execute(context).
export default class CoverageByFolder {
  execute(context: Context): void {
    const root = context.getTree('pkg').getRoot();
    const rows: [string, Summary][] = [];
    const visit = (node: TreeNode, parent: string) => {
      for (const child of node.getChildren()) {
        if (!child.isSummary()) continue;
        const name = `${parent}${child.getRelativeName()}`.replace(/\/$/, '');
        rows.push([name, child.getCoverageSummary(true)]);
        visit(child, `${name}/`);
      }
    };
    visit(root, '');
    rows.push(['all', root.getCoverageSummary(false)]);
    const width = Math.max(...rows.map(([name]) => name.length), 'folder'.length);
    const cell = (m: Metric) => `${m.pct.toFixed(1).padStart(5)}% ${`(${m.covered}/${m.total})`.padEnd(13)}`;
    const out = context.writer.writeFile(null);
    out.println('');
    out.println(`Coverage by folder of packages/shared/src`);
    out.println(`${'folder'.padEnd(width)}  ${MEASURES.map((m) => m.padEnd(20)).join(' ')}`);
    for (const [name, summary] of rows) {
      out.println(`${name.padEnd(width)}  ${MEASURES.map((m) => cell(summary[m])).join(' ')}`);
    }
    out.close();
  }
}
