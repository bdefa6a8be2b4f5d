import type { Knex } from 'knex';
import type { AccessLogService } from '../../audit/access-log';
import type { AuditService } from '../../audit/service';
import { type Db, isUuid } from '../../db/types';
import type { PersonMatch } from '../../households/persons-repository';
import { type Actor, inScope, scopeFor } from '../../permissions';
import type { Clock } from '../../shared/clock';
import { formatDate } from '../../shared/format';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { ORIENTATION_CAUSES, ORIENTATION_NEEDS } from '../labels';
import type { OrientationRepository, OrientationRow } from './repository';

/**
 * What the follow-up needs from the areas that open dossiers (wired at the root): a request draft
 * and a mission, each opened inside the follow-up's transaction and keeping the ASD case number.
 */
export interface DossierOpeners {
  /** A request draft for the household, for its landlord to complete and file. */
  requestDraft(
    actor: Actor,
    input: { householdId: string; aidTypeId: string; orientationAsd: string },
    db: Db,
  ): Promise<{ id: string; reference: string | null }>;
  /** A support mission ordered (association) or asked for (landlord). */
  mission(
    actor: Actor,
    input: { householdId: string; missionTypeId: string; reason: string; orientationAsd: string },
    db: Db,
  ): Promise<{ id: string; reference: string }>;
  /** The active aid and mission types, for the choice. */
  aidTypes(): Promise<Array<{ id: string; code: string; label: string }>>;
  missionTypes(): Promise<Array<{ id: string; code: string; label: string }>>;
}

/** Who the orientation's person may be among the known people: identity matches the matcher finds. */
export interface IdentityMatcher {
  findFor(probe: { lastName: string; firstNames: string; birthDate: string; email: null; phone: null }): Promise<PersonMatch[]>;
}

export type FollowUp = { kind: 'aide'; aidTypeId: string } | { kind: 'accompagnement'; missionTypeId: string; reason: string };

/** Which aid or mission type an orientation's needs suggest, by the codes of the demo's catalogue (none when the catalogue differs). */
const SUGGESTED_AID: Record<string, string> = { impaye_loyer: 'AQ', energie: 'AE', dette_locative: 'AD' };
const SUGGESTED_MISSION: Record<string, string> = { accompagnement_budget: 'BUDGET', accompagnement_acces_droits: 'DOSSIER', autre: 'DIAG' };

export interface FollowUpChoices {
  /** Households of the orientation's landlord where the person lives (identity match). */
  households: Array<{ id: string; holder: string; birthDate: string }>;
  aidTypes: Array<{ value: string; text: string }>;
  missionTypes: Array<{ value: string; text: string }>;
  suggestedAidTypeId: string | null;
  suggestedMissionTypeId: string | null;
  /** The mission's reason, prefilled from the orientation (codes turned into words, no health data). */
  reason: string;
}

/**
 * Turns an orientation into a request draft or a support mission for the household — matched among
 * the landlord's households, or created from the orientation's prefilled form — in one transaction:
 * the dossier keeps the ASD case number, the orientation becomes « transformée » and points to it.
 */
export class OrientationFollowUp {
  private readonly db: Knex;
  private readonly orientations: OrientationRepository;
  private readonly openers: DossierOpeners;
  private readonly matcher: IdentityMatcher;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;

  constructor(deps: {
    db: Knex;
    orientations: OrientationRepository;
    openers: DossierOpeners;
    matcher: IdentityMatcher;
    audit: AuditService;
    accessLog: AccessLogService;
    clock: Clock;
  }) {
    this.db = deps.db;
    this.orientations = deps.orientations;
    this.openers = deps.openers;
    this.matcher = deps.matcher;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
  }

  /** What the actor may choose for a waiting orientation it may manage. */
  async choices(actor: Actor, id: string): Promise<FollowUpChoices> {
    const orientation = isUuid(id) ? await this.orientations.find(this.db, id) : undefined;
    if (!orientation || !inScope(scopeFor(actor, 'orientations:manage'), orientation.organisation_id)) throw new NotFoundError();
    const [households, aidTypes, missionTypes] = await Promise.all([this.households(actor, orientation), this.openers.aidTypes(), this.openers.missionTypes()]);
    const needs = (orientation.record.besoins as string[] | undefined) ?? [];
    const pick = (types: Array<{ id: string; code: string }>, map: Record<string, string>) =>
      needs.map((n) => types.find((t) => t.code === map[n])?.id).find((id) => id !== undefined) ?? null;
    return {
      households,
      aidTypes: aidTypes.map((t) => ({ value: t.id, text: t.label })),
      missionTypes: missionTypes.map((t) => ({ value: t.id, text: t.label })),
      suggestedAidTypeId: pick(aidTypes, SUGGESTED_AID),
      suggestedMissionTypeId: pick(missionTypes, SUGGESTED_MISSION),
      reason: reasonOf(orientation),
    };
  }

