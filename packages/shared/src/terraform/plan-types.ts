// The contract of the Terraform domain: the parts of Terraform's JSON plan
// (`terraform show -json <planfile>`, format 1.x, the same in OpenTofu) that
// the suite reads, and the model the plan is summarised into. Fields a real
// run prints may be missing in older or test outputs: every one is optional
// unless Terraform always prints it.

export type JsonAction = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'forget';

export interface JsonChange {
  actions: JsonAction[];
  before: unknown;
  after: unknown;
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  replace_paths?: unknown[];
  importing?: { id?: string; identity?: unknown };
  generated_config?: string;
}

export interface JsonResourceChange {
  address: string;
  previous_address?: string;
  module_address?: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  index?: string | number;
  provider_name: string;
  deposed?: string;
  change: JsonChange;
  action_reason?: string;
}

export interface JsonPlan {
  format_version: string;
  terraform_version?: string;
  timestamp?: string;
  errored?: boolean;
  applyable?: boolean;
  complete?: boolean;
  variables?: Record<string, { value: unknown }>;
  resource_changes?: JsonResourceChange[];
  resource_drift?: JsonResourceChange[];
  output_changes?: Record<string, JsonChange>;
  relevant_attributes?: unknown[];
  planned_values?: unknown;
  prior_state?: unknown;
  configuration?: unknown;
  checks?: unknown[];
}

/** What happens to one resource instance, as Terraform's plan text names it. */
export type ResourceAction = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'forget' | 'no-op';

export interface ResourceChangeSummary {
  address: string;
  action: ResourceAction;
  /** `delete,create` (destroy before create) or `create,delete` (create before destroy) for replace. */
  actions: JsonAction[];
  /** Terraform's `action_reason`, e.g. `replace_because_cannot_update`. */
  actionReason?: string;
  /** The address it is moved from (`moved` block or `state mv`-like refactoring). */
  movedFrom?: string;
  /** The import ID when the resource is imported by this plan. */
  importId?: string;
  /** Set for a deposed object (a leftover of create_before_destroy). */
  deposed?: string;
  type: string;
  mode: 'managed' | 'data';
  providerName: string;
}

export interface OutputChangeSummary {
  name: string;
  action: 'create' | 'update' | 'delete' | 'no-op';
  sensitive: boolean;
}

/** The numbers users read. add/change/destroy equal Terraform's own `Plan:` line. */
export interface PlanCounts {
  /** create + replace (a replacement counts in add and in destroy). */
  add: number;
  change: number;
  /** delete + replace. */
  destroy: number;
  replace: number;
  move: number;
  import: number;
  forget: number;
  read: number;
}

export interface PlanSummary {
  /** Terraform's version from the plan, when it printed one. */
  toolVersion?: string;
  errored: boolean;
  counts: PlanCounts;
  /** Every resource instance the plan does something to (no-ops that are neither moved nor imported left out), sorted by address. */
  resources: ResourceChangeSummary[];
  /** Changes made outside Terraform, found by refresh (`resource_drift`). */
  drift: ResourceChangeSummary[];
  /** Output changes other than no-op. */
  outputs: OutputChangeSummary[];
  /** True when applying would change anything: resources, outputs, moves, imports or forgets. */
  hasChanges: boolean;
}
