import type { Db } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';
import { centsToDecimal } from '../shared/money';
import type { SubjectExportRepository } from './subject-export-repository';

/** Traces of consultation listed at most (the oldest beyond are counted, not listed). */
const MAX_TRACES = 5_000;

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));
const day = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));
const euros = (cents: unknown): string | null => (cents === null || cents === undefined ? null : centsToDecimal(cents as number | string, '.'));
const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** What the export leaves out, and why — written into the file so the person reads it too. */
export const EXCLUSIONS = [
  'Les notes internes des chargés d’instruction et les notes privées des conseillers ne figurent pas dans cet export : ce sont des notes de travail, communicables sur demande après examen par le délégué à la protection des données.',
  'Les données des autres membres du foyer ne sont pas communiquées (RGPD, art. 15 § 4) : seules leurs parts de la situation commune (loyer, charges) apparaissent.',
  'Les pièces justificatives sont listées ; leur copie est fournie sur demande.',
  'Les traces de consultation sont conservées pendant une durée limitée : les plus anciennes ont déjà été supprimées.',
];

interface SituationMember {
  personId: string;
  name: string;
  employmentStatus: string;
  resourcesCents: number;
}

/**
 * Everything Entraide holds on one person (GDPR art. 15 and 20), as a machine-readable document:
 * identity, households and their dwellings, aid requests of those households (the person's own
 * part of each situation), decisions and payments, documents, support missions with their
 * sessions and appointments, the history of changes to the person, who consulted their files
 * (organisation and date), and their rights requests. Read in one pass, no change made.
 */
