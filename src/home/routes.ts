import { Router } from 'express';
import { actor, requirePermission } from '../http/guards';
import { can, type Role } from '../permissions';
import type { Services } from '../services';
import { urls } from '../urls';
import { todoLines } from './todos';

interface HomeCard {
  title: string;
  text: string;
  href: string;
  link: string;
}

/** The home page of each role: what this person can do from here. */
export function homeRoutes(services: Services): Router {
  const router = Router();
  router.get(urls.home(), ...requirePermission('home:view'), async (req, res) => {
    const a = actor(req);
    const me = await services.users.me(a);
    const todos = todoLines(a, await services.home.todos(a));
    const cards: HomeCard[] = [];
    if (can(a, 'dashboard:view')) {
      cards.push({
        title: 'Tableau de bord',
        text: 'Les demandes par statut et par ancienneté, les montants accordés ce mois-ci et cette année.',
        href: urls.dashboard(),
        link: 'Voir le tableau de bord',
      });
    }
    if (can(a, 'missions:read')) {
      cards.push({
        title: 'Accompagnement',
        text:
          a.organisationKind === 'landlord'
            ? 'Les missions d’accompagnement social de vos ménages et leurs bilans.'
            : 'Les missions d’accompagnement social, leurs entretiens et rendez-vous.',
        href: urls.missions(),
        link: a.role === 'social_adviser' ? 'Toutes mes missions' : 'Voir les missions',
      });
    }
    if (can(a, 'households:read')) {
      cards.push({ title: 'Ménages', text: 'Les ménages locataires, leurs membres et leurs ressources.', href: urls.households(), link: 'Voir les ménages' });
    }
    if (can(a, 'households:merge')) {
      cards.push({
        title: 'Doublons',
        text: 'Les personnes signalées comme déjà connues, à fusionner ou écarter.',
        href: urls.duplicates(),
        link: 'Traiter les doublons',
      });
    }
    if (can(a, 'organisations:manage')) {
      cards.push({ title: 'Membres', text: 'Les bailleurs adhérents, leurs agences et leur statut.', href: urls.organisations(), link: 'Gérer les membres' });
    }
    if (can(a, 'users:manage')) {
      cards.push({
        title: 'Utilisateurs',
        text: a.organisationKind === 'landlord' ? 'Les comptes de votre organisation.' : 'Les comptes de toutes les organisations.',
        href: urls.users(),
        link: 'Gérer les utilisateurs',
      });
    }
    if (can(a, 'funds:read')) {
      cards.push({
        title: 'Fonds',
        text: 'Les enveloppes budgétaires : engagé, versé et reste, par bailleur et par aide.',
        href: urls.funds(),
        link: 'Voir les fonds',
      });
    }
    if (can(a, 'mail:read')) {
      cards.push({ title: 'Courriels', text: 'Les courriels envoyés par Entraide et leur statut de remise.', href: urls.mails(), link: 'Voir les courriels' });
    }
    cards.push({
      title: 'Mon compte',
      text: 'Vos informations, votre dernière connexion et votre mot de passe.',
      href: urls.account(),
      link: 'Voir mon compte',
    });
    // an adviser's week: appointments of the next seven days and the missions still running
    const adviser =
      a.role === 'social_adviser'
        ? { appointments: await services.appointments.upcoming(a, 7), missions: (await services.missions.list(a, { open: true }, 1)).items }
        : null;
    // the funds at 80 % or more, for those who grant (operators and administrators)
    const fundWarnings = can(a, 'requests:instruct') && can(a, 'funds:read') ? await services.funds.warnings(a) : [];
    // the assistance desk's counts and the breaches still to notify, for the association's administrators
    const assistanceDesk = can(a, 'assistance:manage')
      ? { ...(await services.assistance.summary(a)), breaches: can(a, 'breaches:read') ? await services.breaches.undecided(a) : [] }
      : null;
    res.render('home/index', { me, todos, cards, intro: ROLE_INTROS[a.role], adviser, fundWarnings, assistanceDesk });
  });
  return router;
}

/** What each role comes to Entraide for, shown at the top of its home page. */
const ROLE_INTROS: Record<Role, string> = {
  admin: 'Vous administrez l’association : membres, utilisateurs, paramètres et suivi des envois.',
  operator: 'Vous instruisez les demandes d’aide des bailleurs et suivez les décisions et les paiements.',
  social_adviser: 'Vous accompagnez les ménages dans le cadre des missions qui vous sont confiées.',
  accountant: 'Vous validez les lots de paiement et tenez la comptabilité des aides.',
  auditor: 'Vous consultez le tableau de bord de l’association : les demandes par statut et les montants accordés, sans données personnelles.',
  landlord_admin: 'Vous gérez les comptes de votre organisation et suivez toutes ses demandes d’aide.',
  landlord_instructor: 'Vous déposez et suivez les demandes d’aide pour les ménages locataires de votre organisation.',
};
