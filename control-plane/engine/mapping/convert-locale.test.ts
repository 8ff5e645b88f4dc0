import { describe, expect, it } from 'vitest';
import { ConversionFailure, convertValue } from './convert.ts';
import type { TargetColumn } from '../target/introspect.ts';

const col = (kind: TargetColumn['kind'], precision: number | null = null, scale: number | null = null): TargetColumn => ({
  name: 'c', kind, dataType: kind, maxLength: null, fixedLength: false, precision, scale, nullable: true, hasDefault: false, defaultText: null, allowed: null,
});

describe('numbers and locales', () => {
  it.each([
    ['plain decimal', '1234.56', undefined, '1234.56'],
    ['signed exponent', '-1.5e3', undefined, '-1.5e3'],
    ['German grouping', '1.234,56', 'de-DE', '1234.56'],
    ['US grouping with a locale', '1,234.56', 'en-US', '1234.56'],
    ['French grouping (narrow no-break space)', '1\u202f234,56', 'fr-FR', '1234.56'],
  ])('given %s %j (locale %s), then it loads as %j', (_n, v, locale, expected) => {
    expect(convertValue(v, col('numeric', 18, 2), { locale })).toBe(expected);
  });

  it.each([
    ['US grouping without a locale', '1,234.56', undefined],
    ['a dot in a German-locale number after grouping', '1.234.5,6,7', 'de-DE'],
  ])('given %s %j, then it is refused', (_n, v, locale) => {
    expect(convertValue(v, col('numeric', 18, 2), { locale })).toBeInstanceOf(ConversionFailure);
  });

  it('given a grouped integer in a declared locale, then it loads as plain digits', () => {
    expect(convertValue('1.200', col('integer'), { locale: 'de-DE' })).toBe('1200');
  });

  it('given a date column and a timestamp with an impossible hour, then it is refused, and a real time still loads as the date', () => {
    expect(convertValue('2024-06-01T25:00:00Z', col('date'))).toBeInstanceOf(ConversionFailure);
    expect(convertValue('2024-06-01T10:00:00Z', col('date'))).toBe('2024-06-01');
  });
});
