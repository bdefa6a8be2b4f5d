import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { presentHistory } from '../audit/presenter';
import { backWithErrors, emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import { type Actor, ROLE_LABELS, ROLES, type Role, scopeFor } from '../permissions';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import type { User } from '../accounts/repository';
import { createUserSchema, updateUserSchema, userListQuery } from './schemas';
import { assignableRoles } from './service';
import { identityGate } from '../auth/reauth';
import { identityFields } from '../auth/schemas';

const roleLabel = (role: unknown) => ROLE_LABELS[role as Role] ?? String(role);

/** History labels; agency ids are shown by name (`agencyNames`). */
const historyLabels = (agencyNames: Map<string, string>) => ({
  actions: {
    'user.created': 'Création du compte',
    'user.updated': 'Modification',
    'user.role_changed': 'Changement de rôle',
    'user.deactivated': 'Désactivation',
    'user.reactivated': 'Réactivation',
    'user.invitation_sent': 'Envoi d’un lien d’invitation',
    'user.invitation_accepted': 'Mot de passe choisi (invitation)',
    'user.password_reset_sent': 'Envoi d’un lien de réinitialisation',
    'user.password_reset_requested': 'Demande de réinitialisation (mot de passe oublié)',
    'user.password_reset': 'Mot de passe réinitialisé',
    'user.password_changed': 'Mot de passe modifié',
    'user.second_factor_enabled': 'Second facteur activé',
    'user.second_factor_reset': 'Second facteur réinitialisé',
    'user.recovery_codes_generated': 'Codes de secours générés',
    'user.recovery_code_used': 'Code de secours utilisé',
  },
  fields: {
    firstName: 'Prénom',
    lastName: 'Nom',
    email: 'E-mail',
    phone: 'Téléphone',
    role: 'Rôle',
    agencyId: 'Agence',
    agencyRestricted: 'Limité aux dossiers de son agence',
    status: 'Statut',
  },
  value: (field: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return '—';
    if (field === 'role') return roleLabel(value);
    if (field === 'agencyRestricted') return value ? 'oui' : 'non';
    if (field === 'status') return value === 'active' ? 'Actif' : 'Désactivé';
    if (field === 'agencyId') return agencyNames.get(String(value)) ?? 'agence supprimée';
    return String(value);
  },
});

const noBody = z.object({});

const editValues = (u: User) => ({
  firstName: u.firstName,
  lastName: u.lastName,
  email: u.email,
  phone: u.phone ?? '',
  role: u.role,
  agencyId: u.agencyId ?? '',
  agencyRestricted: u.agencyRestricted,
  version: u.version,
});

export function userRoutes(services: Services): Router {
  const router = Router();
  const { users, organisations, logger } = services;
  const gate = identityGate(services);

  const roleOptions = (a: Actor, kind: User['organisationKind'] | null) =>
    (kind
      ? assignableRoles(a, kind)
      : ROLES.filter((r) => ['landlord', 'association', 'funder'].some((k) => assignableRoles(a, k as User['organisationKind']).includes(r)))
    ).map((r) => ({
      value: r,
      text: ROLE_LABELS[r],
    }));

  router.get(urls.users(), ...requirePermission('users:manage'), async (req, res) => {
    const a = actor(req);
    const query = userListQuery.parse(req.query);
    const page = await users.list(a, query);
    const scope = scopeFor(a, 'users:manage');
    const organisationOptions = scope.all ? (await organisations.listForUserAdmin(a)).map((o) => ({ value: o.id, text: o.name })) : [];
    const enrolled = await services.secondFactor.enrolledAmong(page.items.map((u) => u.id));
    res.render('users/list', {
      page,
      query,
      organisationOptions,
      roleOptions: roleOptions(a, null),
      showOrganisation: scope.all,
      // read-only: the roles come from the configuration (SECOND_FACTOR_ROLES)
      secondFactor: {
        roles: services.secondFactor.requiredRoles.map((r) => ROLE_LABELS[r]),
        enrolled: Object.fromEntries(page.items.map((u) => [u.id, enrolled.has(u.id)])),
      },
    });
  });

  const renderNew = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const orgs = await organisations.listForUserAdmin(a);
    const selectedId = String(form.values.organisationId ?? (orgs.length === 1 ? orgs[0]?.id : '') ?? '');
    const selected = orgs.find((o) => o.id === selectedId) ?? null;
    const agencies = selected ? await organisations.agenciesOf(a, selected.id) : [];
    res.render('users/new', {
      form: { ...form, values: { organisationId: selectedId, ...form.values } },
      organisationOptions: orgs.map((o) => ({
        value: o.id,
        text: `${o.name} (${o.kind === 'landlord' ? 'bailleur' : o.kind === 'association' ? 'association' : 'financeur'})`,
      })),
      fixedOrganisation: orgs.length === 1 ? orgs[0] : null,
      selected,
      roleOptions: roleOptions(a, selected?.kind ?? null),
      agencyOptions: agencies.filter((ag) => ag.status === 'active').map((ag) => ({ value: ag.id, text: ag.name })),
      reauth: selected ? await gate.prompt(req) : null,
    });
  };
  router.get(urls.userNew(), ...requirePermission('users:manage'), (req, res) =>
    renderNew(req, res, emptyForm(req, typeof req.query.organisation === 'string' ? { organisationId: req.query.organisation } : {})),
  );
  postForm(router, urls.users(), logger, {
    permission: 'users:manage',
    schema: createUserSchema,
    render: renderNew,
    handle: async (req, res, data) => {
      const created = await users.create(actor(req), data, () =>
        gate.confirm(req, { password: 'Pour créer un compte de ce rôle, saisissez votre mot de passe (il est incorrect ou manquant)' }),
      );
      req.flash('success', `Le compte de ${created.firstName} ${created.lastName} est créé : un lien pour choisir son mot de passe lui a été envoyé.`);
      res.redirect(urls.user(created.id));
    },
  });

  const renderShow = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const detail = await users.detail(a, String(req.params.id));
    const agencies = await organisations.agenciesOf(a, detail.user.organisationId);
    // an association administrator may reset a colleague's second factor (lost phone)
    const resettable = scopeFor(a, 'users:manage').all && detail.user.id !== a.userId;
    res.render('users/show', {
      form,
      secondFactor: resettable
        ? { enrolled: await services.secondFactor.enrolled(detail.user.id), required: services.secondFactor.requiredFor(detail.user) }
        : null,
      reauth: resettable ? await gate.prompt(req) : null,
      user: detail.user,
      history: presentHistory(detail.history, historyLabels(new Map(agencies.map((ag) => [ag.id, ag.name])))),
      lastUpdate: detail.history[0] ? { at: detail.history[0].occurredAt, by: detail.history[0].actorLabel } : null,
      isSelf: detail.user.id === a.userId,
      // unusual volumes of reads are the association's to review
      accessAlerts: a.organisationKind === 'association' ? await services.accessWatch.alertsFor(detail.user.id) : [],
    });
  };
  router.get(routes.user, ...requirePermission('users:manage'), (req, res) => renderShow(req, res, emptyForm(req)));

  postForm(router, routes.userResetSecondFactor, logger, {
    permission: 'users:manage',
    schema: z.object(identityFields),
    render: renderShow,
    handle: async (req, res) => {
      const done = await services.secondFactor.resetByAdmin(actor(req), String(req.params.id), () =>
        gate.confirm(req, { password: 'Saisissez votre mot de passe pour confirmer (il est incorrect ou manquant)' }),
      );
      req.flash(
        done ? 'success' : 'info',
        done
          ? 'Le second facteur est réinitialisé : la personne en activera un nouveau à sa prochaine connexion.'
          : 'Aucun second facteur n’était activé pour ce compte.',
      );
      res.redirect(urls.user(String(req.params.id)));
    },
  });

  const renderEdit = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const user = await users.get(a, String(req.params.id));
    const agencies = await organisations.agenciesOf(a, user.organisationId);
    res.render('users/edit', {
      user,
      form,
      reauth: await gate.prompt(req),
      roleOptions: roleOptions(a, user.organisationKind),
      agencyOptions: agencies.filter((ag) => ag.status === 'active' || ag.id === user.agencyId).map((ag) => ({ value: ag.id, text: ag.name })),
    });
  };
  router.get(routes.userEdit, ...requirePermission('users:manage'), async (req, res) => {
    const user = await users.get(actor(req), String(req.params.id));
    await renderEdit(req, res, emptyForm(req, editValues(user)));
  });
  postForm(router, routes.userEdit, logger, {
    permission: 'users:manage',
    schema: updateUserSchema,
    render: renderEdit,
    handle: async (req, res, data) => {
      const updated = await users.update(actor(req), String(req.params.id), data, () =>
        gate.confirm(req, { password: 'Pour changer un rôle ou une adresse e-mail, saisissez votre mot de passe (il est incorrect ou manquant)' }),
      );
      req.flash('success', 'Les modifications sont enregistrées.');
      res.redirect(urls.user(updated.id));
    },
  });

  const statusAction = (path: string, status: 'active' | 'deactivated', message: string) =>
    postForm(router, path, logger, {
      permission: 'users:manage',
      schema: noBody,
      render: backWithErrors((req) => urls.user(String(req.params.id))),
      handle: async (req, res) => {
        await users.setStatus(actor(req), String(req.params.id), status);
        req.flash('success', message);
        res.redirect(urls.user(String(req.params.id)));
      },
    });
  statusAction(routes.userDeactivate, 'deactivated', 'Le compte est désactivé : ses sessions ont été fermées.');
  statusAction(routes.userReactivate, 'active', 'Le compte est réactivé.');

  postForm(router, routes.userSendPasswordLink, logger, {
    permission: 'users:manage',
    schema: noBody,
    render: backWithErrors((req) => urls.user(String(req.params.id))),
    handle: async (req, res) => {
      const user = await users.sendPasswordLink(actor(req), String(req.params.id));
      req.flash('success', `Un lien à usage unique a été envoyé à ${user.email}.`);
      res.redirect(urls.user(user.id));
    },
  });

  return router;
}
