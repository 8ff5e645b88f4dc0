/**
 * Deterministic generator of the shipped demo dataset (CRM + logistics CSVs with relationships and
 * a handful of deliberately bad records). The output under resources/demo/data/ is committed;
 * re-running with the same seed reproduces it byte for byte:
 *
 *   npx tsx resources/demo/generate.ts [--seed 42] [--out resources/demo/data]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { rng } from '../../shared/prng.ts';

type Row = Record<string, string | number | boolean | null>;


const FIRST = ['Ana', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Luca', 'Maya', 'Noah', 'Olga', 'Priya', 'Quinn', 'Rafael', 'Sara', 'Tomas', 'Uma', 'Victor', 'Wen', 'Yusuf', 'Zoe'];
const LAST = ['Almeida', 'Brooks', 'Chen', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Lopez', 'Mensah', 'Novak', 'Okafor', 'Patel', 'Rossi', 'Silva', 'Tanaka', 'Usman', 'Vargas', 'Weber', 'Yilmaz', 'Zhang'];
const WORDS = ['Global', 'Pacific', 'Nordic', 'Atlas', 'Summit', 'Harbor', 'Blue', 'Iron', 'Crescent', 'Delta', 'Evergreen', 'Falcon', 'Granite', 'Horizon', 'Keystone', 'Meridian', 'Orion', 'Pioneer', 'Redwood', 'Sterling'];
const SUFFIX = ['Logistics', 'Trading', 'Foods', 'Electronics', 'Textiles', 'Machinery', 'Pharma', 'Retail', 'Chemicals', 'Motors'];
const INDUSTRY = ['Retail', 'Manufacturing', 'Food & Beverage', 'Electronics', 'Pharmaceuticals', 'Automotive', 'Chemicals', 'Apparel'];
const PORTS = ['CNSHA Shanghai', 'SGSIN Singapore', 'NLRTM Rotterdam', 'DEHAM Hamburg', 'USLAX Los Angeles', 'USNYC New York', 'AEJEA Jebel Ali', 'BRSSZ Santos', 'INNSA Nhava Sheva', 'KRPUS Busan'];
const AIRPORTS = ['FRA Frankfurt', 'HKG Hong Kong', 'ORD Chicago', 'DXB Dubai', 'LHR London', 'NRT Tokyo'];
const CITIES = ['Chicago', 'Rotterdam', 'Shanghai', 'Dubai', 'Santos', 'Mumbai', 'Hamburg', 'Busan'];
const COUNTRIES = ['US', 'NL', 'CN', 'AE', 'BR', 'IN', 'DE', 'KR'];
const CURRENCIES = ['USD', 'EUR', 'USD', 'USD', 'GBP'];

interface Ctx {
  r: () => number;
  pick<T>(a: readonly T[]): T;
  int(lo: number, hi: number): number;
  day(baseIso: string, spreadDays: number): string;
}

function ctx(seed: number): Ctx {
  const r = rng(seed);
  return {
    r,
    pick: (a) => a[Math.floor(r() * a.length)]!,
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)),
    day: (base, spread) => new Date(Date.parse(base) + Math.floor(r() * spread) * 86_400_000).toISOString().slice(0, 10),
  };
}

const id = (prefix: string, n: number): string => `${prefix}-${String(n).padStart(5, '0')}`;
const ts = (d: string, h: number): string => `${d}T${String(h).padStart(2, '0')}:00:00Z`;

export interface DemoData {
  files: Record<string, Row[]>;
  /** Logic Nexus users to pre-seed in the target (owner mapping by email). */
  targetUsers: Row[];
}

