/**
 * Streaming CSV rows with positions. One file is parsed by csv-parse as it is read (never held in
 * memory); malformed records do not stop the file: they come out as error rows naming the file,
 * line and column, so the connector can hand them to the engine for quarantine.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parse, type CastingContext } from 'csv-parse';

export type CsvRow =
  | { kind: 'row'; row: number; line: number; values: (string | null)[] }
  | { kind: 'error'; row: number; line: number; error: string; column?: string };

export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  constructor(readonly file: string, readonly line: number | null, detail: string) {
    super(`${path.basename(file)}${line === null ? '' : ` line ${line}`}: ${detail}`);
  }
}

interface CsvParseError extends Error {
  code?: string;
  lines?: number;
  column?: number;
}

/** Human reason for csv-parse error codes (their messages talk about parser state). */
function reason(err: CsvParseError, header: string[], startLine: number): { line: number; text: string; column?: string } {
  const col = typeof err.column === 'number' ? err.column : null;
  const r = reasonText(err, header, startLine, col);
  return col !== null && header[col] ? { ...r, column: header[col] } : r;
}

function reasonText(err: CsvParseError, header: string[], startLine: number, col: number | null): { line: number; text: string } {
  const where = col === null ? '' : `, column ${col + 1}${header[col] ? ` (${header[col]})` : ''}`;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return { line: startLine, text: `line ${startLine}${where}: unterminated quoted field (the quote opened here is never closed before end of file)` };
    case 'CSV_INVALID_CLOSING_QUOTE':
      return { line: err.lines ?? startLine, text: `line ${err.lines ?? startLine}${where}: characters after a closing quote` };
    case 'INVALID_OPENING_QUOTE':
      return { line: err.lines ?? startLine, text: `line ${err.lines ?? startLine}${where}: quote inside an unquoted field` };
    default:
      return { line: err.lines ?? startLine, text: `line ${err.lines ?? startLine}${where}: ${err.code ?? 'parse error'}: ${err.message}` };
  }
}

/**
 * Yield the header (as the first value) and then every data row in file order. `row` counts data
 * rows from 1, error rows included, so that "skip n rows" is a stable resume point.
 */
export async function* readCsvRows(
  file: string,
  opts: { delimiter?: string; signal?: AbortSignal; textNulls?: boolean; open?: (file: string) => Readable } = {},
): AsyncGenerator<CsvRow | { kind: 'header'; columns: string[] }> {
  const textNulls = opts.textNulls ?? true;
  const name = path.basename(file);
  const source = opts.open ? opts.open(file) : createReadStream(file);
  const parser = parse({
    bom: true,
    delimiter: opts.delimiter ?? ',',
    relax_column_count: true,
    skip_records_with_error: true,
    skip_empty_lines: true,
    info: true,
    // An empty *unquoted* cell is null; "" stays an empty string.
    cast: (value: string, ctx: CastingContext) => (value === '' && !ctx.quoting && textNulls ? null : value),
    on_record: (rec: { info: { lines: number } }) => {
      parsed++;
      lastLine = rec.info.lines;
      return rec;
    },
  });
  let parsed = 0;
  let lastLine = 0;
  let header: string[] | null = null;
  const skips: { pos: number; err: CsvParseError; startLine: number }[] = [];
  parser.on('skip', (err: CsvParseError) => {
    // csv-parse can report one malformed record more than once (a stray quote inside a quoted
    // field raises at each quote); it is still one record, so one error row.
    const prev = skips[skips.length - 1];
    if (prev && prev.pos === parsed && err.lines !== undefined && err.lines === prev.err.lines) return;
    skips.push({ pos: parsed, err, startLine: lastLine + 1 });
    lastLine = err.lines ?? lastLine;
  });
  source.on('error', (err: Error) => parser.destroy(err));
  source.pipe(parser);

  let consumed = 0;
  let row = 0;
  const drainSkips = function* (upTo: number): Generator<CsvRow> {
    while (skips.length > 0 && skips[0]!.pos <= upTo) {
      const s = skips.shift()!;
      const r = reason(s.err, header ?? [], s.startLine);
      if (!header) throw new CsvFormatError(file, r.line, `malformed header row: ${r.text}`);
      yield { kind: 'error', row: ++row, line: r.line, error: `${name} ${r.text}`, ...(r.column ? { column: r.column } : {}) };
    }
  };
  try {
    for await (const item of parser as AsyncIterable<{ record: (string | null)[]; info: { lines: number } }>) {
      opts.signal?.throwIfAborted();
      yield* drainSkips(consumed);
      consumed++;
      if (!header) {
        header = item.record.map((c, i) => (c ?? '').trim() || `column_${i + 1}`);
        const dup = header.find((c, i) => header!.indexOf(c) !== i);
        if (dup) throw new CsvFormatError(file, item.info.lines, `duplicate column "${dup}" in header`);
        yield { kind: 'header', columns: header };
        continue;
      }
      const line = item.info.lines;
      if (item.record.length !== header.length) {
        const n = item.record.length;
        const detail =
          n > header.length
            ? `expected ${header.length} columns (as in the header), found ${n}; extra value starts at column ${header.length + 1}`
            : `expected ${header.length} columns (as in the header), found ${n}; column ${n + 1} (${header[n]}) onward is missing`;
        yield { kind: 'error', row: ++row, line, error: `${name} line ${line}: ${detail}` };
        continue;
      }
      yield { kind: 'row', row: ++row, line, values: item.record };
    }
    yield* drainSkips(Number.POSITIVE_INFINITY);
    if (!header) throw new CsvFormatError(file, null, 'empty file: a header row is required');
  } catch (err) {
    if (err instanceof CsvFormatError || (err as Error).name === 'AbortError') throw err;
    const e = err as CsvParseError & { code?: string };
    if (e.code === 'ENOENT') throw new CsvFormatError(file, null, 'file not found');
    throw new CsvFormatError(file, e.lines ?? null, e.message);
  } finally {
    source.destroy();
    parser.destroy();
  }
}
