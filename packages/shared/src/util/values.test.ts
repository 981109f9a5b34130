import { describe, expect, it } from 'vitest';
import { isRecord, stringLeaves } from './values.ts';

describe('isRecord', () => {
  it('is true of a mapping only: not of a list, null or a scalar', () => {
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord('text')).toBe(false);
    expect(isRecord(undefined)).toBe(false);
  });
});

describe('stringLeaves', () => {
  it('finds every string and number at any depth, numbers as text', () => {
    const secret = {
      db: { password: 'hunter22', port: 5432 },
      tokens: ['abc', ['nested-token', 7]],
      label: 'x',
    };
    expect(stringLeaves(secret).sort()).toEqual(['5432', '7', 'abc', 'hunter22', 'nested-token', 'x']);
  });

  it('takes a bare string or number as its own leaf', () => {
    expect(stringLeaves('hunter22')).toEqual(['hunter22']);
    expect(stringLeaves(0)).toEqual(['0']);
  });

  it('has nothing to mask in booleans, null or empty values', () => {
    expect(stringLeaves({ on: true, off: false, none: null, missing: undefined, list: [], map: {} })).toEqual([]);
    expect(stringLeaves(null)).toEqual([]);
    expect(stringLeaves(false)).toEqual([]);
  });
});
