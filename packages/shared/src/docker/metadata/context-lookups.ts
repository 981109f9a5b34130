import { githubClient } from '../../github/client.ts';
import { childEnv, spawnRunner } from '../../util/command.ts';
import { isRecord } from '../../util/values.ts';
import { repositoryFromPayload, repositoryInfo, type GitContext, type RepositoryInfo } from './context.ts';

// What the event payload may lack, looked up at the edge: the commit's date
// (the API, else `git log` in the checkout) and, on events without a
// repository (schedule), the repository's data (the API). Every lookup that
// fails is a warning and a fallback, never a failed step.

export interface ContextLookups {
  /** The committer date of `sha` from `GET /repos/{owner}/{repo}/commits/{sha}`. */
  apiCommitDate(sha: string): Promise<Date | undefined>;
  /** The committer date of `sha` from `git log -1 --format=%cI` in the checkout. */
  gitCommitDate(sha: string): Promise<Date | undefined>;
  /** `GET /repos/{owner}/{repo}`. */
  repository(): Promise<RepositoryInfo | undefined>;
}

/**
 * The commit's date from the payload, as metadata-action reads it: the push's
 * commit with that SHA, else the head commit when it is that SHA.
 */
export function commitDateFromPayload(payload: Record<string, unknown>, sha: string): Date | undefined {
  const dateOf = (commit: unknown) =>
    isRecord(commit) && commit.id === sha && typeof commit.timestamp === 'string'
      ? validDate(commit.timestamp)
      : undefined;
  const commits = Array.isArray(payload.commits) ? payload.commits : [];
  return commits.map(dateOf).find(Boolean) ?? dateOf(payload.head_commit);
}

function validDate(text: string): Date | undefined {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The context with what the payload lacks filled in from the lookups:
 * the commit date when `needsCommitDate` (a `{{commit_date}}` is used), the
 * repository when the payload has none.
 */
export async function completeContext(
  context: GitContext,
  lookups: ContextLookups,
  options: { needsCommitDate: boolean; warn(message: string): void },
): Promise<GitContext> {
  const completed = { ...context };
  const attempt = async <T>(what: string, lookup: () => Promise<T | undefined>): Promise<T | undefined> => {
    try {
      return await lookup();
    } catch (error) {
      options.warn(`Could not read ${what}: ${firstLine(error)}`);
      return undefined;
    }
  };
  if (!repositoryFromPayload(context.payload) && !context.repository) {
    const repository = await attempt('the repository from the GitHub API', () => lookups.repository());
    if (repository) completed.repository = repository;
    else
      options.warn(
        'The event has no repository and the GitHub API gave none: the OCI labels title, description, url, source and licenses are empty, and type=edge without branch= makes no tag.',
      );
  }
  if (options.needsCommitDate && !context.commitDate && context.sha) {
    // The commit type=sha names: with DOCKER_METADATA_PR_HEAD_SHA the pull request's head.
    const sha = headSha(context);
    completed.commitDate =
      commitDateFromPayload(context.payload, sha) ??
      (await attempt(`the date of commit ${sha} from the GitHub API`, () => lookups.apiCommitDate(sha))) ??
      (await attempt(`the date of commit ${sha} from git`, () => lookups.gitCommitDate(sha)));
    if (!completed.commitDate) options.warn(`The date of commit ${sha} is unknown: {{commit_date}} is the run's time.`);
  }
  return completed;
}

function headSha(context: GitContext): string {
  const pr = context.payload.pull_request;
  if (context.prHeadSha && /pull_request/.test(context.eventName) && isRecord(pr) && isRecord(pr.head)) {
    if (typeof pr.head.sha === 'string') return pr.head.sha;
  }
  return context.sha;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

export interface LookupSettings {
  /** `github-token`; '' skips the API. */
  token: string;
  /** owner/name (GITHUB_REPOSITORY). */
  repository: string;
  /** The checkout (GITHUB_WORKSPACE), for git. */
  workspace: string;
  env: NodeJS.ProcessEnv;
}

/** The lookups of a real run: GitHub's API with the token, git in the checkout. */
export function runLookups(settings: LookupSettings): ContextLookups {
  const [owner = '', repo = ''] = settings.repository.split('/');
  const client = async () => {
    if (!settings.token) throw new Error('no github-token');
    if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set');
    // A lookup is a nicety: one retry, a short time limit.
    return githubClient(settings.token, {
      baseUrl: settings.env.GITHUB_API_URL,
      retries: 1,
      requestTimeoutMs: 15_000,
    });
  };
  return {
    apiCommitDate: async (sha) => {
      const { data } = await (await client()).rest.repos.getCommit({ owner, repo, ref: sha });
      const date = data.commit.committer?.date ?? data.commit.author?.date;
      return date ? validDate(date) : undefined;
    },
    repository: async () => {
      const { data } = await (await client()).rest.repos.get({ owner, repo });
      return repositoryInfo(data as unknown as Record<string, unknown>);
    },
    gitCommitDate: async (sha) => {
      const result = await spawnRunner()('git', ['log', '-1', '--format=%cI', sha], {
        cwd: settings.workspace,
        env: childEnv(settings.env),
        echo: false,
        timeoutMs: 15_000,
      });
      if (result.exitCode !== 0) throw new Error(result.stderr.trim() || `git log exited with ${result.exitCode}`);
      return validDate(result.stdout.trim());
    },
  };
}
