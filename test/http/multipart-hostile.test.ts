import { TEST_PASSWORD } from '../factories/user';
import { $, csrfToken, fieldError, loginAs, type Agent } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Multipart bodies (uploads) are parsed by their routes, after the edge that refuses control
 * characters in urlencoded bodies: a NUL in a text field or a file name, a malformed part header
 * or a bracketed field name (`holderName[y]`, which the multipart parser turns into an object the
 * form could not show again) answered 500. They get the urlencoded answer: a French 400.
 */
const t = useWorld();
const CONTROL = 'contiennent des caractères de contrôle';
const PDF = Buffer.from('%PDF-1.4\n%%EOF\n');

let landlord: Agent;
let token: string;
beforeAll(async () => {
  landlord = await loginAs(t.ctx.app, t.world.users.adminA.email);
  token = await csrfToken(landlord, '/comptes-bancaires');
});

/** A multipart body written by hand: the CSRF token, then a RIB whose file name parameter is `filenameParam`. */
const rawMultipart = (filenameParam: string) =>
  `--XyZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
  `--XyZ\r\nContent-Disposition: form-data; name="rib"; ${filenameParam}\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--XyZ--\r\n`;
const post = () => landlord.post('/comptes-bancaires').field('_csrf', token);
const accounts = async () => Number((await t.ctx.knex('bank_accounts').count('* as c').first())?.c);

describe('hostile multipart bodies', () => {
  it('refuses a control character in a text field or a file name with the French 400, nothing saved', async () => {
    const before = await accounts();
    for (const [i, res] of [
      await post().field('holderName', 'Bailleur\u0000 Alpha').field('iban', 'FR7630006000011234567890189').attach('rib', PDF, 'rib.pdf'),
      // a file name percent-encoded in the part header (RFC 5987) reaches the route decoded
      await landlord.post('/comptes-bancaires').set('Content-Type', 'multipart/form-data; boundary=XyZ').send(rawMultipart(`filename*=utf-8''rib%01.pdf`)),
      await post().field('holder\u0007Name', 'Bailleur Alpha').attach('rib', PDF, 'rib.pdf'),
    ].entries()) {
      expect([i, res.status]).toEqual([i, 400]);
      expect([i, $(res.text)('main').text().includes(CONTROL)]).toEqual([i, true]);
    }
    expect(await accounts()).toBe(before);
  });

  it('answers a part header the parser refuses (a control character in a file name) with the same French 400', async () => {
    for (const filename of ['rib\u0000.pdf', 'rib\u0001.pdf']) {
      const res = await post().field('holderName', 'Bailleur Alpha').attach('rib', PDF, filename);
      expect(res.status).toBe(400);
      expect($(res.text)('main').text()).toContain(CONTROL);
    }
  });

  it('answers a body the parser cannot read with a French 400', async () => {
    const res = await landlord
      .post('/comptes-bancaires')
      .set('Content-Type', 'multipart/form-data; boundary=XyZ')
      .send(`--XyZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--XyZ\r\nContent-Disp`);
    expect(res.status).toBe(400);
    expect($(res.text)('main').text()).toContain('n’a pas pu être comprise');
  });

  it('re-renders the form for a bracketed field name, the other values kept, like a urlencoded form', async () => {
    for (const name of ['holderName[y]', 'iban[__proto__]', 'bic[constructor]', 'a[__proto__][x]', 'items[constructor]']) {
      const res = await post()
        .field(name, '1')
        .field('holderName', 'Bailleur Alpha')
        .field('iban', 'FR7630006000011234567890189')
        .attach('rib', PDF, 'rib.pdf');
      expect([name, res.status]).toEqual([name, 400]);
      expect($(res.text)('#holderName').val()).toBe('Bailleur Alpha');
    }
  });

  it('refuses a file name longer than 255 characters on the form, next to its file field, nothing saved', async () => {
    const before = await accounts();
    const res = await post()
      .field('holderName', 'Bailleur Alpha')
      .field('iban', 'FR7630006000011234567890189')
      .field('confirmPassword', TEST_PASSWORD)
      .attach('rib', PDF, `${'r'.repeat(10_000)}.pdf`);
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'rib')).toContain('Le nom du fichier dépasse 255 caractères');
    expect($(res.text)('#holderName').val()).toBe('Bailleur Alpha');
    expect(await accounts()).toBe(before);
  });

  it('still refuses a multipart post without its CSRF token first', async () => {
    const res = await landlord.post('/comptes-bancaires').field('holderName', 'A\u0000').attach('rib', PDF, 'rib.pdf');
    expect(res.status).toBe(403);
  });
});
