import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { maskEmail } from '../auth/second-factor';
import type { AuditService } from '../audit/service';
import type { Db } from '../db/types';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { Actor } from '../permissions';
import type { Clock } from '../shared/clock';
import { NotFoundError, ValidationError } from '../shared/errors';
import { fillPattern, routes } from '../urls';
import type { HouseholdActor } from './actor';
import { householdCodeMail, householdLinkMail } from './mails';
import type { HouseholdAccessRepository, LinkReason, LinkRow, Reachable } from './repository';

export const LINK_DAYS = 60;
export const CODE_MINUTES = 10;
export const CODE_TRIES = 5;
/** Codes a link may send in 15 minutes (each code replaces the previous one). */
export const CODES_PER_15_MIN = 3;
/** Links a person may ask for from the public page in an hour. */
export const ASKED_LINKS_PER_HOUR = 3;

const GONE = 'Ce lien n’est plus valable. Demandez un nouveau lien : il vous sera envoyé par courriel.';

export interface LinkPage {
  firstNames: string;
  maskedEmail: string;
  /** a code was sent and can still be typed */
  codePending: boolean;
  codeExpiresAt: Date | null;
}

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The household's door: personal links (made when a request is filed for the household or a
 * mission proposed, or asked for from the public page), one-time codes mailed to the same address,
 * and the read traces of the space. A link is worth nothing without the mailbox: the code proves it.
 */
export class HouseholdAccessService {
  constructor(
    private readonly deps: {
      db: Knex;
      clock: Clock;
      repository: HouseholdAccessRepository;
      mailer: Mailer;
      audit: AuditService;
      logger: Logger;
      baseUrl: string;
      secret: string;
    },
  ) {}

  /** Makes and mails a personal link to one person (current member of a household, with an e-mail); null when they cannot receive one. */
  async issueFor(personId: string, reason: LinkReason, db: Db = this.deps.db): Promise<string | null> {
    const person = await this.deps.repository.reachablePerson(db, personId);
    if (!person) return null;
    return this.issue(db, person, reason);
  }

  /** A staff member sends the link (the household asked them): audited with their name; false when the person has no e-mail. */
  async sendByStaff(actor: Actor, personId: string, organisationId: string): Promise<boolean> {
    const { db, audit, mailer } = this.deps;
    const mailId = await db.transaction(async (trx) => {
      const id = await this.issueFor(personId, 'staff', trx);
      if (id)
        await audit.record(trx, actor, {
          entityType: 'person',
          entityId: personId,
          organisationId,
          action: 'household.link_sent_by_staff',
          after: { reason: 'staff' },
        });
      return id;
    });
    if (mailId) await mailer.deliver([mailId]);
    return mailId !== null;
  }

  /** Links to every current member with an e-mail of a household (a request filed, a mission proposed). */
  async issueForHousehold(householdId: string, reason: LinkReason, db: Db = this.deps.db): Promise<string[]> {
    const mails: string[] = [];
    for (const person of await this.deps.repository.reachableMembers(db, householdId)) mails.push(await this.issue(db, person, reason));
    return mails;
  }

  /** Sends mails queued by issueFor/issueForHousehold once the caller's transaction has committed. */
  deliver(mailIds: Array<string | null>): Promise<void> {
    return this.deps.mailer.deliver(mailIds.filter((id): id is string => id !== null));
  }

  /** The public page: the same answer whether the address is known or not; a known person gets a new link, within limits. */
  async askForLink(email: string, context: { ip?: string }): Promise<void> {
    const { db, clock, repository, logger } = this.deps;
    const people = await repository.reachableByEmail(db, email.trim());
    if (people.length === 0) {
      logger.info('household link asked for an unknown address', { event: 'household.link_ignored', ip: context.ip });
      return;
    }
    const since = new Date(clock.now().getTime() - 3_600_000);
    const mails: string[] = [];
    await db.transaction(async (trx) => {
      for (const person of people) {
        if ((await repository.linksSince(trx, person.personId, since)) >= ASKED_LINKS_PER_HOUR) {
          logger.warn('household links throttled', { event: 'household.link_throttled', personId: person.personId, ip: context.ip });
          continue;
        }
        mails.push(await this.issue(trx, person, 'asked'));
      }
    });
    await this.deps.mailer.deliver(mails);
  }

  private async issue(db: Db, person: Reachable, reason: LinkReason): Promise<string> {
    const { clock, repository, audit, mailer, baseUrl } = this.deps;
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    const linkId = await repository.insertLink(db, {
      personId: person.personId,
      householdId: person.householdId,
      tokenHash: tokenHash(token),
      reason,
      now,
      expiresAt: new Date(now.getTime() + LINK_DAYS * 86_400_000),
    });
    await audit.record(
      db,
      { userId: null, name: 'Entraide (lien personnel)' },
      { entityType: 'person', entityId: person.personId, organisationId: person.organisationId, action: 'household.link_issued', after: { linkId, reason } },
    );
    return mailer.queue(db, householdLinkMail(person.email, person.firstNames, reason, `${baseUrl}${fillPattern(routes.householdLink, [token])}`, LINK_DAYS));
  }

