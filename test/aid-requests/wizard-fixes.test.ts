import { useWorld } from '../support/world';
import { $, csrfToken, fieldError, loginAs, postForm, type Agent } from '../support/http';
import { MANDATORY, PDF, fileRequest, pageVersion } from '../support/filing';
import { insertHousehold, insertPerson } from '../factories/household';
import { IBAN, grantedRequest, paymentSetup } from '../factories/payment';

/** Issue 13: the filing wizard and the instruction lose nothing typed and never mislead. */
const t = useWorld();

let aqId: string;

beforeAll(async () => {
  ({ aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world));
});

async function newHousehold(lastName: string): Promise<string> {
  const holder = await insertPerson(t.ctx.knex, { lastName, firstNames: 'Lucie', salaryCents: 120000 });
  return (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { rentCents: 52000, members: [{ personId: holder }] })).id;
}

async function draft(agent: Agent, lastName: string): Promise<string> {
  const householdId = await newHousehold(lastName);
  const res = await postForm(agent, '/demandes', { householdId, aidTypeId: aqId }, `/demandes/nouvelle?menage=${householdId}`);
  expect(res.status).toBe(302);
  return (res.headers.location as string).split('/')[2] as string;
}

const row = (id: string) => t.ctx.knex('aid_requests').where({ id }).first();
const version = async (id: string) => String((await row(id)).version);
const landlord = () => loginAs(t.ctx.app, t.world.users.instructorA.email);

describe('consent step', () => {
  it('keeps the tick, the date and the method when the signed form is attached with "Joindre"', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Joindre');
    const page = $((await agent.get(`/demandes/${id}/consentement`)).text);
    // one form holds the consent and the signed form: attaching it posts what is typed
    const form = page('form[enctype="multipart/form-data"]');
    expect(form.attr('action')).toBe(`/demandes/${id}/consentement`);
    expect(form.find('#consentInformed').length).toBe(1);
    expect(form.find('button[name="joindre"]').text()).toContain('Joindre');

    const token = await csrfToken(agent, `/demandes/${id}/consentement`);
    const res = await agent
      .post(`/demandes/${id}/consentement`)
      .field('_csrf', token)
      .field('version', await version(id))
      .field('consentInformed', 'on')
      .field('consentDate', '2026-11-20')
      .field('consentMethod', 'paper_signed')
      .field('joindre', '1')
      .attach('file', PDF, 'consentement signé.pdf');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/demandes/${id}/consentement`);
    expect((await row(id)).consent).toMatchObject({ date: '2026-11-20', method: 'paper_signed' });
    const docs = await t.ctx.knex('request_documents').where({ request_id: id, kind: 'consent', current: true });
    expect(docs.map((d) => d.filename)).toEqual(['consentement signé.pdf']);
    const after = $((await agent.get(`/demandes/${id}/consentement`)).text);
    expect(after('#consentInformed').attr('checked')).toBeDefined();
    expect(after('#consentDate').attr('value')).toBe('2026-11-20');
    expect(after('#consentMethod option[selected]').attr('value')).toBe('paper_signed');
    expect(after('main').text()).toContain('consentement signé.pdf');
  });

  it('attaches the form before the consent is complete and shows again what was typed', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Incomplet');
    const token = await csrfToken(agent, `/demandes/${id}/consentement`);
    const res = await agent
      .post(`/demandes/${id}/consentement`)
      .field('_csrf', token)
      .field('version', await version(id))
      .field('consentInformed', 'on')
      .field('consentDate', '')
      .field('consentMethod', 'email')
      .field('joindre', '1')
      .attach('file', PDF, 'accord.pdf');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/demandes/${id}/consentement`);
    expect((await row(id)).consent).toBeNull();
    expect(await t.ctx.knex('request_documents').where({ request_id: id, kind: 'consent' })).toHaveLength(1);
    const after = $((await agent.get(`/demandes/${id}/consentement`)).text);
    expect(after('#consentInformed').attr('checked')).toBeDefined();
    expect(after('#consentMethod option[selected]').attr('value')).toBe('email');
    expect(after('.alert-success, .alert-info').text()).toContain('Formulaire signé joint');
  });

  it('keeps the typed consent when "Joindre" is pressed without a file, and saves it when it is complete', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Sansfichier');
    const token = await csrfToken(agent, `/demandes/${id}/consentement`);
    const res = await agent
      .post(`/demandes/${id}/consentement`)
      .field('_csrf', token)
      .field('version', await version(id))
      .field('consentInformed', 'on')
      .field('consentDate', '')
      .field('consentMethod', 'in_person')
      .field('joindre', '1');
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'file')).toContain('Choisissez le formulaire signé');
    expect(fieldError(res.text, 'consentDate')).toContain('Saisissez la date');
    expect($(res.text)('#consentMethod option[selected]').attr('value')).toBe('in_person');
    expect($(res.text)('#consentInformed').attr('checked')).toBeDefined();
    // Enter in a field presses the first button ("Joindre"): a complete consent is saved all the same
    const complete = await agent
      .post(`/demandes/${id}/consentement`)
      .field('_csrf', token)
      .field('version', await version(id))
      .field('consentInformed', 'on')
      .field('consentDate', '2026-11-19')
      .field('consentMethod', 'in_person')
      .field('joindre', '1');
    expect(complete.status).toBe(302);
    expect((await row(id)).consent).toMatchObject({ date: '2026-11-19', method: 'in_person' });
  });

  it('keeps the signed form chosen with an incomplete consent saved by "Enregistrer"', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Enregistrer');
    const token = await csrfToken(agent, `/demandes/${id}/consentement`);
    const res = await agent
      .post(`/demandes/${id}/consentement`)
      .field('_csrf', token)
      .field('version', await version(id))
      .field('consentDate', '2026-11-19')
      .field('consentMethod', 'in_person')
      .attach('file', PDF, 'signé.pdf');
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'consentInformed')).toContain('Confirmez');
    expect($(res.text)('#consentDate').attr('value')).toBe('2026-11-19');
    expect($(res.text)('main').text()).toContain('signé.pdf');
  });
});