  /** Opens the dossier the actor chose for the household and marks the orientation « transformée ». */
  async start(
    actor: Actor,
    id: string,
    input: { version: number; householdId: string; followUp: FollowUp },
  ): Promise<{ kind: FollowUp['kind']; id: string; reference: string | null }> {
    const seen = isUuid(id) ? await this.orientations.find(this.db, id) : undefined;
    if (!seen || !inScope(scopeFor(actor, 'orientations:manage'), seen.organisation_id)) throw new NotFoundError();
    // the matcher reads outside the transaction (its own connection); the landlord is checked again inside
    const household = (await this.households(actor, seen)).find((h) => h.id === input.householdId);
    if (!household) throw new ValidationError({ householdId: 'Choisissez le ménage de la personne orientée, ou créez-le' });
    return this.db.transaction(async (trx) => {
      const orientation = await this.orientations.find(trx, id, true);
      if (!orientation) throw new NotFoundError();
      if (orientation.status !== 'a_traiter') throw new ConflictError('Cette orientation n’est plus à traiter.');
      if (orientation.version !== input.version) throw new ConflictError();
      if (!(await this.orientations.isActiveHouseholdOf(trx, household.id, orientation.organisation_id)))
        throw new ValidationError({ householdId: 'Choisissez le ménage de la personne orientée, ou créez-le' });
      const asd = orientation.orientation_asd;
      const opened =
        input.followUp.kind === 'aide'
          ? await this.openers.requestDraft(actor, { householdId: household.id, aidTypeId: input.followUp.aidTypeId, orientationAsd: asd }, trx)
          : await this.openers.mission(
              actor,
              { householdId: household.id, missionTypeId: input.followUp.missionTypeId, reason: input.followUp.reason, orientationAsd: asd },
              trx,
            );
      const link = input.followUp.kind === 'aide' ? { aid_request_id: opened.id } : { mission_id: opened.id };
      if (!(await this.orientations.transform(trx, id, input.version, link))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'funder_orientation',
        entityId: id,
        organisationId: orientation.organisation_id,
        action: 'transformed',
        before: { status: 'a_traiter' },
        after: { status: 'transformee', ...link, householdId: household.id, reference: opened.reference },
      });
      return { kind: input.followUp.kind, ...opened };
    });
  }

  /** The landlord's households where the orientation's person lives today (its name and birth date). */
  private async households(actor: Actor, orientation: OrientationRow): Promise<FollowUpChoices['households']> {
    const matches = await this.matcher.findFor({
      lastName: orientation.last_name,
      firstNames: orientation.first_names,
      birthDate: orientation.birth_date,
      email: null,
      phone: null,
    });
    const found = matches.filter((m) => m.reasons.includes('identity') && m.householdId && m.organisationId === orientation.organisation_id);
    for (const m of found) await this.accessLog.read(actor, { action: 'person.duplicate_check', entityType: 'person', entityId: m.id });
    return found.map((m) => ({ id: m.householdId!, holder: `${m.firstNames} ${m.lastName}`, birthDate: m.birthDate }));
  }
}

/** « Orientation ASD-2026-000123 du 20/11/2026 : impayé de loyer, accompagnement budgétaire. Cause : baisse de ressources. » */
function reasonOf(orientation: OrientationRow): string {
  const needs = ((orientation.record.besoins as string[] | undefined) ?? []).map((n) => ORIENTATION_NEEDS[n as keyof typeof ORIENTATION_NEEDS] ?? n);
  const cause = orientation.record.cause as keyof typeof ORIENTATION_CAUSES | undefined;
  const text = `Orientation ${orientation.orientation_asd} du ${formatDate(orientation.oriented_on)} par le service ASD d’Action Logement : ${needs.join(', ').toLowerCase()}.`;
  return cause ? `${text} Cause : ${(ORIENTATION_CAUSES[cause] ?? cause).toLowerCase()}.` : text;
}
