/** Which failures a run waits out (retrying from its checkpoint) and which end it. */
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds, waitReason } from './transient.ts';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('waitReason', () => {
  it.each([
    { name: 'given a terminated backend (57P01), then it waits for the database', err: pgError('57P01', 'terminating connection due to administrator command'), waits: /target database/ },
    { name: 'given a PostgreSQL starting up (57P03), then it waits for the database', err: pgError('57P03'), waits: /target database/ },
    { name: 'given "Connection terminated unexpectedly", then it waits for the database', err: new Error('Connection terminated unexpectedly'), waits: /target database/ },
    { name: 'given ECONNREFUSED, then it waits for the network', err: pgError('ECONNREFUSED'), waits: /network/ },
    { name: 'given a lost agent, then it waits for the agent', err: Object.assign(new Error('agent a1 is not connected'), { name: 'AgentNotConnectedError' }), waits: /agent a1/ },
    { name: 'given an error that says it is transient, then it waits for what it names', err: Object.assign(new Error('busy'), { transient: true, waitingFor: 'agent dock-7 (last seen 10:02)' }), waits: /dock-7/ },
    { name: 'given a wrapped transient cause, then it waits', err: new Error('read failed', { cause: pgError('08006') }), waits: /target database/ },
    { name: 'given a unique violation (23505), then the run ends', err: pgError('23505'), waits: null },
    { name: 'given a mapping error, then the run ends', err: new Error('mapping: entity accounts has no target'), waits: null },
    { name: 'given an internal error XX000, then the run ends', err: pgError('XX000'), waits: null },
  ])('$name', ({ err, waits }) => {
    const r = waitReason(err);
    if (waits === null) expect(r).toBeNull();
    else expect(r?.waitingFor).toMatch(waits);
  });

  it('given successive attempts, then the delay doubles up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(retryDelaySeconds)).toEqual([2, 4, 8, 16, 30, 30, 30]);
  });
});
