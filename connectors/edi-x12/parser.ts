/**
 * A small strict X12 reader: interchanges (ISA/IEA) → functional groups (GS/GE) → transaction sets
 * (ST/SE). Delimiters come from the ISA segment itself (element separator at byte 3, component
 * separator ISA16, segment terminator right after ISA16). Every envelope check that fails becomes a
 * named problem (X12Problem.code) scoped to the smallest unit it spoils: one transaction set, one
 * group or one interchange. The rest of the file keeps loading.
 *
 * Why not node-x12: it parses a whole interchange or throws, so one bad segment loses the file, and its
 * errors are not named per envelope. Here a reason is data the engine quarantines with.
 */

export type X12ProblemCode =
  | 'not-x12' // the file does not start with an ISA segment
  | 'isa-malformed' // ISA is not 106 characters with 16 elements
  | 'iea-missing' // the interchange has no IEA trailer
  | 'isa-iea-control-mismatch' // ISA13 ≠ IEA02
  | 'iea-group-count-mismatch' // IEA01 ≠ number of groups
  | 'ge-missing'
  | 'gs-ge-control-mismatch' // GS06 ≠ GE02
  | 'ge-transaction-count-mismatch' // GE01 ≠ number of transaction sets
  | 'se-missing'
  | 'st-se-control-mismatch' // ST02 ≠ SE02
  | 'se-segment-count-mismatch' // SE01 ≠ segments from ST to SE inclusive
  | 'segment-malformed' // an empty or unnamed segment, a segment id that is not 2–3 letters/digits
  | 'segment-outside-envelope' // a segment between envelopes (after IEA, before GS, after GE, before ST)
  | 'transaction-type-unexpected' // GS functional id does not match ST01, or a set this connector does not read
  | 'element-missing' // a mandatory element of a transaction set is empty
  | 'element-invalid'; // an element that must be a date, time, number or code is not

export interface X12Problem {
  code: X12ProblemCode;
  /** For a person: names the file, the control numbers and the segment position. */
  message: string;
  /** The smallest envelope spoiled: a transaction set's key, or null when a whole group/interchange is. */
  transaction: string | null;
  /** Segment id and element position at fault, e.g. "B2*04", when known. */
  field: string | null;
  /** ST01 of the spoiled transaction set, when known. */
  type?: string;
}

export type Segment = string[]; // [id, el1, el2, ...]

export interface X12Transaction {
  file: string;
  /** ISA13, GS06 and ST02: the version order of transactions (a later control number supersedes). */
  isa: string;
  gs: string;
  st: string;
  /** ISA06 / ISA08 (trimmed) and GS04/GS05 (CCYYMMDD, HHMM) */
  sender: string;
  receiver: string;
  groupDate: string;
  groupTime: string;
  /** ST01, e.g. "204" */
  type: string;
  /** Segments from ST to SE inclusive, components left inside elements. */
  segments: Segment[];
  /** Line-like position of ST in the file (1-based segment index), for reasons. */
  position: number;
  componentSeparator: string;
}

export interface X12ParseResult {
  transactions: X12Transaction[];
  problems: X12Problem[];
}

const GROUP_OF: Record<string, string> = { '204': 'SM', '990': 'GF', '214': 'QM', '210': 'IM', '997': 'FA', '856': 'SH', '850': 'PO' };

export function transactionKey(t: Pick<X12Transaction, 'file' | 'isa' | 'gs' | 'st'>): string {
  return `${t.file}#ISA${t.isa}/GS${t.gs}/ST${t.st}`;
}

