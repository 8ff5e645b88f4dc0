import { describe, expect, it } from 'vitest';
import { CodecSchema, csvRows, decodeBody, encodeBody, SoapFaultError, CodecError, type CodecInput } from './codecs.ts';

const envelope = (body: string) => `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;

describe('body codecs', () => {
  const cases: { name: string; codec: CodecInput | undefined; text: string; expected: unknown }[] = [
    { name: 'no codec and a JSON body', codec: undefined, text: '{"a":[1,2]}', expected: { a: [1, 2] } },
    { name: 'no codec and plain text', codec: undefined, text: 'OK', expected: 'OK' },
    { name: 'json', codec: { type: 'json' }, text: '[{"id":1}]', expected: [{ id: 1 }] },
    { name: 'xml with a one-element list kept as a list', codec: { type: 'xml', arrays: ['Shipment'] },
      text: '<ns:Shipments xmlns:ns="urn:x"><ns:Shipment id="7"><ns:Ref>A&amp;B</ns:Ref></ns:Shipment></ns:Shipments>',
      expected: { Shipments: { Shipment: [{ '@id': '7', Ref: 'A&B' }] } } },
    { name: 'csv as whole rows', codec: { type: 'csv', stream: false }, text: 'Id,Name\n1,"Acme, Inc"\n2,Beta\n', expected: [{ Id: '1', Name: 'Acme, Inc' }, { Id: '2', Name: 'Beta' }] },
    { name: 'csv with a semicolon delimiter', codec: { type: 'csv', delimiter: ';' }, text: 'a;b\n1;2\n', expected: [{ a: '1', b: '2' }] },
    { name: 'soap: the Body of the envelope', codec: { type: 'soap', namespace: 'urn:x', operation: 'listRequest', arrays: ['record'] },
      text: envelope('<ns:listResponse xmlns:ns="urn:x"><ns:record><ns:id>1</ns:id></ns:record><ns:next>p2</ns:next></ns:listResponse>'),
      expected: { listResponse: { record: [{ id: '1' }], next: 'p2' } } },
    { name: 'an empty body', codec: { type: 'xml' }, text: '', expected: undefined },
  ];
  for (const c of cases) {
    it(`given ${c.name}, then it decodes to the expected value`, () => {
      expect(decodeBody(c.codec === undefined ? undefined : CodecSchema.parse(c.codec), c.text)).toEqual(c.expected);
    });
  }

  const failures: { name: string; codec: CodecInput; text: string; error: new (...a: never[]) => Error; message: RegExp }[] = [
    { name: 'a SOAP fault', codec: { type: 'soap', namespace: 'urn:x', operation: 'q' }, text: envelope('<soap:Fault><faultcode>soap:Client</faultcode><faultstring>bad since</faultstring></soap:Fault>'), error: SoapFaultError, message: /soap:Client: bad since/ },
    { name: 'XML that is not XML', codec: { type: 'xml' }, text: '{"a":1}', error: CodecError, message: /not XML/ },
    { name: 'a SOAP codec given plain XML', codec: { type: 'soap', namespace: 'urn:x', operation: 'q' }, text: '<a/>', error: CodecError, message: /not a SOAP envelope/ },
    { name: 'JSON that is not JSON', codec: { type: 'json' }, text: '<html>', error: CodecError, message: /not JSON/ },
    { name: 'CSV with a ragged row', codec: { type: 'csv', stream: false }, text: 'a,b\n1,2,3\n', error: CodecError, message: /not CSV/ },
  ];
  for (const f of failures) {
    it(`given ${f.name}, then decoding throws ${f.error.name} naming it`, () => {
      expect(() => decodeBody(CodecSchema.parse(f.codec), f.text)).toThrow(f.error);
      expect(() => decodeBody(CodecSchema.parse(f.codec), f.text)).toThrow(f.message);
    });
  }

  it('given a SOAP codec and a request body, then the envelope carries the escaped operation element and the SOAPAction header', async () => {
    const out = await encodeBody(CodecSchema.parse({ type: 'soap', namespace: 'urn:tms', operation: 'listShipments', action: 'urn:tms/list' }), { since: '2025-01-01T00:00:00Z', ref: 'a<b' });
    expect(out.contentType).toMatch(/^text\/xml/);
    expect(out.headers).toEqual({ soapaction: '"urn:tms/list"' });
    expect(out.text).toContain('<soap:Body><ns:listShipments xmlns:ns="urn:tms"');
    expect(out.text).toContain('<ns:since>2025-01-01T00:00:00Z</ns:since><ns:ref>a&lt;b</ns:ref>');
  });

  it('given no codec, then a request body is JSON', async () => {
    expect(await encodeBody(undefined, { a: 1 })).toEqual({ text: '{"a":1}', contentType: 'application/json', headers: {} });
  });

  it('given a CSV body in chunks split mid-row, then rows stream out one at a time', async () => {
    async function* chunks() { yield 'Id,Na'; yield 'me\n1,A\n2'; yield ',B\n'; }
    const rows: unknown[] = [];
    for await (const r of csvRows(chunks())) rows.push(r);
    expect(rows).toEqual([{ Id: '1', Name: 'A' }, { Id: '2', Name: 'B' }]);
  });
});
