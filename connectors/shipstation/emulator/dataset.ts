/**
 * The ShipStation sandbox's data in the V1 wire shape: stores, customers, orders (items, ship-to,
 * weights in ounces / pounds / grams, split orders pointing at their parent, merged consolidations)
 * and shipments (labels; some orders ship in two partial shipments, some labels are voided later).
 * Generated from a seed; times are kept as epoch ms and rendered in Pacific time by the server.
 */
import { rngFor } from '../../sdk/emulator/prng.ts';

export const ENTITIES = ['stores', 'customers', 'orders', 'shipments'] as const;
export type Entity = (typeof ENTITIES)[number];
export type Rec = Record<string, unknown>;

/** Every record carries its times as epoch ms under these keys (rendered by the server). */
export const TIME_KEYS = ['orderDate', 'createDate', 'modifyDate', 'paymentDate', 'shipByDate', 'voidDate'] as const;

const ID_KEY: Record<Entity, string> = { stores: 'storeId', customers: 'customerId', orders: 'orderId', shipments: 'shipmentId' };
const BASE = Date.parse('2025-03-03T16:00:00Z');
const MINUTE = 60_000;
const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Eva', 'Finn', 'Gita', 'Hugo', 'Ines', 'Jon'];
const LAST = ['Okafor', 'Lindqvist', 'Marsh', 'Tanaka', 'Rossi', 'Novak', 'Silva', 'Khan'];
const PLACES = [['Austin', 'TX', '78701', 'US'], ['Portland', 'OR', '97201', 'US'], ['Toronto', 'ON', 'M5V 2T6', 'CA'], ['London', '', 'NW1 6XE', 'GB'], ['Hamburg', '', '20095', 'DE']] as const;
const STATUSES = ['awaiting_payment', 'awaiting_shipment', 'shipped', 'shipped', 'shipped', 'on_hold', 'cancelled', 'pending_fulfillment'] as const;
const CARRIERS = [['fedex', 'fedex_ground', 'package'], ['ups', 'ups_ground', 'package'], ['stamps_com', 'usps_priority_mail', 'flat_rate_envelope'], ['dhl_express_worldwide', 'dhl_express_worldwide', 'package']] as const;
const UNITS = ['ounces', 'pounds', 'grams'] as const;
const SKUS = [['ABC123', 'Pallet wrap roll', 24], ['CN-9876', 'Corner boards (25)', 80], ['LBL-4', 'Thermal labels 4x6', 12], ['TP-48', 'Packing tape 48mm', 9]] as const;

export class Dataset {
  readonly tables: Record<Entity, Map<number, Rec>> = { stores: new Map(), customers: new Map(), orders: new Map(), shipments: new Map() };
  /** Insertion order per entity (the index the sandbox controls address). */
  readonly order: Record<Entity, number[]> = { stores: [], customers: [], orders: [], shipments: [] };

