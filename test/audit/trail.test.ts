import { presentHistory } from '../../src/audit/presenter';
import type { AuditEvent } from '../../src/audit/repository';
import { TEST_NOW } from '../support/app';
import { $, type Agent, loginAs, postForm } from '../support/http';
import { useWorld } from '../support/world';

/**
 * The audit trail: what a line keeps (only the fields that changed, never a secret, bank account
 * numbers masked, who and from where), that it is written with the change or not at all and never
 * rewritten, and how the "Suivi des modifications" presents it (labels, creations, values in words).
 */
const t = useWorld();
const lines = (entityId: string) => t.ctx.knex('audit_events').where({ entity_id: entityId }).orderBy('id');

const event = (o: Partial<AuditEvent> & Pick<AuditEvent, 'action' | 'before' | 'after'>): AuditEvent => ({
  id: '1',
  occurredAt: TEST_NOW,
  actorUserId: null,
  actorLabel: 'Claire Martin',
  organisationId: null,
  entityType: 'user',
  entityId: 'u1',
  ip: null,
  requestId: null,
  ...o,
});

describe('the history presenter', () => {
  const labels = {
    actions: { 'user.created': 'Création du compte', 'user.updated': 'Modification' },
    fields: { firstName: 'Prénom', lastName: 'Nom', phone: 'Téléphone', restricted: 'Limité à son agence' },
  };

  it('lists a change field by field in the labels’ order and words, leaves out unchanged and unlabelled fields, and shows empty values as a dash', () => {
    const [row] = presentHistory(
      [
        event({
          action: 'user.updated',
          before: { phone: '0601020304', lastName: 'Durand', firstName: 'Léa', secret: 'x', restricted: false },
          after: { lastName: 'Lefèvre', phone: null, firstName: 'Léa', secret: 'y', restricted: true },
        }),
      ],
      labels,
    );
    expect(row).toEqual({
      at: TEST_NOW,
      by: 'Claire Martin',
      action: 'Modification',
      changes: [
        { field: 'Nom', from: 'Durand', to: 'Lefèvre' },
        { field: 'Téléphone', from: '0601020304', to: '—' },
        { field: 'Limité à son agence', from: 'non', to: 'oui' },
      ],
    });
  });

  it('shows a creation with only the fields it filled, an unknown action by its code, a deletion as dashes, and the subject when the page mixes entities', () => {
    const rows = presentHistory(
      [
        event({ action: 'user.created', before: null, after: { firstName: 'Léa', lastName: 'Durand', phone: '' } }),
        event({ action: 'user.erased', before: { lastName: 'Durand' }, after: null }),
      ],
      { ...labels, subject: (e) => (e.action === 'user.erased' ? 'Léa Durand' : null) },
    );
    expect(rows[0]).toMatchObject({
      action: 'Création du compte',
      changes: [
        { field: 'Prénom', from: '—', to: 'Léa' },
        { field: 'Nom', from: '—', to: 'Durand' },
      ],
    });
    expect(rows[1]).toMatchObject({ action: 'user.erased — Léa Durand', changes: [{ field: 'Nom', from: 'Durand', to: '—' }] });
    // a page's own words for values (role codes, dates…) replace the plain ones
    const [custom] = presentHistory([event({ action: 'user.updated', before: { phone: null }, after: { phone: '0601020304' } })], {
      ...labels,
      value: (_f, v) => (v ? `tél. ${String(v)}` : 'aucun'),
    });
    expect(custom?.changes).toEqual([{ field: 'Téléphone', from: 'aucun', to: 'tél. 0601020304' }]);
  });
});

