import { describe, expect, it } from 'vitest';
import { targetId, uuidv5 } from './ids.ts';

const DNS = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');

describe('uuidv5', () => {
  it.each([
    ['www.example.com', '2ed6657d-e927-568b-95e1-2665a8aea6a2'],
    ['python.org', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
  ])('given the DNS namespace and %s, then it is the published v5 UUID', (name, want) => {
    expect(uuidv5(name, DNS)).toBe(want);
  });

  it('given parts that join the same way, then the target ids still differ', () => {
    expect(targetId('t', 'sys', 'a/b', 'c')).not.toBe(targetId('t', 'sys', 'a', 'b/c'));
    expect(targetId('t', 'sys', 'e', 'x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