  constructor(readonly size: number, readonly seed: number) {
    const storeCount = Math.max(2, Math.ceil(size / 200));
    for (let s = 0; s < storeCount; s++) {
      this.put('stores', { storeId: 12_345 + s, storeName: s === 0 ? 'Manual Orders' : `Webstore ${s}`, marketplaceId: s === 0 ? 0 : 36, marketplaceName: s === 0 ? 'ShipStation' : 'Shopify',
        accountName: null, email: null, integrationUrl: s === 0 ? null : `https://store${s}.example-shop.com`, active: true, companyName: 'Harbor Supplies', phone: '512-555-0100',
        publicEmail: 'orders@harbor-supplies.example', website: 'https://harbor-supplies.example', refreshDate: null, lastRefreshAttempt: null, autoRefresh: s !== 0,
        createDate: BASE - 90 * 86_400_000, modifyDate: BASE - 90 * 86_400_000 });
    }
    const customerCount = Math.max(1, Math.ceil(size * 0.6));
    for (let c = 0; c < customerCount; c++) {
      const r = rngFor(seed, 'shipstation-customers', c);
      const [city, state, postal, country] = r.pick(PLACES);
      const name = `${r.pick(FIRST)} ${r.pick(LAST)}`;
      const at = BASE + c * 2 * MINUTE;
      this.put('customers', { customerId: 60_000_000 + c, createDate: at, modifyDate: at + Math.floor(c / 3) * 1000, name, company: r.chance(0.5) ? `${r.pick(LAST)} Trading` : null,
        street1: `${10 + r.int(900)} Market St`, street2: null, city, state, postalCode: postal, countryCode: country, phone: `512-555-${String(1000 + r.int(8999))}`,
        email: `${name.toLowerCase().replace(' ', '.')}.${c}@customer.example`, addressVerified: 'Verified', marketplaceUsernames: [], tags: null });
    }
    const users = ['6a4b0b86-3a8a-4b0e-9f1d-7d3b6c1f0a01'];
    let shipmentSeq = 0;
    for (let i = 0; i < size; i++) {
      const r = rngFor(seed, 'shipstation-orders', i);
      const cust = this.tables.customers.get(60_000_000 + (i % customerCount))!;
      const [city, state, postal, country] = r.pick(PLACES);
      const orderAt = BASE + i * 3 * MINUTE;
      // Orders are modified in groups of three within one second: ties at the cursor exist.
      const modifyAt = BASE + 30 * MINUTE + Math.floor(i / 3) * 7000;
      const status = i % 10 === 9 ? 'shipped' : r.pick(STATUSES);
      const [carrierCode, serviceCode, packageCode] = r.pick(CARRIERS);
      const units = r.pick(UNITS);
      const lines = 1 + r.int(3);
      const items = Array.from({ length: lines }, (_, k) => {
        const [sku, name, oz] = SKUS[(i + k) % SKUS.length]!;
        return { orderItemId: 128_000_000 + i * 4 + k, lineItemKey: `li-${i}-${k}`, sku, name, imageUrl: null, weight: { value: oz, units: 'ounces' }, quantity: 1 + r.int(4), unitPrice: 5 + r.int(60) + 0.99,
          taxAmount: null, shippingAmount: null, warehouseLocation: `Aisle ${1 + r.int(9)}, Bin ${1 + r.int(40)}`, options: [], productId: 7_000_000 + ((i + k) % SKUS.length), fulfillmentSku: null, adjustment: false, upc: null,
          createDate: orderAt, modifyDate: orderAt };
      });
      const raw = units === 'grams' ? 500 + r.int(20_000) : units === 'pounds' ? 1 + r.int(60) : 8 + r.int(400);
      const orderId = 100_000_000 + i;
      // Every tenth order is split from the order before it (ShipStation's split: parentId); every 25th is a merge of two.
      const parentId = i % 10 === 9 ? orderId - 1 : null;
      const mergedIds = i % 25 === 24 ? [orderId - 3, orderId - 2] : [];
      const subtotal = items.reduce((n, x) => n + x.quantity * x.unitPrice, 0);
      this.put('orders', {
        orderId, orderNumber: `SS-${10_000 + i}`, orderKey: `key-${seed}-${i}`, orderDate: orderAt, createDate: orderAt, modifyDate: modifyAt, paymentDate: status === 'awaiting_payment' ? null : orderAt,
        shipByDate: orderAt + 5 * 86_400_000, orderStatus: status, customerId: cust['customerId'], customerUsername: cust['email'], customerEmail: cust['email'],
        billTo: { name: cust['name'], company: null, street1: null, street2: null, street3: null, city: null, state: null, postalCode: null, country: null, phone: null, residential: null, addressVerified: null },
        shipTo: { name: cust['name'], company: cust['company'], street1: `${10 + r.int(900)} Harbor Way`, street2: '', street3: null, city, state, postalCode: postal, country, phone: cust['phone'], residential: r.chance(0.5), addressVerified: 'Address validated successfully' },
        items, orderTotal: Math.round(subtotal * 100) / 100 + 10, amountPaid: Math.round(subtotal * 100) / 100 + 10, taxAmount: 0, shippingAmount: 10, customerNotes: null, internalNotes: null, gift: false, giftMessage: null,
        paymentMethod: 'Credit Card', requestedShippingService: serviceCode.replace(/_/g, ' '), carrierCode, serviceCode, packageCode, confirmation: 'delivery', shipDate: status === 'shipped' ? new Date(orderAt + 86_400_000).toISOString().slice(0, 10) : null,
        holdUntilDate: null, weight: { value: raw, units, WeightUnits: units === 'grams' ? 2 : units === 'pounds' ? 4 : 1 }, dimensions: { units: 'inches', length: 12, width: 10, height: 4 },
        insuranceOptions: { provider: null, insureShipment: false, insuredValue: 0 }, internationalOptions: { contents: country === 'US' ? null : 'merchandise', customsItems: null, nonDelivery: country === 'US' ? null : 'return_to_sender' },
        advancedOptions: { warehouseId: 98_765, nonMachinable: false, saturdayDelivery: false, containsAlcohol: false, mergedOrSplit: parentId !== null || mergedIds.length > 0, mergedIds, parentId,
          storeId: 12_345 + (i % storeCount), customField1: null, customField2: null, customField3: null, source: i % storeCount === 0 ? null : 'Webstore', billToParty: null, billToAccount: null, billToPostalCode: null, billToCountryCode: null },
        tagIds: null, userId: users[0], externallyFulfilled: false, externallyFulfilledBy: null,
      });
      if (status !== 'shipped') continue;
      // Partial deliveries: every seventh shipped order goes out as two labels, each with part of the items.
      const parts = i % 7 === 0 && items.length > 1 ? [items.slice(0, 1), items.slice(1)] : [items];
      parts.forEach((part, p) => {
        const createAt = orderAt + 86_400_000 + p * 3_600_000;
        this.put('shipments', {
          shipmentId: 33_000_000 + shipmentSeq++, orderId, orderKey: `key-${seed}-${i}`, userId: users[0], customerEmail: cust['email'], orderNumber: `SS-${10_000 + i}`, createDate: createAt,
          shipDate: new Date(createAt).toISOString().slice(0, 10), shipmentCost: 7 + r.int(30) + 0.45, insuranceCost: 0, trackingNumber: `1Z${r.hex(16).toUpperCase()}`, isReturnLabel: false, batchNumber: null,
          carrierCode, serviceCode, packageCode, confirmation: 'delivery', warehouseId: 98_765, voided: false, voidDate: null, marketplaceNotified: true, notifyErrorMessage: null,
          shipTo: { name: cust['name'], company: cust['company'], street1: 'Harbor Way', street2: null, street3: null, city, state, postalCode: postal, country, phone: cust['phone'], residential: false, addressVerified: null },
          weight: { value: Math.max(1, Math.round(raw / parts.length)), units, WeightUnits: 1 }, dimensions: { units: 'inches', length: 12, width: 10, height: 4 },
          insuranceOptions: { provider: null, insureShipment: false, insuredValue: 0 }, advancedOptions: { billToParty: null, billToAccount: null, billToPostalCode: null, billToCountryCode: null, storeId: 12_345 + (i % storeCount) },
          shipmentItems: part.map((x) => ({ ...x })), labelData: null, formData: null,
        });
      });
    }
  }

