// The hidden, machine-readable first line of a tf-plan comment. It names the
// stack (to find the comment again) and carries what tf-apply needs to tie an
// approval to a plan: the digest, the artifact, the commit and the run.

const PREFIX = '<!-- iac-actions:tf-plan ';
const SUFFIX = ' -->';

export interface PlanMarker {
  workingDirectory: string;
  workspace: string;
  label: string;
  commitSha: string;
  runId: string;
  status: 'planned' | 'failed' | 'applied' | 'apply-failed' | 'outdated';
  digest?: string;
  artifactName?: string;
}

export function renderPlanMarker(marker: PlanMarker): string {
  // `<` and `>` escaped so a directory name cannot end the HTML comment.
  const json = JSON.stringify(marker).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `${PREFIX}${json}${SUFFIX}`;
}

export function readPlanMarker(body: string): PlanMarker | undefined {
  const line = body.split('\n', 1)[0] ?? '';
  if (!line.startsWith(PREFIX) || !line.endsWith(SUFFIX)) return undefined;
  try {
    const value = JSON.parse(line.slice(PREFIX.length, -SUFFIX.length)) as Partial<PlanMarker>;
    if (typeof value.workingDirectory !== 'string' || typeof value.workspace !== 'string') return undefined;
    return { label: '', ...value } as PlanMarker;
  } catch {
    return undefined;
  }
}

export function sameStack(a: Pick<PlanMarker, 'workingDirectory' | 'workspace' | 'label'>, b: typeof a): boolean {
  return a.workingDirectory === b.workingDirectory && a.workspace === b.workspace && a.label === b.label;
}

/** A superseded comment's new body: a note on top, the marker marked outdated. */
export function outdatedPlanBody(body: string, newerCommit: string): string {
  return restampPlanBody(
    body,
    'outdated',
    `> [!NOTE]\n> Outdated: superseded by the plan for commit \`${newerCommit.slice(0, 7)}\`.`,
  );
}

/**
 * A plan comment's body with a new status in its marker and `note` on top,
 * in place of the note of an earlier status (the plan below stays as is).
 */
export function restampPlanBody(body: string, status: PlanMarker['status'], note: string): string {
  const marker = readPlanMarker(body);
  if (!marker) return body;
  const rest = body.split('\n').slice(1).join('\n').replace(STATUS_NOTE, '');
  return `${renderPlanMarker({ ...marker, status })}\n${note}\n${rest}`;
}

// The note restampPlanBody puts on top: a GitHub alert block, then a blank line or the title.
const STATUS_NOTE = /^> \[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\n(> .*\n)*/;