describe('payee step', () => {
  it('says plainly that an IBAN other than the confirmed account of the landlord will not be used', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Autrecompte');
    const page = $((await agent.get(`/demandes/${id}/versement`)).text);
    // the step starts from the confirmed account and says which one it is
    expect(page('#payeeIban').attr('value')?.replace(/\s/g, '')).toBe(IBAN.alpha);
    expect(page('main').text()).toContain('Compte confirmé de votre organisation');
    const token = await csrfToken(agent, `/demandes/${id}/versement`);
    const other = { payeeKind: 'landlord', payeeName: 'Bailleur Alpha', payeeIban: IBAN.alphaNew, payeeBic: '' };
    const live = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({ _csrf: token, step: 'versement', ...other, version: await version(id) });
    const text = $(live.text)('.checks').text();
    expect(text).not.toContain('IBAN valide');
    expect(text).toContain('diffère du compte confirmé');
    expect($(live.text)('.check-error').text()).toContain('ne sera pas utilisé');
    // saved anyway, the request page says it too, and the step is not complete
    expect((await postForm(agent, `/demandes/${id}/versement`, { ...other, version: await version(id) })).status).toBe(302);
    const show = $((await agent.get(`/demandes/${id}`)).text);
    expect(show('.check-error').text()).toContain('diffère du compte confirmé');
    const recap = $((await agent.get(`/demandes/${id}/recapitulatif`)).text);
    expect(recap('.stepper-item.done').text()).not.toContain('Versement');
    // the confirmed account is accepted as it is
    const same = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({ _csrf: token, step: 'versement', ...other, payeeIban: IBAN.alpha, version: await version(id) });
    expect($(same.text)('.check-ok').text()).toContain('compte confirmé');
  });
});

