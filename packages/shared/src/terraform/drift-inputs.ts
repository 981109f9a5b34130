import { invalidInput } from '../action/action-error.ts';
import { readBoolean, readChoice, readInteger, readList, readSecret, readString } from '../action/inputs.ts';
import type { DriftDetectSettings } from './drift-detect.ts';
import { compileMaskPatterns } from './plan-mask.ts';
import { readTerraformSettings } from './terraform-inputs.ts';

/** Reads and checks every drift-detect input before anything runs. */
export function readDriftDetectSettings(): { settings: DriftDetectSettings; secrets: string[]; token: string } {
  const { terraform, secrets } = readTerraformSettings({ lockTimeout: '5m' });
  const issue = readBoolean('issue', true);
  const token = readSecret('github-token');
  if (issue && !token) {
    throw invalidInput(
      'github-token',
      'is empty, but drift issues need a token with `issues: write`. Pass `${{ github.token }}` (the default), or set `issue: false`.',
    );
  }
  const settings: DriftDetectSettings = {
    ...terraform,
    workingDirectories: readList('working-directories'),
    workspaces: readList('workspaces'),
    mode: readChoice('mode', ['refresh-only', 'full'] as const, 'refresh-only'),
    concurrency: readInteger('concurrency', 4, { min: 1, max: 64 }),
    maskPatterns: compileMaskPatterns(readList('mask-patterns')),
    issue,
    issueLabel: readIssueLabel(),
    failOnDrift: readBoolean('fail-on-drift', false),
    notifyWebhook: readWebhook(),
  };
  if (!settings.workingDirectories.length) settings.workingDirectories = ['.'];
  return { settings, secrets, token };
}

// GitHub's limit of a label name; a comma would split it in the issue list's filter.
function readIssueLabel(): string {
  const label = readString('issue-label', 'drift');
  const printable = /^[^,\p{Cc}]*$/u;
  if (label.length > 50 || !printable.test(label)) {
    throw invalidInput(
      'issue-label',
      `must be a label name of at most 50 characters on one line, without commas (got '${label.replace(/\p{Cc}/gu, '?')}').`,
    );
  }
  return label;
}

/** The webhook URL: a secret, masked first, and never repeated in an error. */
function readWebhook(): string {
  const url = readSecret('notify-webhook').trim();
  if (!url) return '';
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // not a URL: reported below
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw invalidInput(
      'notify-webhook',
      'must be the URL of an incoming webhook (https://hooks.slack.com/services/…); keep it in a secret.',
    );
  }
  return url;
}
