// The texts Terraform and OpenTofu print, as their sources word them
// (hashicorp/terraform internal/command, opentofu/opentofu internal/command/views).
// Kept apart from the command logic so that a wording can be checked against
// the real tool in one place.

import { Buffer } from 'node:buffer';

/** "Terraform" or "OpenTofu", and the command name users type. */
export function product(tool) {
  return tool === 'tofu' ? { name: 'OpenTofu', command: 'tofu' } : { name: 'Terraform', command: 'terraform' };
}

/**
 * One diagnostic as the CLI prints it on stderr: the plain form with
 * `-no-color` (format.DiagnosticPlain), otherwise the coloured form framed by
 * the left rule (format.Diagnostic).
 */
export function renderDiagnostic(diagnostic, { color }) {
  const body = [`${diagnostic.severity === 'warning' ? 'Warning' : 'Error'}: ${diagnostic.summary}`, ''];
  if (diagnostic.range && diagnostic.snippet) {
    const context = diagnostic.snippet.context ? `, in ${diagnostic.snippet.context}` : '';
    body.push(`  on ${diagnostic.range.filename} line ${diagnostic.range.start.line}${context}:`);
    diagnostic.snippet.code.split('\n').forEach((line, i) => {
      body.push(`${String(diagnostic.snippet.start_line + i).padStart(4)}: ${line}`);
    });
    body.push('');
  }
  if (diagnostic.detail) body.push(...diagnostic.detail.split('\n'));
  if (!color) return `\n${body.join('\n')}\n`;
  const tint = diagnostic.severity === 'warning' ? '\x1b[33m' : '\x1b[31m';
  const reset = '\x1b[0m';
  const label = diagnostic.severity === 'warning' ? 'Warning' : 'Error';
  body[0] = `\x1b[1m${tint}${label}: ${reset}\x1b[1m${diagnostic.summary}${reset}`;
  const framed = body.map((line) => (line === '' ? `${tint}│${reset}` : `${tint}│${reset} ${line}`));
  return `${tint}╷${reset}\n${framed.join('\n')}\n${tint}╵${reset}\n`;
}

/** statemgr.LockInfo.String(): the block every backend prints for a held lock. */
export function lockInfoBlock(lock) {
  return [
    'Lock Info:',
    `  ID:        ${lock.id}`,
    `  Path:      ${lock.path}`,
    `  Operation: ${lock.operation}`,
    `  Who:       ${lock.who}`,
    `  Version:   ${lock.version}`,
    `  Created:   ${lock.created}`,
    `  Info:      ${lock.info}`,
    '',
  ].join('\n');
}

/** clistate.LockErrorMessage wrapped around a statemgr.LockError. */
export function lockErrorDiagnostic(tool, lock) {
  const { name } = product(tool);
  return {
    severity: 'error',
    summary: 'Error acquiring the state lock',
    detail: `Error message: ${lock.errorMessage}
${lockInfoBlock(lock)}

${name} acquires a state lock to protect the state from being written
by multiple users at the same time. Please resolve the issue above and try
again. For most commands, you can disable locking with the "-lock=false"
flag, but this is not recommended.`,
  };
}

export const ACQUIRING_LOCK = 'Acquiring state lock. This may take a few moments...';

export function workspaceDoesNotExist(tool, workspace) {
  if (tool === 'tofu') {
    return {
      diagnostic: {
        severity: 'error',
        summary: `Workspace ${JSON.stringify(workspace)} doesn't exist`,
        detail: `You can create this workspace with the "new" subcommand \nor include the "-or-create" flag with the "select" subcommand.`,
      },
    };
  }
  return {
    text: `
Workspace ${JSON.stringify(workspace)} doesn't exist.

You can create this workspace with the "new" subcommand 
or include the "-or-create" flag with the "select" subcommand.
`,
  };
}

export function workspaceAlreadyExists(tool, workspace) {
  if (tool === 'tofu') {
    return {
      diagnostic: {
        severity: 'error',
        summary: `Workspace ${JSON.stringify(workspace)} already exists`,
        detail: `A workspace having the given name already exists.\nUse "tofu workspace select ${workspace}" to switch to it.`,
      },
    };
  }
  return { text: `Workspace ${JSON.stringify(workspace)} already exists\n` };
}

export function workspaceInvalidName(tool, workspace) {
  return {
    diagnostic: {
      severity: 'error',
      summary: 'Invalid workspace name',
      detail: `The workspace name ${JSON.stringify(workspace)} is not allowed. The name must contain only URL safe characters, and no path separators.`,
    },
  };
}

export function workspaceChanged(workspace) {
  return `Switched to workspace ${JSON.stringify(workspace)}.\n`;
}

export function workspaceCreated(tool, workspace) {
  const { name, command } = product(tool);
  return `Created and switched to workspace ${JSON.stringify(workspace)}!

You're now on a new, empty workspace. Workspaces isolate their state,
so if you run "${command} plan" ${name} will not see any existing state
for this configuration.
`;
}

export function initBackend(tool, backend) {
  const { name } = product(tool);
  if (backend === 'local') return '\nInitializing the backend...\n';
  return `
Initializing the backend...

Successfully configured the backend ${JSON.stringify(backend)}! ${name} will automatically
use this backend unless the backend configuration changes.
`;
}