describe('live checks and step pills', () => {
  it('keeps every other check when one field is invalid', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Ibaninvalide');
    expect((await postForm(agent, `/demandes/${id}/aide`, { requested: '9 000', requestedMonths: '6', version: await version(id) })).status).toBe(302);
    const token = await csrfToken(agent, `/demandes/${id}/versement`);
    const live = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({
        _csrf: token,
        step: 'versement',
        payeeKind: 'landlord',
        payeeName: 'Bailleur Alpha',
        payeeIban: 'FR76 3000 6000 0112 3456 7890 188',
        version: await version(id),
      });
    expect(live.status).toBe(200);
    const checks = $(live.text);
    expect(checks('.check-error').text()).toContain('la clé de contrôle ne correspond pas');
    expect(checks('.check-error').text()).toContain('Le montant dépasse le plafond de l’aide');
    expect(checks('.checks').text()).toContain('Recueillez le consentement du locataire');
  });

  it('does not mark a step complete while its checks fail', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Plafond');
    await postForm(agent, `/demandes/${id}/aide`, { requested: '9 000', requestedMonths: '6', version: await version(id) });
    const page = $((await agent.get(`/demandes/${id}/recapitulatif`)).text);
    const step = page('.stepper-item').filter((_i, e) => page(e).text().includes('Aide demandée'));
    expect(step.hasClass('done')).toBe(false);
    expect(step.text()).toContain('à corriger');
    expect(step.text()).not.toContain('complété');
    await postForm(agent, `/demandes/${id}/aide`, { requested: '1 800', requestedMonths: '6', version: await version(id) });
    const fixed = $((await agent.get(`/demandes/${id}/recapitulatif`)).text);
    expect(fixed('.stepper-item.done').text()).toContain('Aide demandée');
  });

  it('counts the aids granted in 12 months with the request’s own grant, and says "Aucune" before it', async () => {
    const householdId = await newHousehold('Frequence');
    const agent = await landlord();
    const draftPage = $(
      (
        await agent.get(
          `/demandes/${await (async () => {
            const res = await postForm(agent, '/demandes', { householdId, aidTypeId: aqId }, `/demandes/nouvelle?menage=${householdId}`);
            return (res.headers.location as string).split('/')[2];
          })()}`,
        )
      ).text,
    );
    expect(draftPage('.checks').text()).toContain('Aucune aide de ce type accordée sur les 12 derniers mois');
    expect(draftPage('.checks').text()).not.toMatch(/\b0 aide/);
    const id = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
      aqId,
      householdId: await newHousehold('Accordee'),
      amountCents: 120000,
      instalments: 4,
      firstDueDate: '2026-12-05',
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const text = $((await operator.get(`/demandes/${id}`)).text)('.checks')
      .first()
      .text();
    expect(text).toContain('1 aide de ce type accordée sur les 12 derniers mois, celle-ci comprise');
    expect(text).not.toMatch(/\b0 aide/);
  });
});

describe('withdrawing', () => {
  it('asks for confirmation before withdrawing; a withdrawn draft is neither titled a draft nor asks for consent', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Retrait');
    const show = $((await agent.get(`/demandes/${id}`)).text);
    expect(show(`form[action="/demandes/${id}/retirer"]`).length).toBe(0);
    expect(show(`a[href="/demandes/${id}/retirer"]`).text()).toContain('Retirer la demande');
    const confirm = await agent.get(`/demandes/${id}/retirer`);
    expect(confirm.status).toBe(200);
    const page = $(confirm.text);
    expect(page('main').text()).toContain('ne pourra plus être déposée');
    expect(page(`form[action="/demandes/${id}/retirer"][method="post"] button`).text()).toContain('Retirer la demande');
    expect(page(`a[href="/demandes/${id}"]`).text()).toContain('Annuler');
    expect((await row(id)).status).toBe('draft');
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await other.get(`/demandes/${id}/retirer`)).status).toBe(404);

    // posted from anywhere else than its page, the withdrawal goes back to the page that says what will happen
    const unconfirmed = await postForm(agent, `/demandes/${id}/retirer`, { version: await version(id) }, `/demandes/${id}`);
    expect(unconfirmed.headers.location).toBe(`/demandes/${id}/retirer`);
    expect((await row(id)).status).toBe('draft');
    const form = page(`form[action="/demandes/${id}/retirer"]`);
    const fields = Object.fromEntries(
      form
        .find('input[type="hidden"]')
        .map((_i, e) => [[page(e).attr('name'), page(e).attr('value')]])
        .get(),
    );
    expect(fields).toMatchObject({ confirmation: 'oui', version: await version(id) });
    expect(
      (await postForm(agent, `/demandes/${id}/retirer`, { version: fields.version, confirmation: fields.confirmation }, `/demandes/${id}/retirer`)).status,
    ).toBe(302);
    expect((await row(id)).status).toBe('withdrawn');
    const after = $((await agent.get(`/demandes/${id}`)).text);
    expect(after('h1').text()).not.toContain('brouillon');
    expect(after('title').text()).not.toContain('brouillon');
    expect(after('main').text()).not.toContain('Recueillez le consentement');
    expect(after('main').text()).not.toContain('Reprendre la saisie');
    // nothing left to withdraw: the confirmation page leads back to the request
    expect((await agent.get(`/demandes/${id}/retirer`)).status).toBe(302);
  });
});

