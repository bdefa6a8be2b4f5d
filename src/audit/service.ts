import type { Db } from '../db/types';
import type { Actor } from '../permissions';
import type { Clock } from '../shared/clock';
import { AuditRepository, type AuditEvent } from './repository';
import { maskIban } from '../shared/iban';

/** Fields never written to the audit trail, whatever the entity. */
const SECRET_FIELDS = new Set(['passwordHash', 'password_hash', 'password', 'token', 'tokenHash', 'token_hash']);

type Snapshot = Record<string, unknown>;

function clean(snapshot: Snapshot | null): Snapshot | null {
  if (!snapshot) return null;
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(snapshot)) {
    if (SECRET_FIELDS.has(k) || v === undefined) continue;
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

/** IBAN fields as `FR76 •••• … 0189`: the history still shows which account, never its number. */
function maskAccountNumbers(snapshot: Snapshot | null): Snapshot | null {
  if (!snapshot) return null;
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(snapshot)) out[k] = /iban/i.test(k) && typeof v === 'string' && v.length > 9 ? maskIban(v) : v;
  return out;
}

/** Keeps only the fields whose value changed, on both sides. */
export function changedFields(before: Snapshot | null, after: Snapshot | null): { before: Snapshot | null; after: Snapshot | null } {
  if (!before || !after) return { before, after };
  const b: Snapshot = {};
  const a: Snapshot = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a };
}

export interface AuditChange {
  entityType: string;
  entityId: string;
  organisationId: string | null;
  action: string;
  before?: Snapshot | null;
  after?: Snapshot | null;
}

/** Who did something when no user is logged in (command line, scheduled job, the user themself before login). */
export interface SystemActor {
  readonly userId: null;
  readonly name: string;
}

export interface LastUpdate {
  at: Date;
  by: string;
}

export class AuditService {
  private readonly repository: AuditRepository;
  private readonly clock: Clock;
  private readonly onChange: (entityType: string) => void;

  constructor(deps: { repository: AuditRepository; clock: Clock; onChange?: (entityType: string) => void }) {
    this.repository = deps.repository;
    this.clock = deps.clock;
    this.onChange = deps.onChange ?? (() => {});
  }

  /** Writes one audit line inside the caller's transaction, so the change and its trace commit together. */
  async record(trx: Db, actor: Actor | SystemActor, change: AuditChange): Promise<void> {
    const changed = changedFields(clean(change.before ?? null), clean(change.after ?? null));
    // compared in clear, kept masked: the append-only trail must not keep a bank account number (ASVS 7.1.1, 6.1.1)
    const before = maskAccountNumbers(changed.before);
    const after = maskAccountNumbers(changed.after);
    const isUser = actor.userId !== null;
    await this.repository.insert(trx, {
      actorUserId: actor.userId,
      actorLabel: actor.name,
      organisationId: change.organisationId,
      entityType: change.entityType,
      entityId: change.entityId,
      action: change.action,
      before,
      after,
      ip: isUser ? (actor.ip ?? null) : null,
      requestId: isUser ? (actor.requestId ?? null) : null,
      occurredAt: this.clock.now(),
    });
    this.onChange(change.entityType);
  }

  history(db: Db, entityType: string, entityId: string): Promise<AuditEvent[]> {
    return this.repository.listForEntity(db, entityType, entityId);
  }

  /** The history of several entities at once (a household page shows its people's changes too). */
  historyOf(db: Db, entities: Array<{ type: string; ids: string[]; organisationId?: string }>): Promise<AuditEvent[]> {
    return this.repository.listForEntities(db, entities);
  }

  async lastUpdate(db: Db, entityType: string, entityId: string): Promise<LastUpdate | null> {
    const e = await this.repository.lastForEntity(db, entityType, entityId);
    return e ? { at: e.occurredAt, by: e.actorLabel } : null;
  }
}
