import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

/**
 * ASVS 4.0.3 V7.1.2, last line of defence: the production logger (src/logger.ts) masks IBAN-shaped
 * text anywhere in a line (a database error quoting a value) and the value of secret-named fields
 * (password, IBAN, notes…), even when a caller passes them by mistake, and keeps the ids.
 */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk).trim());
      cb();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('the production logger’s redaction', () => {
  it('masks an IBAN in the message, an error and a stack, spaced, compact or in lower case', () => {
    const { logger, lines } = capture();
    logger.error('unhandled error', {
      error: 'invalid input syntax for type uuid: "FR76 3000 6000 0112 3456 7890 189"',
      stack: 'Error: insert failed for fr7630006000011234567890189\n    at Object.<anonymous> (src/payments/payees.ts:42:7)',
      requestId: '8d6a39a0-7d79-4067-87b8-ef990a74de54',
    });
    logger.info('virement FR7630006000011234567890189 émis');
    const text = lines.join('\n');
    expect(text).not.toMatch(/3000 ?6000|30006000011234567890189/);
    expect(text).toContain('[IBAN masqué]');
    expect(text).toContain('8d6a39a0-7d79-4067-87b8-ef990a74de54');
    expect(text).toContain('src/payments/payees.ts:42:7');
  });

  it('keeps a request id whose last group looks like the start of an IBAN (de83 4709 4655), and masks the shortest IBAN (Norway, 15 characters)', () => {
    const { logger, lines } = capture();
    // a 500 page's request id was once logged as "3c303baa-297b-4f7b-8872-[IBAN masqué]"
    logger.error('unhandled error', { requestId: '3c303baa-297b-4f7b-8872-de8347094655', error: 'invalid input: NO93 8601 1117 947' });
    const line = JSON.parse(lines[0] as string);
    expect(line.requestId).toBe('3c303baa-297b-4f7b-8872-de8347094655');
    expect(line.error).toBe('invalid input: [IBAN masqué]');
  });

  it('replaces the value of secret-named fields, nested ones included, and keeps the rest', () => {
    const { logger, lines } = capture();
    logger.warn('form rejected', {
      event: 'input.invalid',
      fields: ['note', 'payeeIban'],
      userId: 'u-1',
      durationMs: 12,
      processed: 3,
      secondFactor: true,
      body: { password: 'correct-horse-battery-staple', privateNotes: 'violences conjugales', payeeIban: 'FR7630006000011234567890189', name: 'x' },
      confirmPassword: 'Mauvais-Mot-De-Passe-42',
      summary: 'diabète mal équilibré',
      meta: { causeComment: 'hospitalisation', count: 2 },
    });
    const line = JSON.parse(lines[0] as string);
    expect(JSON.stringify(line)).not.toMatch(/horse|violences|Mauvais|diab|hospitalisation|30006000/);
    expect(line).toMatchObject({
      event: 'input.invalid',
      fields: ['note', 'payeeIban'],
      userId: 'u-1',
      durationMs: 12,
      processed: 3,
      secondFactor: true,
      body: '[masqué]',
      confirmPassword: '[masqué]',
      summary: '[masqué]',
      meta: { causeComment: '[masqué]', count: 2 },
    });
  });

  it('leaves ordinary lines as they are (ids, hashes, timestamps, references)', () => {
    const { logger, lines } = capture();
    const sha = 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12';
    logger.info('job done', { job: 'sepa-batches', period: '2026-12-04', sha256: sha, msgId: 'ENTRAIDE-20261204-0001', reference: '2026-00042' });
    expect(lines[0]).toContain(sha);
    expect(lines[0]).toContain('ENTRAIDE-20261204-0001');
    expect(lines[0]).toContain('2026-00042');
  });
});