describe('decisions', () => {
  async function inReview(lastName: string, amount = '2 400'): Promise<string> {
    const agent = await landlord();
    const id = await fileRequest(agent, {
      householdId: await newHousehold(lastName),
      aidTypeId: aqId,
      amount,
      months: '6',
      iban: IBAN.alpha,
      documents: MANDATORY.AQ,
    });
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    await postForm(operator, `/demandes/${id}/attribuer`, { version: await pageVersion(operator, `/demandes/${id}`) }, `/demandes/${id}`);
    return id;
  }

  it('shows only the fields of the chosen decision, without JavaScript', async () => {
    const id = await inReview('Formulaire', '1 000');
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const first = $((await operator.get(`/demandes/${id}`)).text);
    expect(first('#amount, #reasonCode, #adjournedUntil').length).toBe(0);
    for (const kind of ['grant', 'refuse', 'adjourn']) expect(first(`a[href="/demandes/${id}?decision=${kind}#decision"]`).length).toBe(1);
    const refuse = $((await operator.get(`/demandes/${id}?decision=refuse`)).text);
    expect(refuse('#reasonCode').length).toBe(1);
    expect(refuse('#amount, #instalments, #firstDueDate, #adjournedUntil').length).toBe(0);
    expect(refuse(`form[action="/demandes/${id}/proposer"] input[name="kind"]`).attr('value')).toBe('refuse');
    const grant = $((await operator.get(`/demandes/${id}?decision=grant`)).text);
    expect(grant('#amount').attr('value')).toBe('1000,00');
    expect(grant('#reasonCode, #adjournedUntil').length).toBe(0);
    // a rejected grant comes back with the grant's fields only
    const version = await pageVersion(operator, `/demandes/${id}`);
    const bad = await postForm(
      operator,
      `/demandes/${id}/proposer`,
      { version, kind: 'grant', amount: '3 200', instalments: '6', firstDueDate: '2026-12-05' },
      `/demandes/${id}`,
    );
    expect(bad.status).toBe(400);
    expect($(bad.text)('#amount').attr('value')).toBe('3 200');
    expect($(bad.text)('#reasonCode, #adjournedUntil').length).toBe(0);
  });

  it('lets the proposer withdraw a pending proposal: audited, the request stays in review, the timeline says so', async () => {
    const id = await inReview('Proposition');
    const operator = await loginAs(t.ctx.app, t.world.users.operator.email);
    const proposed = await postForm(
      operator,
      `/demandes/${id}/proposer`,
      { version: await pageVersion(operator, `/demandes/${id}`), kind: 'grant', amount: '2 400', instalments: '6', firstDueDate: '2026-12-05' },
      `/demandes/${id}`,
    );
    expect(proposed.status).toBe(302);
    expect(await t.ctx.knex('decisions').where({ request_id: id, status: 'pending' })).toHaveLength(1);
    const page = $((await operator.get(`/demandes/${id}`)).text);
    expect(page(`form[action="/demandes/${id}/retirer-proposition"] button`).text()).toContain('Retirer ma proposition');
    // someone else may validate or return it, not withdraw it
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    expect($((await admin.get(`/demandes/${id}`)).text)(`form[action="/demandes/${id}/retirer-proposition"]`).length).toBe(0);
    expect(
      (await postForm(admin, `/demandes/${id}/retirer-proposition`, { version: await pageVersion(admin, `/demandes/${id}`) }, `/demandes/${id}`)).status,
    ).toBe(403);

    const res = await postForm(operator, `/demandes/${id}/retirer-proposition`, { version: await pageVersion(operator, `/demandes/${id}`) }, `/demandes/${id}`);
    expect(res.status).toBe(302);
    expect(await t.ctx.knex('decisions').where({ request_id: id, status: 'pending' })).toHaveLength(0);
    expect((await row(id)).status).toBe('in_review');
    expect(await t.ctx.knex('audit_events').where({ entity_id: id, action: 'request.decision_withdrawn' }).first()).toBeTruthy();
    const after = $((await operator.get(`/demandes/${id}`)).text);
    expect(after('.timeline').text()).toContain('Proposition retirée par son auteur');
    expect(after('#instruction').parent().text()).not.toContain('Un autre chargé d’instruction ou un administrateur doit valider');
    expect(after(`form[action="/demandes/${id}/retirer-proposition"]`).length).toBe(0);
    // a new decision can be proposed
    expect(after(`a[href="/demandes/${id}?decision=grant#decision"]`).length).toBe(1);
  });
});

