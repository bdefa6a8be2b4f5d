import type { Agent } from '../support/http';
import { $, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';
import { insertHousehold, insertPerson } from '../factories/household';
import { insertUser } from '../factories/user';

/**
 * The duplicate check must not tell a landlord user whether a contact detail (e-mail, phone)
 * belongs to someone already helped (RGPD art. 9: being an aid beneficiary is sensitive; ASVS
 * 4.0.3 V8.3.1/V13.1 enumeration). Landlord users are told only about the same identity
 * (normalised names + birth date), rate-limited and traced; the association keeps full matching.
 */
const t = useWorld();

const TENANT = { lastName: 'Keïta', firstNames: 'Awa Marie', birthDate: '1992-05-05', email: 'awa.keita@exemple.fr', phone: '0612345678' };
let tenantId: string;

beforeAll(async () => {
  tenantId = await insertPerson(t.ctx.knex, TENANT);
  await insertHousehold(t.ctx.knex, t.world.landlordA.id, { members: [{ personId: tenantId }] });
});

/** The whole answer, byte for byte, without what changes on every page (CSRF token, CSP nonce). */
const normalised = (res: { status: number; text: string; headers: Record<string, unknown> }) => ({
  status: res.status,
  contentType: res.headers['content-type'],
  body: res.text.replace(/(name="csrf-token" content=|name="_csrf" value=)"[^"]*"/g, '$1""').replace(/nonce="[^"]*"/g, 'nonce=""'),
});

const madeUp = { lastName: 'Xyz', firstNames: 'Abc', birthDate: '01/01/1990' };
const check = (agent: Agent, query: Record<string, string>) => agent.get('/personnes/doublons').query(query);
const probesTraced = (userId: string) => t.ctx.knex('access_events').where({ user_id: userId, action: 'person.duplicate_check' });

describe('the live duplicate check, as a landlord user', () => {
  it('answers exactly the same for another landlord’s tenant’s e-mail or phone as for a random one', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    const known = await check(agent, { ...madeUp, email: TENANT.email });
    const random = await check(agent, { ...madeUp, email: 'personne.inconnue@exemple.fr' });
    expect(normalised(known)).toEqual(normalised(random));
    expect(known.text).not.toContain('déjà connue');
    // the phone, spaced as people type it, and both together
    expect(normalised(await check(agent, { ...madeUp, phone: '06 12 34 56 78' }))).toEqual(
      normalised(await check(agent, { ...madeUp, phone: '06 98 76 54 32' })),
    );
    expect(normalised(await check(agent, { ...madeUp, email: TENANT.email.toUpperCase(), phone: TENANT.phone }))).toEqual(normalised(random));
    // as an htmx request too
    const hx = (email: string) =>
      agent
        .get('/personnes/doublons')
        .set('HX-Request', 'true')
        .query({ ...madeUp, email });
    expect(normalised(await hx(TENANT.email))).toEqual(normalised(await hx('quelqu.un@exemple.fr')));
  });

  it('still warns on the same identity (names and birth date, written differently), saying only that the person is known', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    const res = await check(agent, { lastName: 'KEITA', firstNames: 'awa', birthDate: '05/05/1992', email: 'autre@exemple.fr' });
    expect(res.status).toBe(200);
    const page = $(res.text);
    expect(page('#confirmNotDuplicate-error').text()).toContain('déjà connue d’Entraide');
    expect(page('input[name="confirmNotDuplicate"]')).toHaveLength(1);
    // nothing about who, where, or how to reach them
    for (const leak of ['Bailleur Alpha', 'Awa Marie', 'Keïta', TENANT.email, TENANT.phone, '1992', tenantId, '/menages/'])
      expect(res.text).not.toContain(leak);
    expect(page('ul, a')).toHaveLength(0);
  });

  it('the association still matches on a contact detail alone, and sees who it is', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await check(agent, { ...madeUp, email: TENANT.email });
    const page = $(res.text);
    expect(page('#confirmNotDuplicate-error').text()).toContain('déjà connue');
    expect(page('li').text()).toContain('Awa Marie Keïta');
    expect(page('li').text()).toContain('Bailleur Alpha');
    const byPhone = $((await check(agent, { ...madeUp, phone: '06.12.34.56.78' })).text);
    expect(byPhone('li').text()).toContain('Keïta');
  });

  it('traces each probe that found someone as a read of that person, and nothing for a probe that found no one', async () => {
    const user = await insertUser(t.ctx.knex, { organisationId: t.world.landlordB.id, role: 'landlord_admin' });
    const agent = await loginAs(t.ctx.app, user.email);
    await check(agent, { ...madeUp, email: TENANT.email });
    expect(await probesTraced(user.id)).toHaveLength(0);
    await check(agent, { lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992' });
    const traces = await probesTraced(user.id);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ entity_type: 'person', entity_id: tenantId, organisation_id: t.world.landlordB.id });
    // the association's probes are traced as well
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const before = (await probesTraced(t.world.users.operator.id)).length;
    await check(operator, { ...madeUp, email: TENANT.email });
    expect((await probesTraced(t.world.users.operator.id)).length).toBe(before + 1);
  });

  it('refuses more than 30 probes in 15 minutes per user with a French 429, then answers again later', async () => {
    const user = await insertUser(t.ctx.knex, { organisationId: t.world.landlordB.id, role: 'landlord_instructor' });
    const agent = await loginAs(t.ctx.app, user.email);
    for (let i = 0; i < 30; i++) expect((await check(agent, { ...madeUp, birthDate: `0${(i % 9) + 1}/01/1990` })).status).toBe(200);
    const refused = await check(agent, { lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992' });
    expect(refused.status).toBe(429);
    expect($(refused.text)('h1').text()).toContain('Trop de');
    expect(refused.text).not.toContain('déjà connue');
    // the live check (htmx swaps only 2xx answers) shows the notice in place of the warning
    const live = await agent.get('/personnes/doublons').set('HX-Request', 'true').query({ lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992' });
    expect(live.status).toBe(200);
    expect(live.text).toContain('Trop de vérifications');
    expect(live.text).not.toContain('déjà connue');
    // counted in the database (shared by every replica), per user: another landlord user is not affected
    expect(Number((await t.ctx.knex('rate_limits').where('key', `duplicate-probe:${user.id}`).first('hits')).hits)).toBeGreaterThan(30);
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await check(other, { lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992' })).text).toContain('déjà connue');
    // a half-typed identity is not a probe and is not counted
    const hits = Number((await t.ctx.knex('rate_limits').where('key', `duplicate-probe:${t.world.users.adminB.id}`).first('hits')).hits);
    await check(other, { lastName: 'Keita' });
    expect(Number((await t.ctx.knex('rate_limits').where('key', `duplicate-probe:${t.world.users.adminB.id}`).first('hits')).hits)).toBe(hits);
    // once the window is over
    await t.ctx
      .knex('rate_limits')
      .where('key', `duplicate-probe:${user.id}`)
      .update({ reset_at: t.ctx.knex.raw("now() - interval '1 second'") });
    expect((await check(agent, { lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992' })).text).toContain('déjà connue');
  });

  it('does not limit the association’s operators', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.admin.email);
    for (let i = 0; i < 32; i++) expect((await check(agent, madeUp)).status).toBe(200);
  });
});

describe('saving a person, as a landlord user', () => {
  const household = (contact: Record<string, string>, ref: string) => ({
    addressLine1: '8 rue de la République',
    postcode: '69001',
    city: 'Lyon',
    tenancyReference: ref,
    rent: '500',
    charges: '50',
    lastName: 'Xyz',
    firstNames: 'Abc',
    birthDate: '01/01/1990',
    employmentStatus: 'job_seeker',
    resourceUnemployment: '700',
    ...contact,
  });

  it('saves a made-up identity with another landlord’s tenant’s e-mail just as with a random e-mail; the association is told', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    const known = await postForm(
      agent,
      '/menages',
      household({ email: TENANT.email, phone: TENANT.phone, lastName: 'Durand' }, 'ORACLE-1'),
      '/menages/nouveau',
    );
    const random = await postForm(agent, '/menages', household({ email: 'nouvelle@exemple.fr', lastName: 'Dupuis' }, 'ORACLE-2'), '/menages/nouveau');
    expect(known.status).toBe(302);
    expect(random.status).toBe(302);
    expect(known.headers.location).toMatch(/^\/menages\/[0-9a-f-]{36}$/);
    // the association's duplicate list gets the contact match, silently for the landlord
    const newPerson = await t.ctx.knex('persons').where({ email: TENANT.email }).whereNot({ id: tenantId }).first('id');
    expect(await t.ctx.knex('duplicate_suspicions').where({ person_id: newPerson.id, match_id: tenantId })).toHaveLength(1);
  });

  it('a rejected form does not show a warning for a contact detail alone either', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    const known = await postForm(agent, '/menages', household({ email: TENANT.email, rent: '', lastName: 'Bernard' }, 'ORACLE-3'), '/menages/nouveau');
    const random = await postForm(
      agent,
      '/menages',
      household({ email: 'personne@exemple.fr', rent: '', lastName: 'Bernard' }, 'ORACLE-3'),
      '/menages/nouveau',
    );
    expect(known.status).toBe(400);
    expect($(known.text)('#duplicate-check').html()).toBe($(random.text)('#duplicate-check').html());
    expect(known.text).not.toContain('déjà connue');
    // adding a person to a household: same rule
    const h = await insertHousehold(t.ctx.knex, t.world.landlordB.id);
    const path = `/menages/${h.id}/personnes/nouvelle`;
    const person = {
      relationship: 'spouse',
      fromDate: '01/06/2024',
      lastName: 'Petit',
      firstNames: 'Abc',
      birthDate: '01/01/1990',
      employmentStatus: 'job_seeker',
      resourceUnemployment: '700',
    };
    expect((await postForm(agent, path, { ...person, email: TENANT.email })).status).toBe(302);
  });

  it('the same identity still asks for the confirmation', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorB.email);
    const warned = await postForm(
      agent,
      '/menages',
      household({ lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992' }, 'ORACLE-4'),
      '/menages/nouveau',
    );
    expect(warned.status).toBe(400);
    expect($(warned.text)('#confirmNotDuplicate-error').text()).toContain('déjà connue');
    expect(warned.text).not.toContain('Bailleur Alpha');
  });

  it('the association’s operator is still warned on a contact detail alone', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const warned = await postForm(
      agent,
      '/menages',
      { ...household({ email: TENANT.email, lastName: 'Moreau' }, 'ORACLE-5'), organisationId: t.world.landlordB.id },
      '/menages/nouveau',
    );
    expect(warned.status).toBe(400);
    expect($(warned.text)('#confirmNotDuplicate-error').text()).toContain('Keïta');
  });
});
