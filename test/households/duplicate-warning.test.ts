import { useWorld } from '../support/world';
import { $, loginAs, postForm } from '../support/http';
import { insertHousehold, insertPerson } from '../factories/household';

const t = useWorld();

const household = {
  addressLine1: '3 place Bellecour',
  postcode: '69002',
  city: 'Lyon',
  tenancyReference: 'LY-KNOWN',
  rent: '450',
  charges: '60',
  lastName: 'Keita',
  firstNames: 'Awa',
  birthDate: '05/05/1992',
  employmentStatus: 'job_seeker',
  resourceUnemployment: '870',
};

beforeAll(async () => {
  await insertHousehold(t.ctx.knex, t.world.landlordB.id, {
    members: [{ personId: await insertPerson(t.ctx.knex, { lastName: 'Keïta', firstNames: 'Awa', birthDate: '1992-05-05' }) }],
  });
});

describe('the live duplicate warning', () => {
  it('tells the landlord what to do and shows the box to tick at once, inside the form', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const live = $((await agent.get('/personnes/doublons').query({ lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992' })).text);
    expect(live('#confirmNotDuplicate-error').text()).toMatch(/cochez .* pour enregistrer quand même/);
    expect(live('input[type="checkbox"][name="confirmNotDuplicate"]')).toHaveLength(1);
    expect(live('label[for="confirmNotDuplicate"]').text()).toContain('Enregistrer quand même');
    expect(live.text()).not.toContain('Bailleur Bêta');
    // a re-check keeps the box as the person left it
    const again = $(
      (await agent.get('/personnes/doublons').query({ lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992', confirmNotDuplicate: 'on' })).text,
    );
    expect(again('#confirmNotDuplicate').attr('checked')).toBeDefined();
    const form = $((await agent.get('/menages/nouveau')).text);
    expect(form('#birthDate').attr('hx-include')).toContain('[name=confirmNotDuplicate]');
    expect(form('form[action="/menages"] #duplicate-check')).toHaveLength(1);
  });

  it('on a person’s edit page, only says the person is known (saving there asks nothing)', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const live = $(
      (
        await agent
          .get('/personnes/doublons')
          .query({ lastName: 'Keita', firstNames: 'Awa', birthDate: '05/05/1992', exclude: '00000000-0000-4000-8000-000000000000' })
      ).text,
    );
    expect(live.text()).toContain('déjà connue');
    expect(live('input[name="confirmNotDuplicate"]')).toHaveLength(0);
  });
});

describe('saving a known person without JavaScript', () => {
  it('keeps every value and the box when another field is wrong, so the next submission saves', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    // the box is not ticked and the rent is missing: both are said at once
    const first = await postForm(agent, '/menages', { ...household, rent: '' }, '/menages/nouveau');
    expect(first.status).toBe(400);
    const page = $(first.text);
    expect(page('#rent-error').text()).toContain('loyer');
    expect(page('input[type="checkbox"][name="confirmNotDuplicate"]')).toHaveLength(1);
    expect(page('#lastName').attr('value')).toBe('Keita');
    expect(page('#resourceUnemployment').attr('value')).toBe('870');
    expect(page('#tenancyReference').attr('value')).toBe('LY-KNOWN');
    // the box is ticked but the city is missing: the box stays ticked
    const second = await postForm(agent, '/menages', { ...household, city: '', confirmNotDuplicate: 'on' }, '/menages/nouveau');
    expect(second.status).toBe(400);
    expect($(second.text)('#confirmNotDuplicate').attr('checked')).toBeDefined();
    const saved = await postForm(agent, '/menages', { ...household, confirmNotDuplicate: 'on' }, '/menages/nouveau');
    expect(saved.status).toBe(302);
    expect(await t.ctx.knex('households').where({ tenancy_reference: 'LY-KNOWN' })).toHaveLength(1);
  });

  it('shows the box with the values kept when only the confirmation is missing', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.instructorA.email);
    const h = await insertHousehold(t.ctx.knex, t.world.landlordA.id);
    const path = `/menages/${h.id}/personnes/nouvelle`;
    const input = {
      relationship: 'spouse',
      fromDate: '01/06/2024',
      lastName: 'Keita',
      firstNames: 'Awa',
      birthDate: '05/05/1992',
      employmentStatus: 'job_seeker',
      resourceUnemployment: '870',
    };
    const warned = await postForm(agent, path, input);
    expect(warned.status).toBe(400);
    const page = $(warned.text);
    expect(page('#confirmNotDuplicate-error').text()).toContain('cochez');
    expect(page('input[type="checkbox"][name="confirmNotDuplicate"]')).toHaveLength(1);
    expect(page('#relationship option[selected]').attr('value')).toBe('spouse');
    expect(page('#fromDate').attr('value')).toBe('01/06/2024');
    expect((await postForm(agent, path, { ...input, confirmNotDuplicate: 'on' })).status).toBe(302);
  });
});
