import { describe, expect, it } from 'vitest';
import { classifyOutcome, EXIT_CODES } from './outcome.js';

const e = (entity: string, extracted: number, loaded: number, quarantined: number) => ({ entity, extracted, loaded, quarantined });

describe('classifyOutcome', () => {
  const cases = [
    { name: 'given all loaded, then completed exit 0', ents: [e('a', 100, 100, 0)], fin: true, max: undefined, out: 'completed', code: 0 },
    { name: 'given 1% quarantined at default max, then completed', ents: [e('a', 100, 99, 1)], fin: true, max: undefined, out: 'completed', code: 0 },
    { name: 'given 2% quarantined in one entity, then completed_with_issues exit 3', ents: [e('a', 100, 98, 2), e('b', 1000, 1000, 0)], fin: true, max: undefined, out: 'completed_with_issues', code: 3 },
    { name: 'given a raised max, then completed', ents: [e('a', 100, 98, 2)], fin: true, max: 0.05, out: 'completed', code: 0 },
    { name: 'given an entity all quarantined, then failed exit 4', ents: [e('a', 5572, 0, 5572), e('b', 24, 24, 0)], fin: true, max: undefined, out: 'failed', code: 4 },
    { name: 'given the run stopped early, then failed', ents: [e('a', 10, 10, 0)], fin: false, max: undefined, out: 'failed', code: 4 },
    { name: 'given an empty entity, then completed', ents: [e('a', 0, 0, 0)], fin: true, max: undefined, out: 'completed', code: 0 },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const v = classifyOutcome(c.ents, c.fin, c.max);
      expect(v.outcome).toBe(c.out);
      expect(v.exitCode).toBe(c.code);
      expect(v.reason === null).toBe(c.out === 'completed');
    });
  }
  it('given usage errors, then exit code 2', () => expect(EXIT_CODES.usage).toBe(2));
});
