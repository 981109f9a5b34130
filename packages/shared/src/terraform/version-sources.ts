import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../action/runner-commands.ts';
import { ActionError, invalidInput } from '../action/action-error.ts';
import { constraintProblem, type TerraformTool } from './release-index.ts';

// Where the version to install is written down, first match wins:
//   1. the `version` input;
//   2. `required_version` in the `terraform {}` blocks of the configuration in
//      the working directory (every block and file counts: all must hold);
//   3. `.terraform-version` (`.opentofu-version` for tofu: tfenv / tofuenv),
//      in the working directory or a parent up to the workspace root;
//   4. asdf's `.tool-versions` (`terraform 1.6.0`, `opentofu 1.8.0`), likewise;
//   5. tfswitch's `.tfswitchrc` (Terraform only), likewise;
// and otherwise the latest stable release (the caller's fallback).

export interface VersionConstraintSource {
  /** A Terraform version constraint (`~> 1.6`, `1.7.1`, `>= 1.5, < 2.0`) or `latest`. */
  constraint: string;
  /** Where it was found, for the log and the summary: "the `version` input", "required_version in versions.tf". */
  source: string;
}

export interface FindConstraintOptions {
  tool: TerraformTool;
  versionInput?: string;
  /** The root module's directory (absolute, or relative to the current directory). */
  workingDirectory: string;
  /** The top of the search for version files: the checkout ($GITHUB_WORKSPACE). */
  workspaceRoot: string;
}

export async function findVersionConstraint(
  options: FindConstraintOptions,
): Promise<VersionConstraintSource | undefined> {
  const input = options.versionInput?.trim();
  if (input) {
    const problem = constraintProblem(input);
    if (problem) {
      throw invalidInput('version', `is not a version or a version constraint: ${problem}. Use e.g. 1.9.8 or ~> 1.9.`);
    }
    return { constraint: input, source: 'the `version` input' };
  }
  const workingDirectory = path.resolve(options.workingDirectory);
  const workspaceRoot = path.resolve(options.workspaceRoot);
  const found =
    (await readRequiredVersion(workingDirectory, options.tool, workspaceRoot)) ??
    (await findInFiles(workingDirectory, workspaceRoot, versionFileName(options.tool), parseVersionFile)) ??
    (await findInFiles(workingDirectory, workspaceRoot, '.tool-versions', (text) =>
      parseToolVersions(text, options.tool),
    )) ??
    (options.tool === 'terraform'
      ? await findInFiles(workingDirectory, workspaceRoot, '.tfswitchrc', parseVersionFile)
      : undefined);
  if (found) {
    const problem = constraintProblem(found.constraint);
    if (problem) {
      throw new ActionError(
        `${found.source} asks for '${found.constraint}', which is not a version constraint: ${problem}. ` +
          'Write a version (1.9.8) or a constraint (~> 1.9) there, or set the `version` input.',
        'invalid-version',
      );
    }
  }
  return found;
}

function versionFileName(tool: TerraformTool): string {
  return tool === 'tofu' ? '.opentofu-version' : '.terraform-version';
}

// ---------------------------------------------------------------------------
// Version files.

// tfenv reads the first line; `#` comments are skipped for the sake of those
// who write one. tfenv's own keywords other than `latest` (min-required,
// latest-allowed, latest:<regex>) are left for constraintProblem to refuse.
/** The version written in a `.terraform-version`, `.opentofu-version` or `.tfswitchrc` file. */
export function parseVersionFile(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line && !line.startsWith('#'));
}

/**
 * The version of the tool in an asdf `.tool-versions` file: the first version
 * on the `terraform` (or `opentofu`) line; later ones are asdf's fallbacks.
 */
export function parseToolVersions(text: string, tool: TerraformTool): string | undefined {
  const plugin = tool === 'tofu' ? 'opentofu' : 'terraform';
  for (const line of text.split(/\r?\n/)) {
    const [name, version] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (name === plugin && version) return version;
  }
  return undefined;
}

async function findInFiles(
  workingDirectory: string,
  workspaceRoot: string,
  fileName: string,
  parse: (text: string) => string | undefined,
): Promise<VersionConstraintSource | undefined> {
  for (const dir of searchedDirectories(workingDirectory, workspaceRoot)) {
    const file = path.join(dir, fileName);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const constraint = parse(text);
    if (constraint) return { constraint, source: displayPath(file, workspaceRoot) };
  }
  return undefined;
}

/** The working directory and its parents up to the workspace root; only itself when it is outside. */
function searchedDirectories(workingDirectory: string, workspaceRoot: string): string[] {
  const relative = path.relative(workspaceRoot, workingDirectory);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return [workingDirectory];
  const dirs = [workingDirectory];
  for (let dir = workingDirectory; dir !== workspaceRoot;) {
    dir = path.dirname(dir);
    dirs.push(dir);
  }
  return dirs;
}

