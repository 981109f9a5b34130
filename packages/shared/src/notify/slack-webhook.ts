import { retry } from '../util/retry.ts';
import { redactValues } from '../action/mask.ts';

// A message for a Slack-compatible incoming webhook (Slack; Mattermost and
// others accept the same JSON): `text` for notifications and clients without
// blocks, `blocks` for the layout. The webhook URL is a secret (whoever has it
// can post): no message or error here contains it.

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface SlackMessageContent {
  /** Plain text: the header, and the start of the notification. */
  title: string;
  /** mrkdwn (see slackEscape): a line under the title. */
  summary: string;
  /** Lists of mrkdwn items, each under its bold heading. */
  sections: { heading: string; items: string[] }[];
  /** mrkdwn for the last line, e.g. a link to the run. */
  footer?: string;
}

// Slack's limits: 3,000 characters of section text, 150 of header, 50 blocks.
const SECTION_LIMIT = 3_000;
const HEADER_LIMIT = 150;
const BLOCK_LIMIT = 50;

/** Text for mrkdwn: `&`, `<` and `>` are Slack's control characters. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mrkdwn link. */
export function slackLink(url: string, text: string): string {
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${slackEscape(text).replace(/\|/g, '¦')}>`;
}

/** The message, within Slack's limits: long lists are split over sections, and cut with a count when even that is too much. */
export function slackMessage(content: SlackMessageContent): SlackMessage {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(content.title, HEADER_LIMIT) } },
    section(cut(content.summary, SECTION_LIMIT)),
  ];
  const room = BLOCK_LIMIT - blocks.length - (content.footer ? 1 : 0);
  const listBlocks = content.sections.flatMap(({ heading, items }) => sectionTexts(heading, items));
  const shown = listBlocks.length > room ? listBlocks.slice(0, room - 1) : listBlocks;
  blocks.push(...shown.map(section));
  if (shown.length < listBlocks.length) blocks.push(section(`… and ${listBlocks.length - shown.length} more`));
  if (content.footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: content.footer }] });
  const counts = content.sections.map(({ heading, items }) => `${heading}: ${items.length}`).join(', ');
  return { text: slackEscape(`${content.title}${counts ? ` (${counts})` : ''}`), blocks };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** One heading and its items as section texts of at most SECTION_LIMIT characters each. */
function sectionTexts(heading: string, items: string[]): string[] {
  const texts: string[] = [];
  let current = `*${slackEscape(heading)}*`;
  for (const item of items) {
    const line = `\n• ${cut(item, SECTION_LIMIT - 10)}`;
    if (current.length + line.length > SECTION_LIMIT) {
      texts.push(current);
      current = line.slice(1);
    } else {
      current += line;
    }
  }
  texts.push(current);
  return texts;
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

export interface WebhookDelivery {
  /** Attempts, the first included; default 4. */
  attempts?: number;
  /** First delay between attempts, doubled after each; default 1 s. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Time limit of one attempt; default 10 s. */
  timeoutMs?: number;
  /** Told before each new attempt, with why the last one failed. */
  onRetry?: (reason: string, attempt: number) => void;
}

/** A failed delivery; its message never holds the URL. */
export class WebhookError extends Error {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'WebhookError';
    this.retryable = retryable;
  }
}

/**
 * Posts the message, retrying server errors (5xx), rate limits (429),
 * timeouts and network errors with backoff. Any other answer than 2xx is
 * final: a wrong or revoked URL does not get better by asking again.
 */
export async function postSlackMessage(
  url: string,
  message: SlackMessage,
  options: WebhookDelivery = {},
): Promise<void> {
  // Like every text that leaves the step, through the one masking function.
  const body = JSON.stringify(redactValues(message));
  await retry(
    async () => {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new WebhookError(`no answer from the webhook (${networkReason(error)})`, true);
      }
      const text = (await response.text().catch(() => '')).trim().slice(0, 200);
      if (response.ok) return;
      const retryable = response.status >= 500 || response.status === 429;
      throw new WebhookError(`the webhook answered HTTP ${response.status}${text ? `: ${text}` : ''}`, retryable);
    },
    {
      attempts: options.attempts ?? 4,
      firstDelayMs: options.firstDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      shouldRetry: (error) => error instanceof WebhookError && error.retryable,
      onRetry: (error, attempt) => options.onRetry?.((error as Error).message, attempt),
    },
  );
}

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
