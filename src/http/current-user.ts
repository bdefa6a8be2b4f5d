import type { RequestHandler } from 'express';
import { type Actor, can, type Permission } from '../permissions';
import type { User } from '../accounts/repository';
import { urls } from '../urls';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport's req.user is our User
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Omit<import('../accounts/repository').User, never> {}
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

export interface NavItem {
  href: string;
  label: string;
  permission: Permission;
}

/** The navigation: each item shows only to roles holding its permission. Later areas add theirs here. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: urls.home(), label: 'Accueil', permission: 'home:view' },
  { href: urls.dashboard(), label: 'Tableau de bord', permission: 'dashboard:view' },
  { href: urls.statistics(), label: 'Statistiques', permission: 'statistics:view' },
  { href: urls.reports(), label: 'Rapports', permission: 'reports:read' },
  { href: urls.queue(), label: 'Instruction', permission: 'requests:instruct' },
  { href: urls.requests(), label: 'Demandes', permission: 'requests:read' },
  { href: urls.missions(), label: 'Accompagnement', permission: 'missions:read' },
  { href: urls.orientations(), label: 'Orientations ASD', permission: 'orientations:read' },
  { href: urls.exchanges(), label: 'Échanges', permission: 'exchanges:read' },
  { href: urls.payments(), label: 'Paiements', permission: 'payments:read' },
  { href: urls.funds(), label: 'Fonds', permission: 'funds:read' },
  { href: urls.accounting(), label: 'Comptabilité', permission: 'accounting:read' },
  { href: urls.households(), label: 'Ménages', permission: 'households:read' },
  { href: urls.duplicates(), label: 'Doublons', permission: 'households:merge' },
  { href: urls.aidTypes(), label: 'Aides', permission: 'catalogue:read' },
  { href: urls.organisations(), label: 'Membres', permission: 'organisations:manage' },
  { href: urls.users(), label: 'Utilisateurs', permission: 'users:manage' },
  { href: urls.ownBankAccount(), label: 'Compte bancaire', permission: 'bank-accounts:own' },
  { href: urls.mails(), label: 'Courriels', permission: 'mail:read' },
  { href: urls.jobs(), label: 'Tâches', permission: 'jobs:read' },
  { href: urls.selfAudit(), label: 'Auto-contrôle', permission: 'self-audit:read' },
  { href: urls.rights(), label: 'Droits RGPD', permission: 'rights:manage' },
  { href: urls.assistanceQueue(), label: 'Assistance', permission: 'assistance:manage' },
  { href: urls.breaches(), label: 'Violations de données', permission: 'breaches:read' },
  { href: urls.settings(), label: 'Paramètres', permission: 'settings:manage' },
];

export function actorOf(user: User, ip: string | undefined, requestId: string): Actor {
  return {
    userId: user.id,
    role: user.role,
    organisationId: user.organisationId,
    organisationKind: user.organisationKind,
    name: `${user.firstName} ${user.lastName}`,
    agencyId: user.agencyId,
    agencyRestricted: user.agencyRestricted,
    ip,
    requestId,
  };
}

/** Builds `req.actor` and what every template needs to know about the person logged in. */
export const currentUser: RequestHandler = (req, res, next) => {
  const user = req.user;
  res.locals.currentPath = req.path;
  if (user) {
    const actor = actorOf(user, req.ip, req.id);
    req.actor = actor;
    res.locals.currentUser = user;
    res.locals.can = (permission: Permission) => can(actor, permission);
    res.locals.nav = NAV_ITEMS.filter((item) => can(actor, item.permission)).map((item) => ({
      ...item,
      current: item.href === '/' ? req.path === '/' : req.path.startsWith(item.href),
    }));
  } else {
    res.locals.can = () => false;
    res.locals.nav = [];
  }
  next();
};
