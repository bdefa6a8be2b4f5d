import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { mailRetry } from '../../src/jobs/definitions/mail-retry';
import { MAX_ATTEMPTS } from '../../src/notifications/mailer';
import {
  accessAlertMail,
  accountLockedMail,
  invitationMail,
  jobFailedMail,
  passwordChangedMail,
  passwordResetMail,
  secondFactorChangedMail,
  type SecondFactorChange,
} from '../../src/notifications/templates';
import { TEST_NOW } from '../support/app';
import { $, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * Delivery through a real SMTP relay that refuses some recipients: a failed mail is tried again with
 * a growing delay (5, 10, 20, 40, 80 minutes) and six times at most, a mail left pending after a
 * crash is picked up; the mail templates' French wording; the outbox list for administrators only.
 */
const received: string[] = [];
let refuse = new Set<string>();
let server: SMTPServer;
const env: Record<string, string> = {};
beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address)) return callback(new Error('boîte inconnue'));
      callback();
    },
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  env.SMTP_HOST = '127.0.0.1';
  env.SMTP_PORT = String((server.server.address() as AddressInfo).port);
});
// registered after the server starts: the app reads `env` when it starts
const t = useWorld(env);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const mailRow = (id: string) => t.ctx.knex('mail_outbox').where({ id }).first();
async function queueAndDeliver(to: string, subject = 'Avis de test'): Promise<string> {
  const id = await t.ctx.knex.transaction((trx) => t.ctx.services.mailer.queue(trx, { kind: 'test', to, subject, text: 'Bonjour,\nCeci est un test.' }));
  await t.ctx.services.mailer.deliver([id]);
  return id;
}
const minutesAfter = (from: Date, to: Date) => Math.round((to.getTime() - from.getTime()) / 60_000);

beforeEach(() => t.ctx.clock.set(TEST_NOW));

