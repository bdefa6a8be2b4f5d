import type { Knex } from 'knex';
import type { UserRepository } from '../../accounts/repository';
import type { AuditService } from '../../audit/service';
import { isUuid } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import { type Actor, can, scopeFor } from '../../permissions';
import type { Clock } from '../../shared/clock';
import { addDays, parisDate } from '../../shared/dates';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { xlsxBuffer } from '../../shared/xlsx';
import { urls } from '../../urls';
import type { RequestRow } from './repository';
import { EXPORT_COLUMNS, type ExportColumn, exportQuery } from './schemas';
import type { RequestListService } from './service';
import { CELLS } from './cells';

export type Frequency = 'weekly' | 'monthly';
export const FREQUENCY_LABELS: Record<Frequency, string> = { weekly: 'chaque lundi', monthly: 'le 1er de chaque mois' };
/** At most this many lists received by mail per person: a mailbox, not an archive. */
export const MAX_SUBSCRIPTIONS = 20;

export interface Subscription {
  id: string;
  name: string;
  query: string;
  frequency: Frequency;
  lastPeriod: string | null;
  lastSentAt: Date | null;
}

interface Row {
  id: string;
  user_id: string;
  name: string;
  query: string;
  frequency: Frequency;
  last_period: string | null;
  last_sent_at: Date | null;
}
const toSubscription = (r: Row): Subscription => ({
  id: r.id,
  name: r.name,
  query: r.query,
  frequency: r.frequency,
  lastPeriod: r.last_period,
  lastSentAt: r.last_sent_at,
});

/** ISO week of a day: "2026-W49" (the Thursday of its week decides the year). */
export function isoWeek(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(d.getTime() + (3 - weekday) * 86_400_000);
  const yearStart = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 1));
  const week = 1 + Math.floor((thursday.getTime() - yearStart.getTime()) / (7 * 86_400_000));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The period a subscription is due for on `day` (Paris), or null: weekly on Mondays, monthly on the 1st. */