export function generateDemo(seed = 42): DemoData {
  const c = ctx(seed);
  const files: Record<string, Row[]> = {};

  // Users: 24 source users; 20 have a matching Logic Nexus user (some with different case), 4 do not.
  const User: Row[] = [];
  const targetUsers: Row[] = [{ email: 'admin@demo-logistics.example', full_name: 'Demo Admin', role: 'admin' }];
  for (let i = 1; i <= 24; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7) % LAST.length]!;
    const email = `${first}.${last}@demo-logistics.example`.toLowerCase();
    const matches = i <= 20;
    User.push({ Id: id('USR', i), Email: i % 5 === 0 ? email.toUpperCase() : matches ? email : `${first}.${last}@old-system.example`.toLowerCase(), FullName: `${first} ${last}`, Active: i % 9 !== 0 });
    if (matches) targetUsers.push({ email, full_name: `${first} ${last}`, role: i <= 3 ? 'manager' : 'user' });
  }
  files['User'] = User;
  const owner = (): string => id('USR', c.int(1, 24));

  // Accounts: 300, a parent hierarchy (every 10th account is a group parent of the next few), carriers.
  const Account: Row[] = [];
  const TYPES = ['Customer', 'Customer', 'Customer', 'Prospect', 'Partner', 'Vendor', 'Carrier', 'Former Customer'];
  for (let i = 1; i <= 300; i++) {
    const type = i <= 20 ? 'Carrier' : c.pick(TYPES);
    const name = type === 'Carrier' ? `${c.pick(WORDS)} ${c.pick(['Lines', 'Air Cargo', 'Shipping', 'Freight'])} ${i}` : `${c.pick(WORDS)} ${c.pick(SUFFIX)} ${i}`;
    const parent = i > 30 && i % 10 > 0 && i % 10 < 4 ? id('ACC', i - (i % 10)) : null;
    const city = c.pick(CITIES);
    Account.push({
      Id: id('ACC', i), Name: name, Type: type, Industry: type === 'Carrier' ? 'Transportation' : c.pick(INDUSTRY),
      Phone: `+1-555-${String(1000 + i).slice(-4)}`, Website: `https://www.${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`,
      BillingStreet: `${c.int(1, 999)} ${c.pick(WORDS)} Street`, BillingCity: city, BillingCountry: COUNTRIES[CITIES.indexOf(city)]!,
      AnnualRevenue: c.int(1, 500) * 100_000, Employees: c.int(5, 5000), ParentId: parent, OwnerId: owner(),
      CreatedDate: ts(c.day('2019-01-01', 1500), c.int(8, 17)),
    });
  }
  // Bad: missing required name; duplicate id (second copy differs).
  Account[149]!.Name = null;
  Account.push({ ...Account[41]!, Name: `${String(Account[41]!.Name)} (duplicate export row)` });
  files['Account'] = Account;
  const customer = (): string => id('ACC', c.int(21, 300));
  const carrier = (): string => id('ACC', c.int(1, 20));

  // Contacts: 600, two per customer-ish account, a reports-to chain.
  const Contact: Row[] = [];
  for (let i = 1; i <= 600; i++) {
    const first = c.pick(FIRST);
    const last = c.pick(LAST);
    Contact.push({
      Id: id('CON', i), AccountId: id('ACC', 21 + ((i - 1) % 280)), FirstName: first, LastName: last,
      Title: c.pick(['Logistics Manager', 'Procurement Lead', 'CFO', 'Import Coordinator', 'Export Manager', 'Buyer']),
      Email: `${first}.${last}.${i}@customer.example`.toLowerCase(), Phone: `+1-555-${String(2000 + i).slice(-4)}`,
      ReportsToId: i > 280 ? id('CON', i - 280) : null, OwnerId: owner(),
    });
  }
  // Bad: email over 320 characters; orphan reference to an account that does not exist.
  Contact[99]!.Email = `${'x'.repeat(330)}@customer.example`;
  Contact[199]!.AccountId = 'ACC-99999';
  files['Contact'] = Contact;

  // Leads: 300.
  const Lead: Row[] = [];
  for (let i = 1; i <= 300; i++) {
    Lead.push({
      Id: id('LEA', i), FirstName: c.pick(FIRST), LastName: c.pick(LAST), Company: `${c.pick(WORDS)} ${c.pick(SUFFIX)}`,
      Email: `lead${i}@prospect.example`, Status: c.pick(['Open', 'Working', 'Qualified', 'Unqualified', 'Converted']),
      LeadSource: c.pick(['Web', 'Trade Show', 'Referral', 'Cold Call']), OwnerId: owner(),
    });
  }
  files['Lead'] = Lead;

  // Opportunities: 400; stages include two with no mapping (Verbal Commit, On Hold).
  const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost', 'Verbal Commit', 'On Hold'];
  const Opportunity: Row[] = [];
  for (let i = 1; i <= 400; i++) {
    const acc = 21 + ((i * 3) % 280);
    const stage = c.pick(STAGES);
    Opportunity.push({
      Id: id('OPP', i), Name: `${c.pick(['Ocean', 'Air', 'Road', 'Customs'])} contract ${2024 + (i % 2)} #${i}`, AccountId: id('ACC', acc),
      ContactId: id('CON', acc - 20), StageName: stage, Amount: c.int(5, 900) * 1000, CurrencyIsoCode: c.pick(CURRENCIES),
      Probability: stage === 'Closed Won' ? 100 : stage === 'Closed Lost' ? 0 : c.int(1, 9) * 10, CloseDate: c.day('2024-01-01', 540),
      LeadSource: c.pick(['Web', 'Referral', 'Partner']), OwnerId: owner(),
    });
  }
  // Bad: invalid date.
  Opportunity[57]!.CloseDate = '2024-13-45';
  files['Opportunity'] = Opportunity;

  // Activities: 800 linked to accounts, contacts and opportunities.
  const Activity: Row[] = [];
  for (let i = 1; i <= 800; i++) {
    const opp = c.int(1, 400);
    const d = c.day('2024-01-01', 600);
    Activity.push({
      Id: id('ACT', i), Type: c.pick(['Task', 'Call', 'Meeting', 'Email']), Subject: c.pick(['Rate review', 'Quarterly business review', 'Follow up on quote', 'Claim discussion', 'Onboarding call']),
      Status: c.pick(['Not Started', 'In Progress', 'Completed']), DueDate: ts(d, c.int(8, 17)),
      AccountId: Opportunity[opp - 1]!.AccountId, ContactId: Opportunity[opp - 1]!.ContactId, OpportunityId: id('OPP', opp), OwnerId: owner(),
    });
  }
  files['Activity'] = Activity;

  // Shipments: 400; 40 consol masters each with 3 house children; multi-leg routing; containers; customs.
  const Shipment: Row[] = [];
  const RoutingLeg: Row[] = [];
  const Container: Row[] = [];
  const CustomsEntry: Row[] = [];
  let legN = 0;
  let conN = 0;
  for (let i = 1; i <= 400; i++) {
    const isMaster = i <= 40;
    const master = !isMaster && i <= 160 ? id('SHP', ((i - 41) % 40) + 1) : null;
    const mode = isMaster || master ? 'Ocean' : c.pick(['Ocean', 'Ocean', 'Air', 'Road', 'Rail']);
    const places = mode === 'Air' ? AIRPORTS : PORTS;
    const origin = c.pick(places);
    let destination = c.pick(places);
    if (destination === origin) destination = places[(places.indexOf(origin) + 1) % places.length]!;
    const etd = c.day('2024-01-01', 600);
    const transit = mode === 'Air' ? c.int(1, 4) : c.int(10, 40);
    const eta = new Date(Date.parse(etd) + transit * 86_400_000).toISOString().slice(0, 10);
    Shipment.push({
      Id: id('SHP', i), ShipmentNo: `${isMaster ? 'MBL' : 'HBL'}${String(240000 + i)}`, MasterId: master, IsMaster: isMaster,
      AccountId: customer(), ShipperId: customer(), ConsigneeId: customer(), CarrierId: carrier(), Mode: mode,
      Status: c.pick(['Booked', 'In Transit', 'Arrived', 'Delivered']), Origin: origin, Destination: destination,
      ETD: ts(etd, 12), ETA: ts(eta, 12), WeightKg: c.int(100, 24000), VolumeM3: c.int(1, 67), Pieces: c.int(1, 40), OwnerId: owner(),
    });
    // Routing legs: pre-carriage, main, on-carriage for ocean; one leg otherwise.
    const legs = mode === 'Ocean' ? [['Road', `${origin.split(' ')[1]} depot`, origin], ['Ocean', origin, destination], ['Road', destination, `${destination.split(' ')[1]} warehouse`]] : [[mode, origin, destination]];
    legs.forEach(([m, from, to], k) => {
      RoutingLeg.push({ Id: id('LEG', ++legN), ShipmentId: id('SHP', i), LegSeq: k + 1, Mode: m!, Origin: from!, Destination: to!, CarrierId: m === 'Ocean' ? Shipment[i - 1]!.CarrierId : carrier(), VesselOrFlight: m === 'Ocean' ? `${c.pick(WORDS)} ${c.pick(['Express', 'Star', 'Bridge'])} / ${c.int(100, 999)}E` : null, ETD: ts(etd, 6 + k), ETA: ts(eta, 6 + k) });
    });
    if (mode === 'Ocean' && !master) {
      for (let k = 0; k < c.int(1, 3); k++) {
        conN++;
        Container.push({ Id: id('CTR', conN), ShipmentId: id('SHP', i), ContainerNo: `${c.pick(['MSCU', 'MAEU', 'CMAU', 'HLXU'])}${String(1000000 + conN * 7).slice(-7)}`, Type: c.pick(['20GP', '40GP', '40HC', '45HC']), SealNo: `SL${100000 + conN}`, TareKg: 2200 + c.int(0, 1800), GrossKg: c.int(5000, 28000) });
      }
    }
    if (i % 2 === 0) {
      CustomsEntry.push({ Id: id('CUS', i / 2), ShipmentId: id('SHP', i), EntryNo: `E${String(7000000 + i)}`, DocType: c.pick(['Import Entry', 'Export Declaration']), Status: c.pick(['Filed', 'Cleared', 'On Hold']), Country: c.pick(COUNTRIES), DeclaredValue: c.int(1000, 500000), Currency: 'USD', Duty: c.int(0, 25000), FiledAt: ts(eta, 9), ClearedAt: i % 3 === 0 ? null : ts(eta, 15) });
    }
  }
  files['Shipment'] = Shipment;
  files['RoutingLeg'] = RoutingLeg;
  files['Container'] = Container;
  files['CustomsEntry'] = CustomsEntry;

  // Invoices: 350 (one per shipment for most), 2–4 charge lines each.
  const Invoice: Row[] = [];
  const ChargeLine: Row[] = [];
  let chg = 0;
  for (let i = 1; i <= 350; i++) {
    const shp = Shipment[i + 49]!;
    const issue = String(shp.ETA).slice(0, 10);
    const lines = c.int(2, 4);
    let total = 0;
    for (let k = 1; k <= lines; k++) {
      const qty = c.int(1, 3);
      const price = c.int(50, 2500);
      total += qty * price;
      ChargeLine.push({ Id: id('CHG', ++chg), InvoiceId: id('INV', i), LineNo: k, ChargeCode: c.pick(['FRT', 'THC', 'DOC', 'CUS', 'DEL', 'FSC']), Description: c.pick(['Ocean freight', 'Terminal handling', 'Documentation fee', 'Customs brokerage', 'Delivery', 'Fuel surcharge']), ChargeType: k === lines && i % 4 === 0 ? 'Tax' : 'Revenue', Quantity: qty, UnitPrice: price, Amount: qty * price, Currency: 'USD' });
    }
    Invoice.push({ Id: id('INV', i), InvoiceNo: `INV-${2024}-${String(i).padStart(5, '0')}`, AccountId: shp.AccountId, ShipmentId: shp.Id, Status: c.pick(['Draft', 'Issued', 'Paid', 'Paid', 'Partially Paid', 'Overdue']), IssueDate: issue, DueDate: new Date(Date.parse(issue) + 30 * 86_400_000).toISOString().slice(0, 10), Currency: 'USD', Total: total, Tax: Math.round(total * 0.05) });
  }
  files['Invoice'] = Invoice;
  files['ChargeLine'] = ChargeLine;
  return { files, targetUsers };
}

