import type { JsonPlan, JsonResourceChange } from '@iac-actions/shared/terraform/plan-types.ts';

// The human `terraform show` text of a synthetic plan (synthetic-plan.ts), in
// Terraform's layout: a block per shown resource change with its attributes,
// sensitive values as `(sensitive value)`, unknown ones as `(known after
// apply)`, unchanged attributes of an update hidden, then the plan line and
// the output changes. Close enough in size and shape for the benchmark and
// for tests that mask and shorten a large text; not a parser fixture (the
// OpenTofu fixtures are what Terraform really prints).

const HEADER = `Terraform used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  ~ update in-place
  - destroy
-/+ destroy and then create replacement
 <= read (data resources)

Terraform will perform the following actions:
`;

type Sign = '+' | '-' | '~' | ' ';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** One value as Terraform prints it; nested values over several lines. */
function literal(value: unknown, marker: unknown, indent: string, symbol: Sign): string {
  if (marker === true) return '(sensitive value)';
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    if (value.includes('\n')) {
      const lines = value.replace(/\n$/, '').split('\n');
      return `<<-EOT\n${lines.map((line) => `${indent}      ${symbol === ' ' ? ' ' : symbol} ${line}`).join('\n')}\n${indent}    EOT`;
    }
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') return String(value);
  const inner = `${indent}    `;
  const markers = (marker ?? {}) as Record<string, unknown>;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item, i) => `${inner}${symbol} ${literal(item, markers[i], inner, symbol)},`);
    return `[\n${items.join('\n')}\n${indent}  ]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  const width = Math.max(...keys.map((key) => key.length + 2));
  const entries = keys.map(
    (key) =>
      `${inner}${symbol} ${JSON.stringify(key).padEnd(width)} = ${literal((value as Record<string, unknown>)[key], markers[key], inner, symbol)}`,
  );
  return `{\n${entries.join('\n')}\n${indent}  }`;
}

/** Lists of objects are nested blocks (`root_block_device { ... }`); the rest are attributes. */
const isBlockList = (value: unknown): value is Record<string, unknown>[] =>
  Array.isArray(value) && value.length > 0 && value.every(isRecord);

function attributeLines(
  values: Record<string, unknown>,
  markers: unknown,
  unknown: Record<string, unknown>,
  symbol: Sign,
  indent: string,
  arrow: string,
): string[] {
  const lines: string[] = [];
  const marks = isRecord(markers) ? markers : {};
  const names = [...new Set([...Object.keys(values), ...Object.keys(unknown)])].sort();
  const width = Math.max(0, ...names.filter((name) => !isBlockList(values[name])).map((name) => name.length));
  for (const name of names) {
    const value = values[name];
    if (unknown[name] === true && value === undefined) {
      lines.push(`${indent}${symbol} ${name.padEnd(width)} = (known after apply)`);
    } else if (isBlockList(value)) {
      const blockMarks = Array.isArray(marks[name]) ? (marks[name] as unknown[]) : [];
      value.forEach((block, i) => {
        lines.push(`${indent}${symbol} ${name} {`);
        lines.push(...attributeLines(block, blockMarks[i], {}, symbol, `${indent}    `, arrow));
        lines.push(`${indent}  }`);
      });
    } else if (value !== null && value !== undefined) {
      lines.push(`${indent}${symbol} ${name.padEnd(width)} = ${literal(value, marks[name], indent, symbol)}${arrow}`);
    }
  }
  return lines;
}

/** Attributes an update changes, `before -> after`; the others counted as hidden. */
function updateLines(rc: JsonResourceChange, forcesReplacement: boolean): string[] {
  const before = (rc.change.before ?? {}) as Record<string, unknown>;
  const after = (rc.change.after ?? {}) as Record<string, unknown>;
  const unknown = isRecord(rc.change.after_unknown) ? rc.change.after_unknown : {};
  const beforeMarks = isRecord(rc.change.before_sensitive) ? rc.change.before_sensitive : {};
  const afterMarks = isRecord(rc.change.after_sensitive) ? rc.change.after_sensitive : {};
  const replacing = new Set((rc.change.replace_paths ?? []).map((path) => String((path as unknown[])[0])));
  const lines: string[] = [];
  let hidden = 0;
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const was = before[name];
    const will = after[name];
    const suffix = forcesReplacement && replacing.has(name) ? ' # forces replacement' : '';
    if (unknown[name] === true) {
      lines.push(`      ~ ${name} = ${literal(was, beforeMarks[name], '      ', '~')} -> (known after apply)${suffix}`);
    } else if (JSON.stringify(was) === JSON.stringify(will)) {
      if (name === 'id' || name === 'name')
        lines.push(`        ${name} = ${literal(was, beforeMarks[name], '      ', ' ')}`);
      else hidden++;
    } else {
      lines.push(
        `      ~ ${name} = ${literal(was, beforeMarks[name], '      ', '~')} -> ${literal(will, afterMarks[name], '      ', '~')}${suffix}`,
      );
    }
  }
  if (hidden) lines.push(`        # (${hidden} unchanged attribute${hidden === 1 ? '' : 's'} hidden)`);
  return lines;
}

