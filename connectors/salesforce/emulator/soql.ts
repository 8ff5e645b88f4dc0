/**
 * A small SOQL subset: SELECT fields FROM object [WHERE cond {AND|OR cond}] [ORDER BY f [ASC|DESC], …]
 * [LIMIT n] [OFFSET n]. Conditions compare a field with a literal (=, !=, <>, <, <=, >, >=, IN, NOT IN,
 * LIKE). Fields may be one child-to-parent hop (Owner.Email). Errors carry Salesforce's error codes.
 */
import { fieldOf, OBJECT_BY_NAME, type SfField, type SfObject } from './catalog.ts';

export class SoqlError extends Error {
  override readonly name = 'SoqlError';
  constructor(readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE', message: string) {
    super(message);
  }
}

export type Literal = string | number | boolean | null | { datetime: number } | { date: string };

export interface SelectedField {
  /** As written in the query, e.g. Owner.Email */
  path: string;
  field: SfField;
  /** For Owner.Email: the reference field (OwnerId) and the parent object. */
  via?: { reference: SfField; object: SfObject };
}

export interface Condition {
  field: SelectedField;
  op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'NOT IN' | 'LIKE';
  value: Literal | Literal[];
}

export interface SoqlQuery {
  object: SfObject;
  fields: SelectedField[];
  /** Disjunctive normal form: OR of AND-groups. */
  where: Condition[][];
  orderBy: Array<{ field: SelectedField; desc: boolean }>;
  limit?: number;
  offset?: number;
}

const TOKEN = /\s*(?:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))|(\d{4}-\d{2}-\d{2})(?![\dT])|('(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(<=|>=|!=|<>|=|<|>|,|\(|\)))/y;

type Tok = { kind: 'datetime' | 'date' | 'string' | 'number' | 'ident' | 'sym'; text: string };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < q.length) {
    if (/^\s*$/.test(q.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(q);
    if (!m) throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${q.slice(pos).trim().split(/\s+/)[0]}`);
    pos = TOKEN.lastIndex;
    if (m[1]) out.push({ kind: 'datetime', text: m[1] });
    else if (m[2]) out.push({ kind: 'date', text: m[2] });
    else if (m[3]) out.push({ kind: 'string', text: m[3].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[4]) out.push({ kind: 'number', text: m[4] });
    else if (m[5]) out.push({ kind: 'ident', text: m[5] });
    else out.push({ kind: 'sym', text: m[6]! });
  }
  return out;
}

function parseDateTime(text: string): number {
  const normal = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normal);
  if (Number.isNaN(ms)) throw new SoqlError('MALFORMED_QUERY', `value of filter criterion is not a valid datetime: ${text}`);
  return ms;
}

export function parseSoql(soql: string): SoqlQuery {
  const toks = tokenize(soql);
  let i = 0;
  const peek = (): Tok | undefined => toks[i];
  const kw = (word: string): boolean => {
    const t = peek();
    if (t && t.kind === 'ident' && t.text.toUpperCase() === word) { i++; return true; }
    return false;
  };
  const expectKw = (word: string): void => {
    if (!kw(word)) throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${peek()?.text ?? '<EOF>'}`);
  };
  const sym = (s: string): boolean => {
    const t = peek();
    if (t && t.kind === 'sym' && t.text === s) { i++; return true; }
    return false;
  };
  const ident = (): string => {
    const t = toks[i++];
    if (!t || t.kind !== 'ident') throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${t?.text ?? '<EOF>'}`);
    return t.text;
  };

  expectKw('SELECT');
  const paths: string[] = [ident()];
  while (sym(',')) paths.push(ident());
  expectKw('FROM');
  const objName = ident();
  const object = OBJECT_BY_NAME.get(objName.toLowerCase());
  if (!object) throw new SoqlError('INVALID_TYPE', `sObject type '${objName}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
  const resolve = (path: string): SelectedField => resolveField(object, path);
  const fields = paths.map(resolve);

  const where: Condition[][] = [];
  if (kw('WHERE')) {
    let group: Condition[] = [];
    for (;;) {
      group.push(parseCondition());
      if (kw('AND')) continue;
      if (kw('OR')) { where.push(group); group = []; continue; }
      break;
    }
    where.push(group);
  }
  const orderBy: SoqlQuery['orderBy'] = [];
  if (kw('ORDER')) {
    expectKw('BY');
    do {
      const field = resolve(ident());
      const desc = kw('DESC') ? true : (kw('ASC'), false);
      if (kw('NULLS')) { if (!kw('FIRST')) expectKw('LAST'); }
      orderBy.push({ field, desc });
    } while (sym(','));
  }
  const num = (): number => {
    const t = toks[i++];
    if (!t || t.kind !== 'number') throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${t?.text ?? '<EOF>'}`);
    return Number(t.text);
  };
  const limit = kw('LIMIT') ? num() : undefined;
  const offset = kw('OFFSET') ? num() : undefined;
  if (i < toks.length) throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${toks[i]!.text}`);
  return { object, fields, where, orderBy, limit, offset };

  function literal(): Literal {
    const t = toks[i++];
    if (!t) throw new SoqlError('MALFORMED_QUERY', 'unexpected token: <EOF>');
    switch (t.kind) {
      case 'string': return t.text;
      case 'number': return Number(t.text);
      case 'datetime': return { datetime: parseDateTime(t.text) };
      case 'date': return { date: t.text };
      case 'ident': {
        const u = t.text.toUpperCase();
        if (u === 'TRUE') return true;
        if (u === 'FALSE') return false;
        if (u === 'NULL') return null;
      }
    }
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${t.text}`);
  }

  function parseCondition(): Condition {
    const field = resolve(ident());
    if (kw('NOT')) { expectKw('IN'); return { field, op: 'NOT IN', value: list() }; }
    if (kw('IN')) return { field, op: 'IN', value: list() };
    if (kw('LIKE')) return { field, op: 'LIKE', value: literal() };
    const t = toks[i++];
    if (!t || t.kind !== 'sym' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(t.text)) {
      throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${t?.text ?? '<EOF>'}`);
    }
    const op = (t.text === '<>' ? '!=' : t.text) as Condition['op'];
    return { field, op, value: literal() };
  }

  function list(): Literal[] {
    if (!sym('(')) throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${peek()?.text ?? '<EOF>'}`);
    const out: Literal[] = [literal()];
    while (sym(',')) out.push(literal());
    if (!sym(')')) throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${peek()?.text ?? '<EOF>'}`);
    return out;
  }
}

function noSuchColumn(object: SfObject, name: string): SoqlError {
  return new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
}

function resolveField(object: SfObject, path: string): SelectedField {
  const parts = path.split('.');
  if (parts.length === 1) {
    const field = fieldOf(object, path);
    if (!field) throw noSuchColumn(object, path);
    return { path: field.name, field };
  }
  if (parts.length !== 2) throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${path}`);
  const [rel, name] = parts as [string, string];
  const reference = object.fields.find((x) => x.relationshipName?.toLowerCase() === rel.toLowerCase());
  if (!reference) throw new SoqlError('INVALID_FIELD', `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`);
  const parent = OBJECT_BY_NAME.get(reference.referenceTo![0]!.toLowerCase())!;
  const field = fieldOf(parent, name);
  if (!field) throw noSuchColumn(parent, name);
  return { path: `${reference.relationshipName}.${field.name}`, field, via: { reference, object: parent } };
}
