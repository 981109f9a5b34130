import { isAlias, isNode, LineCounter, parseDocument, stringify, visit } from 'yaml';
import { invalidInput } from '../action/action-error.ts';
import { MIN_SECRET_LENGTH } from '../action/mask.ts';
import { isRecord } from '../util/values.ts';

// The inventory of an ansible-deploy run: generated from `terraform output
// -json`, or given by the user as a path or as the inventory itself.

type HostVars = Record<string, unknown>;
type Hosts = Record<string, HostVars | null>;

interface InventoryGroup {
  hosts?: Hosts;
  children?: Record<string, { hosts: Hosts }>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ADDRESS_KEYS = ['host', 'address', 'ip'] as const;
const EXPECTED_SHAPE =
  'a list of addresses (["10.0.0.5", "web.example.com"]) or a map of group name to a list of addresses ({"web": ["10.0.0.5"]})';

/**
 * The `inventory-from-terraform` input: the JSON of `terraform output -json`
 * ({name: {value, type, sensitive}}), and the output that holds the hosts;
 * `mask` gets the values of every sensitive output.
 */
export function inventoryFromTerraform(
  outputsJson: string,
  hostsOutput: string,
  mask: (secret: string) => void = () => {},
): string {
  const outputName = hostsOutput.trim();
  if (!outputName) {
    throw invalidInput(
      'terraform-hosts-output',
      'is required with inventory-from-terraform: name the Terraform output that holds the hosts',
    );
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(outputsJson);
  } catch {
    // JSON.parse's message quotes the text, which may hold sensitive values.
    throw invalidInput('inventory-from-terraform', 'is not JSON: give the output of `terraform output -json`');
  }
  if (!isRecord(outputs)) {
    throw invalidInput(
      'inventory-from-terraform',
      'is not the output of `terraform output -json` (an object of outputs, {"name": {"value": ...}}); give all outputs, not the value of one',
    );
  }
  // Sensitive outputs are masked first, whatever is checked next: the hosts
  // output may be one, and the others pass through the step's memory only.
  for (const entry of Object.values(outputs)) {
    if (isRecord(entry) && entry.sensitive === true) maskLeaves(entry.value, mask);
  }
  const output = outputs[outputName];
  if (output === undefined) {
    const names = Object.keys(outputs);
    throw invalidInput(
      'terraform-hosts-output',
      `names the output '${outputName}', which is not among the Terraform outputs (${names.length ? names.join(', ') : 'there are none'})`,
    );
  }
  if (!isRecord(output) || !('value' in output)) {
    throw invalidInput(
      'inventory-from-terraform',
      `is not the output of \`terraform output -json\`: output '${outputName}' has no "value"`,
    );
  }
  const shape = new ShapeReporter(outputName, output.sensitive === true);
  const value = output.value;

  let all: InventoryGroup;
  if (Array.isArray(value)) {
    all = { hosts: hostsOf(value, shape, undefined) };
  } else if (isRecord(value)) {
    all = {};
    Object.entries(value).forEach(([group, members], index) => {
      const groupLabel = shape.groupLabel(group, index);
      if (!Array.isArray(members)) {
        throw shape.error(`${groupLabel} is ${kindOf(members)}; expected a list of addresses`);
      }
      const hosts = hostsOf(members, shape, groupLabel);
      // `all` is every host's group already: its hosts are all's own.
      if (group === 'all') {
        all.hosts = { ...all.hosts, ...hosts };
        return;
      }
      if (!NAME.test(group)) {
        throw shape.error(
          `${groupLabel} is not a valid Ansible group name (letters, digits and _, not starting with a digit; use _ for -)`,
        );
      }
      all.children = { ...all.children, [group]: { hosts } };
    });
  } else {
    throw shape.error(`its value is ${kindOf(value)}; expected ${EXPECTED_SHAPE}`);
  }
  // Ansible reads inventories with PyYAML (YAML 1.1): strings that 1.1 would
  // read as something else (`yes`, `0777`, `1:20`) must come out quoted.
  return stringify({ all }, { version: '1.1' });
}

function hostsOf(entries: unknown[], shape: ShapeReporter, groupLabel: string | undefined): Hosts {
  const hosts: Hosts = {};
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}${groupLabel ? ` of ${groupLabel}` : ''}`;
    const { address, vars } = hostOf(entry, shape, where);
    const known = hosts[address];
    hosts[address] = known || vars ? { ...known, ...vars } : null;
  });
  return hosts;
}

function hostOf(entry: unknown, shape: ShapeReporter, where: string): { address: string; vars?: HostVars } {
  if (typeof entry === 'string') return { address: addressOf(entry, shape, where) };
  if (!isRecord(entry)) {
    throw shape.error(`${where} is ${kindOf(entry)}; expected an address, or an object with "host", "address" or "ip"`);
  }
  const key = ADDRESS_KEYS.find((name) => typeof entry[name] === 'string');
  if (!key) throw shape.error(`${where} is an object without a "host", "address" or "ip" string`);
  const vars: HostVars = {};
  for (const [name, value] of Object.entries(entry)) {
    if (name === key) continue;
    if (!NAME.test(name)) {
      throw shape.error(`${where} has a key that is not a valid Ansible variable name (letters, digits and _)`);
    }
    vars[name] = value;
  }
  return { address: addressOf(entry[key] as string, shape, where), vars: Object.keys(vars).length ? vars : undefined };
}

function addressOf(text: string, shape: ShapeReporter, where: string): string {
  const address = text.trim();
  if (!address || /\s/.test(address)) {
    throw shape.error(`${where} is ${address ? 'not an address (it has spaces)' : 'an empty address'}`);
  }
  return address;
}

/** Errors about the hosts output's value, which name nothing inside the value when the output is sensitive. */
class ShapeReporter {
  readonly #output: string;
  readonly #sensitive: boolean;

  constructor(output: string, sensitive: boolean) {
    this.#output = output;
    this.#sensitive = sensitive;
  }

  groupLabel(group: string, index: number): string {
    return this.#sensitive ? `group ${index + 1}` : `group '${group}'`;
  }

  error(problem: string) {
    return invalidInput(
      'terraform-hosts-output',
      `names the output '${this.#output}'${this.#sensitive ? ' (sensitive)' : ''}: ${problem}`,
    );
  }
}

