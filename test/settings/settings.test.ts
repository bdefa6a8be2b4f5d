import { insertAidTypes } from '../../seeds/demo';
import { informationReminders } from '../../src/jobs/definitions/information-reminders';
import { insertHousehold } from '../factories/household';
import { insertRequest } from '../factories/request';
import { TEST_NOW } from '../support/app';
import { $, type Agent, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The association's settings page (/admin/parametres): the letterhead of the letters and the two
 * instruction delays. Administrators only; each field checked with its French message, every typed
 * value kept on a refusal, a change audited with what changed, a form saved over a newer version
 * refused; the delays drive the dashboard and the information reminders.
 */
const t = useWorld();
const PAGE = '/admin/parametres';
const SCHEDULER = { userId: null, label: 'Planificateur' };

/** The form's fields as the page shows them now. */
async function formValues(agent: Agent): Promise<Record<string, string>> {
  const page = $((await agent.get(PAGE)).text);
  const out: Record<string, string> = {};
  page('form[action="/admin/parametres"] input, form[action="/admin/parametres"] textarea').each((_i, el) => {
    const name = page(el).attr('name');
    if (name && name !== '_csrf') out[name] = el.tagName === 'textarea' ? page(el).text() : String(page(el).attr('value') ?? '');
  });
  return out;
}

const VALID = {
  name: 'Entraide Habitat Solidaire',
  address: '  12 rue des Lilas  \r\n\r\nBâtiment B\r\n69003 Lyon',
  phone: '04 72 00 11 22',
  email: 'Contact@Entraide-Habitat.FR',
  city: 'Lyon',
  signatoryName: 'Odile Brun',
  signatoryTitle: 'Présidente',
  informationReminderDays: '10',
  waitingAlertDays: '20',
};

const settingsAudit = () => t.ctx.knex('audit_events').where({ entity_type: 'settings', entity_id: 'association', action: 'settings.updated' }).orderBy('id');

beforeEach(() => t.ctx.clock.set(TEST_NOW));

describe('the settings page', () => {
  it('shows the defaults until an administrator saves, with the version the form must send back', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await admin.get(PAGE);
    expect(res.status).toBe(200);
    expect($(res.text)('h1').text()).toBe('Paramètres de l’association');
    expect(await formValues(admin)).toEqual({
      version: '1',
      name: 'Association Entraide Logement',
      address: '21 quai d’Austerlitz\n75013 Paris',
      phone: '01 23 45 67 89',
      email: 'contact@entraide.local',
      city: 'Paris',
      signatoryName: 'Claire Martin',
      signatoryTitle: 'Directrice',
      informationReminderDays: '7',
      waitingAlertDays: '15',
    });
    expect(await t.ctx.knex('settings').whereIn('key', ['letterhead', 'instruction'])).toHaveLength(0);
  });

  it('refuses each empty required field with its own French message, and keeps every value typed', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await postForm(admin, PAGE, { ...VALID, name: ' ', address: '', city: '', signatoryName: '', signatoryTitle: '', version: '1' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'name')).toBe('Saisissez le nom de l’association');
    expect(fieldError(res.text, 'address')).toBe('Saisissez l’adresse (une ligne par ligne du courrier)');
    expect(fieldError(res.text, 'city')).toBe('Saisissez la ville où les courriers sont signés');
    expect(fieldError(res.text, 'signatoryName')).toBe('Saisissez le nom du signataire');
    expect(fieldError(res.text, 'signatoryTitle')).toBe('Saisissez la fonction du signataire');
    const page = $(res.text);
    expect(page('.error-summary h2').text()).toBe('Le formulaire contient 5 erreurs');
    // what was typed elsewhere is still there
    expect(page('#phone').attr('value')).toBe('04 72 00 11 22');
    expect(page('#email').attr('value')).toBe('Contact@Entraide-Habitat.FR');
    expect(page('#informationReminderDays').attr('value')).toBe('10');
    expect(page('#version').attr('value') ?? page('input[name="version"]').attr('value')).toBe('1');
    expect(await settingsAudit()).toHaveLength(0);
  });

  it('checks the phone, the e-mail, the length of the texts and both delays (a whole number of days from 1 to 365)', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const first = await postForm(admin, PAGE, {
      ...VALID,
      phone: '12 34',
      email: 'pas-une-adresse',
      signatoryTitle: 'x'.repeat(141),
      informationReminderDays: 'dix',
      waitingAlertDays: '0',
      version: '1',
    });
    expect(first.status).toBe(400);
    expect(fieldError(first.text, 'phone')).toBe('Saisissez un numéro de téléphone valide, par exemple 01 23 45 67 89');
    expect(fieldError(first.text, 'email')).toBe('Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr');
    expect(fieldError(first.text, 'signatoryTitle')).toBe('Ce champ ne doit pas dépasser 140 caractères');
    expect(fieldError(first.text, 'informationReminderDays')).toBe('Délai de relance : saisissez un nombre de jours');
    expect(fieldError(first.text, 'waitingAlertDays')).toBe('Délai d’alerte : au moins 1 jour');
    expect($(first.text)('#informationReminderDays').attr('value')).toBe('dix');

    const second = await postForm(admin, PAGE, { ...VALID, informationReminderDays: '366', waitingAlertDays: '2.5', version: '1' });
    expect(second.status).toBe(400);
    expect(fieldError(second.text, 'informationReminderDays')).toBe('Délai de relance : au plus 365 jours');
    expect(fieldError(second.text, 'waitingAlertDays')).toBe('Délai d’alerte : saisissez un nombre entier');
    // the limits themselves are accepted
    const bounds = await postForm(admin, PAGE, { ...VALID, informationReminderDays: '1', waitingAlertDays: '365', version: '1' });
    expect(bounds.status).toBe(302);
    expect(await t.ctx.services.settings.get()).toMatchObject({ instruction: { informationReminderDays: 1, waitingAlertDays: 365 } });
  });

  it('saves the letterhead as letters print it: address lines trimmed without blank ones, phone compact, e-mail in lower case', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const { version } = await t.ctx.services.settings.current();
    const res = await postForm(admin, PAGE, { ...VALID, version: String(version) });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(PAGE);
    const page = $((await admin.get(PAGE)).text);
    expect(page('.alert').text()).toContain('Les paramètres sont enregistrés.');
    expect(await t.ctx.services.settings.get()).toEqual({
      letterhead: {
        name: 'Entraide Habitat Solidaire',
        addressLines: ['12 rue des Lilas', 'Bâtiment B', '69003 Lyon'],
        phone: '0472001122',
        email: 'contact@entraide-habitat.fr',
        city: 'Lyon',
        signatoryName: 'Odile Brun',
        signatoryTitle: 'Présidente',
      },
      instruction: { informationReminderDays: 10, waitingAlertDays: 20 },
    });
    const shown = await formValues(admin);
    expect(shown).toMatchObject({ address: '12 rue des Lilas\nBâtiment B\n69003 Lyon', informationReminderDays: '10', waitingAlertDays: '20' });
    expect(Number(shown.version)).toBeGreaterThan(version);

    // an address of more than six lines keeps the first six
    const many = await postForm(admin, PAGE, {
      ...VALID,
      address: ['1', '2', '3', '4', '5', '6', '7', '8'].map((n) => `Ligne ${n}`).join('\n'),
      version: shown.version as string,
    });
    expect(many.status).toBe(302);
    expect((await t.ctx.services.settings.get()).letterhead.addressLines).toEqual(['Ligne 1', 'Ligne 2', 'Ligne 3', 'Ligne 4', 'Ligne 5', 'Ligne 6']);
  });

  it('writes one audit line per save, naming the administrator and holding only the fields that changed', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const before = (await settingsAudit()).length;
    const current = await formValues(admin);
    expect((await postForm(admin, PAGE, { ...current, signatoryName: 'Yasmine Haddad', waitingAlertDays: '30' })).status).toBe(302);
    const lines = await settingsAudit();
    expect(lines).toHaveLength(before + 1);
    const last = lines[lines.length - 1];
    expect(last).toMatchObject({ actor_user_id: t.world.users.admin.id, organisation_id: t.world.association.id });
    expect(last.before).toEqual({ signatoryName: 'Odile Brun', waitingAlertDays: Number(current.waitingAlertDays) });
    expect(last.after).toEqual({ signatoryName: 'Yasmine Haddad', waitingAlertDays: 30 });
    expect(new Date(last.occurred_at).toISOString()).toBe(TEST_NOW.toISOString());
  });

  it('refuses a form saved over a newer version (two administrators at once): nothing changes, the typed values stay for a second look', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const stale = await formValues(admin);
    // someone else saves in between
    expect((await postForm(admin, PAGE, { ...stale, city: 'Villeurbanne' })).status).toBe(302);
    const stored = await t.ctx.services.settings.get();
    const audits = (await settingsAudit()).length;

    const res = await postForm(admin, PAGE, { ...stale, signatoryTitle: 'Trésorière' });
    expect(res.status).toBe(400);
    const page = $(res.text);
    expect(page('.alert-danger').text()).toContain("Cette fiche a été modifiée par quelqu'un d'autre entre-temps");
    expect(page('#signatoryTitle').attr('value')).toBe('Trésorière');
    expect(await t.ctx.services.settings.get()).toEqual(stored);
    expect(await settingsAudit()).toHaveLength(audits);
  });

  it('is for the association’s administrators only: every other role gets 403 and changes nothing', async () => {
    const stored = await t.ctx.services.settings.get();
    const { version } = await t.ctx.services.settings.current();
    for (const key of ['operator', 'social_adviser', 'accountant', 'auditor', 'adminA', 'instructorA'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect({ key, status: (await agent.get(PAGE)).status }).toEqual({ key, status: 403 });
      const post = await postForm(agent, PAGE, { ...VALID, name: 'Détournée', version: String(version) }, '/mon-compte');
      expect({ key, status: post.status }).toEqual({ key, status: 403 });
      // and the menu does not offer it
      expect($((await agent.get('/mon-compte')).text)(`a[href="${PAGE}"]`)).toHaveLength(0);
    }
    expect(await t.ctx.services.settings.get()).toEqual(stored);
  });
});

