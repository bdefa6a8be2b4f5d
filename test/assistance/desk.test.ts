import { TEST_NOW } from '../support/app';
import { $, type Agent, csrfToken, download, fieldError, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The assistance desk: any user opens a request from the page they were on (its path only, never
 * another site's address nor a query), with checked attachments; only the requester and the
 * association's administrators reach it (anyone else: 404); the administrators triage (priority and
 * its due time, an administrator as assignee, status), answer (the requester is mailed) and keep
 * notes the requester never sees; every change is audited, every read traced.
 */
const t = useWorld();
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const agents: Record<string, Agent> = {};
const as = async (who: 'admin' | 'operator' | 'auditor' | 'adminA' | 'instructorA' | 'adminB') =>
  (agents[who] ??= await loginAs(t.ctx.app, t.world.users[who].email));
const HOUR = 3_600_000;

/** Opens a request the way the browser's multipart form does (the token first). */
async function open(agent: Agent, fields: Record<string, string>, files: Array<{ name: string; data: Buffer }> = [], token?: string) {
  const csrf = token ?? (await csrfToken(agent, '/assistance/nouvelle'));
  let req = agent.post('/assistance').field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  for (const f of files) req = req.attach('files', f.data, f.name);
  return req;
}
async function reply(agent: Agent, id: string, fields: Record<string, string>, files: Array<{ name: string; data: Buffer }> = []) {
  const csrf = await csrfToken(agent, `/assistance/${id}`);
  let req = agent.post(`/assistance/${id}/messages`).field('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  for (const f of files) req = req.attach('files', f.data, f.name);
  return req;
}
const idFrom = (location: string) => location.split('/').pop() as string;
const row = (id: string) => t.ctx.knex('assistance_requests').where({ id }).first();
const audits = (id: string) => t.ctx.knex('audit_events').where({ entity_type: 'assistance_request', entity_id: id }).orderBy('id').pluck('action');

let requestId = '';
beforeAll(async () => {
  t.ctx.clock.set(TEST_NOW);
  const res = await open(
    await as('instructorA'),
    {
      category: 'anomaly',
      subject: 'Le bouton Déposer ne répond pas',
      message: 'Sur la demande en cours, rien ne se passe.',
      from: '/demandes/abc/recapitulatif?nom=Dupont#haut',
    },
    [{ name: 'capture écran.png', data: PNG }],
  );
  expect({ status: res.status, text: res.status === 302 ? '' : res.text.slice(res.text.indexOf('<h1>'), res.text.indexOf('<h1>') + 400) }).toEqual({
    status: 302,
    text: '',
  });
  requestId = idFrom(res.headers.location as string);
});

describe('opening a request', () => {
  it('offers the form from any page, keeping only the path it came from (never a query, never another site)', async () => {
    const agent = await as('adminA');
    const home = $((await agent.get('/menages')).text);
    expect(home('footer a').attr('href')).toBe('/assistance/nouvelle?from=%2Fmenages');
    expect($((await agent.get('/')).text)('a[href="/assistance"]').text()).toContain('Mes demandes d’assistance');
    const form = $((await agent.get('/assistance/nouvelle?from=%2Fmenages%2F12%3Fq%3DDupont')).text);
    expect(form('input[name="from"]').val()).toBe('/menages/12');
    for (const from of ['https://evil.example/x', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/a b', `/${'x'.repeat(600)}`]) {
      const page = $((await agent.get(`/assistance/nouvelle?from=${encodeURIComponent(from)}`)).text);
      expect({ from, kept: page('input[name="from"]').length }).toEqual({ from, kept: 0 });
    }
  });

  it('stores the request with its path, a normal priority due in 72 hours, its first message and file, audited', async () => {
    const r = await row(requestId);
    expect(r).toMatchObject({
      category: 'anomaly',
      priority: 'normal',
      status: 'new',
      from_path: '/demandes/abc/recapitulatif',
      requester_id: t.world.users.instructorA.id,
    });
    expect(new Date(r.due_at).getTime() - new Date(r.created_at).getTime()).toBe(72 * HOUR);
    const files = await t.ctx.knex('assistance_attachments').where({ request_id: requestId });
    expect(files.map((f) => f.filename)).toEqual(['capture écran.png']);
    expect(await audits(requestId)).toEqual(['assistance.opened']);
  });

  it('re-renders the form with what was typed and French errors next to the fields', async () => {
    const res = await open(await as('adminA'), { category: '', subject: '', message: 'Mon message gardé', from: '/menages' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'category')).toBe('Choisissez le type de demande');
    expect(fieldError(res.text, 'subject')).toBe('Donnez un objet à votre demande, en quelques mots');
    const page = $(res.text);
    expect(page('#message').text()).toBe('Mon message gardé');
    expect(page('input[name="from"]').val()).toBe('/menages');
  });

  it('refuses a file that is not a PDF, JPEG or PNG by its content, in French, storing nothing', async () => {
    const before = await t.ctx.knex('assistance_requests').count<{ n: string }[]>({ n: '*' });
    const res = await open(await as('adminA'), { category: 'question', subject: 'Fichier', message: 'Voir pièce' }, [
      { name: 'faux.pdf', data: Buffer.from('MZ not a pdf') },
    ]);
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'files')).toContain('n’est ni un PDF, ni une image JPEG ou PNG');
    expect(await t.ctx.knex('assistance_requests').count<{ n: string }[]>({ n: '*' })).toEqual(before);
  });

  it('refuses a post without its CSRF token (multipart and urlencoded alike)', async () => {
    const agent = await as('adminA');
    const res = await agent.post('/assistance').field('category', 'question').field('subject', 'x').field('message', 'y');
    expect(res.status).toBe(403);
    const triage = await (await as('admin')).post(`/assistance/${requestId}/tri`).type('form').send({ priority: 'low', status: 'closed', version: '1' });
    expect(triage.status).toBe(403);
    expect((await row(requestId)).status).toBe('new');
  });

  it('answers odd input with a French 400, never a 500 (NUL bytes, huge values, ids that are not ids)', async () => {
    const agent = await as('adminA');
    const nul = await open(agent, { category: 'question', subject: 'a\u0000b', message: 'x' });
    expect(nul.status).toBe(400);
    const huge = await open(agent, { category: 'question', subject: 'x'.repeat(5000), message: 'y'.repeat(90_000) });
    expect(huge.status).toBe(400);
    expect(fieldError(huge.text, 'subject')).toBe('Ce champ ne doit pas dépasser 200 caractères');
    const category = await open(agent, { category: 'x'.repeat(10_000), subject: 'x', message: 'y' });
    expect(category.status).toBe(400);
    for (const url of ['/assistance/abc', '/assistance/00000000-0000-0000-0000-000000000000', `/assistance/${requestId}/pieces-jointes/abc`])
      expect({ url, status: (await agent.get(url)).status }).toEqual({ url, status: 404 });
    // a NUL byte in the address is refused at the edge, like everywhere in the app
    expect((await agent.get(`/assistance/${requestId}/pieces-jointes/%00`)).status).toBe(400);
    const admin = await as('admin');
    expect(
      (
        await postForm(
          admin,
          `/assistance/${requestId}/tri`,
          { priority: 'urgent', status: 'new', version: '99999999999999999999' },
          `/assistance/${requestId}`,
        )
      ).status,
    ).toBe(400);
  });
});

describe('who reaches a request', () => {
  it('shows it to its requester and to the association’s administrators, and answers 404 to anyone else', async () => {
    expect((await (await as('instructorA')).get(`/assistance/${requestId}`)).status).toBe(200);
    expect((await (await as('admin')).get(`/assistance/${requestId}`)).status).toBe(200);
    for (const who of ['adminA', 'adminB', 'operator', 'auditor'] as const)
      expect({ who, status: (await (await as(who)).get(`/assistance/${requestId}`)).status }).toEqual({ who, status: 404 });
    const reply404 = await reply(await as('adminA'), requestId, { message: 'Intrusion' });
    expect(reply404.status).toBe(404);
  });

  it('lets only the requester and the administrators download its files, each download traced', async () => {
    const file = await t.ctx.knex('assistance_attachments').where({ request_id: requestId }).first();
    const url = `/assistance/${requestId}/pieces-jointes/${file.id}`;
    const mine = await download(await as('instructorA'), url);
    expect(mine.status).toBe(200);
    expect(mine.body.equals(PNG)).toBe(true);
    expect(mine.headers['content-disposition']).toMatch(/^attachment/);
    expect((await download(await as('admin'), url)).status).toBe(200);
    for (const who of ['adminA', 'adminB', 'operator'] as const)
      expect({ who, status: (await download(await as(who), url)).status }).toEqual({ who, status: 404 });
    const traces = await t.ctx.knex('access_events').where({ action: 'assistance.attachment', entity_id: requestId }).pluck('user_id');
    expect(traces.sort()).toEqual([t.world.users.admin.id, t.world.users.instructorA.id].sort());
  });

  it('lists in « Mes demandes d’assistance » only the person’s own requests; the queue is the administrators’', async () => {
    const other = await open(await as('adminB'), { category: 'access', subject: 'Accès de ma collègue', message: 'Elle ne reçoit pas son lien.' });
    expect(other.status).toBe(302);
    const mine = $((await (await as('instructorA')).get('/assistance')).text);
    expect(
      mine('tbody a')
        .map((_i, a) => mine(a).text())
        .get(),
    ).toEqual(['Le bouton Déposer ne répond pas']);
    expect((await (await as('adminA')).get('/admin/assistance')).status).toBe(403);
    const queue = $((await (await as('admin')).get('/admin/assistance')).text);
    expect(
      queue('tbody a')
        .map((_i, a) => queue(a).text())
        .get(),
    ).toEqual(expect.arrayContaining(['Le bouton Déposer ne répond pas', 'Accès de ma collègue']));
  });

  it('traces each read of a thread', async () => {
    const before = await t.ctx.knex('access_events').where({ action: 'assistance.view', entity_id: requestId }).count<{ n: string }[]>({ n: '*' });
    await (await as('admin')).get(`/assistance/${requestId}`);
    const after = await t.ctx.knex('access_events').where({ action: 'assistance.view', entity_id: requestId }).count<{ n: string }[]>({ n: '*' });
    expect(Number(after[0]?.n) - Number(before[0]?.n)).toBe(1);
  });
});

describe('the association’s work on a request', () => {
  it('answers in the thread: the requester is mailed, the request waits for them, and their reply brings it back', async () => {
    const admin = await as('admin');
    const res = await reply(admin, requestId, { message: 'Pouvez-vous nous dire quel navigateur vous utilisez ?' }, [{ name: 'aide.png', data: PNG }]);
    expect(res.status).toBe(302);
    expect((await row(requestId)).status).toBe('waiting_requester');
    const mail = await t.ctx.knex('mail_outbox').where({ kind: 'assistance.answered' }).first();
    expect(mail.to_address).toBe(t.world.users.instructorA.email);
    expect(mail.subject).toMatch(/réponse à votre demande d’assistance n° \d+/);
    expect(mail.text_body).toContain(`http://entraide.test/assistance/${requestId}`);
    expect(mail.text_body).not.toContain('navigateur');
    const requester = await as('instructorA');
    const page = $((await requester.get(`/assistance/${requestId}`)).text);
    expect(page('.message-body').text()).toContain('quel navigateur');
    expect(page('a:contains("aide.png")').length).toBe(1);
    expect((await reply(requester, requestId, { message: 'Firefox 140.' })).status).toBe(302);
    expect((await row(requestId)).status).toBe('in_progress');
    expect(await audits(requestId)).toEqual(['assistance.opened', 'assistance.answered', 'assistance.replied']);
  });

  it('keeps internal notes from the requester', async () => {
    const admin = await as('admin');
    expect((await postForm(admin, `/assistance/${requestId}/notes`, { note: 'Bug connu, ticket interne 42' }, `/assistance/${requestId}`)).status).toBe(302);
    expect((await admin.get(`/assistance/${requestId}`)).text).toContain('Bug connu, ticket interne 42');
    expect((await (await as('instructorA')).get(`/assistance/${requestId}`)).text).not.toContain('ticket interne');
    expect((await postForm(await as('instructorA'), `/assistance/${requestId}/notes`, { note: 'x' }, `/assistance/${requestId}`)).status).toBe(403);
  });

  it('triages: the priority sets the due time from the opening, the assignee must be an administrator, every change audited', async () => {
    const admin = await as('admin');
    const current = await row(requestId);
    const wrong = await postForm(
      admin,
      `/assistance/${requestId}/tri`,
      { priority: 'urgent', status: 'in_progress', assigneeId: t.world.users.operator.id, version: String(current.version) },
      `/assistance/${requestId}`,
    );
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong.text, 'assigneeId')).toBe('Choisissez un administrateur actif de l’association');
    expect($(wrong.text)('#priority').val()).toBe('urgent');
    const ok = await postForm(
      admin,
      `/assistance/${requestId}/tri`,
      { priority: 'urgent', status: 'in_progress', assigneeId: t.world.users.admin.id, version: String(current.version) },
      `/assistance/${requestId}`,
    );
    expect(ok.status).toBe(302);
    const after = await row(requestId);
    expect(after).toMatchObject({ priority: 'urgent', assignee_id: t.world.users.admin.id });
    expect(new Date(after.due_at).getTime() - new Date(after.created_at).getTime()).toBe(4 * HOUR);
    const audit = await t.ctx.knex('audit_events').where({ entity_id: requestId, action: 'assistance.triaged' }).first();
    expect(audit.before).toMatchObject({ priority: 'normal', assigneeId: null });
    expect(audit.after).toMatchObject({ priority: 'urgent', assigneeId: t.world.users.admin.id });
    const stale = await postForm(
      admin,
      `/assistance/${requestId}/tri`,
      { priority: 'low', status: 'closed', version: String(current.version) },
      `/assistance/${requestId}`,
    );
    expect(stale.status).toBe(400);
    expect($(stale.text)('#form-error').text()).toContain('modifiée entre-temps');
  });

  it('counts new and overdue requests and the oldest open one on the administrators’ home', async () => {
    const text = (agent: Agent) => agent.get('/').then((r) => $(r.text)('[data-assistance]').text().replace(/\s+/g, ' '));
    expect(await text(await as('admin'))).toContain('0 en retard');
    // five hours later the urgent request is past its 4 hours (a fresh login: the sessions of the test idle meanwhile)
    t.ctx.clock.set(new Date(TEST_NOW.getTime() + 5 * HOUR));
    try {
      const later = await text(await loginAs(t.ctx.app, t.world.users.admin.email));
      expect(later).toContain('1 en retard');
      expect(later).toContain('la plus ancienne ouverte depuis 5 h 00');
    } finally {
      t.ctx.clock.set(TEST_NOW);
    }
    expect((await (await as('adminA')).get('/')).text).not.toContain('data-assistance');
  });

  it('closes a request: the requester can no longer write in it (French message) and the close is audited', async () => {
    const admin = await as('admin');
    const current = await row(requestId);
    expect(
      (
        await postForm(
          admin,
          `/assistance/${requestId}/tri`,
          { priority: 'urgent', status: 'closed', version: String(current.version) },
          `/assistance/${requestId}`,
        )
      ).status,
    ).toBe(302);
    expect((await row(requestId)).closed_at).not.toBeNull();
    const res = await reply(await as('instructorA'), requestId, { message: 'Encore une chose' });
    expect(res.status).toBe(400);
    expect($(res.text)('#form-error').text()).toContain('résolue ou fermée');
  });

  it('a security incident starts urgent (4 hours) and alerts the association’s administrators by mail', async () => {
    const res = await open(await as('adminA'), {
      category: 'security_incident',
      subject: 'Courriel envoyé au mauvais locataire',
      message: 'Un avis de paiement est parti chez un voisin.',
    });
    const id = idFrom(res.headers.location as string);
    const r = await row(id);
    expect(r.priority).toBe('urgent');
    expect(new Date(r.due_at).getTime() - new Date(r.created_at).getTime()).toBe(4 * HOUR);
    const mails = await t.ctx.knex('mail_outbox').where({ kind: 'assistance.security_incident' }).pluck('to_address');
    expect(mails).toEqual([t.world.users.admin.email]);
    const page = $((await (await as('admin')).get(`/assistance/${id}`)).text);
    expect(page(`a[href="/admin/violations/nouvelle?demande=${id}"]`).length).toBe(1);
  });
});