export function duePeriod(frequency: Frequency, day: string): string | null {
  const weekday = (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7;
  if (frequency === 'weekly') return weekday === 0 ? isoWeek(day) : null;
  return day.endsWith('-01') ? day.slice(0, 7) : null;
}

/** Only what the list page reads from its query string: the filters and the columns, never a page number. */
export function cleanQuery(query: string): string {
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  const kept = new URLSearchParams();
  for (const [key, value] of params)
    if (['status', 'type', 'agence', 'bailleur', 'du', 'au', 'q', 'tri', 'ordre', 'colonnes'].includes(key)) kept.append(key, value);
  return kept.toString();
}

/**
 * « Recevoir cette liste par courriel » (docs/rapports.md): a person saves the requests list's
 * current filter as a report, received weekly (Mondays) or monthly (the 1st) as XLSX. The job
 * `list-reports` sends each one once per period: the subscription's row is locked and its period
 * noted in the transaction that queues the mail. At sending time the person is read again — still
 * active, organisation active, still allowed to read requests — and the list is built with their
 * own reach, as the page would show it to them then (the export's read is traced as theirs).
 */
export class ListSubscriptions {
  constructor(
    private readonly deps: {
      db: Knex;
      clock: Clock;
      lists: RequestListService;
      users: UserRepository;
      mailer: Mailer;
      blobs: BlobStore;
      audit: AuditService;
      baseUrl: string;
    },
  ) {}

  async list(actor: Actor): Promise<Subscription[]> {
    scopeFor(actor, 'requests:read');
    const rows = (await this.deps.db('list_subscriptions').where({ user_id: actor.userId, list: 'demandes' }).orderBy('name')) as Row[];
    return rows.map(toSubscription);
  }

  async subscribe(actor: Actor, input: { name: string; query: string; frequency: Frequency }): Promise<string> {
    scopeFor(actor, 'requests:read');
    const query = cleanQuery(input.query);
    return this.deps.db.transaction(async (trx) => {
      const count = await trx('list_subscriptions').where({ user_id: actor.userId }).count<{ n: string }[]>('* as n');
      if (Number(count[0]?.n ?? 0) >= MAX_SUBSCRIPTIONS)
        throw new ValidationError({ name: `Vous recevez déjà ${MAX_SUBSCRIPTIONS} listes par courriel : supprimez-en une avant d’en ajouter.` });
      const taken = await trx('list_subscriptions')
        .where({ user_id: actor.userId, list: 'demandes', name: input.name })
        .first<{ id: string } | undefined>('id');
      if (taken) throw new ValidationError({ name: `Vous recevez déjà une liste nommée « ${input.name} » : choisissez un autre nom.` });
      const [row] = await trx('list_subscriptions')
        .insert({ user_id: actor.userId, list: 'demandes', name: input.name, query, frequency: input.frequency, created_at: this.deps.clock.now() })
        .returning<Array<{ id: string }>>('id');
      await this.deps.audit.record(trx, actor, {
        entityType: 'list_subscription',
        entityId: row!.id,
        organisationId: actor.organisationId,
        action: 'create',
        after: { list: 'demandes', name: input.name, query, frequency: input.frequency },
      });
      return row!.id;
    });
  }

  async unsubscribe(actor: Actor, id: string): Promise<void> {
    scopeFor(actor, 'requests:read');
    if (!isUuid(id)) throw new NotFoundError();
    await this.deps.db.transaction(async (trx) => {
      const row = (await trx('list_subscriptions').where({ id, user_id: actor.userId }).forUpdate().first()) as Row | undefined;
      if (!row) throw new NotFoundError();
      await trx('list_subscriptions').where({ id }).delete();
      await this.deps.audit.record(trx, actor, {
        entityType: 'list_subscription',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'delete',
        before: { name: row.name, query: row.query, frequency: row.frequency },
      });
    });
  }

  /** What the job does on `now`'s day: every subscription due and not yet sent for its period. */
  async sendDue(): Promise<{ sent: number; skipped: number }> {
    const day = parisDate(this.deps.clock.now());
    let sent = 0;
    let skipped = 0;
    const mails: string[] = [];
    for (const frequency of ['weekly', 'monthly'] as const) {
      const period = duePeriod(frequency, day);
      if (!period) continue;
      const due = await this.deps
        .db('list_subscriptions')
        .where({ frequency })
        .where((q) => q.whereNull('last_period').orWhereNot('last_period', period))
        .orderBy('created_at')
        .select<Array<{ id: string }>>('id');
      for (const { id } of due) {
        const outcome = await this.sendOne(id, period, frequency, day);
        if (outcome === 'skipped') skipped++;
        else if (outcome) {
          sent++;
          mails.push(outcome.mailId);
        }
      }
    }
    await this.deps.mailer.deliver(mails);
    return { sent, skipped };
  }

  /**
   * One subscription: the person read again and the list built with their reach (outside any
   * transaction: the export reads through its own connection), then, the row locked, the mail
   * queued and the period noted together — null when another run sent it meanwhile.
   */
  private async sendOne(id: string, period: string, frequency: Frequency, day: string): Promise<{ mailId: string } | 'skipped' | null> {
    const row = (await this.deps.db('list_subscriptions').where({ id }).first()) as Row | undefined;
    if (!row || row.last_period === period) return null;
    const user = await this.deps.users.findById(this.deps.db, { all: true }, row.user_id);
    const actor: Actor | null =
      user && user.status === 'active' && user.organisationStatus === 'active'
        ? {
            userId: user.id,
            role: user.role,
            organisationId: user.organisationId,
            organisationKind: user.organisationKind,
            name: `${user.firstName} ${user.lastName}`,
            agencyId: user.agencyId,
            agencyRestricted: user.agencyRestricted,
          }
        : null;
    if (!actor || !user || !can(actor, 'requests:read')) {
      // nobody to send to any more: the period is noted so that it is not tried again each day
      await this.deps.db('list_subscriptions').where({ id }).whereRaw('last_period is distinct from ?', [period]).update({ last_period: period });
      return 'skipped';
    }
    // the query string as the list page reads it (what no longer parses is ignored, as on the page)
    const params = new URLSearchParams(row.query);
    const query = exportQuery.parse({ ...Object.fromEntries(params.entries()), colonnes: params.getAll('colonnes') });
    const columns: readonly ExportColumn[] = query.colonnes;
    const data = await xlsxBuffer(
      'Demandes',
      columns.map((c) => ({ header: EXPORT_COLUMNS[c], format: CELLS[c].format })),
      this.deps.lists.exportRows(actor, query, 'demandes.xlsx'),
      (r: RequestRow) => columns.map((c) => CELLS[c].value(r)),
    );
    return this.deps.db.transaction(async (trx) => {
      const locked = (await trx('list_subscriptions').where({ id }).forUpdate().first()) as Row | undefined;
      if (!locked || locked.last_period === period) return null;
      const blob = await this.deps.blobs.put(trx, data, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const link = `${this.deps.baseUrl}${urls.requests()}${row.query ? `?${row.query}` : ''}`;
      const mailId = await this.deps.mailer.queue(trx, {
        kind: 'list_report',
        to: user.email,
        subject: `Votre liste « ${row.name} » (${frequency === 'weekly' ? `semaine du ${formatDay(day)}` : `mois de ${monthName(day)}`})`,
        text: [
          `Bonjour ${user.firstName},`,
          '',
          `Voici la liste « ${row.name} » telle qu’elle est aujourd’hui, en pièce jointe (tableur XLSX).`,
          `La même liste dans Entraide : ${link}`,
          '',
          `Vous la recevez ${FREQUENCY_LABELS[frequency]}. Pour ne plus la recevoir : ${this.deps.baseUrl}${urls.listSubscriptions()}`,
        ].join('\n'),
        attachments: [
          { filename: `${slug(row.name)}-${day}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', blobId: blob.id },
        ],
      });
      await trx('list_subscriptions').where({ id }).update({ last_period: period, last_sent_at: this.deps.clock.now() });
      return { mailId };
    });
  }
}

const formatDay = (day: string): string => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
/** The month before the 1st it is sent on: the month the list covers in the reader's mind ("novembre 2026" on 1 December). */
const monthName = (day: string): string => {
  const before = addDays(day, -1);
  return `${MONTHS[Number(before.slice(5, 7)) - 1]} ${before.slice(0, 4)}`;
};
const slug = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
    .slice(0, 40) || 'liste';
