import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads each unit as milliseconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('7d'), 604_800_000);
  });

  it('adds up compound durations', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1m30s500ms'), 90_500);
    assert.equal(parseDuration('1d12h'), 129_600_000);
  });

  it('reads a bare number as seconds', () => {
    assert.equal(parseDuration('45'), 45_000);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('0.5'), 500);
  });

  it('accepts decimals, rounded to whole milliseconds', () => {
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('2.5s'), 2_500);
    assert.equal(parseDuration('0.0015s'), 2);
  });

  it('ignores surrounding whitespace and letter case', () => {
    assert.equal(parseDuration('  10S '), 10_000);
    assert.equal(parseDuration('1H30M'), 5_400_000);
  });

  for (const text of ['', '   ', 'soon', '5x', '10 m', '1h30', 'h', 'ms', '.5s', '1.s', '5mss', '1h 30m', '5s!']) {
    it(`returns undefined for '${text}'`, () => {
      assert.equal(parseDuration(text), undefined);
    });
  }

  it('returns undefined for negative durations', () => {
    assert.equal(parseDuration('-5s'), undefined);
    assert.equal(parseDuration('-5'), undefined);
    assert.equal(parseDuration('1h-30m'), undefined);
  });
});

describe('formatDuration', () => {
  it('shows milliseconds below a second', () => {
    assert.equal(formatDuration(0), '0ms');
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(12.4), '12ms');
  });

  it('shows seconds with at most one decimal below a minute', () => {
    assert.equal(formatDuration(1_000), '1s');
    assert.equal(formatDuration(2_500), '2.5s');
    assert.equal(formatDuration(2_540), '2.5s');
    assert.equal(formatDuration(59_000), '59s');
  });

  it('shows minutes and seconds from a minute on', () => {
    assert.equal(formatDuration(60_000), '1m');
    assert.equal(formatDuration(200_000), '3m 20s');
    assert.equal(formatDuration(120_000), '2m');
    assert.equal(formatDuration(3_600_000), '60m');
  });

  it('carries rounded seconds into the minutes instead of showing 60s', () => {
    assert.equal(formatDuration(119_700), '2m');
    assert.equal(formatDuration(179_500), '3m');
    assert.equal(formatDuration(61_400), '1m 1s');
  });

  it('formats what parseDuration reads back the way a person wrote it', () => {
    assert.equal(formatDuration(parseDuration('1m30s')!), '1m 30s');
    assert.equal(formatDuration(parseDuration('45')!), '45s');
    assert.equal(formatDuration(parseDuration('250ms')!), '250ms');
  });
});