  private put(entity: Entity, rec: Rec): void {
    const id = rec[ID_KEY[entity]] as number;
    this.tables[entity].set(id, rec);
    this.order[entity].push(id);
  }

  idOf(entity: Entity, index: number): number {
    const id = this.order[entity][index];
    if (id === undefined) throw new RangeError(`no ${entity} at index ${index}`);
    return id;
  }

  /** Change fields of a record; orders and customers move their modifyDate to `at`; a shipment is voided at `at` when told so. */
  modify(entity: Entity, index: number, patch: Rec, at: number): number {
    const id = this.idOf(entity, index);
    const rec = this.tables[entity].get(id)!;
    const next: Rec = { ...rec, ...patch };
    if (entity === 'orders' || entity === 'customers' || entity === 'stores') next['modifyDate'] = at;
    if (entity === 'shipments' && patch['voided'] === true) next['voidDate'] = at;
    this.tables[entity].set(id, next);
    return id;
  }

  /** Sorted by the list's sort key, then id. */
  list(entity: Entity, sortBy: string): Rec[] {
    const key = sortBy === 'ModifyDate' ? 'modifyDate' : sortBy === 'CreateDate' ? 'createDate' : sortBy === 'ShipDate' ? 'createDate' : sortBy === 'OrderDate' ? 'orderDate' : ID_KEY[entity];
    const idk = ID_KEY[entity];
    return [...this.tables[entity].values()].sort((a, b) => Number(a[key] ?? 0) - Number(b[key] ?? 0) || Number(a[idk]) - Number(b[idk]));
  }
}
