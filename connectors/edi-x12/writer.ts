/** Writing X12 interchanges (sample generators and test corpora): envelopes with correct control numbers and counts. */
export type Seg = (string | number | null | undefined)[];

export interface InterchangeOptions {
  isa: number;
  sender: string;
  receiver: string;
  /** CCYYMMDD and HHMM */
  date: string;
  time: string;
  groups: { functionalId: string; gs: number; sets: { type: string; st: number; body: Seg[] }[] }[];
  elementSeparator?: string;
  segmentTerminator?: string;
}

const pad = (s: string, n: number) => s.padEnd(n, ' ').slice(0, n);

export function segment(s: Seg, el = '*'): string {
  const parts = s.map((x) => (x === null || x === undefined ? '' : String(x)));
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.join(el);
}

export function interchange(o: InterchangeOptions): string {
  const el = o.elementSeparator ?? '*';
  const term = o.segmentTerminator ?? '~\n';
  const ctl = String(o.isa).padStart(9, '0');
  const isa = ['ISA', '00', pad('', 10), '00', pad('', 10), 'ZZ', pad(o.sender, 15), 'ZZ', pad(o.receiver, 15), o.date.slice(2), o.time, 'U', '00401', ctl, '0', 'P', '>'].join(el);
  const out: string[] = [isa];
  for (const g of o.groups) {
    out.push(segment(['GS', g.functionalId, o.sender, o.receiver, o.date, o.time, g.gs, 'X', '004010'], el));
    for (const t of g.sets) {
      const st = String(t.st).padStart(4, '0');
      out.push(segment(['ST', t.type, st], el));
      for (const s of t.body) out.push(segment(s, el));
      out.push(segment(['SE', t.body.length + 2, st], el));
    }
    out.push(segment(['GE', g.sets.length, g.gs], el));
  }
  out.push(segment(['IEA', o.groups.length, ctl], el));
  return out.join(term) + term;
}
