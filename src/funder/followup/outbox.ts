import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/types';
import { parisDate } from '../../shared/dates';
import type { DomainEvents } from '../../shared/domain-events';
import type { FunderRecordRepository, RecordSource } from '../outbound/records-repository';

/** A SUIVI event (docs/echanges/suivi.md): codes and figures only, never free text nor health data. */
export type FollowUpEvent =
  | 'orientation_recue'
  | 'orientation_refusee'
  | 'orientation_close'
  | 'demande_deposee'
  | 'information_demandee'
  | 'decision_accord'
  | 'decision_refus'
  | 'decision_ajournement'
  | 'paiement_emis'
  | 'paiement_rejete'
  | 'accompagnement_accepte'
  | 'accompagnement_refuse'
  | 'accompagnement_seance'
  | 'accompagnement_termine'
  | 'accompagnement_interrompu';

/** The request statuses whose arrival is an event of the follow-up, and the event. */
const REQUEST_EVENTS: Record<string, FollowUpEvent> = {
  submitted: 'demande_deposee',
  awaiting_information: 'information_demandee',
  granted: 'decision_accord',
  refused: 'decision_refus',
  adjourned: 'decision_ajournement',
};
const MISSION_EVENTS: Record<string, FollowUpEvent> = {
  accepted: 'accompagnement_accepte',
  declined: 'accompagnement_refuse',
  completed: 'accompagnement_termine',
  interrupted: 'accompagnement_interrompu',
};

interface Dossier {
  orientation_asd: string | null;
  reference: string | null;
  /** the aid or mission type's code, upper case as the agreement writes codes */
  code: string;
  requested_cents?: string | number | null;
}

/**
 * The `SUIVI` outbox: every event of a dossier tied to an ASD orientation is written to
 * `funder_records` in the transaction of the business change that makes it (the request filed,
 * decided, paid; the mission accepted, a session held…), exactly once — it leaves in the next
 * daily file. A dossier without an orientation writes nothing.
 */
export class FollowUpOutbox {
  constructor(private readonly records: FunderRecordRepository) {}

  /** Hangs the outbox on the business events (at the root, once). */
  register(events: DomainEvents): void {
    events.on('request.moved', async (trx, e, now) => {
      const event = REQUEST_EVENTS[e.to];
      if (!event || e.from === e.to) return;
      const dossier = await requestOf(trx, e.requestId);
      if (!dossier?.orientation_asd) return;
      const details: Record<string, unknown> = { aide: dossier.code };
      if (event === 'demande_deposee') details.montant_centimes = Number(dossier.requested_cents ?? 0);
      if (event === 'decision_accord')
        Object.assign(details, { montant_centimes: Number(e.after.grantedCents ?? 0), echeances: Number(e.after.instalments ?? 1) });
      if (event === 'decision_refus') details.motif = codeOf(e.after.reason) ?? 'autre';
      if (event === 'decision_ajournement' && typeof e.after.adjournedUntil === 'string') details.date_effet = e.after.adjournedUntil;
      await this.add(trx, event, dossier, { sourceType: 'aid_request', sourceId: e.requestId }, now, details);
    });
    events.on('batch.transmitted', async (trx, e, now) => {
      for (const item of e.items) {
        const dossier = await requestOf(trx, item.requestId);
        if (!dossier?.orientation_asd) continue;
        await this.add(trx, 'paiement_emis', dossier, { sourceType: 'aid_request', sourceId: item.requestId }, now, {
          aide: dossier.code,
          montant_centimes: item.amountCents,
          date_effet: parisDate(now),
        });
      }
    });
    events.on('payment.rejected', async (trx, e, now) => {
      const dossier = await requestOf(trx, e.requestId);
      if (!dossier?.orientation_asd) return;
      await this.add(trx, 'paiement_rejete', dossier, { sourceType: 'aid_request', sourceId: e.requestId }, now, {
        aide: dossier.code,
        montant_centimes: e.amountCents,
        date_effet: parisDate(now),
        motif: codeOf(e.reason) ?? 'autre',
      });
    });
    events.on('mission.moved', async (trx, e, now) => {
      const event = MISSION_EVENTS[e.to];
      if (!event) return;
      const dossier = await missionOf(trx, e.missionId);
      if (!dossier?.orientation_asd) return;
      const details: Record<string, unknown> = { aide: dossier.code };
      if (event === 'accompagnement_termine' || event === 'accompagnement_interrompu') Object.assign(details, await objectivesOf(trx, e.missionId));
      await this.add(trx, event, dossier, { sourceType: 'mission', sourceId: e.missionId }, now, details);
    });
    events.on('mission.session_recorded', async (trx, e, now) => {
      const dossier = await missionOf(trx, e.missionId);
      if (!dossier?.orientation_asd) return;
      await this.add(trx, 'accompagnement_seance', dossier, { sourceType: 'mission', sourceId: e.missionId }, now, {
        aide: dossier.code,
        duree_minutes: e.minutes,
        date_effet: e.heldOn,
      });
    });
  }

  /** An orientation's own events (received, closed), written by the funder area in its transaction. */
  async orientation(
    trx: Db,
    orientationId: string,
    orientationAsd: string,
    event: 'orientation_recue' | 'orientation_close',
    now: Date,
    motif?: string,
  ): Promise<void> {
    await this.records.enqueue(
      trx,
      'SUIVI',
      { id: newId(), orientation_asd: orientationAsd, horodatage: now.toISOString(), evenement: event, ...(motif ? { motif } : {}) },
      { sourceType: 'funder_orientation', sourceId: orientationId },
      now,
    );
  }

  private async add(trx: Db, event: FollowUpEvent, dossier: Dossier, source: RecordSource, now: Date, details: Record<string, unknown>): Promise<void> {
    await this.records.enqueue(
      trx,
      'SUIVI',
      {
        id: newId(),
        orientation_asd: dossier.orientation_asd,
        horodatage: now.toISOString(),
        evenement: event,
        ...(dossier.reference ? { reference: dossier.reference } : {}),
        ...details,
      },
      source,
      now,
    );
  }
}

/** A record id: `S-` and 32 hex digits, chosen once when the event is written (it never changes, even re-sent). */
const newId = (): string => `S-${randomUUID().replace(/-/g, '')}`;

/** A reason as the agreement's codes are written (lower case, digits, underscores), or null. */
const codeOf = (reason: unknown): string | null => {
  const code = typeof reason === 'string' ? reason.toLowerCase() : '';
  return /^[a-z0-9_]{1,40}$/.test(code) ? code : null;
};

const upper = (d: Dossier | undefined): Dossier | undefined => (d ? { ...d, code: d.code.toUpperCase() } : d);

const requestOf = async (trx: Db, id: string): Promise<Dossier | undefined> =>
  upper(
    await trx('aid_requests as r')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .where('r.id', id)
      .first<Dossier | undefined>('r.orientation_asd', 'r.reference', 't.code', 'r.requested_cents'),
  );

const missionOf = async (trx: Db, id: string): Promise<Dossier | undefined> =>
  upper(
    await trx('missions as m')
      .join('mission_types as t', 't.id', 'm.mission_type_id')
      .where('m.id', id)
      .first<Dossier | undefined>('m.orientation_asd', 'm.reference', 't.code'),
  );

async function objectivesOf(trx: Db, missionId: string): Promise<{ objectifs_atteints: number; objectifs_total: number }> {
  const rows = await trx('mission_objectives').where({ mission_id: missionId }).select<Array<{ result: string | null }>>('result');
  return { objectifs_atteints: rows.filter((r) => r.result === 'reached').length, objectifs_total: rows.length };
}