describe('the accounting settings', () => {
  const ACCOUNTING = '/comptabilite/parametres';
  // read from the table: the accounting settings' service is being moved out of SettingsService
  const fields = {
    siren: '775 672 272',
    fiscalYearStartMonth: '1',
    numbering: 'year',
    grantsJournal: 'OD',
    bankJournal: 'BQ',
    expenseAccount: '6571',
    payableAccount: '4672',
    bankAccount: '512',
    csvColumns: 'journal, number, date, account, aux, piece, label, debit, credit',
    csvSeparator: ';',
    csvDateFormat: 'DD/MM/YYYY',
    csvDecimal: ',',
    csvHeader: 'on',
  };

  it('are changed by the accountant or an administrator, audited field by field; no one else reads them', async () => {
    const accountant = await loginAs(t.ctx.app, t.world.users.accountant.email);
    expect((await postForm(accountant, ACCOUNTING, { ...fields, version: '0' })).status).toBe(302);
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const stored = () => t.ctx.knex('settings').where({ key: 'accounting' }).first('value', 'version');
    const version = String((await stored()).version);
    expect((await postForm(admin, ACCOUNTING, { ...fields, bankJournal: 'BP', version })).status).toBe(302);
    expect((await stored()).value.journals.bank).toBe('BP');
    const lines = await t.ctx
      .knex('audit_events')
      .where({ entity_type: 'settings', entity_id: 'accounting', action: 'settings.accounting_updated' })
      .orderBy('id');
    expect(lines.map((l: { actor_user_id: string }) => l.actor_user_id)).toEqual([t.world.users.accountant.id, t.world.users.admin.id]);
    expect(lines[1]).toMatchObject({ before: { bankJournal: 'BQ' }, after: { bankJournal: 'BP' } });
    // a version already used is refused
    const stale = await postForm(admin, ACCOUNTING, { ...fields, bankJournal: 'BX', version });
    expect(stale.status).toBe(400);
    expect((await stored()).value.journals.bank).toBe('BP');
    for (const key of ['operator', 'auditor', 'adminA'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect({ key, status: (await agent.get(ACCOUNTING)).status }).toEqual({ key, status: 403 });
    }
  });
});

describe('what the instruction delays change elsewhere', () => {
  let aqId: string;
  let householdId: string;
  beforeAll(async () => {
    await insertAidTypes(t.ctx.knex);
    aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first('id')).id as string;
    householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
  });

  async function saveDelays(informationReminderDays: number, waitingAlertDays: number) {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const current = await formValues(admin);
    const res = await postForm(admin, PAGE, {
      ...current,
      informationReminderDays: String(informationReminderDays),
      waitingAlertDays: String(waitingAlertDays),
    });
    expect(res.status).toBe(302);
  }

  it('the alert delay decides which requests the dashboard shows as waiting', async () => {
    // submitted on 10/11/2026 (the factory's date): 13 days before TEST_NOW
    const id = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId,
      aidTypeId: aqId,
      createdBy: t.world.users.instructorA.id,
      status: 'submitted',
    });
    const reference = (await t.ctx.knex('aid_requests').where({ id }).first('reference')).reference as string;
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const waiting = async () => {
      const page = $((await operator.get('/tableau-de-bord')).text);
      const heading = page('h2')
        .filter((_i, h) => page(h).text().startsWith('En attente depuis'))
        .first();
      return { heading: heading.text(), list: heading.next('ul').text() };
    };

    await saveDelays(7, 15);
    expect(await waiting()).toEqual({ heading: 'En attente depuis plus de 15 jours (0)', list: expect.stringContaining('Aucune demande en retard.') });
    await saveDelays(7, 12);
    const shown = await waiting();
    expect(shown.heading).toBe('En attente depuis plus de 12 jours (1)');
    expect(shown.list).toContain(reference);
  });

  it('the reminder delay decides when the landlord is reminded of information still awaited', async () => {
    const id = await insertRequest(t.ctx.knex, {
      organisationId: t.world.landlordA.id,
      householdId,
      aidTypeId: aqId,
      createdBy: t.world.users.instructorA.id,
      status: 'awaiting_information',
    });
    await t.ctx
      .knex('aid_requests')
      .where({ id })
      .update({ information_requested_at: new Date(TEST_NOW.getTime() - 5 * 86_400_000) });
    const reminders = () => t.ctx.knex('mail_outbox').where({ kind: 'request.information_reminder', to_address: t.world.users.instructorA.email });

    // asked five days ago: the default week has not passed
    await saveDelays(7, 15);
    expect(await t.ctx.services.jobs.run(informationReminders, t.ctx.services, SCHEDULER, 'test-7-jours')).toMatchObject({
      status: 'succeeded',
      counts: { reminded: 0 },
    });
    expect(await reminders()).toHaveLength(0);
    // four days: it has
    await saveDelays(4, 15);
    expect(await t.ctx.services.jobs.run(informationReminders, t.ctx.services, SCHEDULER, 'test-4-jours')).toMatchObject({
      status: 'succeeded',
      counts: { reminded: 1 },
    });
    const [mail] = await reminders();
    expect(mail).toBeDefined();
    expect(await t.ctx.knex('request_events').where({ request_id: id, kind: 'reminder' }).first('message')).toEqual({
      message: 'Rappel envoyé au bailleur : informations demandées il y a 4 jours',
    });
  });
});