  private async link(db: Db, token: string): Promise<LinkRow> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new NotFoundError(GONE);
    const link = await this.deps.repository.linkByHash(db, tokenHash(token));
    if (!link || link.revokedAt || link.expiresAt <= this.deps.clock.now()) throw new NotFoundError(GONE);
    return link;
  }

  private async personOf(db: Db, link: LinkRow): Promise<Reachable> {
    const person = await this.deps.repository.reachablePerson(db, link.personId);
    // the person left the household (or lost their e-mail) since: the link opens nothing
    if (!person || person.householdId !== link.householdId) throw new NotFoundError(GONE);
    return person;
  }

  /** What the link page shows (who, where the code goes, whether one is waiting). */
  async linkPage(token: string): Promise<LinkPage> {
    const { db, clock, repository } = this.deps;
    const link = await this.link(db, token);
    const person = await this.personOf(db, link);
    const code = await repository.lastCode(db, link.id);
    const pending = Boolean(code && !code.usedAt && code.expiresAt > clock.now() && code.attempts < CODE_TRIES);
    return { firstNames: person.firstNames, maskedEmail: maskEmail(person.email), codePending: pending, codeExpiresAt: pending ? code!.expiresAt : null };
  }

  /** Mails a new code (replacing the previous one); refused beyond CODES_PER_15_MIN. */
  async sendCode(token: string, context: { ip?: string }): Promise<void> {
    const { db, clock, repository, mailer, logger } = this.deps;
    const now = clock.now();
    const mailId = await db.transaction(async (trx) => {
      const link = await this.link(trx, token);
      await repository.lockLink(trx, link.id); // parallel asks count one after the other
      const person = await this.personOf(trx, link);
      if ((await repository.codesSince(trx, link.id, new Date(now.getTime() - 15 * 60_000))) >= CODES_PER_15_MIN) {
        logger.warn('household codes throttled', { event: 'household.code_throttled', linkId: link.id, ip: context.ip });
        throw new ValidationError({ _form: 'Trois codes ont déjà été envoyés. Attendez un quart d’heure avant d’en demander un autre.' });
      }
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await repository.insertCode(trx, {
        linkId: link.id,
        codeHash: this.codeHash(link.id, code),
        sentTo: maskEmail(person.email),
        now,
        expiresAt: new Date(now.getTime() + CODE_MINUTES * 60_000),
      });
      return mailer.queue(trx, householdCodeMail(person.email, person.firstNames, code, CODE_MINUTES));
    });
    await mailer.deliver([mailId]);
  }

  /** Checks the typed code: the session's actor when right; a French error (tries left, expired, used up) otherwise. */
  async verifyCode(token: string, typed: string, context: { ip?: string; requestId?: string }): Promise<HouseholdActor> {
    const { db, clock, repository, audit, logger } = this.deps;
    const now = clock.now();
    const outcome = await db.transaction(async (trx) => {
      const link = await this.link(trx, token);
      const person = await this.personOf(trx, link);
      const code = await repository.lastCodeForUpdate(trx, link.id);
      if (!code || code.usedAt) return { error: 'Demandez un code : il vous sera envoyé par courriel.' };
      if (code.expiresAt <= now) return { error: 'Ce code a expiré (il vaut 10 minutes). Demandez-en un nouveau.' };
      if (code.attempts >= CODE_TRIES) return { error: 'Trop d’essais avec ce code. Demandez-en un nouveau.' };
      if (!this.sameCode(code.codeHash, this.codeHash(link.id, typed))) {
        await repository.countAttempt(trx, code.id);
        const left = CODE_TRIES - code.attempts - 1;
        logger.info('household code refused', { event: 'household.code_refused', linkId: link.id, left, ip: context.ip });
        return {
          error:
            left > 0 ? `Ce code n’est pas le bon. Il vous reste ${left} essai${left > 1 ? 's' : ''}.` : 'Ce code n’est pas le bon. Demandez un nouveau code.',
        };
      }
      await repository.useCode(trx, code.id, now);
      await repository.markOpened(trx, link.id, now);
      await audit.record(
        trx,
        { userId: null, name: `Ménage — ${person.firstNames} ${person.lastName.slice(0, 1)}.` },
        {
          entityType: 'person',
          entityId: person.personId,
          organisationId: person.organisationId,
          action: 'household.session_opened',
          after: { linkId: link.id },
        },
      );
      const actor: HouseholdActor = {
        personId: person.personId,
        householdId: person.householdId,
        organisationId: person.organisationId,
        label: `${person.firstNames} ${person.lastName.slice(0, 1)}.`,
        linkId: link.id,
      };
      return { actor };
    });
    if ('error' in outcome) throw new ValidationError({ accessCode: outcome.error as string });
    return outcome.actor;
  }

  /** Whether a session may go on: its person is still in the household it was opened for, and its link neither withdrawn nor expired. */
  async stillValid(actor: HouseholdActor): Promise<boolean> {
    const { db, repository, clock } = this.deps;
    const [person, link] = await Promise.all([repository.reachablePerson(db, actor.personId), repository.linkById(db, actor.linkId)]);
    return person?.householdId === actor.householdId && link !== null && !link.revokedAt && link.expiresAt > clock.now();
  }

  /** Records a read made from the household space (who, which record, no payload). */
  async trace(
    actor: HouseholdActor,
    trace: { action: string; entityType: string; entityId: string; requestId?: string },
    db: Db = this.deps.db,
  ): Promise<void> {
    await this.deps.repository.traceRead(db, {
      personId: actor.personId,
      householdId: actor.householdId,
      action: trace.action,
      entityType: trace.entityType,
      entityId: trace.entityId,
      requestId: trace.requestId ?? null,
      at: this.deps.clock.now(),
    });
  }

  private codeHash(linkId: string, code: string): string {
    return createHmac('sha256', this.deps.secret).update(`household-code:${linkId}:${code}`).digest('hex');
  }

  private sameCode(a: string, b: string): boolean {
    const x = Buffer.from(a, 'hex');
    const y = Buffer.from(b, 'hex');
    return x.length === y.length && timingSafeEqual(x, y);
  }
}