describe('choosing the aid', () => {
  it('shows each aid’s ceiling, instalments and the household’s eligibility before the landlord picks it', async () => {
    const holder = await insertPerson(t.ctx.knex, { lastName: 'Chomage', firstNames: 'Paul', employmentStatus: 'job_seeker', salaryCents: 90000 });
    const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id, { rentCents: 52000, members: [{ personId: holder }] })).id;
    const agent = await landlord();
    const page = $((await agent.get(`/demandes/nouvelle?menage=${householdId}`)).text);
    const option = (label: string) => {
      const input = page('input[name="aidTypeId"]').filter(
        (_i, e) =>
          page(`label[for="${page(e).attr('id')}"]`)
            .text()
            .trim() === label,
      );
      expect(input.length).toBe(1);
      return page(`#${input.attr('aria-describedby')?.split(' ')[0]}`)
        .text()
        .replace(/\s+/g, ' ');
    };
    const aq = option('Aide sur quittance');
    expect(aq).toMatch(/Plafond : 3 000,00 €/);
    expect(aq).toContain('jusqu’à 6 mensualités');
    expect(aq).toContain('Ménage non éligible d’après sa fiche');
    expect(aq).toContain('salariée du secteur privé');
    const ae = option('Aide énergie');
    expect(ae).toMatch(/Plafond : 600,00 €/);
    expect(ae).toContain('versement unique');
    expect(ae).not.toContain('non éligible');
  });

  it('does not call the rent optional in a rent aid, and asks for it', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Loyer');
    const page = $((await agent.get(`/demandes/${id}/situation`)).text);
    expect(page('label[for="rent"]').text()).not.toContain('facultatif');
    expect(page('label[for="charges"]').text()).toContain('facultatif');
    const token = await csrfToken(agent, `/demandes/${id}/situation`);
    const live = await agent
      .post(`/demandes/${id}/verifications`)
      .type('form')
      .send({ _csrf: token, step: 'situation', rent: '', cause: 'job_loss', version: await version(id) });
    expect($(live.text)('.check-error').text()).toContain('Indiquez le loyer mensuel');
  });
});

