/**
 * The closed set of body codecs, each written once: JSON, XML (fast-xml-parser), CSV (csv-parse,
 * streamed row by row) and SOAP 1.1 envelopes (request bodies built by the `soap` package, responses
 * parsed with fast-xml-parser; a `Fault` becomes a SoapFaultError). A stream names its codec in the
 * definition (`codec: {type: 'xml'}`); without one, bodies are JSON when they look like JSON, else text.
 */
import { parse as parseCsv } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { redactText } from '../../shared/log/redact.ts';
import { getPath } from './json-path.ts';

export const CodecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('json') }),
  z.object({
    type: z.literal('xml'),
    /** Element names always parsed as arrays (a one-record page stays a list). */
    arrays: z.array(z.string()).default([]),
    /** Drop namespace prefixes (`ns:Account` → `Account`). */
    removeNamespaces: z.boolean().default(true),
  }),
  z.object({
    type: z.literal('csv'),
    delimiter: z.string().default(','),
    /** Records are streamed row by row instead of parsed as one body. */
    stream: z.boolean().default(true),
  }),
  z.object({
    type: z.literal('soap'),
    /** Target namespace of the operation elements. */
    namespace: z.string(),
    /** Request element name, e.g. "queryRequest"; the stream's body becomes its children. */
    operation: z.string(),
    /** SOAPAction header value (SOAP 1.1). */
    action: z.string().optional(),
    arrays: z.array(z.string()).default([]),
  }),
]);
export type CodecDefinition = z.infer<typeof CodecSchema>;
export type CodecInput = z.input<typeof CodecSchema>;

export class SoapFaultError extends Error {
  override readonly name = 'SoapFaultError';
  constructor(readonly faultcode: string, faultstring: string) {
    super(redactText(`SOAP fault ${faultcode}: ${faultstring}`));
  }
}

export class CodecError extends Error {
  override readonly name = 'CodecError';
}

/** Content type to request, for the Accept header. */
export function acceptOf(codec: CodecDefinition | undefined): string {
  switch (codec?.type) {
    case 'xml': return 'application/xml';
    case 'csv': return 'text/csv';
    case 'soap': return 'text/xml';
    default: return 'application/json';
  }
}

/** Whether response bodies of this codec are handed over as a stream of records. */
export function streamsRecords(codec: CodecDefinition | undefined): boolean {
  return codec?.type === 'csv' && codec.stream;
}

function xmlParser(arrays: readonly string[], removeNamespaces: boolean): XMLParser {
  const always = new Set(arrays);
  return new XMLParser({
    ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: removeNamespaces, parseTagValue: false, parseAttributeValue: false,
    isArray: (name) => always.has(name), processEntities: true, trimValues: true,
  });
}

/** Decode a whole response body. Empty text is undefined. */
export function decodeBody(codec: CodecDefinition | undefined, text: string, contentType = ''): unknown {
  if (text === '') return undefined;
  switch (codec?.type) {
    case undefined:
    case 'json':
      if (codec || contentType.includes('json') || /^[\[{]/.test(text.trimStart())) {
        try {
          return JSON.parse(text) as unknown;
        } catch (e) {
          if (codec) throw new CodecError(`response is not JSON: ${(e as Error).message}`);
          return text;
        }
      }
      return text;
    case 'xml':
      return parseXml(text, codec.arrays, codec.removeNamespaces);
    case 'csv':
      return parseCsvText(text, codec.delimiter);
    case 'soap':
      return soapBody(text, codec.arrays);
  }
}

function parseXml(text: string, arrays: readonly string[], removeNamespaces: boolean): unknown {
  const t = text.trimStart();
  if (!t.startsWith('<')) throw new CodecError('response is not XML');
  return xmlParser(arrays, removeNamespaces).parse(text, true);
}

function soapBody(text: string, arrays: readonly string[]): unknown {
  const doc = parseXml(text, arrays, true) as Record<string, unknown>;
  const body = getPath(doc, 'Envelope.Body');
  if (body === undefined) throw new CodecError('response is not a SOAP envelope (no Envelope/Body)');
  const fault = getPath(body, 'Fault') as Record<string, unknown> | undefined;
  if (fault) throw new SoapFaultError(String(fault['faultcode'] ?? getPath(fault, 'Code.Value') ?? 'Server'), String(fault['faultstring'] ?? getPath(fault, 'Reason.Text') ?? ''));
  return body;
}

function parseCsvText(text: string, delimiter: string): Record<string, string>[] {
  try {
    return parseCsvSync(text, { columns: true, delimiter, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (e) {
    throw new CodecError(`response is not CSV: ${(e as Error).message}`);
  }
}

/** Stream CSV rows from a response body, one at a time (never the whole body in memory). */
export async function* csvRows(input: WebReadableStream<Uint8Array> | Readable | AsyncIterable<Uint8Array | string>, delimiter = ','): AsyncGenerator<Record<string, string>> {
  const source = input instanceof Readable ? input : 'getReader' in input ? Readable.fromWeb(input as WebReadableStream<Uint8Array>) : Readable.from(input, { objectMode: false });
  const parser = parseCsv({ columns: true, delimiter, bom: true, skip_empty_lines: true });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) yield row;
  } finally {
    source.destroy();
    parser.destroy();
  }
}

let soapWsdl: Promise<{ objectToDocumentXML(name: string, params: unknown, nsPrefix: string, nsURI?: string): string }> | undefined;
function wsdlFor(): NonNullable<typeof soapWsdl> {
  soapWsdl ??= import('soap').then(({ WSDL }) => new Promise((resolve, reject) => {
    const w = new WSDL('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:nexus"/>', 'urn:nexus', {});
    w.onReady((err: unknown) => (err ? reject(err) : resolve(w as never)));
  }));
  return soapWsdl;
}

/** Encode a request body: JSON text, or a SOAP 1.1 envelope around the operation element. */
export async function encodeBody(codec: CodecDefinition | undefined, body: unknown): Promise<{ text: string; contentType: string; headers: Record<string, string> }> {
  if (codec?.type === 'soap') {
    const inner = (await wsdlFor()).objectToDocumentXML(codec.operation, body ?? {}, 'ns', codec.namespace);
    const text = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
    return { text, contentType: 'text/xml; charset=utf-8', headers: codec.action !== undefined ? { soapaction: `"${codec.action}"` } : {} };
  }
  return { text: typeof body === 'string' ? body : JSON.stringify(body), contentType: 'application/json', headers: {} };
}
