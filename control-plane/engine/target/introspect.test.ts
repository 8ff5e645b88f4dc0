import { describe, expect, it } from 'vitest';
import { parseAllowedValues } from './introspect.ts';

describe('parseAllowedValues', () => {
  it.each([
    [`CHECK ((status = ANY (ARRAY['new'::text, 'contacted'::text])))`, { column: 'status', values: ['new', 'contacted'] }],
    [`CHECK (((mode IS NULL) OR (mode = ANY (ARRAY['air'::text, 'ocean'::text]))))`, { column: 'mode', values: ['air', 'ocean'] }],
    [`CHECK ((length(name) >= 1))`, null],
    [`CHECK (((employee_count IS NULL) OR (employee_count >= 0)))`, null],
  ])('given %s, then it yields the enum values or nothing', (def, expected) => {
    expect(parseAllowedValues(def)).toEqual(expected);
  });
});
