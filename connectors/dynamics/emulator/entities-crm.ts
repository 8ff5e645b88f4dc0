/** Core CRM entities served by the emulator: business units, users, accounts, contacts, leads, opportunities. */
import { BASE_EPOCH_S, CITIES, rng, type Rng, companyName, emailLocal, personName, phone, streetLine } from './generate.ts';
import {
  BUSINESS_UNITS, BU_NAMES, STATE_ACTIVE, STATUS_ACTIVE, currencyRef, dateOnly, lookup, ownedAttributes, ownership,
  statusFor, userBusinessUnit, weightedState, type AttrSpec, type EntitySpec, type GenContext,
} from './entity-types.ts';

const ADDRESS: AttrSpec[] = [
  { name: 'address1_line1', type: 'String', maxLength: 250 },
  { name: 'address1_city', type: 'String', maxLength: 80 },
  { name: 'address1_stateorprovince', type: 'String', maxLength: 50 },
  { name: 'address1_postalcode', type: 'String', maxLength: 20 },
  { name: 'address1_country', type: 'String', maxLength: 80 },
];

function address(rng: Rng): Record<string, string> {
  const [city, state, country, postal] = rng.pick(CITIES);
  return { address1_line1: streetLine(rng), address1_city: city, address1_stateorprovince: state, address1_postalcode: postal, address1_country: country };
}

function personAt(ctx: GenContext, entity: string, index: number): { first: string; last: string } {
  // Names come from their own stream so that lookups can format a name without building the record.
  return personName(rng(ctx.seed, `person:${entity}`, index));
}

const OPP_NAMES = ['Ocean freight contract', 'Air charter program', 'Customs brokerage', 'Warehousing RFP', 'Cross-border trucking', 'Cold chain lane'] as const;

export const businessunit: EntitySpec = {
  logicalName: 'businessunit', entitySetName: 'businessunits', primaryId: 'businessunitid', primaryName: 'name',
  objectTypeCode: 10, displayName: 'Business Unit', displayCollectionName: 'Business Units',
  count: () => BUSINESS_UNITS,
  attributes: [
    { name: 'name', type: 'String', maxLength: 160, required: true },
    { name: 'parentbusinessunitid', type: 'Lookup', targets: ['businessunit'] },
    { name: 'divisionname', type: 'String', maxLength: 100 },
    { name: 'isdisabled', type: 'Boolean', booleanLabels: ['Enabled', 'Disabled'] },
  ],
  name: (_ctx, i) => BU_NAMES[i % BU_NAMES.length]!,
  build: (ctx, i) => ({
    name: businessunit.name(ctx, i),
    parentbusinessunitid: i === 0 ? null : lookup('businessunit', 0),
    divisionname: i === 0 ? 'Corporate' : 'Sales',
    isdisabled: false,
  }),
};

export const systemuser: EntitySpec = {
  logicalName: 'systemuser', entitySetName: 'systemusers', primaryId: 'systemuserid', primaryName: 'fullname',
  objectTypeCode: 8, displayName: 'User', displayCollectionName: 'Users',
  count: (n) => Math.min(200, Math.max(5, Math.ceil(n / 20))),
  attributes: [
    { name: 'fullname', type: 'String', maxLength: 200 },
    { name: 'firstname', type: 'String', maxLength: 256 },
    { name: 'lastname', type: 'String', maxLength: 256 },
    { name: 'internalemailaddress', type: 'String', maxLength: 100 },
    { name: 'domainname', type: 'String', maxLength: 1024 },
    { name: 'businessunitid', type: 'Lookup', targets: ['businessunit'] },
    { name: 'isdisabled', type: 'Boolean', booleanLabels: ['Enabled', 'Disabled'] },
    { name: 'accessmode', type: 'Picklist', options: [
      { value: 0, label: 'Read-Write' }, { value: 1, label: 'Administrative' }, { value: 3, label: 'Non-interactive' }, { value: 4, label: 'Support User' },
    ] },
  ],
  name: (ctx, i) => {
    const p = personAt(ctx, 'systemuser', i);
    return `${p.first} ${p.last}`;
  },
  build: (ctx, i, rng) => {
    const p = personAt(ctx, 'systemuser', i);
    const email = `${emailLocal(p.first, p.last)}${i}@northwind-demo.example.com`;
    return {
      fullname: `${p.first} ${p.last}`, firstname: p.first, lastname: p.last, internalemailaddress: email, domainname: email,
      businessunitid: lookup('businessunit', userBusinessUnit(i)), isdisabled: i > 0 && rng.chance(0.05), accessmode: i === 0 ? 1 : 0,
    };
  },
};

