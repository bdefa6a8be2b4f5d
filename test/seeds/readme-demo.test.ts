import fs from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import { loadDemo } from '../../seeds/load-demo';
import type { Database } from '../../src/db/database';
import { createTestDatabase } from '../support/database';
import { demoConfig } from '../support/demo-seed';

/** The README's demo section says what the seed makes: each figure it gives is read back from a seeded database. */
const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8').replace(/\s+/g, ' ');
const WORDS: Record<number, string> = {
  1: 'one',
  2: 'two',
  3: 'three',
  4: 'four',
  5: 'five',
  6: 'six',
  7: 'seven',
  8: 'eight',
  9: 'nine',
  12: 'twelve',
  14: 'fourteen',
  16: 'sixteen',
};

let db: Database;
const rows = async (sql: string) => (await db.knex.raw(sql)).rows as Array<Record<string, string>>;
const byKey = async (sql: string): Promise<Record<string, number>> => Object.fromEntries((await rows(sql)).map((r) => [String(r.k), Number(r.c)]));

beforeAll(async () => {
  db = await createTestDatabase();
  await loadDemo(db, demoConfig(), winston.createLogger({ silent: true }), new Date('2026-12-01T22:00:00+01:00'));
}, 60_000);
afterAll(async () => db?.close());

describe('the README’s demo section', () => {
  it('gives the households per landlord', async () => {
    const h = await byKey('select o.name as k, count(*) as c from households h join organisations o on o.id = h.organisation_id group by 1');
    expect(README).toContain(
      `${WORDS[(h['Bailleur A'] ?? 0) + (h['Bailleur B'] ?? 0)]} households (${WORDS[h['Bailleur A'] ?? 0]} at Bailleur A, ${WORDS[h['Bailleur B'] ?? 0]} at Bailleur B)`,
    );
  });

  it('gives the requests by status and the proposals waiting for validation', async () => {
    const s = await byKey('select status as k, count(*) as c from aid_requests group by 1');
    const total = Object.values(s).reduce((a, b) => a + b, 0);
    const pending = Number((await rows("select count(*) as c from decisions where status = 'pending'"))[0]?.c);
    expect(README).toContain(`${WORDS[total]} requests filed and instructed`);
    expect(README).toContain(`${WORDS[s.draft ?? 0]} drafts, ${WORDS[s.submitted ?? 0]} submitted`);
    expect(README).toContain(`${WORDS[s.in_review ?? 0]} in instruction`);
    expect(pending).toBe(1);
    expect(README).toContain('one whose 2 400 € grant proposal waits');
    expect(README).toContain(`${WORDS[s.awaiting_information ?? 0]} awaiting the landlord's information`);
    expect(README).toContain(`${WORDS[(s.granted ?? 0) + (s.in_payment ?? 0)]} grants — ${WORDS[s.granted ?? 0]} granted`);
    expect(README).toContain(`${WORDS[s.in_payment ?? 0]} in payment — the oldest`);
    expect(README).toContain(`batches; ${WORDS[s.refused ?? 0]} refusals, an adjournment and a withdrawal`);
    expect([s.adjourned, s.withdrawn]).toEqual([1, 1]);
  });

  it('gives the budget envelopes: two years of each fund, the energy fund co-financed, the demo’s money on them, the rent-aid endowment just under 80 %', async () => {
    const funds = await rows('select name, total_cents, committed_cents, consumed_cents from funds order by name');
    expect(funds.map((f) => f.name)).toEqual([
      'Aide sur quittance — dotation 2025',
      'Aide sur quittance — dotation 2026',
      'Fonds Énergie 2025',
      'Fonds Énergie 2026',
    ]);
    expect(README).toContain("Bailleur A's 12 400 dwellings and Bailleur B's 8 600 at 10 € each, matched at 50 % by Action Logement (315 000 €)");
    expect(funds.filter((f) => f.name?.startsWith('Fonds Énergie')).map((f) => Number(f.total_cents))).toEqual([31_500_000, 31_500_000]);
    const energy = funds.find((f) => f.name === 'Fonds Énergie 2026');
    expect([Number(energy?.committed_cents), Number(energy?.consumed_cents)]).toEqual([60_000, 60_000]);
    const kinds = await byKey('select kind as k, count(*) as c from fund_movements group by 1');
    expect(kinds.unconsume).toBe(1);
    const pending = await byKey(
      "select f.name as k, coalesce(sum(d.amount_cents), 0) as c from funds f left join decisions d on d.fund_id = f.id and d.status = 'pending' group by 1",
    );
    const rent = funds.filter((f) => f.name?.startsWith('Aide sur quittance')).sort((a, b) => Number(b.committed_cents) - Number(a.committed_cents))[0];
    expect(pending[rent?.name ?? '']).toBe(240_000);
    const used = (Number(rent?.committed_cents) + (pending[rent?.name ?? ''] ?? 0)) / Number(rent?.total_cents);
    expect(used).toBeGreaterThan(0.77);
    expect(used).toBeLessThan(0.8);
    expect(README).toContain('they and the 2 400 € proposal waiting for validation use about 78 % of it');
  });

  it('gives the missions per status and the adviser’s appointments', async () => {
    const m = await byKey('select status as k, count(*) as c from missions group by 1');
    expect(Object.keys(m).sort()).toEqual(['accepted', 'completed', 'declined', 'in_progress', 'interrupted', 'proposed']);
    expect(m).toEqual({ proposed: 2, accepted: 3, declined: 2, in_progress: 2, completed: 2, interrupted: 2 });
    expect(README).toContain('Thirteen support missions: two in each status, six per landlord, and one more accepted, born of an ASD orientation');
    const a = await byKey('select status as k, count(*) as c from appointments group by 1');
    expect(a).toEqual({ done: 1, no_show: 1, scheduled: 7 });
    expect(README).toContain('an appointment held and one missed over the last working days, six upcoming ones');
    // issue 17: the adviser's published availability and the one booking made from the QR code, without a mission
    const booked = await byKey("select booked_by as k, count(*) as c from appointments where status = 'scheduled' group by 1");
    expect(booked).toEqual({ adviser: 6, public: 1 });
    expect(Number((await rows('select count(*) as c from availability_slots'))[0]!.c)).toBe(3);
    expect(README).toContain('publishes her availability (Monday mornings in person, Wednesday afternoons by phone, Thursday mornings by video;');
  });

  it('gives the household space: Éloïse Lefèvre-Dupont’s link, the satisfaction questionnaires', async () => {
    const links = await byKey('select reason as k, count(*) as c from household_links group by 1');
    expect(Object.keys(links).length).toBeGreaterThan(0);
    expect(README).toContain('Éloïse Lefèvre-Dupont');
    const invitations = Number((await rows('select count(*) as c from satisfaction_invitations'))[0]!.c);
    const answers = Number((await rows('select count(*) as c from satisfaction_answers'))[0]!.c);
    expect({ invitations, answers }).toEqual({ invitations: 3, answers: 2 });
    expect(README).toContain('three satisfaction questionnaires were sent, two answered');
  });

  it('gives the assistance requests and the breach register', async () => {
    const r = await byKey("select category || '/' || status as k, count(*) as c from assistance_requests group by 1");
    expect(r).toEqual({ 'question/resolved': 1, 'anomaly/in_progress': 1, 'security_incident/new': 1 });
    const b = await rows('select cnil_status, source_request_id is not null as linked from data_breaches');
    expect(b).toEqual([{ cnil_status: 'pending', linked: true }]);
    expect(README).toContain(
      `${WORDS[Object.values(r).reduce((x, y) => x + y, 0)]} assistance requests (a question resolved, an anomaly in progress, a security incident) and`,
    );
    expect(README).toContain('one breach entry whose CNIL notification is still to decide');
  });

  it('gives this week’s self-audit, mailed to the association’s administrators', async () => {
    const reports = await rows('select period_key, alert_count > 0 as alerts from self_audit_reports');
    expect(reports).toEqual([{ period_key: '2026-W49', alerts: true }]);
    expect(Number((await rows("select count(*) as c from mail_outbox where kind = 'self_audit.weekly'"))[0]!.c)).toBeGreaterThan(0);
    expect(README).toContain("**Auto-contrôle** holds this week's self-audit, made when the demo is loaded");
  });
});