describe('an audit line', () => {
  it('keeps only the fields that changed, never a password or token, bank account numbers masked, dates as ISO text', async () => {
    const actor = {
      userId: t.world.users.admin.id,
      role: 'admin' as const,
      organisationId: t.world.association.id,
      organisationKind: 'association' as const,
      name: 'Claire Admin',
      ip: '203.0.113.7',
      requestId: 'req-42',
    };
    await t.ctx.knex.transaction((trx) =>
      t.ctx.services.audit.record(trx, actor, {
        entityType: 'payee',
        entityId: 'p-1',
        organisationId: t.world.landlordA.id,
        action: 'payee.updated',
        before: {
          name: 'Régie Alpha',
          iban: 'FR7630006000011234567890189',
          bic: 'BNPAFRPPXXX',
          passwordHash: 'argon2id$avant',
          validFrom: new Date('2026-01-01T00:00:00Z'),
          note: undefined,
        },
        after: {
          name: 'Régie Alpha',
          iban: 'FR7610107001011234567890129',
          bic: 'BNPAFRPPXXX',
          passwordHash: 'argon2id$apres',
          token: 'jeton',
          validFrom: new Date('2026-12-01T00:00:00Z'),
          note: undefined,
        },
      }),
    );
    const [line] = await lines('p-1');
    expect(Object.keys(line.before).sort()).toEqual(['iban', 'validFrom']);
    expect(Object.keys(line.after).sort()).toEqual(['iban', 'validFrom']);
    expect(line.before.validFrom).toBe('2026-01-01T00:00:00.000Z');
    expect(line.after.validFrom).toBe('2026-12-01T00:00:00.000Z');
    for (const [side, last] of [
      [line.before.iban, '189'],
      [line.after.iban, '129'],
    ] as const) {
      expect(side).toMatch(/^FR76 ••••/);
      expect(side.endsWith(last)).toBe(true);
      expect(side.replace(/\s/g, '')).not.toMatch(/\d{10}/);
    }
    expect(JSON.stringify(line)).not.toMatch(/argon2id|jeton/);
    expect(line).toMatchObject({
      actor_user_id: t.world.users.admin.id,
      actor_label: 'Claire Admin',
      ip: '203.0.113.7',
      request_id: 'req-42',
      organisation_id: t.world.landlordA.id,
      action: 'payee.updated',
    });
    expect(new Date(line.occurred_at).toISOString()).toBe(TEST_NOW.toISOString());

    // the scheduler or the command line: no user, no address
    await t.ctx.knex.transaction((trx) =>
      t.ctx.services.audit.record(
        trx,
        { userId: null, name: 'Tâche planifiée' },
        { entityType: 'payee', entityId: 'p-2', organisationId: null, action: 'payee.created', after: { name: 'Régie Bêta', rib: 'FR76' } },
      ),
    );
    const [system] = await lines('p-2');
    // a value too short to be an account number stays as is; a creation keeps its fields, with no "before"
    expect(system).toMatchObject({
      actor_user_id: null,
      actor_label: 'Tâche planifiée',
      ip: null,
      request_id: null,
      before: null,
      after: { name: 'Régie Bêta', rib: 'FR76' },
    });
  });

  it('is written with its change or not at all, and can never be rewritten afterwards', async () => {
    await expect(
      t.ctx.knex.transaction(async (trx) => {
        await t.ctx.services.audit.record(
          trx,
          { userId: null, name: 'Test' },
          { entityType: 'payee', entityId: 'p-3', organisationId: null, action: 'payee.updated', before: { name: 'A' }, after: { name: 'B' } },
        );
        throw new Error('la modification échoue');
      }),
    ).rejects.toThrow('la modification échoue');
    expect(await lines('p-3')).toHaveLength(0);

    const [line] = await lines('p-1');
    await expect(t.ctx.knex('audit_events').where({ id: line.id }).update({ actor_label: 'Quelqu’un d’autre' })).rejects.toThrow(/append-only/);
    await expect(t.ctx.knex('audit_events').where({ id: line.id }).delete()).rejects.toThrow(/append-only/);
    expect(await lines('p-1')).toEqual([line]);
  });

  it('keeps the lines of one organisation apart: a history of several entities read for a landlord holds its own lines and the association’s only', async () => {
    const system = { userId: null, name: 'Test' };
    await t.ctx.knex.transaction(async (trx) => {
      await t.ctx.services.audit.record(trx, system, {
        entityType: 'person',
        entityId: 'pers-1',
        organisationId: t.world.landlordA.id,
        action: 'person.updated',
        after: { phone: 'A' },
      });
      await t.ctx.services.audit.record(trx, system, {
        entityType: 'person',
        entityId: 'pers-1',
        organisationId: t.world.landlordB.id,
        action: 'person.updated',
        after: { phone: 'B' },
      });
      await t.ctx.services.audit.record(trx, system, {
        entityType: 'person',
        entityId: 'pers-1',
        organisationId: null,
        action: 'person.merged',
        after: { phone: 'asso' },
      });
    });
    const forA = await t.ctx.services.audit.historyOf(t.ctx.knex, [{ type: 'person', ids: ['pers-1'], organisationId: t.world.landlordA.id }]);
    expect(forA.map((e) => e.after?.phone).sort()).toEqual(['A', 'asso']);
    const all = await t.ctx.services.audit.historyOf(t.ctx.knex, [
      { type: 'person', ids: ['pers-1'] },
      { type: 'household', ids: [] },
    ]);
    expect(all).toHaveLength(3);
    // newest first; at the same instant, the last written first
    expect(all.map((e) => e.action)).toEqual(['person.merged', 'person.updated', 'person.updated']);
  });
});