const INDUSTRY = [
  { value: 1, label: 'Accounting' }, { value: 6, label: 'Business Services' }, { value: 7, label: 'Consulting' },
  { value: 12, label: 'Financial' }, { value: 19, label: 'Manufacturing' }, { value: 25, label: 'Retail' },
  { value: 28, label: 'Transportation' }, { value: 31, label: 'Wholesale' },
];
const CUSTOMER_TYPE = ['Competitor', 'Consultant', 'Customer', 'Investor', 'Partner', 'Influencer', 'Press', 'Prospect', 'Reseller', 'Supplier', 'Vendor', 'Other']
  .map((label, k) => ({ value: k + 1, label }));
const TIER = [{ value: 100000000, label: 'Gold' }, { value: 100000001, label: 'Silver' }, { value: 100000002, label: 'Bronze' }];

export const account: EntitySpec = {
  logicalName: 'account', entitySetName: 'accounts', primaryId: 'accountid', primaryName: 'name',
  objectTypeCode: 1, displayName: 'Account', displayCollectionName: 'Accounts',
  count: (n) => n,
  attributes: [
    { name: 'name', type: 'String', maxLength: 160, required: true },
    { name: 'accountnumber', type: 'String', maxLength: 20 },
    { name: 'telephone1', type: 'String', maxLength: 50 },
    { name: 'emailaddress1', type: 'String', maxLength: 100 },
    { name: 'websiteurl', type: 'String', maxLength: 200 },
    ...ADDRESS,
    { name: 'revenue', type: 'Money' },
    { name: 'transactioncurrencyid', type: 'Lookup', targets: ['transactioncurrency'] },
    { name: 'numberofemployees', type: 'Integer' },
    { name: 'industrycode', type: 'Picklist', options: INDUSTRY },
    { name: 'customertypecode', type: 'Picklist', options: CUSTOMER_TYPE },
    { name: 'primarycontactid', type: 'Lookup', targets: ['contact'] },
    { name: 'parentaccountid', type: 'Lookup', targets: ['account'] },
    { name: 'description', type: 'Memo', maxLength: 2000 },
    { name: 'new_region', type: 'String', maxLength: 100, custom: true },
    { name: 'new_tier', type: 'Picklist', options: TIER, custom: true },
    { name: 'new_creditlimitapproved', type: 'Boolean', custom: true, booleanLabels: ['No', 'Yes'] },
    ...ownedAttributes(STATE_ACTIVE, STATUS_ACTIVE),
  ],
  name: (ctx, i) => companyName(rng(ctx.seed, 'account:name', i), i),
  build: (ctx, i, rng) => {
    const name = account.name(ctx, i);
    const domain = `${name.split(' ')[0]!.toLowerCase().replace(/[^a-z]/g, '')}${i + 1}.example.com`;
    const state = weightedState(rng, STATE_ACTIVE, [9, 1]);
    return {
      name, accountnumber: `ACC-${String(i + 1).padStart(7, '0')}`, telephone1: phone(rng), emailaddress1: `info@${domain}`,
      websiteurl: `https://www.${domain}`, ...address(rng),
      revenue: rng.int(0, 50) === 0 ? null : rng.int(10, 500_000) * 100, transactioncurrencyid: currencyRef(ctx),
      numberofemployees: rng.int(1, 5000), industrycode: rng.pick(INDUSTRY).value,
      customertypecode: rng.pick([3, 3, 3, 8, 8, 5, 10, 11, 1]), primarycontactid: lookup('contact', 2 * i),
      parentaccountid: i > 10 && rng.chance(0.1) ? lookup('account', rng.int(0, Math.min(i - 1, 9))) : null,
      description: rng.chance(0.3) ? `Key account ${i + 1}; ships mostly ${rng.pick(['ocean', 'air', 'road'])} freight.` : null,
      new_region: rng.pick(['EMEA', 'AMER', 'APAC', 'LATAM']), new_tier: rng.chance(0.2) ? null : rng.pick(TIER).value,
      new_creditlimitapproved: rng.chance(0.6), ...ownership(ctx, rng), statecode: state, statuscode: statusFor(rng, STATUS_ACTIVE, state),
    };
  },
};

