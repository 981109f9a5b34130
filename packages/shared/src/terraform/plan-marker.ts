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

/**
 * Whether a comment shows the same plan as `marker`: the same commit and the
 * same digest. Only then is it updated in place; any other plan gets a new
 * comment, so that the comment's time tells which approvals came after it
 * (a re-plan of one commit can give another plan when the state moved on).
 */
export function samePlan(a: Pick<PlanMarker, 'commitSha' | 'digest'>, b: typeof a): boolean {
  return a.commitSha === b.commitSha && (a.digest ?? '') === (b.digest ?? '');
}

/** A superseded comment's new body: a note on top, the marker marked outdated. */
export function outdatedPlanBody(body: string, newer: Pick<PlanMarker, 'commitSha' | 'digest'>): string {
  const old = readPlanMarker(body);
  const note =
    old?.commitSha === newer.commitSha
      ? `Outdated: planning commit \`${newer.commitSha.slice(0, 7)}\` again gave ${newer.digest ? `another plan (\`${newer.digest.slice(0, 12)}\`)` : 'a failed plan'}, in a new comment. Approvals given before it do not count for it.`
      : `Outdated: superseded by the plan for commit \`${newer.commitSha.slice(0, 7)}\`.`;
  return restampPlanBody(body, 'outdated', `> [!NOTE]\n> ${note}`);
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