/** Write the dataset as CSV files plus the CSV manifest. */
export async function writeDemo(outDir: string, data: DemoData): Promise<Record<string, number>> {
  await mkdir(outDir, { recursive: true });
  const counts: Record<string, number> = {};
  for (const [entity, rows] of Object.entries(data.files)) {
    const columns = Object.keys(rows[0]!);
    await writeFile(path.join(outDir, `${entity}.csv`), stringify(rows, { header: true, columns, cast: { boolean: (b) => (b ? 'true' : 'false') } }));
    counts[entity] = rows.length;
  }
  const manifest = ['# Demo CRM + logistics export (generated by resources/demo/generate.ts).', 'sourceSystem: demo', 'entities:'];
  for (const entity of Object.keys(data.files)) manifest.push(`  ${entity}: { file: ${entity}.csv, idColumn: Id }`);
  await writeFile(path.join(outDir, 'manifest.yaml'), manifest.join('\n') + '\n');
  const u = data.targetUsers;
  await writeFile(path.join(outDir, '..', 'users.csv'), stringify(u, { header: true, columns: ['email', 'full_name', 'role'] }));
  return counts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const seed = Number(args[args.indexOf('--seed') + 1] ?? 42) || 42;
  const out = args.includes('--out') ? args[args.indexOf('--out') + 1]! : path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');
  const counts = await writeDemo(out, generateDemo(seed));
  process.stdout.write(`${JSON.stringify({ out, seed, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) })}\n`);
}
