import type { components } from '@octokit/openapi-types';

// The shapes the fake stores and serves, from GitHub's published OpenAPI
// description: when GitHub changes a shape, tsc flags the fake.

type Schemas = components['schemas'];
// The schema allows a bigint id, which JSON never carries: the fake's ids are numbers.
type NumericId<T> = T & { id: number };

export type SimpleUser = NumericId<Schemas['simple-user']>;
export type PublicUser = Schemas['public-user'];
export type Repository = NumericId<Schemas['repository']>;
export type MinimalRepository = Schemas['minimal-repository'];
export type Label = NumericId<Schemas['label']>;
export type Issue = NumericId<Schemas['issue']>;
export type IssueComment = NumericId<Schemas['issue-comment']>;
export type PullRequest = NumericId<Schemas['pull-request']>;
export type PullRequestSimple = NumericId<Schemas['pull-request-simple']>;
export type PullRequestMinimal = Schemas['pull-request-minimal'];
export type PullRequestReview = NumericId<Schemas['pull-request-review']>;
export type DiffEntry = Schemas['diff-entry'];
export type WorkflowRun = NumericId<Schemas['workflow-run']>;
export type Artifact = Schemas['artifact'];
export type RateLimitOverview = Schemas['rate-limit-overview'];
export type BasicError = Schemas['basic-error'];
export type ValidationError = Schemas['validation-error'];
export type AuthorAssociation = Schemas['author-association'];
export type ReactionRollup = Schemas['reaction-rollup'];
