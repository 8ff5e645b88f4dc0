/**
 * Raw ShipStation V1 records → the fields the connector emits: Pacific dates made UTC RFC 3339,
 * weights converted to kilograms (an unknown unit rejects the record with a named reason), the
 * consolidation flags lifted from advancedOptions, and for shipments a status and `changeDate`
 * (the later of creation and void, the shipments' incremental cursor).
 */
import { pacificToIso } from './pacific-time.ts';

/** ShipStation weight units (V1 `weight.units`) → kilograms per unit. */
export const KG_PER_UNIT: Readonly<Record<string, number>> = { ounces: 0.028349523125, pounds: 0.45359237, grams: 0.001 };
const TIMES = ['orderDate', 'createDate', 'modifyDate', 'paymentDate', 'shipByDate', 'holdUntilDate', 'voidDate', 'refreshDate', 'lastRefreshAttempt'];

export interface Reject { reason: string; field: string | null }
/** Set on an emitted record the connector rejects (index.ts moves it to SourceRecord.reject). */
export const REJECT = '_reject';

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function weightKg(rec: Record<string, unknown>, what: string): number | null | Reject {
  const w = rec['weight'] as { value?: unknown; units?: unknown } | null | undefined;
  if (!w || w.value === null || w.value === undefined) return null;
  const factor = KG_PER_UNIT[String(w.units)];
  if (factor === undefined) return { reason: `unit-unmapped: ${what} weight unit "${String(w.units)}" is not in the connector's unit map (${Object.keys(KG_PER_UNIT).join(', ')})`, field: 'weight.units' };
  const v = Number(w.value);
  if (!Number.isFinite(v)) return { reason: `value-invalid: ${what} weight value "${String(w.value)}" is not a number`, field: 'weight.value' };
  return round3(v * factor);
}

export function normalizeRecord(stream: string, raw: unknown): Record<string, unknown> {
  const rec = { ...(raw as Record<string, unknown>) };
  for (const k of TIMES) if (k in rec) rec[k] = pacificToIso(rec[k]);
  if (stream === 'orders' || stream === 'shipments') {
    const what = stream === 'orders' ? `order ${String(rec['orderId'])}` : `shipment ${String(rec['shipmentId'])}`;
    const kg = weightKg(rec, what);
    if (kg !== null && typeof kg === 'object') rec[REJECT] = kg;
    else rec['weightKg'] = kg;
  }
  if (stream === 'orders') {
    const adv = (rec['advancedOptions'] ?? {}) as { parentId?: unknown; mergedOrSplit?: unknown; mergedIds?: unknown; storeId?: unknown };
    rec['parentOrderId'] = adv.parentId ?? null;
    rec['isMaster'] = Array.isArray(adv.mergedIds) && adv.mergedIds.length > 0;
    rec['storeId'] = adv.storeId ?? null;
    const items = Array.isArray(rec['items']) ? (rec['items'] as { quantity?: number; adjustment?: boolean }[]) : [];
    rec['pieces'] = items.filter((i) => !i.adjustment).reduce((n, i) => n + (Number(i.quantity) || 0), 0);
  }
  if (stream === 'shipments') {
    rec['status'] = rec['voided'] === true ? 'voided' : 'label_created';
    rec['changeDate'] = rec['voided'] === true && rec['voidDate'] ? rec['voidDate'] : rec['createDate'];
  }
  return rec;
}
