import JSZip from 'jszip';
import { insertHousehold } from '../factories/household';
import { acceptedMission, missionSetup } from '../factories/mission';
import { actorOf, grantedRequest, paymentSetup } from '../factories/payment';
import { loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * A request's or a mission's whole dossier as a ZIP for the funder's case worker (issue 15): its JSON, its
 * current documents and its decision letters; for the association only, each export traced; no
 * IBAN and no internal note in it.
 */
const t = useWorld();
let requestId: string;

beforeAll(async () => {
  const { aqId } = await paymentSetup(t.ctx.services, t.ctx.knex, t.world);
  const householdId = (await insertHousehold(t.ctx.knex, t.world.landlordA.id)).id;
  requestId = await grantedRequest(t.ctx.services, t.ctx.knex, t.world, {
    aqId,
    householdId,
    amountCents: 90000,
    instalments: 3,
    firstDueDate: '2026-12-10',
    orientationAsd: 'ASD-2026-000777',
  });
});

const binary = (res: { on: (e: string, f: (c?: Buffer) => void) => void }, done: (e: Error | null, b?: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c?: Buffer) => chunks.push(c as Buffer));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('the dossier export', () => {
  it('gives the operator one ZIP: the dossier as JSON with its decisions and instalments, the decision letter, and traces the read', async () => {
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await agent.get(`/demandes/${requestId}/dossier.zip`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="dossier-\d{4}-\d{5}-\d{4}-\d{2}-\d{2}\.zip"/);
    const zip = await JSZip.loadAsync(res.body as Buffer);
    const names = Object.keys(zip.files).sort();
    expect(names).toContain('dossier.json');
    expect(names).toContain('courriers/decision-1-grant.pdf');
    expect((await zip.file('courriers/decision-1-grant.pdf')!.async('nodebuffer')).subarray(0, 5).toString()).toBe('%PDF-');
    const text = await zip.file('dossier.json')!.async('string');
    const dossier = JSON.parse(text) as { demande: Record<string, unknown>; decisions: Array<Record<string, unknown>>; versements: unknown[] };
    expect(dossier.demande).toMatchObject({ orientation_asd: 'ASD-2026-000777', statut: 'granted', aide: { code: 'AQ' } });
    expect(dossier.decisions[0]).toMatchObject({ nature: 'grant', montant_centimes: 90000, echeances: 3 });
    expect(dossier.versements).toHaveLength(3);
    expect(text).not.toMatch(/FR76\s?\d{4}/);
    const traces = await t.ctx.knex('access_events').where({ action: 'request.dossier_export', entity_id: requestId, user_id: t.world.users.operator.id });
    expect(traces).toHaveLength(1);
  });

  it('is refused to the landlord and to the adviser', async () => {
    for (const email of [t.world.users.instructorA.email, t.world.users.social_adviser.email]) {
      const agent = await loginAs(t.ctx.app, email);
      expect((await agent.get(`/demandes/${requestId}/dossier.zip`)).status).toBe(403);
    }
  });
});

describe('the mission dossier export', () => {
  it('gives the operator the mission, its objectives and sessions without their summaries, and its report; traced; refused to the adviser', async () => {
    const setup = await missionSetup(t.ctx.services, t.ctx.knex, t.world);
    const missionId = await acceptedMission(t.ctx.services, t.ctx.knex, t.world, setup);
    const adviser = await actorOf(t.ctx.knex, t.world.users.social_adviser.id);
    await t.ctx.services.missions.recordSession(adviser, missionId, {
      heldOn: '2026-11-21',
      durationMinutes: 60,
      kind: 'home_visit',
      participants: 'Mme Durand',
      summary: 'Confidences sur la santé du ménage',
      privateNotes: 'Note privée du conseiller',
    });
    const agent = await loginAs(t.ctx.app, t.world.users.operator.email);
    const res = await agent.get(`/accompagnement/${missionId}/dossier.zip`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const zip = await JSZip.loadAsync(res.body as Buffer);
    const text = await zip.file('dossier.json')!.async('string');
    const dossier = JSON.parse(text) as { accompagnement: Record<string, unknown>; objectifs: unknown[]; entretiens: unknown[] };
    expect(dossier.accompagnement).toMatchObject({ statut: 'in_progress', type: { code: 'DIAG' } });
    expect(dossier.objectifs.length).toBeGreaterThan(0);
    expect(dossier.entretiens).toEqual([{ le: '2026-11-21', duree_minutes: 60, type: 'home_visit' }]);
    expect(text).not.toContain('santé');
    expect(text).not.toContain('Note privée');
    expect(await t.ctx.knex('access_events').where({ action: 'mission.dossier_export', entity_id: missionId })).toHaveLength(1);
    const other = await loginAs(t.ctx.app, t.world.users.social_adviser.email);
    expect((await other.get(`/accompagnement/${missionId}/dossier.zip`)).status).toBe(403);
  });
});
