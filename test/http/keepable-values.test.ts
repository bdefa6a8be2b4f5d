import { keepableValues } from '../../src/http/session';

describe('what a form posted into an expired session keeps for after login', () => {
  it('keeps what was typed but never a password, a token or a one-time code', () => {
    expect(keepableValues({ _csrf: 't', iban: 'FR76…', holderName: 'SA HLM', confirmPassword: 'secret phrase', confirmCode: '123456', recoveryCode: 'abcd-efgh', resetToken: 'x', postcode: '69001', code: 'AM04' }))
      .toEqual({ iban: 'FR76…', holderName: 'SA HLM', postcode: '69001', code: 'AM04' });
  });
});
