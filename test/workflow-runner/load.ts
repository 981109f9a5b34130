import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  ReusableWorkflowJob,
  WorkflowJob,
  WorkflowTemplate,
} from '@actions/workflow-parser/model/workflow-template';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { exportTree, fileAt, resolveRevision } from './git.ts';
import { workflowParser } from './parser.ts';

// Loading workflows as GitHub does before a run starts: the caller file at
// the run's commit, parsed and converted by GitHub's parser (schema errors,
// job graph, the inputs and secrets of each call), and every reusable
// workflow it calls, followed to the bottom — a local `./.github/workflows/x.yml`
// from the caller's repository at the same commit, a remote
// `<owner>/<repo>/.github/workflows/x.yml@<ref>` from the repository the
// runner's settings map that name to.

export interface RepositorySetting {
  /** The repository on disk. */
  dir: string;
  /**
   * `git` (default for the run's repository): files at the commit a ref names.
   * `working-tree`: the directory as it is, whatever ref is asked — how this
   * suite stands for its own published tags (`acme/iac-actions@v1`).
   */
  at?: 'git' | 'working-tree';
  defaultBranch?: string;
}

export interface RepositorySource {
  fullName: string;
  dir: string;
  at: 'git' | 'working-tree';
  defaultBranch: string;
}

/** The repositories a runner knows, by `owner/name` (case-insensitive, as on GitHub). */
export class Repositories {
  private readonly sources = new Map<string, RepositorySource>();
  private readonly trees = new Map<string, Promise<string>>();
  private readonly cacheDir: string;

  constructor(settings: Record<string, RepositorySetting | string>, cacheDir: string) {
    this.cacheDir = cacheDir;
    for (const [fullName, setting] of Object.entries(settings)) {
      const { dir, at, defaultBranch } = typeof setting === 'string' ? { dir: setting } : setting;
      this.sources.set(fullName.toLowerCase(), {
        fullName,
        dir: path.resolve(dir),
        at: at ?? (typeof setting === 'string' ? 'working-tree' : 'git'),
        defaultBranch: defaultBranch ?? 'main',
      });
    }
  }

  get(fullName: string): RepositorySource | undefined {
    return this.sources.get(fullName.toLowerCase());
  }

  require(fullName: string): RepositorySource {
    const source = this.get(fullName);
    if (!source) {
      throw new Error(`The workflow runner knows no repository '${fullName}': map it in the runner's 'repositories'.`);
    }
    return source;
  }

  /** The commit a ref names in a git source; undefined for a working tree. */
  async commitOf(source: RepositorySource, ref: string): Promise<string | undefined> {
    if (source.at === 'working-tree') return undefined;
    const sha = (await resolveRevision(source.dir, ref)) ?? (await resolveRevision(source.dir, `refs/tags/${ref}`));
    if (!sha) throw new Error(`Unable to resolve '${ref}' in ${source.fullName}: no such branch, tag or commit`);
    return sha;
  }

  async readFile(source: RepositorySource, ref: string, file: string): Promise<string | undefined> {
    if (source.at === 'working-tree') {
      const full = path.join(source.dir, file);
      return existsSync(full) ? readFile(full, 'utf8') : undefined;
    }
    return fileAt(source.dir, (await this.commitOf(source, ref))!, file);
  }

  /** The repository's files at a ref as a directory, as the runner downloads an action's repository. */
  directoryAt(source: RepositorySource, ref: string): Promise<string> {
    if (source.at === 'working-tree') return Promise.resolve(source.dir);
    const key = `${source.fullName}@${ref}`;
    let tree = this.trees.get(key);
    if (!tree) {
      tree = (async () => {
        const sha = (await this.commitOf(source, ref))!;
        const dest = path.join(this.cacheDir, source.fullName.replace('/', '__'), sha);
        if (!existsSync(dest)) {
          await mkdir(dest, { recursive: true });
          await exportTree(source.dir, sha, dest);
        }
        return dest;
      })();
      this.trees.set(key, tree);
    }
    return tree;
  }
}

/** A job as converted by GitHub's parser, with its raw mapping for the keys the converter leaves out. */
export interface JobDefinition {
  id: string;
  job: WorkflowJob;
  raw: MappingToken;
  /** A raw job key: `permissions`, `defaults`, `timeout-minutes`, `continue-on-error`, `with`, ... */
  get(key: string): TemplateToken | undefined;
  /** Raw step mappings, in the order of the converted steps. */
  rawSteps: MappingToken[];
}

export interface LoadedWorkflow {
  repository: string;
  file: string;
  /** The ref it was loaded at: the run's ref for the caller, the `@ref` of a call. */
  ref: string;
  /** Its commit (github.workflow_sha); empty for a working tree. */
  sha: string;
  /** `name:`, or the file path as GitHub shows an unnamed workflow. */
  name: string;
  template: WorkflowTemplate;
  root: MappingToken;
  /** A raw root key: `permissions`, `defaults`, `run-name`, ... */
  get(key: string): TemplateToken | undefined;
  jobs: JobDefinition[];
  /** The workflow each reusable-workflow job calls, by job id (after loadCalls). */
  calls: Map<string, LoadedWorkflow>;
  location: WorkflowLocation;
}