/** Parse one file's text. Never throws: what cannot be read comes back as problems. */
export function parseX12(text: string, file: string): X12ParseResult {
  const transactions: X12Transaction[] = [];
  const problems: X12Problem[] = [];
  const body = text.replace(/^\uFEFF/, '').replace(/^\s+/, '');
  if (!body.startsWith('ISA')) {
    problems.push({ code: 'not-x12', message: `${file}: not an X12 interchange (does not start with ISA)`, transaction: null, field: null });
    return { transactions, problems };
  }
  const el = body[3]!;
  const isaRaw = body.slice(0, 106);
  const isaEls = isaRaw.slice(0, 105).split(el);
  const term = body[105];
  if (isaEls.length !== 17 || !term || /[A-Za-z0-9 ]/.test(term) || isaEls[16]!.length !== 1) {
    problems.push({ code: 'isa-malformed', message: `${file}: ISA segment is not 106 fixed-width characters with 16 elements (found ${isaEls.length - 1} elements)`, transaction: null, field: 'ISA' });
    return { transactions, problems };
  }
  const comp = isaEls[16]!;
  // Segments, with surrounding line breaks tolerated (many exports put one segment per line).
  const raw = body.split(term).map((s) => s.replace(/^[\r\n]+|[\r\n]+$/g, ''));
  if (raw.length > 0 && raw[raw.length - 1]!.trim() === '') raw.pop();
  const segs: Segment[] = raw.map((s) => s.split(el));

  type Open = { isa: Segment; isaPos: number; groups: number; broken: boolean };
  type Group = { gs: Segment; gsPos: number; sets: number; broken: boolean };
  let ic: Open | null = null;
  let grp: Group | null = null;
  let tx: { st: Segment; pos: number; segments: Segment[]; bad: X12Problem | null } | null = null;
  const where = (pos: number) => `${file} segment ${pos}`;
  const pendingGroupTx: X12Transaction[] = [];
  const pendingGroupRejects: X12Problem[] = [];
  const pendingIc: { txs: X12Transaction[]; rejects: X12Problem[] } = { txs: [], rejects: [] };

  const txKey = (st: Segment) => `${file}#ISA${ic?.isa[13]?.trim() ?? '?'}/GS${grp?.gs[6] ?? '?'}/ST${st[2] ?? '?'}`;

  const closeGroup = (problem: X12Problem | null) => {
    // A group-level mismatch spoils every set in it: each is reported with the group's reason.
    if (problem) {
      for (const t of pendingGroupTx) problems.push({ ...problem, transaction: transactionKey(t), type: t.type });
      if (pendingGroupTx.length === 0) problems.push(problem);
    } else pendingIc.txs.push(...pendingGroupTx);
    pendingIc.rejects.push(...pendingGroupRejects);
    pendingGroupTx.length = 0;
    pendingGroupRejects.length = 0;
    grp = null;
  };
  const closeIc = (problem: X12Problem | null) => {
    if (problem) {
      for (const t of pendingIc.txs) problems.push({ ...problem, transaction: transactionKey(t), type: t.type });
      if (pendingIc.txs.length === 0) problems.push(problem);
    } else transactions.push(...pendingIc.txs);
    problems.push(...pendingIc.rejects);
    pendingIc.txs = [];
    pendingIc.rejects = [];
    ic = null;
  };

  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const pos = i + 1;
    const id = s[0]!.trim();
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(id)) {
      const p: X12Problem = { code: 'segment-malformed', message: `${where(pos)}: malformed segment ${JSON.stringify(raw[i]!.slice(0, 40))} (no 2–3 character segment id)`, transaction: tx ? txKey(tx.st) : null, field: null };
      if (tx) tx.bad ??= p;
      else problems.push(p);
      continue;
    }
    if (tx && id !== 'SE' && id !== 'ST' && id !== 'GE' && id !== 'IEA' && id !== 'GS' && id !== 'ISA') {
      tx.segments.push(s);
      continue;
    }
    switch (id) {
      case 'ISA': {
        if (ic) closeIc({ code: 'iea-missing', message: `${file}: interchange ISA13=${ic.isa[13]} has no IEA trailer before the next ISA`, transaction: null, field: 'IEA' });
        if (s.length !== 17 || raw[i]!.length !== 105) {
          ic = { isa: s, isaPos: pos, groups: 0, broken: true };
        } else ic = { isa: s, isaPos: pos, groups: 0, broken: false };
        break;
      }
      case 'GS': {
        if (!ic) { problems.push({ code: 'segment-outside-envelope', message: `${where(pos)}: GS outside an interchange`, transaction: null, field: 'GS' }); break; }
        if (tx) { finishTx(null); }
        if (grp) closeGroup({ code: 'ge-missing', message: `${file}: group GS06=${(grp as Group).gs[6]} has no GE trailer`, transaction: null, field: 'GE' });
        grp = { gs: s, gsPos: pos, sets: 0, broken: false };
        ic.groups++;
        break;
      }
      case 'ST': {
        if (!grp) { problems.push({ code: 'segment-outside-envelope', message: `${where(pos)}: ST outside a functional group`, transaction: null, field: 'ST' }); break; }
        if (tx) finishTx({ code: 'se-missing', message: `${where(tx.pos)}: transaction set ST02=${tx.st[2]} has no SE trailer before the next ST`, transaction: txKey(tx.st), field: 'SE' });
        (grp as Group).sets++;
        tx = { st: s, pos, segments: [s], bad: null };
        break;
      }
      case 'SE': {
        if (!tx) { problems.push({ code: 'segment-outside-envelope', message: `${where(pos)}: SE without an ST`, transaction: null, field: 'SE' }); break; }
        tx.segments.push(s);
        const t = tx;
        let p: X12Problem | null = t.bad;
        if (!p && (s[2] ?? '') !== (t.st[2] ?? '')) p = { code: 'st-se-control-mismatch', message: `${where(pos)}: SE02 control number ${JSON.stringify(s[2] ?? '')} does not match ST02 ${JSON.stringify(t.st[2] ?? '')}`, transaction: txKey(t.st), field: 'SE*02' };
        if (!p && Number(s[1]) !== t.segments.length) p = { code: 'se-segment-count-mismatch', message: `${where(pos)}: SE01 says ${JSON.stringify(s[1] ?? '')} segments, transaction set ST02=${t.st[2]} has ${t.segments.length}`, transaction: txKey(t.st), field: 'SE*01' };
        finishTx(p);
        break;
      }
      case 'GE': {
        if (tx) finishTx({ code: 'se-missing', message: `${where(tx.pos)}: transaction set ST02=${tx.st[2]} has no SE trailer`, transaction: txKey(tx.st), field: 'SE' });
        if (!grp) { problems.push({ code: 'segment-outside-envelope', message: `${where(pos)}: GE without a GS`, transaction: null, field: 'GE' }); break; }
        const g = grp as Group;
        let p: X12Problem | null = null;
        if ((s[2] ?? '') !== (g.gs[6] ?? '')) p = { code: 'gs-ge-control-mismatch', message: `${where(pos)}: GE02 control number ${JSON.stringify(s[2] ?? '')} does not match GS06 ${JSON.stringify(g.gs[6] ?? '')}`, transaction: null, field: 'GE*02' };
        else if (Number(s[1]) !== g.sets) p = { code: 'ge-transaction-count-mismatch', message: `${where(pos)}: GE01 says ${JSON.stringify(s[1] ?? '')} transaction sets, group GS06=${g.gs[6]} has ${g.sets}`, transaction: null, field: 'GE*01' };
        closeGroup(p);
        break;
      }
      case 'IEA': {
        if (tx) finishTx({ code: 'se-missing', message: `${where(tx.pos)}: transaction set ST02=${tx.st[2]} has no SE trailer`, transaction: txKey(tx.st), field: 'SE' });
        if (grp) closeGroup({ code: 'ge-missing', message: `${file}: group GS06=${(grp as Group).gs[6]} has no GE trailer`, transaction: null, field: 'GE' });
        if (!ic) { problems.push({ code: 'segment-outside-envelope', message: `${where(pos)}: IEA without an ISA`, transaction: null, field: 'IEA' }); break; }
        const o = ic as Open;
        let p: X12Problem | null = null;
        if ((s[2] ?? '').trim() !== (o.isa[13] ?? '').trim()) p = { code: 'isa-iea-control-mismatch', message: `${where(pos)}: IEA02 control number ${JSON.stringify(s[2] ?? '')} does not match ISA13 ${JSON.stringify(o.isa[13] ?? '')}`, transaction: null, field: 'IEA*02' };
        else if (Number(s[1]) !== o.groups) p = { code: 'iea-group-count-mismatch', message: `${where(pos)}: IEA01 says ${JSON.stringify(s[1] ?? '')} groups, interchange ISA13=${o.isa[13]} has ${o.groups}`, transaction: null, field: 'IEA*01' };
        else if (o.broken) p = { code: 'isa-malformed', message: `${file} segment ${o.isaPos}: ISA is not 106 fixed-width characters with 16 elements`, transaction: null, field: 'ISA' };
        closeIc(p);
        break;
      }
      default:
        problems.push({ code: 'segment-outside-envelope', message: `${where(pos)}: segment ${id} outside a transaction set`, transaction: null, field: id });
    }
  }
  if (tx) finishTx({ code: 'se-missing', message: `${file}: transaction set ST02=${(tx as { st: Segment }).st[2]} has no SE trailer (file ends)`, transaction: txKey((tx as { st: Segment }).st), field: 'SE' });
  if (grp) closeGroup({ code: 'ge-missing', message: `${file}: group GS06=${(grp as Group).gs[6]} has no GE trailer (file ends)`, transaction: null, field: 'GE' });
  if (ic) closeIc({ code: 'iea-missing', message: `${file}: interchange ISA13=${(ic as Open).isa[13]} has no IEA trailer (file ends)`, transaction: null, field: 'IEA' });
  return { transactions, problems };

  function finishTx(problem: X12Problem | null): void {
    const t = tx!;
    tx = null;
    const g = grp as Group | null;
    const o = ic as Open | null;
    const built: X12Transaction = {
      file, isa: (o?.isa[13] ?? '').trim(), gs: g?.gs[6] ?? '', st: t.st[2] ?? '', sender: (o?.isa[6] ?? '').trim(), receiver: (o?.isa[8] ?? '').trim(),
      groupDate: g?.gs[4] ?? '', groupTime: g?.gs[5] ?? '', type: t.st[1] ?? '', segments: t.segments, position: t.pos, componentSeparator: comp,
    };
    let p = problem;
    const expectGroup = GROUP_OF[built.type];
    if (!p && g && expectGroup && g.gs[1] !== expectGroup) p = { code: 'transaction-type-unexpected', message: `${where(t.pos)}: ST01 ${built.type} inside a GS with functional id ${JSON.stringify(g.gs[1])} (expected ${expectGroup})`, transaction: transactionKey(built), field: 'GS*01' };
    if (p) pendingGroupRejects.push({ ...p, transaction: transactionKey(built), type: built.type });
    else pendingGroupTx.push(built);
  }
}
