import type {
  JsonAction,
  JsonChange,
  JsonPlan,
  JsonResourceChange,
  OutputChangeSummary,
  PlanCounts,
  PlanSummary,
  ResourceAction,
  ResourceChangeSummary,
} from './plan-types.ts';

// Summarises `terraform show -json` into the numbers and lists users read.
// The counting rules follow Terraform's and OpenTofu's own plan renderer, so
// that `formatPlanLine(summary.counts)` prints the very line the CLI printed.

/** What a resource's `actions` list means, as the plan text names it. */
export function resourceAction(actions: readonly JsonAction[]): ResourceAction {
  const [first, second] = actions;
  if (actions.length === 1) {
    if (first === 'create' || first === 'update' || first === 'delete' || first === 'read' || first === 'forget') {
      return first;
    }
    if (first === 'no-op') return 'no-op';
  }
  if (actions.length === 2) {
    if ((first === 'delete' && second === 'create') || (first === 'create' && second === 'delete')) return 'replace';
    // OpenTofu's replacement under `lifecycle { destroy = false }`: a new
    // object is created and the old one forgotten, never destroyed.
    if ((first === 'create' && second === 'forget') || (first === 'forget' && second === 'create')) return 'replace';
  }
  // A combination no Terraform version prints today: treated as an in-place
  // change so that it is shown and counted rather than silently dropped.
  return 'update';
}

/** A replacement whose old object is forgotten rather than destroyed (OpenTofu). */
function forgetsOldObject(actions: readonly JsonAction[]): boolean {
  return actions.length === 2 && actions.includes('forget') && actions.includes('create');
}

export function emptyCounts(): PlanCounts {
  return { add: 0, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0, read: 0 };
}

function movedFrom(rc: JsonResourceChange): string | undefined {
  return rc.previous_address && rc.previous_address !== rc.address ? rc.previous_address : undefined;
}

/** The import ID; the resource identity as JSON when imported by identity; '' when neither is known. */
function importId(change: JsonChange): string | undefined {
  const importing = change.importing;
  if (!importing) return undefined;
  if (importing.id) return importing.id;
  if (importing.identity !== undefined) return JSON.stringify(importing.identity);
  return '';
}

function summarizeResource(rc: JsonResourceChange): ResourceChangeSummary {
  const summary: ResourceChangeSummary = {
    address: rc.address,
    action: resourceAction(rc.change.actions),
    actions: [...rc.change.actions],
    type: rc.type,
    mode: rc.mode,
    providerName: rc.provider_name,
  };
  if (rc.action_reason) summary.actionReason = rc.action_reason;
  const from = movedFrom(rc);
  if (from !== undefined) summary.movedFrom = from;
  const id = importId(rc.change);
  if (id !== undefined) summary.importId = id;
  if (rc.deposed) summary.deposed = rc.deposed;
  return summary;
}

/**
 * Whether the plan text shows this resource change at all: a no-op only when
 * it moves or imports, never a deleted data source (Terraform hides those).
 */
function isShown(rc: JsonResourceChange, action: ResourceAction): boolean {
  if (action === 'no-op') return movedFrom(rc) !== undefined || rc.change.importing !== undefined;
  if (rc.mode !== 'managed' && action === 'delete') return false;
  return rc.mode === 'managed' || rc.mode === 'data';
}

function byAddress(a: ResourceChangeSummary, b: ResourceChangeSummary): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  // The current object first, then its deposed objects.
  const da = a.deposed ?? '';
  const db = b.deposed ?? '';
  return da === db ? 0 : da < db ? -1 : 1;
}

function outputAction(actions: readonly JsonAction[]): OutputChangeSummary['action'] {
  const action = resourceAction(actions);
  if (action === 'create' || action === 'delete' || action === 'no-op') return action;
  // Outputs are only ever created, updated or deleted; anything else changes the value.
  return 'update';
}

export function summarizePlan(plan: JsonPlan): PlanSummary {
  const counts = emptyCounts();
  const resources: ResourceChangeSummary[] = [];
  let resourceChanges = false;

  for (const rc of plan.resource_changes ?? []) {
    const action = resourceAction(rc.change.actions);
    if (!isShown(rc, action)) continue;
    const summary = summarizeResource(rc);
    resources.push(summary);

    if (summary.movedFrom !== undefined) counts.move++;
    if (summary.importId !== undefined) counts.import++;
    switch (action) {
      case 'create':
        counts.add++;
        break;
      case 'update':
        counts.change++;
        break;
      case 'delete':
        counts.destroy++;
        break;
      case 'replace':
        counts.replace++;
        counts.add++;
        if (forgetsOldObject(rc.change.actions)) counts.forget++;
        else counts.destroy++;
        break;
      case 'forget':
        counts.forget++;
        break;
      case 'read':
        counts.read++;
        break;
      case 'no-op':
        break;
    }
    // Reading a data source changes nothing by itself; a move or an import
    // changes the state even when the object stays as it is.
    if (action !== 'read') resourceChanges = true;
  }
  resources.sort(byAddress);

  const drift: ResourceChangeSummary[] = [];
  for (const rc of plan.resource_drift ?? []) {
    const action = resourceAction(rc.change.actions);
    if (action === 'no-op' && movedFrom(rc) === undefined) continue;
    drift.push(summarizeResource(rc));
  }
  drift.sort(byAddress);

  const outputs: OutputChangeSummary[] = [];
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    const action = outputAction(change.actions);
    if (action === 'no-op') continue;
    outputs.push({ name, action, sensitive: change.before_sensitive === true || change.after_sensitive === true });
  }
  outputs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const summary: PlanSummary = {
    errored: plan.errored === true,
    counts,
    resources,
    drift,
    outputs,
    hasChanges: resourceChanges || outputs.length > 0,
  };
  if (plan.terraform_version) summary.toolVersion = plan.terraform_version;
  return summary;
}

/**
 * Terraform's own summary line, word for word: `Plan: 1 to add, 0 to change,
 * 1 to destroy.`, with `N to import, ` in front and `, N to forget` at the end
 * when the plan imports or forgets (Terraform ≥ 1.5 / OpenTofu ≥ 1.7).
 */
export function formatPlanLine(counts: PlanCounts): string {
  const imports = counts.import > 0 ? `${counts.import} to import, ` : '';
  const forgets = counts.forget > 0 ? `, ${counts.forget} to forget` : '';
  return `Plan: ${imports}${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy${forgets}.`;
}

/** A short headline: `2 to add, 1 to change, 1 to destroy (1 replaced), 1 moved`, or `No changes.`. */
export function planHeadline(summary: PlanSummary): string {
  if (!summary.hasChanges) return 'No changes.';
  const c = summary.counts;
  const parts = [`${c.add} to add, ${c.change} to change, ${c.destroy} to destroy`];
  if (c.replace) parts[0] += ` (${c.replace} replaced)`;
  if (c.move) parts.push(`${c.move} moved`);
  if (c.import) parts.push(`${c.import} imported`);
  if (c.forget) parts.push(`${c.forget} forgotten`);
  if (c.read) parts.push(`${c.read} read`);
  if (summary.outputs.length) {
    parts.push(`${summary.outputs.length} output change${summary.outputs.length === 1 ? '' : 's'}`);
  }
  return parts.join(', ');
}
