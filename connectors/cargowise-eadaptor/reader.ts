/**
 * eAdaptor files → units (one per Universal* message, inside a UniversalInterchange or alone) →
 * contributions. XML that does not parse, an unknown root, or a message missing a path its schema
 * requires is a named problem; other messages in the same file still load.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Contribution } from '../edi-x12/fold.ts';
import type { EdiFolderDefinition, FileParser, FileProblem, FileUnit, X12Rejection } from '../edi-x12/folder-connector.ts';
import { at, converted, dataKey, list, number, REPEATED, schemas, text, VOLUME_UNITS, WEIGHT_UNITS, XmlStructureError, type Fields, type XmlNode } from './definition.ts';

export interface Message { file: string; index: number; type: string; body: XmlNode; key: string }

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (name) => REPEATED.includes(name), processEntities: true });

export const eAdaptorParser: FileParser<Message> = (xml, file, ordinal) => {
  const units: FileUnit<Message>[] = [];
  const problems: FileProblem[] = [];
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    problems.push({ reason: `xml-malformed: ${file} line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`, field: null, key: null });
    return { units, problems };
  }
  const doc = parser.parse(xml) as XmlNode;
  const roots = Object.keys(doc).filter((k) => !k.startsWith('?'));
  const root = roots[0];
  const messages: { type: string; node: XmlNode }[] = [];
  if (root === 'UniversalInterchange') {
    const body = at(doc, 'UniversalInterchange.Body') as XmlNode | undefined;
    for (const [type, v] of Object.entries(body ?? {})) for (const node of (Array.isArray(v) ? v : [v]) as XmlNode[]) messages.push({ type, node });
    if (messages.length === 0) problems.push({ reason: `xml-structure: ${file}: UniversalInterchange has no Body messages`, field: 'UniversalInterchange.Body', key: null });
  } else if (root) for (const node of (Array.isArray(doc[root]) ? doc[root] : [doc[root]]) as XmlNode[]) messages.push({ type: root, node });
  messages.forEach((m, i) => {
    const schema = schemas[m.type];
    const key = `${file}#${i + 1}:${m.type}`;
    if (!schema) {
      problems.push({ reason: `xml-structure: ${file} message ${i + 1}: root element <${m.type}> is not an eAdaptor message this connector reads (${Object.keys(schemas).join(', ')})`, field: m.type, key, type: m.type });
      return;
    }
    const body = at(m.node, schema.body) as XmlNode | undefined;
    const missing = body && typeof body === 'object' ? schema.required.filter((p) => text(body, p) === null).map((p) => `${schema.body}.${p}`) : [schema.body];
    if (missing.length > 0) {
      problems.push({ reason: `xml-structure: ${file} message ${i + 1} (${m.type}): required ${missing.join(', ')} missing or empty`, field: missing[0]!, key, type: m.type });
      return;
    }
    // Exports carry no control number: file name order (exports are named by time), then position, is the version order.
    units.push({ key, type: m.type, version: [ordinal, 0, i], item: { file, index: i + 1, type: m.type, body: body!, key } });
  });
  return { units, problems };
};

function org(a: XmlNode, where: string): Contribution | null {
  const code = text(a, 'OrganizationCode');
  if (!code) return null;
  void where;
  return { entity: 'Organization', sourceId: code, layer: 'org', fields: { OrganizationCode: code, CompanyName: text(a, 'CompanyName') ?? code, AddressType: text(a, 'AddressType'), Address1: text(a, 'Address1'), City: text(a, 'City'), Postcode: text(a, 'Postcode'), Country: text(a, 'Country.Code'), Email: text(a, 'Email'), Phone: text(a, 'Phone') } };
}

function shipment(m: Message): Contribution[] {
  const b = m.body;
  const w = m.key;
  const key = dataKey(b)!;
  const out: Contribution[] = [];
  const parties: Record<string, string | null> = {};
  for (const a of list(at(b, 'OrganizationAddressCollection'), 'OrganizationAddress')) {
    const c = org(a, w);
    if (!c) continue;
    out.push(c);
    parties[String(text(a, 'AddressType'))] = c.sourceId;
  }
  const owner = `shipment:${key}`;
  const f: Fields = {
    ShipmentKey: key, DataSourceType: text(b, 'DataContext.DataSourceCollection.DataSource.Type'), WayBillNumber: text(b, 'WayBillNumber'),
    TransportMode: text(b, 'TransportMode.Code'), ContainerMode: text(b, 'ContainerMode.Code'), PortOfLoading: text(b, 'PortOfLoading.Code'), PortOfDischarge: text(b, 'PortOfDischarge.Code'),
    TotalWeightKg: converted(b, 'TotalWeight', 'TotalWeightUnit.Code', WEIGHT_UNITS, w), TotalVolumeM3: converted(b, 'TotalVolume', 'TotalVolumeUnit.Code', VOLUME_UNITS, w),
    OuterPacks: number(b, 'OuterPacks', w), ServiceLevel: text(b, 'ServiceLevel.Code'), Incoterm: text(b, 'ShipmentIncoTerm.Code'),
    ConsignorCode: parties['ConsignorDocumentaryAddress'] ?? null, ConsigneeCode: parties['ConsigneeDocumentaryAddress'] ?? null, CarrierCode: parties['ShippingLineAddress'] ?? null,
    LocalClientCode: parties['LocalClient'] ?? parties['ConsignorDocumentaryAddress'] ?? null,
  };
  out.push({ entity: 'Shipment', sourceId: key, layer: 'shipment', fields: f, owner });
  list(at(b, 'ContainerCollection'), 'Container').forEach((c, i) => {
    out.push({ entity: 'Container', sourceId: `${key}:${text(c, 'ContainerNumber') ?? i + 1}`, layer: 'shipment', owner,
      fields: { ShipmentKey: key, ContainerNumber: text(c, 'ContainerNumber'), ContainerType: text(c, 'ContainerType.Code'), Seal: text(c, 'Seal'), GrossWeightKg: converted(c, 'GrossWeight', 'WeightUnit.Code', WEIGHT_UNITS, w) } });
  });
  list(at(b, 'TransportLegCollection'), 'TransportLeg').forEach((l, i) => {
    const order = number(l, 'LegOrder', w) ?? i + 1;
    out.push({ entity: 'TransportLeg', sourceId: `${key}:${order}`, layer: 'shipment', owner,
      fields: { ShipmentKey: key, LegOrder: order, TransportMode: text(l, 'TransportMode') ?? f['TransportMode'], PortOfLoading: text(l, 'PortOfLoading.Code'), PortOfDischarge: text(l, 'PortOfDischarge.Code'),
        VesselName: text(l, 'VesselName'), VoyageFlightNo: text(l, 'VoyageFlightNo'), EstimatedDeparture: text(l, 'EstimatedDeparture'), EstimatedArrival: text(l, 'EstimatedArrival') } });
  });
  return out;
}

function event(m: Message): Contribution[] {
  const b = m.body;
  const key = dataKey(b)!;
  const type = text(b, 'EventType')!;
  const time = text(b, 'EventTime')!;
  return [{ entity: 'Event', sourceId: `${key}:${type}:${time}`, layer: 'event', fields: { ShipmentKey: key, EventType: type, EventTime: time, EventReference: text(b, 'EventReference'), IsEstimate: text(b, 'IsEstimate') } }];
}

function transaction(m: Message): Contribution[] {
  const b = m.body;
  const w = m.key;
  const number_ = text(b, 'Number')!;
  const currency = text(b, 'OSCurrency.Code');
  const out: Contribution[] = [{
    entity: 'Invoice', sourceId: number_, layer: 'invoice', owner: `invoice:${number_}`,
    fields: { Number: number_, Ledger: text(b, 'Ledger'), TransactionType: text(b, 'TransactionType'), TransactionDate: text(b, 'TransactionDate'), DueDate: text(b, 'DueDate'), Currency: currency,
      OSTotal: number(b, 'OSTotal', w), OSGSTVATAmount: number(b, 'OSGSTVATAmount', w), OrganizationCode: text(b, 'OrganizationAddress.OrganizationCode'), ShipmentKey: dataKey(b, 'ForwardingShipment') },
  }];
  list(at(b, 'PostingJournalCollection'), 'PostingJournal').forEach((p, i) => {
    const seq = number(p, 'Sequence', w) ?? i + 1;
    out.push({ entity: 'InvoiceLine', sourceId: `${number_}:${seq}`, layer: 'invoice', owner: `invoice:${number_}`,
      fields: { Number: number_, Sequence: seq, ChargeCode: text(p, 'ChargeCode.Code'), Description: text(p, 'Description'), OSAmount: number(p, 'OSAmount', w), Currency: text(p, 'OSCurrency.Code') ?? currency, ChargeType: text(p, 'ChargeType') } });
  });
  return out;
}

const readers: Record<string, (m: Message) => Contribution[]> = { UniversalShipment: shipment, UniversalEvent: event, UniversalTransaction: transaction };

export const eAdaptorDefinition: EdiFolderDefinition<Message> = {
  sourceSystem: 'cargowise-eadaptor',
  kind: 'XML',
  parse: eAdaptorParser,
  extensions: ['.xml'],
  entities: [
    { name: 'Organization', primaryKey: 'OrganizationCode', fields: ['OrganizationCode', 'CompanyName', 'AddressType', 'Address1', 'City', 'Postcode', 'Country', 'Email', 'Phone'] },
    { name: 'Shipment', primaryKey: 'ShipmentKey', fields: ['ShipmentKey', 'DataSourceType', 'WayBillNumber', 'TransportMode', 'ContainerMode', 'PortOfLoading', 'PortOfDischarge', 'TotalWeightKg', 'TotalVolumeM3', 'OuterPacks', 'ServiceLevel', 'Incoterm', 'ConsignorCode', 'ConsigneeCode', 'CarrierCode', 'LocalClientCode'] },
    { name: 'Container', primaryKey: 'ShipmentKey,ContainerNumber', fields: ['ShipmentKey', 'ContainerNumber', 'ContainerType', 'Seal', 'GrossWeightKg'] },
    { name: 'TransportLeg', primaryKey: 'ShipmentKey,LegOrder', fields: ['ShipmentKey', 'LegOrder', 'TransportMode', 'PortOfLoading', 'PortOfDischarge', 'VesselName', 'VoyageFlightNo', 'EstimatedDeparture', 'EstimatedArrival'] },
    { name: 'Event', primaryKey: 'ShipmentKey,EventType,EventTime', fields: ['ShipmentKey', 'EventType', 'EventTime', 'EventReference', 'IsEstimate'] },
    { name: 'Invoice', primaryKey: 'Number', fields: ['Number', 'Ledger', 'TransactionType', 'TransactionDate', 'DueDate', 'Currency', 'OSTotal', 'OSGSTVATAmount', 'OrganizationCode', 'ShipmentKey'] },
    { name: 'InvoiceLine', primaryKey: 'Number,Sequence', fields: ['Number', 'Sequence', 'ChargeCode', 'Description', 'OSAmount', 'Currency', 'ChargeType'] },
  ],
  rejectEntityOf: { UniversalShipment: 'Shipment', UniversalEvent: 'Event', UniversalTransaction: 'Invoice' },
  defaultRejectEntity: 'Shipment',
  layerOrder: ['org', 'shipment', 'event', 'invoice'],
  interpret(m: Message): Contribution[] | X12Rejection {
    try {
      return readers[m.type]!(m);
    } catch (err) {
      if (err instanceof XmlStructureError) return { reason: err.message, field: err.field };
      throw err;
    }
  },
};
