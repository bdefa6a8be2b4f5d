import { ROLE_LABELS, ROLES, type Role } from '../../permissions';
import { formatDate } from '../../shared/format';
import { parisDate } from '../../shared/dates';
import { type Check, type CheckItem, type CheckStatus, daysBetween, type InactiveAccount, worst } from './types';

/** An active account unused this many days (last login, or creation when it never logged in) is proposed for deactivation. */
export const INACTIVE_DAYS = 90;

export interface AccountRow {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  role: Role;
  organisationName: string;
  lastLoginAt: Date | null;
  createdAt: Date;
}

const roleLabel = (role: string): string => ROLE_LABELS[role as Role] ?? role;
const day = (d: Date): string => formatDate(parisDate(d));

/** The instant before which (or at which) an account's last use makes it inactive. */
export const inactiveCutoff = (now: Date): Date => new Date(now.getTime() - INACTIVE_DAYS * 86_400_000);

/** Accounts unused for INACTIVE_DAYS days or more: each proposed for deactivation from the report's page. */
export function inactiveAccountsCheck(rows: AccountRow[], now: Date): Check {
  const accounts: InactiveAccount[] = rows.map((r) => ({
    userId: r.id,
    name: `${r.firstName} ${r.lastName}`,
    email: r.email,
    role: roleLabel(r.role),
    organisationName: r.organisationName,
    lastLoginAt: r.lastLoginAt ? r.lastLoginAt.toISOString() : null,
    createdAt: r.createdAt.toISOString(),
    days: daysBetween(r.lastLoginAt ?? r.createdAt, now),
  }));
  return {
    code: 'comptes-inactifs',
    title: `Comptes inactifs depuis ${INACTIVE_DAYS} jours`,
    status: accounts.length ? 'a_revoir' : 'ok',
    explanation: accounts.length
      ? `${accounts.length} compte(s) actif(s) sans connexion depuis ${INACTIVE_DAYS} jours ou plus (ou jamais connecté(s) et créé(s) il y a plus de ${INACTIVE_DAYS} jours). Un compte qui ne sert plus est une porte d’entrée : désactivez-le depuis la page du rapport (ses sessions sont fermées, son historique reste ; il peut être réactivé).`
      : `Aucun compte actif n’est resté ${INACTIVE_DAYS} jours sans connexion.`,
    items: accounts.map((a) => ({
      label: `${a.name} — ${a.organisationName}`,
      detail: a.lastLoginAt
        ? `dernière connexion le ${day(new Date(a.lastLoginAt))} (${a.days} jours)`
        : `jamais connecté, créé le ${day(new Date(a.createdAt))}`,
    })),
    accounts,
  };
}

export interface OrganisationAdmins {
  name: string;
  kind: 'association' | 'landlord';
  admins: number;
}

/** Each active organisation's active administrators: none leaves its accounts without anyone to manage them. */
export function administratorsCheck(rows: OrganisationAdmins[]): Check {
  const items: CheckItem[] = rows.map((o) => {
    const status: CheckStatus = o.admins === 0 ? (o.kind === 'association' ? 'alerte' : 'a_revoir') : 'ok';
    const who = o.kind === 'association' ? 'administrateur(s) de l’association' : 'administrateur(s) bailleur';
    return { label: o.name, detail: o.admins === 0 ? `aucun administrateur actif` : `${o.admins} ${who}`, status };
  });
  const none = rows.filter((o) => o.admins === 0);
  return {
    code: 'administrateurs',
    title: 'Administrateurs par organisation',
    status: worst(items.map((i) => i.status ?? 'ok')),
    explanation: none.length
      ? `${none.length} organisation(s) active(s) sans administrateur actif : personne ne peut y créer ni désactiver de compte. Nommez-en un.`
      : 'Chaque organisation active a au moins un administrateur actif.',
    items,
  };
}

export interface RoleEnrolment {
  role: Role;
  active: number;
  enrolled: number;
}

/** The second factor by role: enrolled accounts, and whether the configuration asks the role for one. */
export function secondFactorCheck(rows: RoleEnrolment[], requiredRoles: readonly Role[], privilegedRoles: readonly Role[]): Check {
  const items: CheckItem[] = rows.map((r) => {
    const required = requiredRoles.includes(r.role);
    const privileged = privilegedRoles.includes(r.role);
    const missing = r.active - r.enrolled;
    let status: CheckStatus = 'ok';
    let note = required ? 'exigé à chaque connexion' : 'facultatif';
    if (privileged && !required) {
      status = 'a_revoir';
      note = 'non exigé alors que ce rôle déplace de l’argent ou gère des accès (SECOND_FACTOR)';
    } else if (required && missing > 0) {
      status = 'a_revoir';
      note = `exigé : ${missing} compte(s) l’activeront à leur prochaine connexion`;
    }
    return { label: roleLabel(r.role), detail: `${r.enrolled} sur ${r.active} compte(s) actif(s) avec un second facteur — ${note}`, status };
  });
  const status = worst(items.map((i) => i.status ?? 'ok'));
  return {
    code: 'second-facteur',
    title: 'Second facteur par rôle',
    status,
    explanation:
      status === 'ok'
        ? 'Les rôles qui déplacent de l’argent ou gèrent des accès confirment chaque connexion avec un second facteur, et leurs comptes l’ont activé.'
        : 'Un rôle sensible se connecte sans second facteur, ou des comptes ne l’ont pas encore activé : voir le détail par rôle.',
    items,
  };
}

export interface SamePerson {
  firstName: string;
  lastName: string;
  roles: Role[];
  organisations: string[];
}

/** One role per account (the model allows no more); a person holding several active accounts of different roles is shown. */
export function severalRolesCheck(rows: SamePerson[]): Check {
  return {
    code: 'roles-multiples',
    title: 'Personnes cumulant plusieurs rôles',
    status: rows.length ? 'a_revoir' : 'ok',
    explanation: rows.length
      ? `Un compte ne porte qu’un rôle, mais ${rows.length} personne(s) (même prénom et même nom) ont plusieurs comptes actifs de rôles différents : vérifiez que ce cumul est voulu (par exemple instruire et approuver les mêmes virements).`
      : 'Un compte ne porte qu’un rôle, et aucune personne (même prénom et même nom) n’a plusieurs comptes actifs de rôles différents.',
    items: rows.map((p) => ({
      label: `${p.firstName} ${p.lastName}`,
      detail: `${[...p.roles]
        .sort((x, y) => ROLES.indexOf(x) - ROLES.indexOf(y))
        .map(roleLabel)
        .join(', ')} (${[...new Set(p.organisations)].join(', ')})`,
    })),
  };
}
