/** A check's verdict: nothing to do, something to look at, something to fix now. */
export type CheckStatus = 'ok' | 'a_revoir' | 'alerte';

export const STATUS_LABELS: Readonly<Record<CheckStatus, string>> = { ok: 'ok', a_revoir: 'à revoir', alerte: 'alerte' };

/** One line under a check (an organisation, a role, a package, a key…), with its own verdict when it has one. */
export interface CheckItem {
  label: string;
  detail: string;
  status?: CheckStatus;
}

/** An account proposed for deactivation (inactive for INACTIVE_DAYS or more). */
export interface InactiveAccount {
  userId: string;
  name: string;
  email: string;
  role: string;
  organisationName: string;
  /** the last login, or null when the account never logged in */
  lastLoginAt: string | null;
  createdAt: string;
  /** whole days since the last login (or since the creation) */
  days: number;
}

/** One check of the report, as archived (jsonb) and shown: a code, a title, a verdict and a French explanation. */
export interface Check {
  code: string;
  title: string;
  status: CheckStatus;
  explanation: string;
  items?: CheckItem[];
  /** only for the inactive accounts' check */
  accounts?: InactiveAccount[];
}

/** The worst of several verdicts. */
export function worst(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes('alerte')) return 'alerte';
  if (statuses.includes('a_revoir')) return 'a_revoir';
  return 'ok';
}

/** Whole days between two instants (floor). */
export const daysBetween = (from: Date, to: Date): number => Math.floor((to.getTime() - from.getTime()) / 86_400_000);