const CHANNEL = [{ value: 100000000, label: 'Email' }, { value: 100000001, label: 'Phone' }, { value: 100000002, label: 'Portal' }];

export const contact: EntitySpec = {
  logicalName: 'contact', entitySetName: 'contacts', primaryId: 'contactid', primaryName: 'fullname',
  objectTypeCode: 2, displayName: 'Contact', displayCollectionName: 'Contacts',
  count: (n) => 2 * n,
  attributes: [
    { name: 'fullname', type: 'String', maxLength: 160 },
    { name: 'firstname', type: 'String', maxLength: 50 },
    { name: 'lastname', type: 'String', maxLength: 50, required: true },
    { name: 'jobtitle', type: 'String', maxLength: 100 },
    { name: 'emailaddress1', type: 'String', maxLength: 100 },
    { name: 'telephone1', type: 'String', maxLength: 50 },
    { name: 'mobilephone', type: 'String', maxLength: 50 },
    ...ADDRESS,
    { name: 'parentcustomerid', type: 'Customer', targets: ['account', 'contact'] },
    { name: 'new_preferredchannel', type: 'Picklist', options: CHANNEL, custom: true },
    ...ownedAttributes(STATE_ACTIVE, STATUS_ACTIVE),
  ],
  name: (ctx, i) => {
    const p = personAt(ctx, 'contact', i);
    return `${p.first} ${p.last}`;
  },
  build: (ctx, i, rng) => {
    const p = personAt(ctx, 'contact', i);
    const acct = Math.floor(i / 2);
    const parent = i % 25 === 24 ? (i > 0 && rng.chance(0.5) ? lookup('contact', i - 1) : null) : lookup('account', acct);
    const state = weightedState(rng, STATE_ACTIVE, [19, 1]);
    return {
      fullname: `${p.first} ${p.last}`, firstname: p.first, lastname: p.last,
      jobtitle: rng.pick(['Logistics Manager', 'Buyer', 'CFO', 'Operations Lead', 'Import Specialist', null]),
      emailaddress1: rng.chance(0.9) ? `${emailLocal(p.first, p.last)}.${i}@mail.example.com` : null,
      telephone1: phone(rng), mobilephone: rng.chance(0.5) ? phone(rng) : null, ...address(rng),
      parentcustomerid: parent, new_preferredchannel: rng.pick(CHANNEL).value,
      ...ownership(ctx, rng), statecode: state, statuscode: statusFor(rng, STATUS_ACTIVE, state),
    };
  },
};

const LEAD_STATE = [{ value: 0, label: 'Open' }, { value: 1, label: 'Qualified' }, { value: 2, label: 'Disqualified' }];
const LEAD_STATUS = [
  { value: 1, label: 'New', state: 0 }, { value: 2, label: 'Contacted', state: 0 }, { value: 3, label: 'Qualified', state: 1 },
  { value: 4, label: 'Lost', state: 2 }, { value: 5, label: 'Cannot Contact', state: 2 }, { value: 6, label: 'No Longer Interested', state: 2 },
  { value: 7, label: 'Canceled', state: 2 },
];
const LEAD_SOURCE = ['Advertisement', 'Employee Referral', 'External Referral', 'Partner', 'Public Relations', 'Seminar', 'Trade Show', 'Web', 'Word of Mouth', 'Other']
  .map((label, k) => ({ value: k + 1, label }));

