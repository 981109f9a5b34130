import { createHash } from 'node:crypto';
import { buildRepository, type RepositorySettings } from './repositories.ts';
import type {
  Artifact,
  Issue,
  IssueComment,
  Label,
  PullRequestReview,
  DiffEntry,
  Repository,
  WorkflowRun,
} from './schemas.ts';
import type { TokenPermissions } from './token-permissions.ts';
import { GITHUB_ACTIONS_BOT, simpleUser, type FakeUser } from './users.ts';

export interface StoredComment {
  data: IssueComment;
  issueNumber: number;
}

/** A pull request's own data; its title, body, state and labels live on its issue, as on GitHub. */
export interface StoredPull {
  number: number;
  id: number;
  head: { ref: string; sha: string; repository: Repository };
  base: { ref: string; sha: string };
  draft: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: FakeUser | null;
  /** SHAs of the pull request's commits, for `GET /commits/{sha}/pulls`. */
  commits: string[];
  files: DiffEntry[];
  reviews: PullRequestReview[];
}

export interface StoredArtifact {
  data: Artifact;
  /** The zip served by the download redirect. */
  content: Uint8Array | undefined;
}

export interface RepoState {
  repository: Repository;
  /** Issues and pull requests, which share numbers. */
  issues: Map<number, Issue>;
  comments: Map<number, StoredComment>;
  /** By lower-case name: label names are case-insensitive. */
  labels: Map<string, Label>;
  pulls: Map<number, StoredPull>;
  runs: Map<number, WorkflowRun>;
  artifacts: Map<number, StoredArtifact>;
  nextNumber: number;
}

/** Everything the fake holds, in memory. */
export class FakeState {
  baseUrl = '';
  readonly now: () => Date;
  readonly users = new Map<string, FakeUser>();
  readonly tokens = new Map<string, FakeUser>();
  /** The permissions of installation tokens; a token absent here may do everything. */
  readonly tokenPermissions = new Map<string, TokenPermissions>();
  /** Requests counted against each token's primary rate limit. */
  readonly tokenUsage = new Map<string, number>();
  readonly rateLimitReset: number;
  private readonly repos = new Map<string, RepoState>();
  private lastId = 1_000_000;

  constructor(now: () => Date) {
    this.now = now;
    this.rateLimitReset = Math.floor(now().getTime() / 1000) + 3600;
    this.users.set(GITHUB_ACTIONS_BOT.login, GITHUB_ACTIONS_BOT);
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** GitHub's timestamps: ISO 8601, whole seconds, UTC. */
  timestamp(offsetMs = 0): string {
    return new Date(this.now().getTime() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** The user of that login, registered on first mention. */
  user(login: string, type: FakeUser['type'] = login.endsWith('[bot]') ? 'Bot' : 'User'): FakeUser {
    let user = this.users.get(login);
    if (!user) {
      user = { login, id: this.nextId(), type };
      this.users.set(login, user);
    }
    return user;
  }

  addToken(token: string, user: FakeUser | string, permissions?: TokenPermissions): FakeUser {
    const resolved = typeof user === 'string' ? this.user(user) : user;
    this.users.set(resolved.login, resolved);
    this.tokens.set(token, resolved);
    if (permissions) this.tokenPermissions.set(token, { ...permissions });
    else this.tokenPermissions.delete(token);
    return resolved;
  }

  /** The token stops working, as a job's GITHUB_TOKEN does when the job ends. */
  revokeToken(token: string): void {
    this.tokens.delete(token);
    this.tokenPermissions.delete(token);
  }

  repo(fullName: string): RepoState | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  /** A repository's state; throws for an undeclared one, so a test's typo fails loudly. */
  requireRepo(fullName: string): RepoState {
    const repo = this.repo(fullName);
    if (!repo) throw new Error(`The GitHub API fake has no repository '${fullName}'; add it with addRepository().`);
    return repo;
  }

  addRepository(fullName: string, settings: RepositorySettings = {}): RepoState {
    const existing = this.repo(fullName);
    if (existing) return existing;
    const match = /^([\w.-]+)\/([\w.-]+)$/.exec(fullName);
    if (!match) throw new Error(`A repository is named 'owner/name', not '${fullName}'.`);
    const owner = simpleUser(this.baseUrl, this.user(match[1]!, 'Organization'));
    const repo: RepoState = {
      repository: buildRepository(this.baseUrl, owner, match[2]!, this.nextId(), this.timestamp(), settings),
      issues: new Map(),
      comments: new Map(),
      labels: new Map(),
      pulls: new Map(),
      runs: new Map(),
      artifacts: new Map(),
      nextNumber: 1,
    };
    this.repos.set(fullName.toLowerCase(), repo);
    return repo;
  }

  allRepos(): RepoState[] {
    return [...this.repos.values()];
  }
}

/** A 40-hex SHA derived from any text, for commits and blobs a test did not name. */
export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}
