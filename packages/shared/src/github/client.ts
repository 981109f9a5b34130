import type { GitHubClient, OctokitOptions } from './octokit.ts';

/**
 * The GitHub client for a step that needs one. Octokit, its plugins and
 * @actions/github's HTTP stack (undici) are a lazy chunk of each bundle,
 * loaded here by the first client made: a step that talks to no GitHub API
 * neither compiles nor runs them at its start.
 */
export async function githubClient(token: string, options?: OctokitOptions): Promise<GitHubClient> {
  const { createOctokit } = await import('./octokit.ts');
  return createOctokit(token, options);
}
