import type { ZipEntry } from '../shared/zip';
import type { Mission, MissionSession, Objective } from './repository';

/**
 * A mission's dossier for the funder's case worker (issue 15): `dossier.json` — the mission, its
 * objectives and results, its sessions (date, length, kind; never the summary nor the adviser's
 * private notes) — and its closing report (the summary a landlord may read too).
 */
export function missionDossierEntries(
  m: Mission,
  objectives: readonly Objective[],
  sessions: readonly MissionSession[],
  report: Buffer | null,
  now: Date,
): ZipEntry[] {
  const dossier = {
    exporte_le: now.toISOString(),
    accompagnement: {
      reference: m.reference,
      orientation_asd: m.orientationAsd,
      type: { code: m.typeCode, libelle: m.typeLabel },
      statut: m.status,
      bailleur: m.organisationName,
      origine: m.origin,
      motif: m.reason,
      demande_liee: m.requestReference,
      commandee_le: m.orderedAt.toISOString(),
      acceptee_le: m.acceptedAt?.toISOString() ?? null,
      commencee_le: m.startedAt?.toISOString() ?? null,
      terminee_le: m.endedAt?.toISOString() ?? null,
      accord_du_menage: m.consent ? { date: m.consent.date, mode: m.consent.method } : null,
      minutes_prevues: m.plannedMinutes,
    },
    objectifs: objectives.map((o) => ({ numero: o.position, domaine: o.category, objectif: o.text, resultat: o.result })),
    entretiens: sessions.map((s) => ({ le: s.heldOn, duree_minutes: s.durationMinutes, type: s.kind })),
    minutes_realisees: sessions.reduce((n, s) => n + s.durationMinutes, 0),
  };
  return [{ name: 'dossier.json', data: `${JSON.stringify(dossier, null, 2)}\n` }, ...(report ? [{ name: `bilan-${m.reference}.pdf`, data: report }] : [])];
}