export async function subjectExport(
  db: Db,
  cipher: FieldCipher,
  personId: string,
  now: Date,
  records: SubjectExportRepository,
): Promise<Record<string, unknown> | null> {
  const found = await records.read(db, personId, MAX_TRACES + 1);
  if (!found) return null;
  const {
    person,
    association,
    memberships,
    requests,
    decisions,
    payments,
    documents,
    uploads,
    exchanges,
    missions,
    objectives,
    sessions,
    appointments,
    history,
    traces,
    rights,
  } = found;

  const ofRequest = <T extends { request_id: string }>(rows: T[], id: string) => rows.filter((r) => r.request_id === id);
  const ofMission = <T extends { mission_id: string }>(rows: T[], id: string) => rows.filter((r) => r.mission_id === id);
  return {
    format: 'entraide-export-personne/1',
    genere_le: iso(now),
    responsable_du_traitement: association ? { nom: association.name, siren: association.siren } : null,
    personne: {
      civilite: person.civility,
      nom: person.last_name,
      prenoms: person.first_names,
      date_de_naissance: day(person.birth_date),
      courriel: person.email,
      telephone: person.phone,
      situation_professionnelle: person.employment_status,
      employeur: person.employer_name,
      siret_employeur: person.employer_siret,
      ressources_mensuelles_euros: {
        salaires: euros(person.resource_salary_cents),
        chomage: euros(person.resource_unemployment_cents),
        caf: euros(person.resource_caf_cents),
        pensions: euros(person.resource_pension_cents),
        rsa: euros(person.resource_rsa_cents),
        autres: euros(person.resource_other_cents),
      },
      enregistree_le: iso(person.created_at),
      modifiee_le: iso(person.updated_at),
    },
    foyers: memberships.map((m) => ({
      bailleur: m.landlord,
      reference_du_bail: m.tenancy_reference,
      adresse: [m.address_line1, m.address_line2, `${m.postcode} ${m.city}`].filter(Boolean).join(', '),
      lien: m.relationship,
      du: day(m.from_date),
      au: day(m.to_date),
      entree_dans_le_logement: day(m.entry_date),
      loyer_euros: euros(m.rent_cents),
      charges_euros: euros(m.charges_cents),
      aide_au_logement_euros: euros(m.housing_allowance_cents),
    })),
    demandes_d_aide: requests.map((r) => {
      const situation = json<Record<string, unknown> & { members?: SituationMember[] }>(r.situation);
      const own = situation?.members?.find((m) => m.personId === personId) ?? null;
      return {
        reference: r.reference,
        aide: r.aid,
        statut: r.status,
        deposee_le: iso(r.submitted_at),
        decidee_le: iso(r.decided_at),
        montant_demande_euros: euros(r.requested_cents),
        mensualites_demandees: r.requested_months,
        montant_accorde_euros: euros(r.granted_cents),
        versement_a: r.payee_kind ? { type: r.payee_kind, nom: r.payee_name } : null,
        consentement: json(r.consent),
        situation: situation
          ? {
              loyer_euros: euros(situation.rentCents),
              charges_euros: euros(situation.chargesCents),
              aide_au_logement_euros: euros(situation.housingAllowanceCents),
              impayes_euros: euros(situation.arrearsCents),
              mois_d_impayes: situation.arrearsMonths ?? null,
              cause: situation.cause ?? null,
              commentaire: situation.causeComment ?? null,
              vos_ressources_euros: own ? euros(own.resourcesCents) : null,
              votre_situation_professionnelle: own?.employmentStatus ?? null,
              autres_membres: (situation.members ?? []).filter((m) => m.personId !== personId).length,
            }
          : null,
        decisions: ofRequest(decisions, r.id)
          .filter((d) => d.status === 'applied')
          .map((d) => ({
            decision: d.kind,
            montant_euros: euros(d.amount_cents),
            mensualites: d.instalments,
            premiere_echeance: day(d.first_due_date),
            motif: d.reason_code,
            ajournee_jusqu_au: day(d.adjourned_until),
            le: iso(d.validated_at ?? d.proposed_at),
          })),
        versements: ofRequest(payments, r.id).map((p) => ({
          echeance: p.instalment,
          montant_euros: euros(p.amount_cents),
          date_prevue: day(p.due_date),
          statut: p.status,
          regle_le: iso(p.settled_at),
        })),
        pieces: ofRequest(documents, r.id).map((d) => ({
          type: d.kind,
          fichier: d.filename,
          version: d.version,
          actuelle: d.current,
          deposee_le: iso(d.uploaded_at),
        })),
        pieces_a_classer: ofRequest(uploads, r.id).map((u) => ({ fichier: u.filename, deposee_le: iso(u.uploaded_at) })),
        echanges: ofRequest(exchanges, r.id).map((e) => ({ le: iso(e.occurred_at), type: e.kind, statut: e.to_status, message: e.message })),
      };
    }),
    accompagnements: missions.map((m) => ({
      reference: m.reference,
      type: m.type,
      statut: m.status,
      motif: m.reason,
      commandee_le: iso(m.ordered_at),
      acceptee_le: iso(m.accepted_at),
      commencee_le: iso(m.started_at),
      terminee_le: iso(m.ended_at),
      consentement: json(m.consent),
      bilan: m.outcome,
      recommandations: m.recommendations,
      motif_de_refus: m.decline_reason,
      motif_d_interruption: m.interruption_reason,
      objectifs: ofMission(objectives, m.id).map((o) => ({ domaine: o.category, objectif: o.text, resultat: o.result })),
      entretiens: ofMission(sessions, m.id).map((s) => ({
        le: day(s.held_on),
        duree_minutes: s.duration_minutes,
        type: s.kind,
        participants: s.participants,
        resume: cipher.decrypt(s.summary, 'mission_sessions.summary'),
        prochaines_etapes: s.next_steps,
      })),
      rendez_vous: ofMission(appointments, m.id).map((a) => ({
        le: iso(a.starts_at),
        duree_minutes: a.duration_minutes,
        mode: a.mode,
        lieu: a.place,
        statut: a.status,
      })),
    })),
    historique_des_modifications: history.map((h) => ({ le: iso(h.occurred_at), action: h.action, avant: json(h.before), apres: json(h.after) })),
    consultations: {
      liste_limitee_a: MAX_TRACES,
      liste_complete: traces.length <= MAX_TRACES,
      traces: traces.slice(0, MAX_TRACES).map((e) => ({ le: iso(e.occurred_at), organisation: e.organisation, objet: e.entity_type, action: e.action })),
    },
    demandes_d_exercice_des_droits: rights.map((q) => ({
      droit: q.kind,
      recue_le: day(q.received_on),
      echeance: day(q.due_on),
      canal: q.channel,
      repondue_le: day(q.answered_on),
      reponse: q.answer,
    })),
    exclusions: EXCLUSIONS,
  };
}
