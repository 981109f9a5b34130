import type { ArtifactServiceFake } from '../../fakes/artifact-service.ts';
import type { GitHubApiFake } from '../../fakes/github-api.ts';
import type { Repositories } from '../load.ts';
import type { IdTokenClaims } from '../oidc.ts';
import { checkout } from './checkout.ts';
import { configureAwsCredentials } from './configure-aws-credentials.ts';
import { createGitHubAppToken } from './create-github-app-token.ts';
import { downloadArtifact, uploadArtifact } from './artifacts.ts';

// Third-party actions a workflow uses, as stand-ins: each does, in a few
// lines, what the real action does that later steps can see (files in the
// workspace, exported environment, outputs, tokens, artifacts), against the
// same fakes the suite's own actions talk to. Any other third-party action
// fails its step with a message naming this folder.

export interface AppSettings {
  /** The app's slug: its token acts as `<slug>[bot]`. */
  slug: string;
  /** The installation's permissions; a token asks for these or fewer. */
  permissions: Record<string, 'read' | 'write'>;
  /** When given, `private-key` must be this. */
  privateKey?: string;
  installationId?: number;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * The test's AWS STS: answers AssumeRoleWithWebIdentity with credentials (or
 * undefined for derived ones), or throws to deny it (a trust policy that does not match).
 */
export type AssumeRole = (request: {
  roleArn: string;
  sessionName: string;
  claims: IdTokenClaims & { aud: string };
}) => AwsCredentials | undefined;

export interface StandInContext {
  /** `with:` as evaluated, over the stand-in's defaults. */
  inputs: Record<string, string>;
  /** The environment the real action's process would get. */
  env: Record<string, string>;
  workspace: string;
  temp: string;
  /** The run's repository, commit and ref. */
  repository: string;
  sha: string;
  ref: string;
  /** The job's GITHUB_TOKEN. */
  token: string;
  github: GitHubApiFake;
  artifacts: ArtifactServiceFake;
  repositories: Repositories;
  claimsOf(jwt: string): (IdTokenClaims & { aud: string }) | undefined;
  apps: Record<string, AppSettings>;
  assumeRole?: AssumeRole;
  log(line: string): void;
  /** `core.setSecret`: masked in the job's log from now on. */
  mask(value: string): void;
  warning(message: string): void;
  /** Work the real action does in its post step, at the end of the job. */
  onPost(work: () => Promise<void>): void;
}

export interface StandInResult {
  outputs?: Record<string, string>;
  /** Exported with GITHUB_ENV. */
  env?: Record<string, string>;
  /** Added with GITHUB_PATH. */
  path?: string[];
  /** What it did, for the step's report. */
  details?: Record<string, unknown>;
}

export interface StandIn {
  /** The real action's input defaults. */
  defaults: Record<string, string>;
  run(context: StandInContext): Promise<StandInResult>;
}

/** A failure the real action would report (`core.setFailed`): the step fails with this message. */
export class StandInError extends Error {}

const STAND_INS: Record<string, StandIn> = {
  'actions/checkout': checkout,
  'aws-actions/configure-aws-credentials': configureAwsCredentials,
  'actions/upload-artifact': uploadArtifact,
  'actions/download-artifact': downloadArtifact,
  'actions/create-github-app-token': createGitHubAppToken,
};

/** The stand-in of `owner/repo` (an action at the repository root), if there is one. */
export function standIn(repository: string, subPath: string): StandIn | undefined {
  return subPath ? undefined : STAND_INS[repository.toLowerCase()];
}
