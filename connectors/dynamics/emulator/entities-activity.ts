/** Activity entities (task, appointment, phonecall) and invoices served by the emulator. */
import { BASE_EPOCH_S, rng, isoSeconds, type Rng, subject } from './generate.ts';
import {
  currencyRef, dateOnly, lookup, ownedAttributes, ownership, statusFor, weightedState,
  type AttrSpec, type EntitySpec, type GenContext, type LookupRef, type OptionSpec,
} from './entity-types.ts';

const PRIORITY = [{ value: 0, label: 'Low' }, { value: 1, label: 'Normal' }, { value: 2, label: 'High' }];

const REGARDING_TARGETS = ['account', 'contact', 'opportunity', 'lead'];

/** Polymorphic regarding: accounts 40%, contacts 30%, opportunities 20%, leads 10%. */
function regarding(ctx: GenContext, rng: Rng): LookupRef | null {
  const r = rng.next();
  if (r < 0.05) return null;
  const entity = r < 0.4 ? 'account' : r < 0.7 ? 'contact' : r < 0.9 ? 'opportunity' : 'lead';
  return lookup(entity, rng.int(0, ctx.count(entity) - 1));
}

function activityAttributes(state: OptionSpec[], status: OptionSpec[], extra: AttrSpec[]): AttrSpec[] {
  return [
    { name: 'subject', type: 'String', maxLength: 200 },
    { name: 'description', type: 'Memo', maxLength: 2000 },
    { name: 'regardingobjectid', type: 'Lookup', targets: REGARDING_TARGETS },
    { name: 'prioritycode', type: 'Picklist', options: PRIORITY },
    { name: 'scheduledend', type: 'DateTime' },
    { name: 'actualdurationminutes', type: 'Integer' },
    ...extra,
    ...ownedAttributes(state, status),
  ];
}

function activityName(entity: string) {
  return (ctx: GenContext, i: number): string => `${subject(rng(ctx.seed, `subject:${entity}`, i))} (${i + 1})`;
}

function activityBase(ctx: GenContext, entity: string, i: number, rng: Rng, state: number, statuses: OptionSpec[]) {
  const due = BASE_EPOCH_S + rng.int(0, 600) * 86400 + rng.int(8, 17) * 3600;
  return {
    subject: activityName(entity)(ctx, i), description: rng.chance(0.4) ? 'Discussed volumes and lane rates.' : null,
    regardingobjectid: regarding(ctx, rng), prioritycode: rng.pick([0, 1, 1, 1, 2]), scheduledend: isoSeconds(due),
    actualdurationminutes: state === 1 ? rng.pick([15, 30, 45, 60]) : null,
    ...ownership(ctx, rng), statecode: state, statuscode: statusFor(rng, statuses, state),
  };
}

const TASK_STATE = [{ value: 0, label: 'Open' }, { value: 1, label: 'Completed' }, { value: 2, label: 'Canceled' }];
const TASK_STATUS = [
  { value: 2, label: 'Not Started', state: 0 }, { value: 3, label: 'In Progress', state: 0 }, { value: 4, label: 'Waiting on someone else', state: 0 },
  { value: 7, label: 'Deferred', state: 0 }, { value: 5, label: 'Completed', state: 1 }, { value: 6, label: 'Canceled', state: 2 },
];

export const task: EntitySpec = {
  logicalName: 'task', entitySetName: 'tasks', primaryId: 'activityid', primaryName: 'subject',
  objectTypeCode: 4212, displayName: 'Task', displayCollectionName: 'Tasks',
  count: (n) => n,
  attributes: activityAttributes(TASK_STATE, TASK_STATUS, [{ name: 'percentcomplete', type: 'Integer' }]),
  name: activityName('task'),
  build: (ctx, i, rng) => {
    const state = weightedState(rng, TASK_STATE, [5, 4, 1]);
    return { ...activityBase(ctx, 'task', i, rng, state, TASK_STATUS), percentcomplete: state === 1 ? 100 : rng.pick([0, 25, 50]) };
  },
};

const APPT_STATE = [{ value: 0, label: 'Open' }, { value: 1, label: 'Completed' }, { value: 2, label: 'Canceled' }, { value: 3, label: 'Scheduled' }];
const APPT_STATUS = [
  { value: 1, label: 'Free', state: 0 }, { value: 2, label: 'Tentative', state: 0 }, { value: 3, label: 'Completed', state: 1 },
  { value: 4, label: 'Canceled', state: 2 }, { value: 5, label: 'Busy', state: 3 }, { value: 6, label: 'Out of Office', state: 3 },
];