export class WorkflowLoadError extends Error {
  readonly errors: string[];

  constructor(errors: string[]) {
    super(`The workflow is not valid. ${errors.join('\n')}`);
    this.errors = errors;
  }
}

export function find(mapping: MappingToken | undefined, key: string): TemplateToken | undefined {
  if (!mapping) return undefined;
  for (const pair of mapping) if (pair.key.toString() === key) return pair.value;
  return undefined;
}

/** How GitHub shows a reusable workflow reference in errors: the `uses:` as written. */
export interface WorkflowLocation {
  repository: string;
  ref: string;
  sha: string;
  source: RepositorySource;
}

const MAX_DEPTH = 10;

export class WorkflowLoader {
  private readonly repositories: Repositories;

  constructor(repositories: Repositories) {
    this.repositories = repositories;
  }

  /** Loads `file` of `location` (not yet the workflows it calls); throws WorkflowLoadError with GitHub's messages. */
  async load(location: WorkflowLocation, file: string): Promise<LoadedWorkflow> {
    const content = await this.repositories.readFile(location.source, location.sha || location.ref, file);
    if (content === undefined)
      throw new WorkflowLoadError([`${file}: no such workflow file in ${location.repository}@${location.ref}`]);
    const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await workflowParser();
    const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    if (!parsed.value) throw new WorkflowLoadError(parsed.context.errors.getErrors().map((e) => e.message));
    const template = await convertWorkflowTemplate(
      parsed.context,
      parsed.value,
      { getFileContent: (ref) => this.referencedFile(location, ref) },
      { fetchReusableWorkflowDepth: 1 },
    );
    if (template.errors?.length) throw new WorkflowLoadError(template.errors.map((e) => e.Message));

    const root = parsed.value.assertMapping('root');
    const rawJobs = find(root, 'jobs')!.assertMapping('jobs');
    const jobs = (template.jobs ?? []).map((job): JobDefinition => {
      const raw = find(rawJobs, job.id.value)!.assertMapping('job');
      const steps = find(raw, 'steps');
      return {
        id: job.id.value,
        job,
        raw,
        get: (key) => find(raw, key),
        rawSteps: steps ? [...steps.assertSequence('steps')].map((s) => s.assertMapping('step')) : [],
      };
    });
    const nameToken = find(root, 'name');
    const loaded: LoadedWorkflow = {
      repository: location.repository,
      file,
      ref: location.ref,
      sha: location.sha,
      name: nameToken ? nameToken.toString() : file,
      template,
      root,
      get: (key) => find(root, key),
      jobs,
      calls: new Map(),
      location,
    };
    return loaded;
  }

  /** Loads every workflow `workflow` calls, to the bottom. */
  async loadCalls(workflow: LoadedWorkflow, depth = 1): Promise<void> {
    for (const { id, job } of workflow.jobs) {
      if (job.type !== 'reusableWorkflowJob') continue;
      if (depth >= MAX_DEPTH) {
        throw new WorkflowLoadError([
          `${workflow.file}: job '${id}' calls workflows more than ${MAX_DEPTH} levels deep`,
        ]);
      }
      const target = await this.callTarget(workflow.location, (job as ReusableWorkflowJob).ref.value);
      const called = await this.load(target.location, target.file);
      workflow.calls.set(id, called);
      await this.loadCalls(called, depth + 1);
    }
  }

  /** Where a `uses:` of a reusable workflow points. */
  async callTarget(caller: WorkflowLocation, uses: string): Promise<{ location: WorkflowLocation; file: string }> {
    if (uses.startsWith('./')) return { location: caller, file: uses.slice(2) };
    const match = /^([^/]+)\/([^/]+)\/(.+)@(.+)$/.exec(uses);
    if (!match) throw new WorkflowLoadError([`Invalid workflow reference '${uses}'`]);
    const [, owner, name, file, ref] = match;
    const repository = `${owner}/${name}`;
    const source = this.repositories.get(repository);
    if (!source) {
      throw new WorkflowLoadError([
        `Unable to find reusable workflow '${uses}': the workflow runner maps no repository '${repository}'`,
      ]);
    }
    const sha = (await this.repositories.commitOf(source, ref!)) ?? '';
    return { location: { repository, ref: ref!, sha, source }, file: file! };
  }

  private async referencedFile(caller: WorkflowLocation, ref: FileReference) {
    const uses = 'repository' in ref ? `${ref.owner}/${ref.repository}/${ref.path}@${ref.version}` : `./${ref.path}`;
    const { location, file } = await this.callTarget(caller, uses);
    const content = await this.repositories.readFile(location.source, location.sha || location.ref, file);
    if (content === undefined) throw new Error(`no such file ${file}`);
    return { name: file, content };
  }
}