export function initProviders(tool, providers, cache) {
  const lines = ['', 'Initializing provider plugins...'];
  for (const provider of providers) {
    lines.push(
      provider.constraint
        ? `- Finding ${provider.display} versions matching ${JSON.stringify(provider.constraint)}...`
        : `- Finding latest version of ${provider.display}...`,
    );
    if (cache === 'hit') {
      lines.push(`- Using ${provider.display} v${provider.version} from the shared cache directory`);
      continue;
    }
    lines.push(`- Installing ${provider.display} v${provider.version}...`);
    lines.push(
      tool === 'tofu'
        ? `- Installed ${provider.display} v${provider.version} (signed, key ID 0C0AF313E5FD9F80)`
        : `- Installed ${provider.display} v${provider.version} (signed by HashiCorp)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function initLockFileCreated(tool) {
  const { name, command } = product(tool);
  return `
${name} has created a lock file .terraform.lock.hcl to record the provider
selections it made above. Include this file in your version control repository
so that ${name} can guarantee to make the same selections by default when
you run "${command} init" in the future.
`;
}

export function initSuccess(tool, inAutomation) {
  const { name, command } = product(tool);
  const success = `\n${name} has been successfully initialized!\n`;
  // Terraform leaves out the "what next" hint when TF_IN_AUTOMATION is set.
  if (inAutomation) return success;
  return `${success}
You may now begin working with ${name}. Try running "${command} plan" to see
any changes that are required for your infrastructure. All ${name} commands
should now work.

If you ever set or change modules or backend configuration for ${name},
rerun this command to reinitialize your working directory. If you forget, other
commands will detect it and remind you to do so if necessary.
`;
}

export function failedToReadFile(file) {
  return {
    severity: 'error',
    summary: 'Failed to read file',
    detail: `The file ${JSON.stringify(file)} could not be read.`,
  };
}

export function variablesFileMissing(file) {
  return {
    severity: 'error',
    summary: 'Failed to read variables file',
    detail: `Given variables file ${file} does not exist.`,
  };
}

export function notInitialized(tool, providers) {
  const { command } = product(tool);
  const list = providers
    .map((p) => `  - provider ${p.address}: required by this configuration but no version is selected`)
    .join('\n');
  return {
    severity: 'error',
    summary: 'Inconsistent dependency lock file',
    detail: `The following dependency selections recorded in the lock file are
inconsistent with the current configuration:
${list}

To make the initial dependency selections that will initialize the dependency
lock file, run:
  ${command} init`,
  };
}

export function flagError(tool, subcommand, message) {
  const { command } = product(tool);
  return {
    severity: 'error',
    summary: 'Failed to parse command-line flags',
    detail: `${message}\n\nFor more help on using this command, run:\n  ${command} ${subcommand} -help`,
  };
}

export function unreadablePlanFile(file) {
  return {
    severity: 'error',
    summary: 'Failed to read the given file as a state or plan file',
    detail: `State read error: Error loading statefile: ${file} is not a state file.\n\nPlan read error: ${file} is not a valid plan file.`,
  };
}

export function planFileNotWritable(file, reason) {
  return {
    severity: 'error',
    summary: 'Failed to write plan file',
    detail: `The plan file could not be written: ${reason}.`,
  };
}

/** The configuration error TF_DOUBLE_PLAN_ERROR simulates: a reference to a resource that is not declared. */
export const UNDECLARED_RESOURCE = {
  severity: 'error',
  summary: 'Reference to undeclared resource',
  detail: `A managed resource "tfcoremock_simple_resource" "missing" has not been
declared in the root module.`,
  range: {
    filename: 'main.tf',
    start: { line: 14, column: 12, byte: 271 },
    end: { line: 14, column: 53, byte: 312 },
  },
  snippet: {
    context: 'output "copied"',
    code: '  value = tfcoremock_simple_resource.missing.string',
    start_line: 14,
    highlight_start_offset: 10,
    highlight_end_offset: 51,
    values: [],
  },
};

export const VALID_CONFIGURATION = `${JSON.stringify(
  { format_version: '1.0', valid: true, error_count: 0, warning_count: 0, diagnostics: [] },
  null,
  2,
)}\n`;

export function noCommand(tool, name) {
  return `${product(tool).name} has no command named ${JSON.stringify(name)}.\n\nTo see all of ${product(tool).name}'s top-level commands, run:\n  ${product(tool).command} -help\n\n`;
}

/**
 * A plan error that quotes a variable's value, as Terraform's do (the
 * expression's values in the snippet, the argument in the detail): here
 * `tonumber`, with the value also URL-encoded and in base64 of `user:<value>`,
 * as `urlencode()` and `base64encode()` would show it.
 */
export function valueQuotingError(name, value) {
  const quoted = JSON.stringify(value);
  const basic = Buffer.from(`user:${value}`).toString('base64');
  return {
    severity: 'error',
    summary: 'Invalid function argument',
    detail: [
      '    ├────────────────',
      `    │ while calling tonumber(v)`,
      `    │ var.${name} is ${quoted}`,
      `    │ urlencode(var.${name}) is "${encodeURIComponent(value)}"`,
      `    │ base64encode("user:\${var.${name}}") is "${basic}"`,
      '',
      `Invalid value for "v" parameter: cannot convert ${quoted} to number; given string must be a decimal representation of a number.`,
    ].join('\n'),
    range: {
      filename: 'main.tf',
      start: { line: 3, column: 11, byte: 40 },
      end: { line: 3, column: 35, byte: 64 },
    },
    snippet: {
      context: 'resource "terraform_data" "db"',
      code: `  input = tonumber(var.${name})`,
      start_line: 3,
      highlight_start_offset: 10,
      highlight_end_offset: 34,
      values: [],
    },
  };
}
