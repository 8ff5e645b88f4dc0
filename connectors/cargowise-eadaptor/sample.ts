/** Seeded eAdaptor export folders: shipments with containers and multi-leg routings, events (some duplicated), invoices with charge lines. */
const NS = 'http://www.cargowise.com/Schemas/Universal/2011/11';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

export function shipmentXml(key: string, o: { mode?: string; weight?: number; weightUnit?: string; legs?: number; containers?: number; consignor?: string; consignee?: string } = {}): string {
  const legs = Array.from({ length: o.legs ?? 2 }, (_, i) => `<TransportLeg><LegOrder>${i + 1}</LegOrder><PortOfLoading><Code>${i === 0 ? 'CNSHA' : 'SGSIN'}</Code></PortOfLoading><PortOfDischarge><Code>${i === 0 ? 'SGSIN' : 'NLRTM'}</Code></PortOfDischarge><TransportMode>${o.mode ?? 'SEA'}</TransportMode><VesselName>MSC ${esc(key)}</VesselName><VoyageFlightNo>V${i + 1}</VoyageFlightNo><EstimatedDeparture>2026-03-0${i + 1}T08:00:00</EstimatedDeparture><EstimatedArrival>2026-03-1${i + 1}T08:00:00</EstimatedArrival></TransportLeg>`).join('');
  const containers = Array.from({ length: o.containers ?? 1 }, (_, i) => `<Container><ContainerNumber>MSCU${key.replace(/\D/g, '').padStart(6, '0')}${i}</ContainerNumber><ContainerType><Code>40HC</Code></ContainerType><Seal>SL${i}</Seal><GrossWeight>12000</GrossWeight><WeightUnit><Code>KG</Code></WeightUnit></Container>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<UniversalInterchange xmlns="http://www.cargowise.com/Schemas/Universal/2011/11" version="1.1"><Header><SenderID>CW1</SenderID><RecipientID>NEXUS</RecipientID></Header><Body>
<UniversalShipment xmlns="${NS}" version="1.1"><Shipment>
<DataContext><DataSourceCollection><DataSource><Type>ForwardingShipment</Type><Key>${esc(key)}</Key></DataSource></DataSourceCollection></DataContext>
<TransportMode><Code>${o.mode ?? 'SEA'}</Code></TransportMode><ContainerMode><Code>FCL</Code></ContainerMode>
<PortOfLoading><Code>CNSHA</Code></PortOfLoading><PortOfDischarge><Code>NLRTM</Code></PortOfDischarge>
<TotalWeight>${o.weight ?? 24000}</TotalWeight><TotalWeightUnit><Code>${o.weightUnit ?? 'KG'}</Code></TotalWeightUnit><TotalVolume>60</TotalVolume><TotalVolumeUnit><Code>M3</Code></TotalVolumeUnit><OuterPacks>40</OuterPacks>
<ShipmentIncoTerm><Code>FOB</Code></ShipmentIncoTerm><WayBillNumber>HBL${esc(key)}</WayBillNumber>
<OrganizationAddressCollection><OrganizationAddress><AddressType>ConsignorDocumentaryAddress</AddressType><OrganizationCode>${o.consignor ?? 'SHASUPSHA'}</OrganizationCode><CompanyName>Shanghai Supplier Co</CompanyName><City>Shanghai</City><Country><Code>CN</Code></Country></OrganizationAddress><OrganizationAddress><AddressType>ConsigneeDocumentaryAddress</AddressType><OrganizationCode>${o.consignee ?? 'RTMIMPRTM'}</OrganizationCode><CompanyName>Rotterdam Importer BV</CompanyName><City>Rotterdam</City><Country><Code>NL</Code></Country></OrganizationAddress></OrganizationAddressCollection>
<ContainerCollection>${containers}</ContainerCollection><TransportLegCollection>${legs}</TransportLegCollection>
</Shipment></UniversalShipment></Body></UniversalInterchange>
`;
}

export function eventXml(key: string, type: string, time: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<UniversalEvent xmlns="${NS}" version="1.1"><Event><DataContext><DataSourceCollection><DataSource><Type>ForwardingShipment</Type><Key>${esc(key)}</Key></DataSource></DataSourceCollection></DataContext><EventTime>${time}</EventTime><EventType>${type}</EventType><EventReference>${type} at port</EventReference><IsEstimate>false</IsEstimate></Event></UniversalEvent>
`;
}

export function transactionXml(number: string, shipmentKey: string, o: { currency?: string; lines?: number } = {}): string {
  const lines = Array.from({ length: o.lines ?? 2 }, (_, i) => `<PostingJournal><Sequence>${i + 1}</Sequence><ChargeCode><Code>${i === 0 ? 'FRT' : 'THC'}</Code></ChargeCode><Description>${i === 0 ? 'Ocean freight' : 'Terminal handling'}</Description><OSAmount>${(i + 1) * 500}.00</OSAmount><OSCurrency><Code>${o.currency ?? 'USD'}</Code></OSCurrency><ChargeType>REV</ChargeType></PostingJournal>`).join('');
  const total = Array.from({ length: o.lines ?? 2 }, (_, i) => (i + 1) * 500).reduce((a, b) => a + b, 0);
  return `<?xml version="1.0" encoding="utf-8"?>
<UniversalTransaction xmlns="${NS}" version="1.1"><TransactionInfo><DataContext><DataSourceCollection><DataSource><Type>AccountingInvoice</Type><Key>${esc(number)}</Key></DataSource><DataSource><Type>ForwardingShipment</Type><Key>${esc(shipmentKey)}</Key></DataSource></DataSourceCollection></DataContext>
<Number>${esc(number)}</Number><Ledger>AR</Ledger><TransactionType>INV</TransactionType><TransactionDate>2026-03-15T00:00:00</TransactionDate><DueDate>2026-04-14T00:00:00</DueDate><OSCurrency><Code>${o.currency ?? 'USD'}</Code></OSCurrency><OSTotal>${total}.00</OSTotal><OSGSTVATAmount>0.00</OSGSTVATAmount>
<OrganizationAddress><OrganizationCode>RTMIMPRTM</OrganizationCode></OrganizationAddress><PostingJournalCollection>${lines}</PostingJournalCollection></TransactionInfo></UniversalTransaction>
`;
}

/** A seeded folder: n shipments (multi-leg), an event trail each (the first one duplicated), an invoice per shipment. */
export function generateEAdaptorSample(n = 6): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= n; i++) {
    const key = `S${String(1000 + i)}`;
    files[`2026030${1 + (i % 8)}_shp_${key}.xml`] = shipmentXml(key, { legs: 1 + (i % 3), containers: 1 + (i % 2), mode: i % 4 === 0 ? 'AIR' : 'SEA', weight: 20000 + i, weightUnit: i % 5 === 0 ? 'LB' : 'KG' });
    files[`20260310_evt_${key}_DEP.xml`] = eventXml(key, 'DEP', '2026-03-02T08:00:00');
    files[`20260320_evt_${key}_ARV.xml`] = eventXml(key, 'ARV', '2026-03-20T16:30:00');
    files[`20260321_inv_${key}.xml`] = transactionXml(`INV${9000 + i}`, key);
  }
  files['20260311_evt_S1001_DEP_dup.xml'] = eventXml('S1001', 'DEP', '2026-03-02T08:00:00');
  return files;
}
