import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { parseStatusRange } from './status-range.ts';

function range(text: string) {
  const parsed = parseStatusRange(text);
  assert.ok(parsed, `'${text}' parses`);
  return parsed;
}

describe('parseStatusRange', () => {
  it('matches a single status only', () => {
    const r = range('200');
    assert.equal(r.text, '200');
    assert.equal(r.includes(200), true);
    assert.equal(r.includes(201), false);
    assert.equal(r.includes(199), false);
  });

  it('matches each status of a list', () => {
    const r = range('200,204');
    assert.deepEqual(
      [200, 201, 204].map((s) => r.includes(s)),
      [true, false, true],
    );
  });

  it('matches a range inclusively', () => {
    const r = range('200-299');
    assert.deepEqual(
      [199, 200, 250, 299, 300].map((s) => r.includes(s)),
      [false, true, true, true, false],
    );
  });

  it('mixes ranges and codes, with spaces allowed, and normalises the text', () => {
    const r = range(' 200 - 204 , 301,302 ');
    assert.equal(r.text, '200 - 204,301,302');
    assert.deepEqual(
      [200, 204, 205, 301, 302, 303].map((s) => r.includes(s)),
      [true, true, false, true, true, false],
    );
  });

  it('accepts the whole range of HTTP statuses', () => {
    const r = range('100-599');
    assert.equal(r.includes(100), true);
    assert.equal(r.includes(599), true);
  });

  for (const text of [
    '',
    ' ',
    '2xx',
    '20',
    '2000',
    '099',
    '600',
    '550-600',
    '299-200',
    '200,',
    ',200',
    '200-',
    'ok',
    '200;204',
    '200 204',
  ]) {
    it(`rejects '${text}'`, () => {
      assert.equal(parseStatusRange(text), undefined);
    });
  }
});
