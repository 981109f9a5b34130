import { expect, test } from 'vitest';
import { computeMetadata } from './meta.ts';
import { parseTagRules } from './tag.ts';
import { branchPush, bareSchedule, NOW, pullRequest, push, schedule, workflowDispatch } from './test-events.ts';

const metadata = (tags: string, context = push('refs/tags/v1.2.3'), labels = '') =>
  computeMetadata({ images: 'user/app', tags, flavor: '', labels, annotations: '' }, context);

test('{{is_not_default_branch}} is the opposite of {{is_default_branch}} on each event', () => {
  const tags = 'type=raw,value=dev,enable={{is_not_default_branch}}\ntype=raw,value=main,enable={{is_default_branch}}';
  const cases: [string, ReturnType<typeof push>, string[]][] = [
    ['push to the default branch', branchPush(), ['main']],
    ['push to another branch', push('refs/heads/feature'), ['dev']],
    ['push of a tag', push('refs/tags/v1.2.3'), ['dev']],
    ['pull_request', pullRequest(), ['dev']],
    ['schedule', schedule(), ['main']],
    ['schedule without a repository', bareSchedule(), ['main']],
    ['workflow_dispatch on the default branch', workflowDispatch(), ['main']],
  ];
  for (const [name, context, expected] of cases) expect(metadata(tags, context).tags, name).toEqual(expected);
});

test('an unquoted date format is accepted with a warning and rendered as metadata-action does (format ignored)', () => {
  const context = { ...push('refs/heads/master'), commitDate: new Date('2019-05-15T15:19:25Z') };
  const result = metadata('type=raw,value={{commit_date YYYY-MM-DD}}', context);
  // Handlebars reads the bare word as an undefined variable: moment's default format, sanitised as a tag.
  expect(result.tags).toEqual(['2019-05-15T15-19-25Z']);
  expect(result.warnings).toContain(
    "{{commit_date YYYY-MM-DD}} has its format without quotes, which metadata-action ignores: it renders as YYYY-MM-DDTHH:mm:ssZ (e.g. 2020-01-10T00:30:00Z); write {{commit_date 'YYYY-MM-DD'}} for that format.",
  );
  // In a label, with a time zone: the offset is written out.
  const label = metadata('type=sha', context, "built={{date YYYYMMDD tz='Asia/Tokyo'}}");
  expect(label.labels.built).toBe('2020-01-10T09:30:00+09:00');
  expect(label.warnings.some((w) => w.startsWith('{{date YYYYMMDD}} has its format without quotes'))).toBe(true);
  // Quoted, the format applies and nothing is said.
  const quoted = metadata("type=raw,value={{commit_date 'YYYYMMDD'}}", context);
  expect(quoted.tags).toEqual(['20190515']);
  expect(quoted.warnings).toEqual([]);
  expect(metadata("type=raw,value={{date 'YYYYMMDD'}}").tags[0]).toBe(NOW.toISOString().slice(0, 10).replace(/-/g, ''));
});

test('other bare words in expressions stay errors', () => {
  expect(() => parseTagRules('type=raw,value={{branch foo}}')).toThrow(
    /has the expression \{\{branch foo\}\} that cannot be read in value/,
  );
});