/** Every string in a value; a few characters (a port, `yes`) are no secret, and masked would blank them in the whole log. */
function maskLeaves(value: unknown, mask: (secret: string) => void): void {
  if (typeof value === 'string' && value.trim().length >= MIN_SECRET_LENGTH) mask(value);
  else if (Array.isArray(value)) value.forEach((item) => maskLeaves(item, mask));
  else if (isRecord(value)) Object.values(value).forEach((item) => maskLeaves(item, mask));
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a map';
  return `a ${typeof value}`;
}

/** The `inventory` input: the path of an inventory (file or directory, relative to the working directory) or inventory content (INI or YAML). */
export function classifyInventory(
  text: string,
  exists: (path: string) => boolean,
): { kind: 'path'; path: string } | { kind: 'content'; content: string } {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd());
  while (lines.length && !lines[0]) lines.shift();
  while (lines.length && !lines.at(-1)) lines.pop();
  if (!lines.length) {
    throw invalidInput('inventory', 'is empty: give a path relative to working-directory, or the inventory itself');
  }
  if (lines.length > 1) return { kind: 'content', content: `${lines.join('\n')}\n` };

  const line = lines[0]!.trim();
  // `host1,host2,` is what users pass to `ansible-playbook -i`; written as a
  // file it would be one host named `host1,host2,`, so it becomes one a line.
  if (/^[^\s,=[\]{}]+(,[^\s,=[\]{}]*)+$/.test(line) && !line.includes('/')) {
    return { kind: 'content', content: `${line.split(',').filter(Boolean).join('\n')}\n` };
  }
  if (/^[[{]/.test(line) || line.includes('=') || /^[A-Za-z_][A-Za-z0-9_]*:(\s|$)/.test(line)) {
    return { kind: 'content', content: `${line}\n` };
  }
  if (exists(line)) return { kind: 'path', path: line };
  throw invalidInput(
    'inventory',
    `'${line}' was not found: give a path relative to working-directory, or the inventory itself (INI or YAML; a single host as 'host,')`,
  );
}

/** Tags Ansible's YAML loader knows besides YAML's own. */
const ANSIBLE_TAGS = new Set(['!vault', '!unsafe', '!vault-encrypted']);

/**
 * Inventory content meant as YAML (it starts with `---`, `{` or `name:`),
 * checked before Ansible reads it: Ansible's errors about it quote the
 * offending line, and inventories hold passwords. A syntax error, an alias
 * with no anchor (a value starting with `*`) or a tag Ansible cannot read (a
 * value starting with `!`) is one invalid-input error by line and column,
 * never quoting the text.
 */
export function checkInventoryContent(content: string): void {
  const first = content.split('\n').find((line) => line.trim() && !line.trim().startsWith('#')) ?? '';
  if (!/^(---|\{|[A-Za-z0-9_.-]+:(\s|$))/.test(first.trim())) return;
  const lines = new LineCounter();
  const document = parseDocument(content, { logLevel: 'silent', prettyErrors: false, lineCounter: lines });
  const at = (offset: number | undefined) => {
    const { line, col } = lines.linePos(offset ?? 0);
    return `line ${line}, column ${col}`;
  };
  const [error] = document.errors;
  if (error) {
    throw invalidInput('inventory', `is not valid YAML: ${error.message.split(':')[0]} at ${at(error.pos[0])}.`);
  }
  const anchors = new Set<string>();
  let problem: string | undefined;
  visit(document, (_, node) => {
    if (isNode(node) && node.anchor) anchors.add(node.anchor);
    if (isAlias(node) && !anchors.has(node.source)) {
      problem = `${at(node.range?.[0])} starts with \`*\` but no anchor of that name comes before it: quote the value ('*…')`;
    } else if (isNode(node) && node.tag && !node.tag.startsWith('tag:yaml.org,2002:') && !ANSIBLE_TAGS.has(node.tag)) {
      problem = `${at(node.range?.[0])} has a tag (\`!…\`) that Ansible cannot read: quote the value ('!…')`;
    }
    return problem ? visit.BREAK : undefined;
  });
  if (problem) throw invalidInput('inventory', `is not valid here: ${problem}.`);
}
