import { describe, expect, it } from 'vitest';
import { planLoadOrder } from './load-order.ts';

describe('planLoadOrder', () => {
  it('given a chain of references, then parents load before children', () => {
    const plan = planLoadOrder(['Invoice', 'Account', 'Shipment', 'Contact'], [
      { from: 'Contact', to: 'Account', column: 'account_id' },
      { from: 'Shipment', to: 'Account', column: 'account_id' },
      { from: 'Invoice', to: 'Shipment', column: 'shipment_id' },
      { from: 'Invoice', to: 'Account', column: 'account_id' },
    ]);
    expect(plan.order.indexOf('Account')).toBeLessThan(plan.order.indexOf('Contact'));
    expect(plan.order.indexOf('Shipment')).toBeLessThan(plan.order.indexOf('Invoice'));
    expect(plan.levels[0]).toEqual(['Account']);
    expect(plan.levels[1]).toEqual(['Contact', 'Shipment']);
    expect(plan.deferred.size).toBe(0);
  });

  it('given a self-reference, then it is deferred and the entity still loads', () => {
    const plan = planLoadOrder(['Account'], [{ from: 'Account', to: 'Account', column: 'parent_account_id' }]);
    expect(plan.order).toEqual(['Account']);
    expect([...plan.deferred]).toEqual(['Account.parent_account_id']);
  });

  it('given a two-entity cycle, then exactly one edge is deferred and both load', () => {
    const plan = planLoadOrder(['Contact', 'Account'], [
      { from: 'Contact', to: 'Account', column: 'account_id' },
      { from: 'Account', to: 'Contact', column: 'primary_contact_id' },
    ]);
    expect(plan.order.sort()).toEqual(['Account', 'Contact']);
    expect(plan.deferred.size).toBe(1);
  });

  it('given a reference to an entity outside the plan, then it is ignored', () => {
    const plan = planLoadOrder(['Task'], [{ from: 'Task', to: 'Lead', column: 'lead_id' }]);
    expect(plan.order).toEqual(['Task']);
  });
});
