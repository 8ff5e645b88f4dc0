import { describe, expect, it } from 'vitest';
import { editDistance, suggest } from './suggest.ts';

describe('suggest', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['same', 'same', 0],
  ])('given %s and %s, then the edit distance is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it.each([
    ['--batch-sise', ['--batch-size', '--dry-run'], '--batch-size'],
    ['repot', ['run', 'report', 'serve'], 'report'],
    ['sfdc', ['salesforce', 'hubspot', 'dynamics'], undefined],
    ['SALESFORCE', ['salesforce', 'hubspot'], 'salesforce'],
  ])('given %s, then the suggestion is %s', (input, known, expected) => {
    expect(suggest(input, known)).toBe(expected);
  });
});
