import { DatabaseBlobStore } from '../../src/files/storage';
import { $, download, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/** The mail outbox (the only place to read mails without SMTP): links clickable, attachments listed and downloadable. */
const t = useWorld();
const blobs = new DatabaseBlobStore();
const pdf = Buffer.from('%PDF-1.4\n% avis de mise en paiement\n%%EOF\n');
const ics = Buffer.from('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n');

async function queueMail(): Promise<string> {
  return t.ctx.knex.transaction(async (trx) => {
    const notice = await blobs.put(trx, pdf, 'application/pdf');
    const invite = await blobs.put(trx, ics, 'text/calendar');
    const page = await blobs.put(trx, Buffer.from('<script>alert(1)</script>'), 'text/html');
    return t.ctx.services.mailer.queue(trx, {
      kind: 'test',
      to: 'bailleur@exemple.fr',
      subject: 'Avis de mise en paiement',
      text: 'Bonjour,\nVotre espace : https://entraide.test/demandes?statut=paid&x=<b>.\nNe cliquez pas : javascript:alert(1) <script>alert(2)</script>\n',
      attachments: [
        { filename: 'avis-mise-en-paiement.pdf', contentType: 'application/pdf', blobId: notice.id },
        { filename: 'rendez-vous.ics', contentType: 'text/calendar', blobId: invite.id },
        { filename: 'page.html', contentType: 'text/html', blobId: page.id },
      ],
    });
  });
}

describe('a mail in the outbox', () => {
  it('shows its http(s) links as links, escaped, and nothing else as markup', async () => {
    const id = await queueMail();
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const res = await admin.get(`/admin/courriels/${id}`);
    expect(res.status).toBe(200);
    const page = $(res.text);
    const links = page('.mail-body a');
    expect(links).toHaveLength(1);
    expect(links.attr('href')).toBe('https://entraide.test/demandes?statut=paid&x=');
    expect(links.attr('rel')).toContain('noopener');
    expect(page('.mail-body script')).toHaveLength(0);
    expect(page('.mail-body').text()).toContain('javascript:alert(1) <script>alert(2)</script>');
    expect(res.text).not.toContain('<script>alert(2)');
  });

  it('lists its attachments with name and size, and serves each as a download of the right type', async () => {
    const id = await queueMail();
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const page = $((await admin.get(`/admin/courriels/${id}`)).text);
    const items = page('#pieces-jointes li');
    expect(items.map((_, li) => page(li).text().replace(/\s+/g, ' ').trim()).get()).toEqual([
      `avis-mise-en-paiement.pdf (PDF, ${pdf.length} octets)`,
      'page.html (text/html, 25 octets)',
      `rendez-vous.ics (invitation de calendrier .ics, ${ics.length} octets)`,
    ]);
    const hrefs = items
      .find('a')
      .map((_, a) => page(a).attr('href'))
      .get();

    const notice = await download(admin, hrefs[0] as string);
    expect(notice.status).toBe(200);
    expect(notice.headers['content-type']).toBe('application/pdf');
    expect(notice.headers['content-disposition']).toContain('attachment; filename="avis-mise-en-paiement.pdf"');
    expect(notice.headers['x-content-type-options']).toBe('nosniff');
    expect(notice.body.equals(pdf)).toBe(true);

    const invite = await download(admin, hrefs[2] as string);
    expect(invite.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(invite.body.equals(ics)).toBe(true);
    // a type off the list is never served for the browser to render
    expect((await download(admin, hrefs[1] as string)).headers['content-type']).toBe('application/octet-stream');
  });

  it('answers 404 for an attachment of another mail, and 403 to those who cannot read the outbox', async () => {
    const id = await queueMail();
    const other = await queueMail();
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const [attachment] = await t.ctx.knex('mail_attachments').where({ mail_id: other }).orderBy('filename');
    expect((await admin.get(`/admin/courriels/${id}/pieces-jointes/${attachment.id}`)).status).toBe(404);
    expect((await admin.get(`/admin/courriels/${id}/pieces-jointes/pas-un-id`)).status).toBe(404);
    expect((await admin.get(`/admin/courriels/${other}/pieces-jointes/${attachment.id}`)).status).toBe(200);
    for (const user of [t.world.users.operator, t.world.users.accountant, t.world.users.adminA]) {
      const agent = await loginAs(t.ctx.app, user.email);
      expect((await agent.get(`/admin/courriels/${other}/pieces-jointes/${attachment.id}`)).status).toBe(403);
    }
  });
});
