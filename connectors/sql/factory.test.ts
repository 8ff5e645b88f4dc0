import { describe, expect, it } from 'vitest';
import { createConnector as cargowise } from '../cargowise/index.ts';
import { createConnector as otm } from '../oracle-tm/index.ts';
import { connectionFromCredentials } from './factory.ts';

describe('database connector factories', () => {
  const cases: { credentials: Record<string, string>; expected: Record<string, unknown> }[] = [
    { credentials: { url: 'postgres://u@h:5432/db', schema: 'cw' }, expected: { dialect: 'postgres', schema: 'cw', readOnlyIntent: true } },
    { credentials: { url: 'mariadb://u@h/db' }, expected: { dialect: 'mysql' } },
    { credentials: { dialect: 'mssql', host: 'sql01', user: 'r', password: 'pw-123456', auth: 'ntlm', domain: 'CORP', trustServerCertificate: 'true', isolation: 'read-committed' }, expected: { dialect: 'mssql', auth: 'ntlm', domain: 'CORP', trustServerCertificate: true, isolation: 'read-committed', readOnlyIntent: true } },
  ];
  it.each(cases)('given credentials $credentials, then the connection config is $expected', ({ credentials, expected }) => {
    expect(connectionFromCredentials(credentials)).toMatchObject(expected);
  });

  it('given no dialect and no url, then the factory fails with a configuration error', () => {
    expect(() => connectionFromCredentials({ host: 'h' })).toThrow(/need a dialect/);
  });

  it('given each platform factory, then the connector reports that platform as its source system', () => {
    expect(cargowise({ credentials: { url: 'postgres://u@h/db' } })).toMatchObject({ sourceSystem: 'cargowise' });
    expect(otm({ credentials: { url: 'postgres://u@h/db' } })).toMatchObject({ sourceSystem: 'oracle-tm' });
  });
});