export const appointment: EntitySpec = {
  logicalName: 'appointment', entitySetName: 'appointments', primaryId: 'activityid', primaryName: 'subject',
  objectTypeCode: 4201, displayName: 'Appointment', displayCollectionName: 'Appointments',
  count: (n) => Math.ceil(n / 2),
  attributes: activityAttributes(APPT_STATE, APPT_STATUS, [
    { name: 'scheduledstart', type: 'DateTime' },
    { name: 'location', type: 'String', maxLength: 200 },
  ]),
  name: activityName('appointment'),
  build: (ctx, i, rng) => {
    const state = weightedState(rng, APPT_STATE, [1, 5, 1, 3]);
    const base = activityBase(ctx, 'appointment', i, rng, state, APPT_STATUS);
    const end = Date.parse(base.scheduledend) / 1000;
    return { ...base, scheduledstart: isoSeconds(end - rng.pick([30, 60, 90]) * 60), location: rng.pick(['Teams meeting', 'Customer site', 'Head office', null]) };
  },
};

const CALL_STATE = [{ value: 0, label: 'Open' }, { value: 1, label: 'Completed' }, { value: 2, label: 'Canceled' }];
const CALL_STATUS = [
  { value: 1, label: 'Open', state: 0 }, { value: 2, label: 'Made', state: 1 }, { value: 4, label: 'Received', state: 1 }, { value: 3, label: 'Canceled', state: 2 },
];

export const phonecall: EntitySpec = {
  logicalName: 'phonecall', entitySetName: 'phonecalls', primaryId: 'activityid', primaryName: 'subject',
  objectTypeCode: 4210, displayName: 'Phone Call', displayCollectionName: 'Phone Calls',
  count: (n) => Math.ceil(n / 2),
  attributes: activityAttributes(CALL_STATE, CALL_STATUS, [
    { name: 'phonenumber', type: 'String', maxLength: 200 },
    { name: 'directioncode', type: 'Boolean', booleanLabels: ['Incoming', 'Outgoing'] },
  ]),
  name: activityName('phonecall'),
  build: (ctx, i, rng) => {
    const state = weightedState(rng, CALL_STATE, [2, 7, 1]);
    return { ...activityBase(ctx, 'phonecall', i, rng, state, CALL_STATUS), phonenumber: `+1-206-555-${String(rng.int(0, 9999)).padStart(4, '0')}`, directioncode: rng.chance(0.7) };
  },
};

const INVOICE_STATE = [{ value: 0, label: 'Active' }, { value: 2, label: 'Paid' }, { value: 3, label: 'Canceled' }];
const INVOICE_STATUS = [
  { value: 1, label: 'New', state: 0 }, { value: 2, label: 'Partially Shipped', state: 0 }, { value: 4, label: 'Billed', state: 0 },
  { value: 100001, label: 'Complete', state: 2 }, { value: 100002, label: 'Partial', state: 2 }, { value: 100003, label: 'Canceled', state: 3 },
];

export const invoice: EntitySpec = {
  logicalName: 'invoice', entitySetName: 'invoices', primaryId: 'invoiceid', primaryName: 'name',
  objectTypeCode: 1090, displayName: 'Invoice', displayCollectionName: 'Invoices',
  count: (n) => Math.ceil(n / 2),
  attributes: [
    { name: 'name', type: 'String', maxLength: 300, required: true },
    { name: 'invoicenumber', type: 'String', maxLength: 100 },
    { name: 'customerid', type: 'Customer', targets: ['account', 'contact'] },
    { name: 'opportunityid', type: 'Lookup', targets: ['opportunity'] },
    { name: 'totalamount', type: 'Money' },
    { name: 'totaltax', type: 'Money' },
    { name: 'transactioncurrencyid', type: 'Lookup', targets: ['transactioncurrency'] },
    { name: 'datedelivered', type: 'DateTime', dateOnly: true },
    { name: 'duedate', type: 'DateTime', dateOnly: true },
    ...ownedAttributes(INVOICE_STATE, INVOICE_STATUS),
  ],
  name: (_ctx, i) => `Invoice INV-${String(i + 1).padStart(6, '0')}`,
  build: (ctx, i, rng) => {
    const state = weightedState(rng, INVOICE_STATE, [4, 5, 1]);
    const net = rng.int(20, 20000) * 10;
    const issued = BASE_EPOCH_S + rng.int(0, 500) * 86400;
    return {
      name: invoice.name(ctx, i), invoicenumber: `INV-${String(i + 1).padStart(6, '0')}`, customerid: lookup('account', (3 * i) % ctx.accounts),
      opportunityid: rng.chance(0.5) ? lookup('opportunity', i % ctx.count('opportunity')) : null,
      totalamount: net + Math.round(net * 0.2), totaltax: Math.round(net * 0.2), transactioncurrencyid: currencyRef(ctx),
      datedelivered: dateOnly(issued), duedate: dateOnly(issued + 30 * 86400),
      ...ownership(ctx, rng), statecode: state, statuscode: statusFor(rng, INVOICE_STATUS, state),
    };
  },
};