describe('the “Suivi des modifications” of an account', () => {
  /** Every field of the edit form as the browser would send it. */
  async function editFields(agent: Agent, path: string): Promise<Record<string, string>> {
    const page = $((await agent.get(path)).text);
    const form = page(`form[action="${path}"]`);
    const out: Record<string, string> = {};
    form.find('input, select, textarea').each((_i, el) => {
      const f = page(el);
      const name = f.attr('name');
      if (!name || name === '_csrf') return;
      if (f.attr('type') === 'checkbox' || f.attr('type') === 'radio') {
        if (f.is(':checked')) out[name] = f.attr('value') ?? 'on';
      } else if (el.tagName === 'select') out[name] = f.find('option:selected').attr('value') ?? f.find('option').first().attr('value') ?? '';
      else if (el.tagName === 'textarea') out[name] = f.text();
      else out[name] = f.attr('value') ?? '';
    });
    return out;
  }

  it('shows the landlord administrator’s change of a colleague, field by field in words, and stays within the landlord', async () => {
    const adminA = await loginAs(t.ctx.app, t.world.users.adminA.email);
    const user = t.world.users.instructorA;
    const path = `/utilisateurs/${user.id}/modifier`;
    const fields = await editFields(adminA, path);
    const oldName = fields.lastName;
    const res = await postForm(adminA, path, { ...fields, lastName: 'Lefèvre', phone: '06 01 02 03 04' });
    expect(res.status).toBe(302);

    const page = $((await adminA.get(`/utilisateurs/${user.id}`)).text);
    const rows = page('#historique').parent().find('tbody tr');
    expect(rows.length).toBeGreaterThan(0);
    const first = rows.first();
    const cells = first
      .find('td')
      .map((_i, td) => page(td).text().replace(/\s+/g, ' ').trim())
      .get();
    expect(cells[1]).toMatch(/^Camille Durand\d+$/);
    expect(cells[2]).toBe('Modification');
    expect(cells[3]).toContain(`Nom : ${oldName} → Lefèvre`);
    expect(cells[3]).toMatch(/Téléphone : — → 06 ?01 ?02 ?03 ?04/);
    expect(cells[3]).not.toContain('Prénom');
    expect(page('.last-update').text()).toMatch(/^Dernière mise à jour le .+ par Camille Durand\d+$/);

    // the other landlord does not reach the account, nor its history
    const adminB = await loginAs(t.ctx.app, t.world.users.adminB.email);
    expect((await adminB.get(`/utilisateurs/${user.id}`)).status).toBe(404);
  });
});