describe('a mail the relay refuses', () => {
  it('is tried again after 5, 10, 20, 40 then 80 minutes, never before, and stays failed after six attempts', async () => {
    refuse = new Set(['inconnu@exemple.fr']);
    const id = await queueAndDeliver('inconnu@exemple.fr');
    let row = await mailRow(id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.last_error).toMatch(/boîte inconnue|rejected/);

    const delays: number[] = [];
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      const failedAt = t.ctx.clock.now();
      const next = new Date(row.next_attempt_at);
      delays.push(minutesAfter(failedAt, next));
      // a minute early: not yet
      t.ctx.clock.set(new Date(next.getTime() - 60_000));
      expect(await t.ctx.services.mailer.retry(t.ctx.clock.now())).toEqual({ retried: 0, sent: 0, failed: 0 });
      t.ctx.clock.set(next);
      expect(await t.ctx.services.mailer.retry(t.ctx.clock.now())).toEqual({ retried: 1, sent: 0, failed: 1 });
      row = await mailRow(id);
      expect(row.attempts).toBe(attempt);
    }
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(row).toMatchObject({ status: 'failed', attempts: 6 });
    // the sixth failure is the last: a day later nothing is tried
    t.ctx.clock.advanceMinutes(24 * 60);
    expect(await t.ctx.services.mailer.retry(t.ctx.clock.now())).toEqual({ retried: 0, sent: 0, failed: 0 });
    expect(received).not.toContain('inconnu@exemple.fr');
  });

  it('goes out once the relay takes it again, through the mail-retry job: sent, attempts counted, the error cleared', async () => {
    refuse = new Set(['bailleur@exemple.fr']);
    const id = await queueAndDeliver('bailleur@exemple.fr');
    expect(await mailRow(id)).toMatchObject({ status: 'failed', attempts: 1 });
    refuse = new Set();
    t.ctx.clock.advanceMinutes(15);
    const outcome = await t.ctx.services.jobs.run(mailRetry, t.ctx.services, { userId: null, label: 'Planificateur' });
    expect(outcome).toMatchObject({ status: 'succeeded', counts: { retried: 1, sent: 1, failed: 0 } });
    const row = await mailRow(id);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(new Date(row.sent_at).toISOString()).toBe(t.ctx.clock.now().toISOString());
    expect(received.filter((r) => r === 'bailleur@exemple.fr')).toHaveLength(1);
    // a later run does not send it twice
    t.ctx.clock.advanceMinutes(15);
    expect(await t.ctx.services.jobs.run(mailRetry, t.ctx.services, { userId: null, label: 'Planificateur' })).toMatchObject({ counts: { retried: 0 } });
    expect(received.filter((r) => r === 'bailleur@exemple.fr')).toHaveLength(1);
  });

  it('left pending by a crash after its commit is sent by the retry once ten minutes old, not sooner', async () => {
    const [old] = await t.ctx
      .knex('mail_outbox')
      .insert({
        kind: 'test',
        to_address: 'ancien@exemple.fr',
        subject: 'Resté en attente',
        text_body: 'x',
        status: 'pending',
        created_at: new Date(TEST_NOW.getTime() - 11 * 60_000),
      })
      .returning('id');
    const [fresh] = await t.ctx
      .knex('mail_outbox')
      .insert({
        kind: 'test',
        to_address: 'recent@exemple.fr',
        subject: 'En cours d’envoi',
        text_body: 'x',
        status: 'pending',
        created_at: new Date(TEST_NOW.getTime() - 5 * 60_000),
      })
      .returning('id');
    expect(await t.ctx.services.mailer.retry(TEST_NOW)).toEqual({ retried: 1, sent: 1, failed: 0 });
    expect(await mailRow(old.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await mailRow(fresh.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(received).toContain('ancien@exemple.fr');
    expect(received).not.toContain('recent@exemple.fr');
  });
});

describe('the mail templates', () => {
  const SIGNATURE = '— Entraide, l’extranet des aides et de l’accompagnement\nCe message est envoyé automatiquement, merci de ne pas y répondre.';

  it('greet the person by first name, say in French what happened and for how long a link or lock holds, and sign', () => {
    const invitation = invitationMail('lea@exemple.fr', 'Léa', 'Bailleur Alpha', 'https://entraide.test/mot-de-passe/definir/abc', 72);
    expect(invitation).toMatchObject({ kind: 'user.invitation', to: 'lea@exemple.fr', subject: 'Votre accès à Entraide' });
    expect(invitation.text).toMatch(/^Bonjour Léa,\n\nUn compte Entraide a été créé pour vous \(Bailleur Alpha\)\./);
    expect(invitation.text).toContain('ouvrez ce lien dans les 72 heures :\nhttps://entraide.test/mot-de-passe/definir/abc\n');

    const reset = passwordResetMail('lea@exemple.fr', 'Léa', 'https://entraide.test/mot-de-passe/definir/xyz', 30);
    expect(reset.subject).toBe('Réinitialisation de votre mot de passe Entraide');
    expect(reset.text).toContain('dans les 30 minutes');
    expect(reset.text).toContain('votre mot de passe actuel reste valable');

    const locked = accountLockedMail('lea@exemple.fr', 'Léa', 15);
    expect(locked.subject).toBe('Votre compte Entraide est temporairement verrouillé');
    expect(locked.text).toContain('il est verrouillé pendant 15 minutes');

    const changed = passwordChangedMail('lea@exemple.fr', 'Léa');
    expect(changed.text).toContain('vos autres sessions ont été fermées');

    for (const mail of [invitation, reset, locked, changed]) {
      expect(mail.text.startsWith('Bonjour Léa,\n\n')).toBe(true);
      expect(mail.text.endsWith(SIGNATURE)).toBe(true);
    }
  });

  it('tell each change of second factor in its own sentence, and the administrators what failed or looked unusual', () => {
    const changes: SecondFactorChange[] = ['enabled', 'reset', 'recovery_codes', 'recovery_code_used'];
    const texts = changes.map((c) => secondFactorChangedMail('a@exemple.fr', 'Marc', c).text);
    expect(new Set(texts).size).toBe(4);
    expect(texts[0]).toContain('vient d’être activé');
    expect(texts[1]).toContain('vient d’être réinitialisé');
    expect(texts[2]).toContain('les anciens ne fonctionnent plus');
    expect(texts[3]).toContain('il ne servira plus');

    const failed = jobFailedMail('admin@asso.test', 'Claire', {
      job: 'sepa-batches',
      period: '2026-11-23',
      message: 'compte débiteur absent',
      link: 'https://entraide.test/admin/taches',
    });
    expect(failed.subject).toBe('Entraide : la tâche sepa-batches a échoué');
    expect(failed.text).toContain('La tâche planifiée « sepa-batches » (période 2026-11-23) a échoué :\ncompte débiteur absent');
    expect(failed.text).toContain('relancez-la depuis la page Tâches : https://entraide.test/admin/taches');

    const alert = accessAlertMail('admin@asso.test', 'Claire', {
      userName: 'Paul Vidal',
      organisationName: 'Bailleur Alpha',
      records: 42,
      period: 'le 23/11/2026 entre 09:00 et 10:00',
      link: 'https://entraide.test/utilisateurs/1',
    });
    expect(alert.subject).toBe('Entraide : lectures inhabituelles de dossiers');
    expect(alert.text).toContain(
      'Paul Vidal (Bailleur Alpha) a consulté 42 dossiers différents (ménages, demandes, missions) le 23/11/2026 entre 09:00 et 10:00.',
    );
  });
});

describe('the outbox list', () => {
  it('shows the newest mail first with its status in French and its attempts, to the association’s administrators only', async () => {
    t.ctx.clock.advanceMinutes(2 * 24 * 60);
    await queueAndDeliver('dernier@exemple.fr', 'Le plus récent');
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get('/admin/courriels')).text);
    const rows = page('tbody tr')
      .map((_i, tr) => [
        page(tr)
          .find('td')
          .map((_j, td) => page(td).text().trim())
          .get()
          .slice(1),
      ])
      .get();
    expect(rows.find((r) => r[0] === 'inconnu@exemple.fr')).toEqual(['inconnu@exemple.fr', 'Avis de test', 'En échec', '6']);
    expect(rows.find((r) => r[0] === 'bailleur@exemple.fr')).toEqual(['bailleur@exemple.fr', 'Avis de test', 'Envoyé', '2']);
    expect(rows.find((r) => r[0] === 'recent@exemple.fr')).toEqual(['recent@exemple.fr', 'En cours d’envoi', 'En attente', '0']);
    // the SMTP relay is configured: no demonstration notice
    expect(page('.alert-info').length).toBe(0);
    // newest first: the mail of two days later, then … the one left pending eleven minutes before the others
    expect(rows[0]).toEqual(['dernier@exemple.fr', 'Le plus récent', 'Envoyé', '1']);
    expect(rows[rows.length - 1]?.[0]).toBe('ancien@exemple.fr');
    for (const key of ['operator', 'accountant', 'auditor', 'adminA'] as const) {
      const agent = await loginAs(t.ctx.app, t.world.users[key].email);
      expect({ key, status: (await agent.get('/admin/courriels')).status }).toEqual({ key, status: 403 });
    }
  });
});
