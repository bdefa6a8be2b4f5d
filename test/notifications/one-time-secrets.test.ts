import request from 'supertest';
import type { TestContext } from '../support/app';
import { loginAs, postForm } from '../support/http';
import { decodeBody, startAppWithSmtp, type startSmtpServer } from '../support/smtp';
import type { World } from '../factories/world';
import { maskOneTimeSecrets } from '../../src/notifications/one-time-secrets';

/**
 * A password link or an enrolment code opens the account of whoever reads it: with an SMTP relay,
 * only its recipient gets it — the outbox keeps it masked once sent, and its page never shows it.
 */
let ctx: TestContext;
let world: World;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ ctx, world, smtp, close } = await startAppWithSmtp());
});
afterAll(() => close());

describe('one-time secrets in the outbox', () => {
  it('delivers the reset link to its recipient only: the outbox row and page show it masked to the administrators', async () => {
    await postForm(request.agent(ctx.app), '/mot-de-passe/oublie', { email: world.users.accountant.email });
    const mail = [...smtp.mails].reverse().find((m) => m.to.includes(world.users.accountant.email));
    const link = /\/mot-de-passe\/definir\/[\w-]+/.exec(decodeBody(mail?.raw ?? ''))?.[0];
    expect(link).toBeDefined();

    const row = await ctx.knex('mail_outbox').where({ to_address: world.users.accountant.email, kind: 'user.password_reset' }).first();
    expect(row.status).toBe('sent');
    expect(row.text_body).not.toContain(link);
    expect(row.text_body).toContain('[lien à usage unique masqué');

    const admin = await loginAs(ctx.app, world.users.admin.email);
    const page = await admin.get(`/admin/courriels/${row.id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(link);
    // the link still works for its recipient
    expect((await request(ctx.app).get(link as string)).status).toBe(200);
  });

  it('masks the links and the codes of those mails only', () => {
    const reset = 'Ouvrez ce lien :\nhttps://entraide.example.org/mot-de-passe/definir/AbC_12-xyz\n\nCode :\n\n123456\n\nRéférence 2026-000123';
    expect(maskOneTimeSecrets('user.password_reset', reset)).toBe(
      'Ouvrez ce lien :\n[lien à usage unique masqué : seul le destinataire l’a reçu]\n\nCode :\n\n[code à usage unique masqué]\n\nRéférence 2026-000123',
    );
    expect(maskOneTimeSecrets('request.granted', reset)).toBe(reset);
  });

  it('masks the household’s personal link and the questionnaire’s link once delivered (with the code, they open the space)', () => {
    const link = 'Ouvrez ce lien (valable 60 jours) :\nhttps://entraide.example.org/mon-espace/lien/Zx_9-abcdefghijklmnopqrstu\n';
    expect(maskOneTimeSecrets('household.link', link)).toBe(
      'Ouvrez ce lien (valable 60 jours) :\n[lien à usage unique masqué : seul le destinataire l’a reçu]\n',
    );
    const survey = 'Votre avis :\nhttps://entraide.example.org/mon-espace/questionnaires/abcDEF_123-xyz\n';
    expect(maskOneTimeSecrets('satisfaction.invitation', survey)).toBe('Votre avis :\n[lien à usage unique masqué : seul le destinataire l’a reçu]\n');
  });
});