function resourceBlock(rc: JsonResourceChange): string[] {
  const actions = rc.change.actions.join(',');
  const moved = rc.previous_address && rc.previous_address !== rc.address;
  const kind = rc.mode === 'data' ? 'data' : 'resource';
  const open = `${kind} "${rc.type}" "${rc.name}" {`;
  const after = (rc.change.after ?? {}) as Record<string, unknown>;
  const before = (rc.change.before ?? {}) as Record<string, unknown>;
  const unknown = isRecord(rc.change.after_unknown) ? rc.change.after_unknown : {};
  switch (actions) {
    case 'create':
      return [
        `  # ${rc.address} will be created`,
        `  + ${open}`,
        ...attributeLines(after, rc.change.after_sensitive, unknown, '+', '      ', ''),
        '    }',
      ];
    case 'read':
      return [
        `  # ${rc.address} will be read during apply`,
        '  # (config refers to values not yet known)',
        ` <= ${open}`,
        ...attributeLines(after, rc.change.after_sensitive, unknown, '+', '      ', ''),
        '    }',
      ];
    case 'delete':
      return [
        `  # ${rc.address} will be destroyed`,
        `  # (because ${rc.address.replace(/^module\.[^.]+\./, '')} is not in configuration)`,
        `  - ${open}`,
        ...attributeLines(before, rc.change.before_sensitive, {}, '-', '      ', ' -> null'),
        '    }',
      ];
    case 'delete,create':
    case 'create,delete':
      return [
        `  # ${rc.address} must be replaced`,
        `${actions === 'delete,create' ? '-/+' : '+/-'} ${open}`,
        ...updateLines(rc, true),
        '    }',
      ];
    case 'update':
      return [
        moved
          ? `  # ${rc.address} will be updated in-place\n  # (moved from ${rc.previous_address})`
          : `  # ${rc.address} will be updated in-place`,
        `  ~ ${open}`,
        ...updateLines(rc, false),
        '    }',
      ];
    default:
      if (!moved) return [];
      return [
        `  # ${rc.previous_address} has moved to ${rc.address}`,
        `    ${open}`,
        `        id = ${JSON.stringify(before.id ?? '')}`,
        `        # (${Math.max(0, Object.keys(before).length - 1)} unchanged attributes hidden)`,
        '    }',
      ];
  }
}

/** The `terraform show` text of `plan`. */
export function syntheticPlanText(plan: JsonPlan): string {
  const out: string[] = [HEADER];
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const rc of plan.resource_changes ?? []) {
    const block = resourceBlock(rc);
    if (!block.length) continue;
    out.push(block.join('\n'), '');
    const actions = rc.change.actions.join(',');
    if (actions === 'create') add++;
    else if (actions === 'update') change++;
    else if (actions === 'delete') destroy++;
    else if (actions.includes('delete') && actions.includes('create')) {
      add++;
      destroy++;
    }
  }
  out.push(`Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`, '', 'Changes to Outputs:');
  for (const [name, output] of Object.entries(plan.output_changes ?? {})) {
    const sensitive = output.before_sensitive === true || output.after_sensitive === true;
    const value = (v: unknown) => (sensitive ? '(sensitive value)' : JSON.stringify(v));
    if (output.actions.join() === 'create') out.push(`  + ${name} = (known after apply)`);
    else if (output.actions.join() === 'update')
      out.push(`  ~ ${name} = ${value(output.before)} -> ${value(output.after)}`);
  }
  return out.join('\n') + '\n';
}
