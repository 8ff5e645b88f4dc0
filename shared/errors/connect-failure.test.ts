import { describe, expect, it } from 'vitest';
import { connectFailureText } from './connect-failure.ts';

const driverError = (code: string | undefined, message: string) => Object.assign(new Error(message), code ? { code } : {});

describe('connectFailureText for MariaDB refusals', () => {
  it.each([
    ['ER_ACCESS_DENIED_ERROR', "Access denied for user 'bob'@'127.0.0.1' (using password: YES)", 'the database refused user bob with this password'],
    ['ER_ACCESS_DENIED_ERROR', "Access denied for user 'bob'@'127.0.0.1' (using password: NO)", 'the database refused user bob without a password'],
    ['ER_ACCESS_DENIED_NO_PASSWORD_ERROR', "Access denied for user 'bob'@'127.0.0.1'", 'the database refused user bob with this password'],
    [undefined, "Access denied for user 'bob'@'127.0.0.1'", 'the database refused user bob with this password'],
  ])('given code %s and "%s", then it says: %s', (code, message, says) => {
    const text = connectFailureText(driverError(code, message));
    expect(text).toContain(says);
    expect(text).not.toContain('Access denied');
  });

  it('given an error it does not know, then it leaves it to the caller', () => {
    expect(connectFailureText(driverError('ER_SOMETHING_ELSE', 'something else'))).toBeNull();
  });
});
