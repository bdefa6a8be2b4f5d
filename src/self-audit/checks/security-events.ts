import { type Check } from './types';

export interface LoginFailures {
  /** accounts locked (five failures in a row) during the week — the last lock of each account */
  lockedAccounts: number;
  /** accounts whose count of failures in a row is not back to zero */
  failingAccounts: number;
}

/**
 * Failed logins over the week, as the database keeps them: each account's failures in a row and
 * its last lock (the attempts themselves are only in the logs and in /metrics,
 * entraide_security_events_total{event="auth.login_failed"}).
 */
export function loginFailuresCheck(f: LoginFailures): Check {
  return {
    code: 'connexions-echouees',
    title: 'Connexions échouées de la semaine',
    status: f.lockedAccounts > 0 ? 'a_revoir' : 'ok',
    explanation:
      (f.lockedAccounts > 0
        ? `${f.lockedAccounts} compte(s) verrouillé(s) cette semaine après 5 essais infructueux : si la personne ne s’est pas trompée elle-même, quelqu’un a essayé son mot de passe.`
        : 'Aucun compte verrouillé cette semaine.') +
      ` ${f.failingAccounts} compte(s) ont des essais infructueux non suivis d’une connexion réussie. Le nombre de chaque essai (adresses inconnues comprises) est dans les journaux et dans /metrics (entraide_security_events_total).`,
    items: [
      { label: 'Comptes verrouillés dans la semaine', detail: String(f.lockedAccounts) },
      { label: 'Comptes avec des essais infructueux en cours', detail: String(f.failingAccounts) },
    ],
  };
}

/** The unusual-reads alerts raised during the week (access-watch, one per user and hour). */
export function accessAlertsCheck(a: { alerts: number; users: number }): Check {
  return {
    code: 'alertes-consultation',
    title: 'Alertes de consultation inhabituelle de la semaine',
    status: a.alerts > 0 ? 'a_revoir' : 'ok',
    explanation:
      a.alerts > 0
        ? `${a.alerts} alerte(s) de consultation inhabituelle cette semaine, pour ${a.users} utilisateur(s) : chacune a été envoyée aux administrateurs ; vérifiez qu’elle a une explication (page de l’utilisateur).`
        : 'Aucune alerte de consultation inhabituelle cette semaine.',
    items: [
      { label: 'Alertes', detail: String(a.alerts) },
      { label: 'Utilisateurs concernés', detail: String(a.users) },
    ],
  };
}