describe('documents step', () => {
  it('classifies many received files in one sending (one type per file is more than the 30 fields a form used to carry)', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Beaucoup');
    for (let i = 0; i < 4; i++) {
      const sent = await postDocuments(agent, id, (r) => {
        for (let j = 0; j < 10; j++) r.attach('files', PDF, `releve-${i}-${j}.pdf`);
        return r;
      });
      expect(sent.status).toBe(302);
    }
    const waiting = await t.ctx.knex('request_uploads').where({ request_id: id }).select('id');
    expect(waiting).toHaveLength(40);
    const token = await csrfToken(agent, `/demandes/${id}/pieces`);
    let post = agent.post(`/demandes/${id}/pieces`).field('_csrf', token);
    for (const u of waiting) post = post.field(`classer_${u.id}`, 'other');
    expect((await post).status).toBe(302);
    expect(await t.ctx.knex('request_uploads').where({ request_id: id })).toHaveLength(0);
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(40);
  });

  it('refuses the submission while a received file waits for its type (it would never reach the association), and takes it once classified', async () => {
    const agent = await landlord();
    const id = await fileRequest(agent, {
      householdId: await newHousehold('Aclasser'),
      aidTypeId: aqId,
      amount: '600',
      months: '2',
      iban: IBAN.alpha,
      documents: MANDATORY.AQ,
      submit: false,
    });
    const sent = await postDocuments(agent, id, (r) => r.attach('files', PDF, 'avis-1.pdf').attach('files', PDF, 'avis-2.pdf'));
    expect(sent.status).toBe(302);
    const refused = await postForm(agent, `/demandes/${id}/deposer`, { version: await version(id) }, `/demandes/${id}/recapitulatif`);
    expect(refused.headers.location).toBe(`/demandes/${id}/recapitulatif`);
    expect($((await agent.get(`/demandes/${id}/recapitulatif`)).text)('main').text()).toContain('2 fichiers reçus attendent leur type');
    expect((await row(id)).status).toBe('draft');
    for (const u of await t.ctx.knex('request_uploads').where({ request_id: id })) {
      const token = await csrfToken(agent, `/demandes/${id}/pieces`);
      expect((await agent.post(`/demandes/${id}/pieces`).field('_csrf', token).field('ecarter', u.id)).status).toBe(302);
    }
    const ok = await postForm(agent, `/demandes/${id}/deposer`, { version: await version(id) }, `/demandes/${id}/recapitulatif`);
    expect(ok.status).toBe(302);
    expect((await row(id)).status).toBe('submitted');
  });

  const postDocuments = async (agent: Agent, id: string, build: (r: ReturnType<Agent['post']>) => ReturnType<Agent['post']>) => {
    const token = await csrfToken(agent, `/demandes/${id}/pieces`);
    return build(agent.post(`/demandes/${id}/pieces`).field('_csrf', token).field('retour', 'etape'));
  };

  it('takes several files at once, keeps them when no type is chosen, then a type for each', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Plusieurs');
    const res = await postDocuments(agent, id, (r) =>
      r
        .field('kind', '')
        .attach('files', PDF, 'quittance.pdf')
        .attach('files', Buffer.concat([PDF, Buffer.from('2')]), 'bulletins.pdf')
        .attach('files', Buffer.concat([PDF, Buffer.from('3')]), 'avis.pdf'),
    );
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/demandes/${id}/pieces`);
    const page = $((await agent.get(`/demandes/${id}/pieces`)).text);
    expect(page('.alert-success').text()).toContain('3 fichiers reçus');
    const selects = page('#a-classer select');
    expect(selects.length).toBe(3);
    const byFile = Object.fromEntries(
      selects
        .map((_i, e) => [
          [
            page(`label[for="${page(e).attr('id')}"]`)
              .text()
              .match(/« (.+) »/)?.[1],
            page(e).attr('name'),
          ],
        ])
        .get(),
    );
    expect(Object.keys(byFile).sort()).toEqual(['avis.pdf', 'bulletins.pdf', 'quittance.pdf']);
    expect(await t.ctx.knex('request_documents').where({ request_id: id })).toHaveLength(0);

    const classify = await postDocuments(agent, id, (r) =>
      r.field(byFile['quittance.pdf'], 'rent_receipt').field(byFile['bulletins.pdf'], 'payslips').field(byFile['avis.pdf'], 'tax_notice'),
    );
    expect(classify.status).toBe(302);
    const docs = await t.ctx.knex('request_documents').where({ request_id: id, current: true }).orderBy('kind');
    expect(docs.map((d) => [d.kind, d.filename])).toEqual([
      ['payslips', 'bulletins.pdf'],
      ['rent_receipt', 'quittance.pdf'],
      ['tax_notice', 'avis.pdf'],
    ]);
    const after = $((await agent.get(`/demandes/${id}/pieces`)).text);
    expect(after('#a-classer').length).toBe(0);
    expect(after('.check-error').text()).not.toContain('Pièces obligatoires manquantes');
    expect(await t.ctx.knex('audit_events').where({ entity_id: id, action: 'document.added' })).toHaveLength(3);
  });

  it('keeps a file chosen before its type, and the valid files when another one is refused', async () => {
    const agent = await landlord();
    const id = await draft(agent, 'Sanstype');
    const res = await postDocuments(agent, id, (r) => r.attach('files', PDF, 'avis.pdf').attach('files', Buffer.from('MZ\x90\x00 a program'), 'programme.pdf'));
    expect(res.status).toBe(302);
    const page = $((await agent.get(res.headers.location as string)).text);
    expect(page('.alert-danger').text()).toContain('programme.pdf');
    expect(page('#a-classer').text()).toContain('avis.pdf');
    expect(page('#a-classer').text()).not.toContain('programme.pdf');
    // discarded on request, audited
    const token = await csrfToken(agent, `/demandes/${id}/pieces`);
    const uploadId = page('#a-classer input[name="ecarter"]').attr('value') as string;
    const blobId = (await t.ctx.knex('request_uploads').where({ id: uploadId }).first()).blob_id as string;
    expect((await agent.post(`/demandes/${id}/pieces`).field('_csrf', token).field('ecarter', uploadId)).status).toBe(302);
    expect(await t.ctx.knex('request_uploads').where({ request_id: id })).toHaveLength(0);
    expect(await t.ctx.knex('blobs').where({ id: blobId }).first()).toBeUndefined(); // nothing kept of a discarded file
    expect(await t.ctx.knex('audit_events').where({ entity_id: id, action: 'document.discarded' }).first()).toBeTruthy();
    // another landlord cannot classify this request's files
    const again = await postDocuments(agent, id, (r) => r.attach('files', PDF, 'avis.pdf'));
    expect(again.status).toBe(302);
    const staged = await t.ctx.knex('request_uploads').where({ request_id: id }).first();
    const other = await loginAs(t.ctx.app, t.world.users.adminB.email);
    const otherToken = await csrfToken(other, '/demandes');
    expect((await other.post(`/demandes/${id}/pieces`).field('_csrf', otherToken).field(`classer_${staged.id}`, 'tax_notice')).status).toBe(404);
  });
});
