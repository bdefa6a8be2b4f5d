import { insertAidTypes } from '../../seeds/demo';
import { holdsControlCharacters } from '../../src/http/control-characters';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertRequest } from '../factories/request';
import { $, csrfToken, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * A NUL byte (or another control character nobody types) in a path, query string or form reached
 * PostgreSQL and answered 500 (issue 14's list: notes, merge, filters…). It is refused at the edge:
 * a 400 page in French, nothing saved.
 */
const t = useWorld();
const FRENCH = 'contiennent des caractères de contrôle';

describe('control characters in a request', () => {
  it('tells strings, arrays, objects and keys that hold one from those that do not (tab and new lines are typed)', () => {
    expect(holdsControlCharacters('ligne 1\r\nligne 2\tfin')).toBe(false);
    expect(holdsControlCharacters('a\u0000b')).toBe(true);
    expect(holdsControlCharacters(['ok', 'x\u001fy'])).toBe(true);
    expect(holdsControlCharacters({ 'cl\u0000e': 'ok' })).toBe(true);
    expect(holdsControlCharacters({ a: { b: ['\u007f'] } })).toBe(true);
    expect(holdsControlCharacters({ n: 3, ok: null })).toBe(false);
  });

  it('answers the filters of lists and pages with a French 400, never a 500', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const household = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: await insertPerson(t.ctx.knex) }] });
    for (const url of [
      '/menages?q=%00',
      '/menages?postcode=75%00',
      '/comptabilite?journal=%00',
      '/utilisateurs?q=a%00',
      `/menages/${household.id}/fusionner?mergedReference=a%00b`,
      '/demandes?q=%01',
      '/menages/%00',
    ]) {
      const res = await admin.get(url);
      expect([url, res.status]).toEqual([url, 400]);
      expect($(res.text)('main').text()).toContain(FRENCH);
    }
  });

  it('refuses a form holding one before anything is saved, CSRF and permissions unchanged', async () => {
    const household = await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: await insertPerson(t.ctx.knex) }] });
    await insertAidTypes(t.ctx.knex);
    const aidTypeId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
    const requestId = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId: household.id,
      aidTypeId,
      createdBy: t.world.users.instructorA.id,
      status: 'in_review',
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const token = await csrfToken(operator, `/demandes/${requestId}`);
    const before = await t.ctx.knex('request_events').where({ request_id: requestId }).count('* as c').first();
    const res = await operator.post(`/demandes/${requestId}/notes`).type('form').send({ _csrf: token, note: 'Appel du bailleur\u0000 ce matin' });
    expect(res.status).toBe(400);
    expect($(res.text)('main').text()).toContain(FRENCH);
    expect(await t.ctx.knex('request_events').where({ request_id: requestId }).count('* as c').first()).toEqual(before);
    // the same note without the NUL is taken
    const ok = await operator.post(`/demandes/${requestId}/notes`).type('form').send({ _csrf: token, note: 'Appel du bailleur ce matin' });
    expect(ok.status).toBe(302);
    // a key holding one is refused too, and a landlord is refused the same way (no difference that would tell anything)
    const landlord = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const landlordToken = await csrfToken(landlord, '/menages');
    const odd = await landlord
      .post(`/menages/${household.id}/fusionner`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(landlordToken)}&mergedReference%00=x`);
    expect(odd.status).toBe(400);
  });
});
