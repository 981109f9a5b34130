import { notFound } from './api-error.ts';
import { ok, repoOf, route, type Route } from './router.ts';
import type { components } from '@octokit/openapi-types';
import type { Repository } from './schemas.ts';
import { readOf } from './token-permissions.ts';

// A repository and its commits: `GET /repos/{owner}/{repo}` (what the
// schedule event's payload lacks) and `GET /repos/{owner}/{repo}/commits/{ref}`
// (a commit's date). Commits are seeded with `seedCommit`.

type Commit = components['schemas']['commit'];

const REPO = '/repos/{owner}/{repo}';
const commitsOf = new WeakMap<Repository, Map<string, { date: string; message: string }>>();

/** Makes `sha` a commit of `repository` (as `addRepository` returned it), committed at `date` (ISO 8601). */
export function seedCommit(repository: Repository, sha: string, date: string, message = 'A commit'): void {
  let commits = commitsOf.get(repository);
  if (!commits) commitsOf.set(repository, (commits = new Map()));
  commits.set(sha, { date, message });
}

function renderCommit(repository: Repository, sha: string, stored: { date: string; message: string }): Commit {
  const person = { name: 'Monalisa Octocat', email: 'octocat@github.com', date: stored.date };
  return {
    url: `${repository.url}/commits/${sha}`,
    sha,
    node_id: `C_${sha.slice(0, 12)}`,
    html_url: `${repository.html_url}/commit/${sha}`,
    comments_url: `${repository.url}/commits/${sha}/comments`,
    commit: {
      url: `${repository.url}/git/commits/${sha}`,
      author: person,
      committer: person,
      message: stored.message,
      comment_count: 0,
      tree: {
        sha: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        url: `${repository.url}/git/trees/4b825dc642cb6eb9a060e54bf8d69288fbee4904`,
      },
    },
    author: null,
    committer: null,
    parents: [],
    stats: { additions: 0, deletions: 0, total: 0 },
    files: [],
  };
}

export const repositoryRoutes: Route[] = [
  route('GET', REPO, (context) => ok(repoOf(context).repository), { needs: readOf('metadata') }),
  route(
    'GET',
    `${REPO}/commits/{ref}`,
    (context) => {
      const { repository } = repoOf(context);
      const ref = context.params.ref!;
      const found = [...(commitsOf.get(repository) ?? new Map<string, { date: string; message: string }>())].find(
        ([sha]) => sha === ref || (ref.length >= 7 && sha.startsWith(ref)),
      );
      if (!found) throw notFound();
      return ok(renderCommit(repository, found[0], found[1]));
    },
    { needs: readOf('contents') },
  ),
];
