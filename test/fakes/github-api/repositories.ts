import type { Repository, SimpleUser } from './schemas.ts';
import { nodeId } from './users.ts';

export interface RepositorySettings {
  defaultBranch?: string;
  private?: boolean;
}

export function repositoryApiUrl(baseUrl: string, fullName: string): string {
  return `${baseUrl}/repos/${fullName}`;
}

export function repositoryHtmlUrl(baseUrl: string, fullName: string): string {
  return `${baseUrl}/${fullName}`;
}

export function buildRepository(
  baseUrl: string,
  owner: SimpleUser,
  name: string,
  id: number,
  createdAt: string,
  settings: RepositorySettings = {},
): Repository {
  const fullName = `${owner.login}/${name}`;
  const url = repositoryApiUrl(baseUrl, fullName);
  const html = repositoryHtmlUrl(baseUrl, fullName);
  const host = new URL(baseUrl).host;
  return {
    id,
    node_id: nodeId('R', id),
    name,
    full_name: fullName,
    owner,
    private: settings.private ?? false,
    visibility: settings.private ? 'private' : 'public',
    html_url: html,
    description: null,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://${host}/${fullName}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${host}:${fullName}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: 'HCL',
    license: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 0,
    default_branch: settings.defaultBranch ?? 'main',
    open_issues: 0,
    open_issues_count: 0,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    pushed_at: createdAt,
    created_at: createdAt,
    updated_at: createdAt,
    allow_forking: true,
    web_commit_signoff_required: false,
  };
}
