import type { Knex } from 'knex';
import type { AuditService } from '../../audit/service';
import { type Db, isUuid } from '../../db/types';
import { safeFilename, uploadProblem } from '../../files/sniff';
import type { BlobStore } from '../../files/storage';
import { type Actor, can, scopeFor } from '../../permissions/index';
import type { Clock } from '../../shared/clock';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors';
import { compactIban } from '../../shared/iban';
import type { BankAccount, Payee, PayeeRepository, PayeeWithAccounts } from './payees-repository';

export interface AccountInput {
  holderName: string;
  iban: string;
  bic?: string | undefined;
}

export type UploadedFile = { originalname: string; buffer: Buffer } | undefined;

/** Who is paid: landlords' and suppliers' bank accounts, each new IBAN confirmed by someone else. */
export class PayeeService {
  private readonly db: Knex;
  private readonly payees: PayeeRepository;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; payees: PayeeRepository; blobs: BlobStore; audit: AuditService; clock: Clock }) {
    this.db = deps.db;
    this.payees = deps.payees;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.clock = deps.clock;
  }

  /** The landlord's own payee and the history of its accounts (landlord administrators). */
  async own(actor: Actor): Promise<{ payee: PayeeWithAccounts; history: BankAccount[] }> {
    scopeFor(actor, 'bank-accounts:own');
    const payee = await this.payees.ensureLandlord(this.db, actor.organisationId, await this.organisationName(actor.organisationId), this.clock.now());
    const [withAccounts] = await this.payees.withAccounts(this.db, [payee]);
    return { payee: withAccounts as PayeeWithAccounts, history: await this.payees.accounts(this.db, payee.id) };
  }

  /** A landlord administrator gives a new account: usable once the association has checked it against the RIB. */
  async submitOwn(actor: Actor, input: AccountInput, rib: UploadedFile): Promise<void> {
    scopeFor(actor, 'bank-accounts:own');
    const file = this.checkedRib(rib, true);
    await this.db.transaction(async (trx) => {
      const payee = await this.payees.ensureLandlord(trx, actor.organisationId, await this.organisationName(actor.organisationId, trx), this.clock.now());
      await this.addAccount(trx, actor, payee, input, file);
    });
  }

  /** Changes waiting for confirmation, with the RIB to check them against (association). */
  pendingReviews(actor: Actor) {
    scopeFor(actor, 'bank-accounts:review');
    return this.payees.pendingReviews(this.db);
  }

  /** Confirms or rejects an account, never one the reviewer entered (database check too). */
  async review(actor: Actor, accountId: string, version: number, decision: 'confirm' | 'reject', comment: string | null): Promise<void> {
    scopeFor(actor, 'bank-accounts:review');
    await this.db.transaction(async (trx) => {
      const account = isUuid(accountId) ? await this.payees.account(trx, accountId, true) : null;
      if (!account) throw new NotFoundError();
      if (account.status !== 'pending') throw new ConflictError('Ce compte a déjà été examiné.');
      if (account.submittedBy === actor.userId) throw new ForbiddenError('Vous avez saisi ce compte : une autre personne de l’association doit le vérifier.');
      if (decision === 'reject' && !comment) throw new ValidationError({ comment: 'Indiquez pourquoi le compte est refusé : le bailleur le lira' });
      const now = this.clock.now();
      if (decision === 'confirm') await this.payees.replaceConfirmed(trx, account.payeeId);
      if (
        !(await this.payees.review(
          trx,
          account.id,
          version,
          decision === 'confirm' ? 'confirmed' : 'rejected',
          { id: actor.userId, label: actor.name },
          comment,
          now,
        ))
      )
        throw new ConflictError();
      const payee = (await this.payees.findById(trx, account.payeeId)) as Payee;
      await this.audit.record(trx, actor, {
        entityType: 'bank_account',
        entityId: account.id,
        organisationId: payee.organisationId,
        action: decision === 'confirm' ? 'bank_account.confirmed' : 'bank_account.rejected',
        before: { status: 'pending' },
        after: { status: decision === 'confirm' ? 'confirmed' : 'rejected', payee: payee.name, iban: account.iban, comment },
      });
    });
  }

  /** The RIB of an account: the association's reviewers, or the landlord whose account it is. */
  async rib(actor: Actor, accountId: string): Promise<{ filename: string; contentType: string; data: Buffer }> {
    const account = isUuid(accountId) ? await this.payees.account(this.db, accountId) : null;
    if (!account) throw new NotFoundError();
    const payee = (await this.payees.findById(this.db, account.payeeId)) as Payee;
    const mayRead = can(actor, 'bank-accounts:review') || (can(actor, 'bank-accounts:own') && payee.organisationId === actor.organisationId);
    if (!mayRead || !account.ribBlobId) throw new NotFoundError();
    const blob = await this.blobs.get(this.db, account.ribBlobId);
    if (!blob) throw new NotFoundError();
    return { filename: account.ribFilename ?? 'rib.pdf', contentType: blob.contentType, data: blob.data };
  }

  suppliers(actor: Actor): Promise<PayeeWithAccounts[]> {
    scopeFor(actor, 'payees:manage');
    return this.payees.suppliers(this.db);
  }

  async supplier(actor: Actor, id: string): Promise<{ payee: PayeeWithAccounts; history: BankAccount[] }> {
    scopeFor(actor, 'payees:manage');
    const payee = isUuid(id) ? await this.payees.findById(this.db, id) : null;
    if (!payee || payee.kind !== 'supplier') throw new NotFoundError();
    const [withAccounts] = await this.payees.withAccounts(this.db, [payee]);
    return { payee: withAccounts as PayeeWithAccounts, history: await this.payees.accounts(this.db, payee.id) };
  }

  /** A supplier the association pays directly, with its first account (waiting for a second person's check). */
  async createSupplier(actor: Actor, input: AccountInput & { name: string; noticeEmail?: string | undefined }, rib: UploadedFile): Promise<string> {
    scopeFor(actor, 'payees:manage');
    const file = this.checkedRib(rib, false);
    return this.db.transaction(async (trx) => {
      const payee = await this.payees.insertSupplier(trx, { name: input.name, noticeEmail: input.noticeEmail ?? null }, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'payee',
        entityId: payee.id,
        organisationId: null,
        action: 'payee.created',
        after: { name: payee.name, noticeEmail: payee.noticeEmail },
      });
      await this.addAccount(trx, actor, payee, input, file);
      return payee.id;
    });
  }

  async updateSupplier(actor: Actor, id: string, input: { name: string; noticeEmail?: string | undefined; archived: boolean; version: number }): Promise<void> {
    scopeFor(actor, 'payees:manage');
    await this.db.transaction(async (trx) => {
      const payee = isUuid(id) ? await this.payees.findById(trx, id) : null;
      if (!payee || payee.kind !== 'supplier') throw new NotFoundError();
      const patch = { name: input.name, notice_email: input.noticeEmail ?? null, status: input.archived ? 'archived' : 'active' };
      if (!(await this.payees.update(trx, id, input.version, patch, this.clock.now()))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'payee',
        entityId: id,
        organisationId: null,
        action: 'payee.updated',
        before: { name: payee.name, noticeEmail: payee.noticeEmail, status: payee.status },
        after: { name: patch.name, noticeEmail: patch.notice_email, status: patch.status },
      });
    });
  }

  async submitSupplierAccount(actor: Actor, id: string, input: AccountInput, rib: UploadedFile): Promise<void> {
    scopeFor(actor, 'payees:manage');
    const file = this.checkedRib(rib, false);
    await this.db.transaction(async (trx) => {
      const payee = isUuid(id) ? await this.payees.findById(trx, id) : null;
      if (!payee || payee.kind !== 'supplier') throw new NotFoundError();
      await this.addAccount(trx, actor, payee, input, file);
    });
  }

  /**
   * The payee of a grant's payments. The landlord itself when it is paid (its registered account
   * is used at payment time); a supplier known by the IBAN typed on the request, or a new supplier.
   * Bank details typed on the request and not yet registered become an account waiting for the
   * association's check, never a usable one.
   */
  async resolveForGrant(
    trx: Db,
    request: {
      organisationId: string;
      organisationName: string;
      reference: string | null;
      payee: { kind: string; name: string; iban: string; bic: string | null };
    },
  ): Promise<string> {
    const now = this.clock.now();
    const typed = {
      holderName: request.payee.name,
      iban: compactIban(request.payee.iban),
      bic: request.payee.bic ? request.payee.bic.replace(/\s/g, '').toUpperCase() : null,
    };
    const system = { userId: null, name: `Décision sur la demande ${request.reference ?? ''}`.trim() };
    let payee: Payee | null;
    if (request.payee.kind === 'landlord') payee = await this.payees.ensureLandlord(trx, request.organisationId, request.organisationName, now);
    else {
      payee = await this.payees.supplierByIban(trx, typed.iban);
      if (!payee) {
        payee = await this.payees.insertSupplier(trx, { name: request.payee.name, noticeEmail: null }, now);
        await this.audit.record(trx, system, {
          entityType: 'payee',
          entityId: payee.id,
          organisationId: null,
          action: 'payee.created',
          after: { name: payee.name },
        });
      }
    }
    const [withAccounts] = await this.payees.withAccounts(trx, [payee]);
    if (!withAccounts?.confirmed && !withAccounts?.pending) {
      const account = await this.payees.insertAccount(
        trx,
        { payeeId: payee.id, ...typed, ribBlobId: null, ribFilename: null, status: 'pending', submittedBy: null, submittedByLabel: system.name },
        now,
      );
      await this.audit.record(trx, system, {
        entityType: 'bank_account',
        entityId: account.id,
        organisationId: payee.organisationId,
        action: 'bank_account.submitted',
        after: { payee: payee.name, iban: account.iban, status: 'pending' },
      });
    }
    return payee.id;
  }

  private async addAccount(
    trx: Db,
    actor: Actor,
    payee: Payee,
    input: AccountInput,
    file: { buffer: Buffer; name: string; type: string } | null,
  ): Promise<void> {
    const now = this.clock.now();
    const blob = file ? await this.blobs.put(trx, file.buffer, file.type) : null;
    await this.payees.dropPending(trx, payee.id, actor.name, now);
    const account = await this.payees.insertAccount(
      trx,
      {
        payeeId: payee.id,
        holderName: input.holderName,
        iban: compactIban(input.iban),
        bic: input.bic ? input.bic.replace(/\s/g, '').toUpperCase() : null,
        ribBlobId: blob?.id ?? null,
        ribFilename: file?.name ?? null,
        status: 'pending',
        submittedBy: actor.userId,
        submittedByLabel: actor.name,
      },
      now,
    );
    await this.audit.record(trx, actor, {
      entityType: 'bank_account',
      entityId: account.id,
      organisationId: payee.organisationId,
      action: 'bank_account.submitted',
      after: {
        payee: payee.name,
        holderName: account.holderName,
        iban: account.iban,
        bic: account.bic,
        rib: file?.name ?? null,
        ribSha256: blob?.sha256 ?? null,
        status: 'pending',
      },
    });
  }

  private checkedRib(rib: UploadedFile, required: boolean): { buffer: Buffer; name: string; type: string } | null {
    if (!rib || (rib.buffer.length === 0 && !rib.originalname)) {
      if (required) throw new ValidationError({ rib: 'Joignez le RIB (PDF, JPEG ou PNG) : l’association le compare à l’IBAN saisi' });
      return null;
    }
    const checked = uploadProblem(rib);
    if ('problem' in checked) throw new ValidationError({ rib: checked.problem });
    return { buffer: rib.buffer, name: safeFilename(rib.originalname, 'rib.pdf'), type: checked.type };
  }

  private async organisationName(id: string, db: Db = this.db): Promise<string> {
    const name = await this.payees.organisationName(db, id);
    if (name === null) throw new NotFoundError();
    return name;
  }
}