function displayPath(file: string, workspaceRoot: string): string {
  const relative = path.relative(workspaceRoot, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

// ---------------------------------------------------------------------------
// required_version. Read with HashiCorp's own HCL parser (hashicorp/hcl via
// tmccombs/hcl2json, compiled to JavaScript by GopherJS: the hcl2-parser
// package), not a pattern: comments, heredocs and strings that merely look
// like a `terraform {}` block must not count. It is loaded only when a file
// mentions required_version, since it weighs 3.7 MB and takes ~0.4 s to load.
// Not @cdktf/hcl2json (the same converter as WASM): it went with CDKTF's
// deprecation, and it reads its .wasm from beside its own __dirname, which
// ncc neither copies into an ESM bundle nor defines there.

interface HclParser {
  parseToObject(text: string): [unknown, unknown];
}

let hclParser: Promise<HclParser> | undefined;

function loadHclParser(): Promise<HclParser> {
  // A lazy chunk of the bundle (its own file in dist/): only a version constraint in HCL loads it.
  hclParser ??= import('hcl2-parser').then((module) => (module as unknown as { default: HclParser }).default);
  return hclParser;
}

/**
 * The configuration files of a module, in the order Terraform loads them:
 * primary files by name, then override files (`override.tf`, `*_override.tf`)
 * by name. OpenTofu also reads `.tofu` files, and a `.tofu` file hides the
 * `.tf` file of the same name.
 */
async function configurationFiles(
  dir: string,
  tool: TerraformTool,
): Promise<{ primary: string[]; override: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // Terraform reads symlinked files too (a shared versions.tf, say).
  const names = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  const extensions = tool === 'tofu' ? ['.tf', '.tf.json', '.tofu', '.tofu.json'] : ['.tf', '.tf.json'];
  const present = new Set(names);
  const files = names
    .filter((name) => extensions.some((ext) => name.endsWith(ext)))
    .filter((name) => tool !== 'tofu' || !name.endsWith('.tf') || !present.has(`${name.slice(0, -3)}.tofu`))
    .filter((name) => tool !== 'tofu' || !name.endsWith('.tf.json') || !present.has(`${name.slice(0, -8)}.tofu.json`))
    .sort();
  const isOverride = (name: string) => /(^|_)override\.(tf|tofu)(\.json)?$/.test(name);
  return { primary: files.filter((f) => !isOverride(f)), override: files.filter(isOverride) };
}

/**
 * The `required_version` constraints of the module in `dir`, intersected
 * (joined with commas, as Terraform requires all of them). As in Terraform,
 * an override file that sets `required_version` replaces those before it.
 */
export async function readRequiredVersion(
  dir: string,
  tool: TerraformTool,
  workspaceRoot: string = dir,
): Promise<VersionConstraintSource | undefined> {
  const { primary, override } = await configurationFiles(dir, tool);
  let found: { constraint: string; file: string }[] = [];
  for (const name of primary) found.push(...(await requiredVersionsIn(path.join(dir, name))));
  for (const name of override) {
    const replacing = await requiredVersionsIn(path.join(dir, name));
    if (replacing.length) found = replacing;
  }
  if (!found.length) return undefined;
  const files = [...new Set(found.map((f) => displayPath(f.file, workspaceRoot)))];
  return {
    constraint: found.map((f) => f.constraint).join(', '),
    source: `required_version in ${files.join(', ')}`,
  };
}

async function requiredVersionsIn(file: string): Promise<{ constraint: string; file: string }[]> {
  const text = await readFile(file, 'utf8');
  if (file.endsWith('.json')) return requiredVersionsOf(parseJsonConfig(text, file), file);
  // An HCL identifier has no escapes: a file without the word sets nothing,
  // and skipping it spares loading the parser.
  if (!text.includes('required_version')) return [];
  return requiredVersionsOf(await parseHclConfig(text, file), file);
}

function requiredVersionsOf(
  document: Record<string, unknown> | undefined,
  file: string,
): { constraint: string; file: string }[] {
  const blocks = document?.terraform;
  const list = Array.isArray(blocks) ? blocks : blocks === undefined ? [] : [blocks];
  const found: { constraint: string; file: string }[] = [];
  for (const block of list) {
    const value = (block as { required_version?: unknown } | null)?.required_version;
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.includes('${')) {
      core.warning(`required_version must be a literal string; ${path.basename(file)} computes it, so it is ignored.`, {
        file,
      });
      continue;
    }
    found.push({ constraint: value.trim(), file });
  }
  return found;
}

async function parseHclConfig(text: string, file: string): Promise<Record<string, unknown> | undefined> {
  const [document] = (await loadHclParser()).parseToObject(text);
  if (document === null || typeof document !== 'object') {
    // The GopherJS build drops the parser's diagnostic; terraform itself will
    // report the syntax error with its position when it reads the file.
    core.warning(`${path.basename(file)} is not valid HCL, so its required_version (if any) is not read.`, { file });
    return undefined;
  }
  return document as Record<string, unknown>;
}

function parseJsonConfig(text: string, file: string): Record<string, unknown> | undefined {
  try {
    const document: unknown = JSON.parse(text);
    return typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : undefined;
  } catch (error) {
    core.warning(
      `${path.basename(file)} is not valid JSON (${(error as Error).message}); its required_version is not read.`,
      {
        file,
      },
    );
    return undefined;
  }
}