export const lead: EntitySpec = {
  logicalName: 'lead', entitySetName: 'leads', primaryId: 'leadid', primaryName: 'fullname',
  objectTypeCode: 4, displayName: 'Lead', displayCollectionName: 'Leads',
  count: (n) => Math.ceil(n / 2),
  attributes: [
    { name: 'fullname', type: 'String', maxLength: 160 },
    { name: 'firstname', type: 'String', maxLength: 50 },
    { name: 'lastname', type: 'String', maxLength: 50, required: true },
    { name: 'subject', type: 'String', maxLength: 300 },
    { name: 'companyname', type: 'String', maxLength: 100 },
    { name: 'jobtitle', type: 'String', maxLength: 100 },
    { name: 'emailaddress1', type: 'String', maxLength: 100 },
    { name: 'telephone1', type: 'String', maxLength: 50 },
    { name: 'leadsourcecode', type: 'Picklist', options: LEAD_SOURCE },
    { name: 'parentaccountid', type: 'Lookup', targets: ['account'] },
    ...ownedAttributes(LEAD_STATE, LEAD_STATUS),
  ],
  name: (ctx, i) => {
    const p = personAt(ctx, 'lead', i);
    return `${p.first} ${p.last}`;
  },
  build: (ctx, i, rng) => {
    const p = personAt(ctx, 'lead', i);
    const state = weightedState(rng, LEAD_STATE, [6, 2, 2]);
    return {
      fullname: `${p.first} ${p.last}`, firstname: p.first, lastname: p.last, subject: `Interest in ${rng.pick(['ocean', 'air', 'customs', 'warehousing'])} services`,
      companyname: companyName(rng, ctx.accounts + i), jobtitle: rng.pick(['Owner', 'Procurement', 'Supply Chain Director', null]),
      emailaddress1: `${emailLocal(p.first, p.last)}.lead${i}@mail.example.com`, telephone1: phone(rng),
      leadsourcecode: rng.chance(0.15) ? null : rng.pick(LEAD_SOURCE).value,
      parentaccountid: state === 1 ? lookup('account', i % ctx.accounts) : null,
      ...ownership(ctx, rng), statecode: state, statuscode: statusFor(rng, LEAD_STATUS, state),
    };
  },
};

const OPP_STATE = [{ value: 0, label: 'Open' }, { value: 1, label: 'Won' }, { value: 2, label: 'Lost' }];
const OPP_STATUS = [
  { value: 1, label: 'In Progress', state: 0 }, { value: 2, label: 'On Hold', state: 0 }, { value: 3, label: 'Won', state: 1 },
  { value: 4, label: 'Canceled', state: 2 }, { value: 5, label: 'Out-Sold', state: 2 },
];
const SALES_STAGE = [{ value: 0, label: 'Qualify' }, { value: 1, label: 'Develop' }, { value: 2, label: 'Propose' }, { value: 3, label: 'Close' }];

export const opportunity: EntitySpec = {
  logicalName: 'opportunity', entitySetName: 'opportunities', primaryId: 'opportunityid', primaryName: 'name',
  objectTypeCode: 3, displayName: 'Opportunity', displayCollectionName: 'Opportunities',
  count: (n) => Math.ceil(n / 2),
  attributes: [
    { name: 'name', type: 'String', maxLength: 300, required: true },
    { name: 'customerid', type: 'Customer', targets: ['account', 'contact'] },
    { name: 'parentaccountid', type: 'Lookup', targets: ['account'] },
    { name: 'parentcontactid', type: 'Lookup', targets: ['contact'] },
    { name: 'estimatedvalue', type: 'Money' },
    { name: 'transactioncurrencyid', type: 'Lookup', targets: ['transactioncurrency'] },
    { name: 'closeprobability', type: 'Integer' },
    { name: 'estimatedclosedate', type: 'DateTime', dateOnly: true },
    { name: 'salesstage', type: 'Picklist', options: SALES_STAGE },
    { name: 'stepname', type: 'String', maxLength: 200 },
    ...ownedAttributes(OPP_STATE, OPP_STATUS),
  ],
  name: (_ctx, i) => `${OPP_NAMES[i % OPP_NAMES.length]} #${i + 1}`,
  build: (ctx, i, rng) => {
    const acct = (2 * i) % ctx.accounts;
    const byContact = rng.chance(0.1);
    const state = weightedState(rng, OPP_STATE, [6, 2, 2]);
    const stage = state === 0 ? rng.int(0, 3) : 3;
    return {
      name: opportunity.name(ctx, i), customerid: byContact ? lookup('contact', 2 * acct + 1) : lookup('account', acct),
      parentaccountid: byContact ? null : lookup('account', acct), parentcontactid: lookup('contact', 2 * acct),
      estimatedvalue: rng.int(5, 2000) * 500, transactioncurrencyid: currencyRef(ctx),
      closeprobability: state === 1 ? 100 : state === 2 ? 0 : [10, 25, 50, 80][stage]!,
      estimatedclosedate: dateOnly(BASE_EPOCH_S + rng.int(0, 540) * 86400), salesstage: stage,
      stepname: ['1-Qualify', '2-Develop', '3-Propose', '4-Close'][stage]!,
      ...ownership(ctx, rng), statecode: state, statuscode: statusFor(rng, OPP_STATUS, state),
    };
  },
};
