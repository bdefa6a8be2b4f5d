import type { Knex } from 'knex';
import PDFDocument from 'pdfkit';
import type { Actor } from '../src/permissions';
import type { FakeClock } from '../src/shared/clock';

/** The demo's bank details: the landlords' accounts and two energy suppliers (valid IBAN keys, fictitious accounts). */
export const BANK = {
  a: { name: 'Bailleur A', iban: 'FR7630004000031234567890143', bic: 'BNPAFRPPXXX' },
  b: { name: 'Bailleur B', iban: 'FR7611315000011234567890138', bic: 'CEPAFRPP131' },
  edf: { name: 'EDF Collectivités', iban: 'FR7630001007941234567890185', bic: 'PSSTFRPPLIL' },
  engie: { name: 'Engie Particuliers', iban: 'FR7610107001011234567890129', bic: 'BREDFRPPXXX' },
};

/** The acting user behind a demo e-mail, as services receive it. */
export function demoActors(knex: Knex): (email: string) => Promise<Actor> {
  const actors = new Map<string, Actor>();
  return async (email: string) => {
    const cached = actors.get(email);
    if (cached) return cached;
    const u = await knex('users as u')
      .join('organisations as o', 'o.id', 'u.organisation_id')
      .where('u.email', email)
      .first('u.*', 'o.kind as organisation_kind');
    const a: Actor = {
      userId: u.id,
      role: u.role,
      organisationId: u.organisation_id,
      organisationKind: u.organisation_kind,
      name: `${u.first_name} ${u.last_name}`,
      agencyId: u.agency_id,
      agencyRestricted: u.agency_restricted,
    };
    actors.set(email, a);
    return a;
  };
}

/** Sets the demo clock to a working day's moment, `daysAgo` days before now: 9:00 (Paris) plus a few minutes. */
export function demoMoment(clock: FakeClock, now: Date): (daysAgo: number, minutes?: number) => void {
  return (daysAgo, minutes = 0) => {
    const day = new Date(now.getTime() - daysAgo * 86_400_000);
    day.setUTCHours(8, 0, 0, 0);
    clock.set(new Date(day.getTime() + minutes * 60_000));
  };
}

/** A one-page PDF standing for a scanned supporting document. */
export function demoPdf(title: string, subject: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: title } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.fontSize(16).text(title).moveDown().fontSize(11).text(subject).moveDown().fillColor('#666666').text('Document de démonstration : aucune donnée réelle.');
  doc.end();
  return done;
}
