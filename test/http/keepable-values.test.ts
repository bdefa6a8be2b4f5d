import { keepableValues, storableValues } from '../../src/http/session';

describe('what a form posted into an expired session keeps for after login', () => {
  it('keeps what was typed but never a password, a token or a one-time code; the session store does not keep bank details either (it is not encrypted)', () => {
    expect(
      keepableValues({
        _csrf: 't',
        iban: 'FR76…',
        holderName: 'SA HLM',
        confirmPassword: 'secret phrase',
        confirmCode: '123456',
        recoveryCode: 'abcd-efgh',
        resetToken: 'x',
        postcode: '69001',
        code: 'AM04',
      }),
    ).toEqual({ iban: 'FR76…', holderName: 'SA HLM', postcode: '69001', code: 'AM04' });
    expect(storableValues({ _csrf: 't', iban: 'FR76…', payeeIban: 'FR76…', bic: 'AGRIFRPP', holderName: 'SA HLM', confirmPassword: 'x' })).toEqual({
      holderName: 'SA HLM',
    });
  });

  it('never lets a key change the kept object’s prototype', () => {
    const body = JSON.parse('{"__proto__": {"polluted": true}, "city": "Vienne"}') as Record<string, unknown>;
    const kept = keepableValues(body);
    expect(kept).toEqual({ city: 'Vienne' });
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect((kept as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
