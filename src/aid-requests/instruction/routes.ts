import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { backWithErrors, type FormState, postedField, postForm } from '../../http/forms';
import { actor, requirePermission } from '../../http/guards';
import { multiFileUpload, uploadedFiles } from '../../http/uploads';
import type { Services } from '../../services';
import { parisDate } from '../../shared/dates';
import { ValidationError } from '../../shared/errors';
import { routes, urls } from '../../urls';
import { answerSchema, askInformationSchema, assignSchema, bulkAssignSchema, messageSchema, noteSchema, proposalSchema, validationSchema } from './schemas';
import { QUEUE_TABS, queueQuery, saveFilterSchema } from '../lists/schemas';
import { renderRequest } from '../page-routes';
import type { Tab } from '../presenter';
import { versionOnlySchema } from '../filing/schemas';

/** The association's work on a request (and the landlord's answers), and the operators' queue. */
export function instructionRoutes(services: Services): Router {
  const router = Router();
  const { instruction, decisions, requestLists, aidRequests, households, logger, clock } = services;
  const id = (req: Request) => String(req.params.id);
  /** A rejected form comes back on its tab with what was typed and each message next to its field. */
  const onTab = (tab: Tab) => (req: Request, res: Response, form: FormState) => renderRequest(services, req, res, tab, form);
  const done = (req: Request, res: Response, message: string, tab: Tab = 'synthese') => {
    req.flash('success', message);
    res.redirect(tab === 'synthese' ? urls.request(id(req)) : urls.requestTab(id(req), tab));
  };
  const uploadProblem = (req: Request) => {
    if (req.uploadError) throw new ValidationError({ files: req.uploadError });
  };

  postForm(router, routes.requestMessages, logger, {
    permission: 'requests:message',
    before: multiFileUpload('files', 5),
    schema: messageSchema,
    render: onTab('echanges'),
    handle: async (req, res, data) => {
      uploadProblem(req);
      await instruction.postMessage(actor(req), id(req), data.message, uploadedFiles(req));
      done(req, res, 'Message envoyé.', 'echanges');
    },
  });

  postForm(router, routes.requestAnswer, logger, {
    permission: 'requests:file',
    before: multiFileUpload('files', 5),
    schema: answerSchema,
    render: onTab('echanges'),
    handle: async (req, res, data) => {
      uploadProblem(req);
      await instruction.answerInformation(actor(req), id(req), data, uploadedFiles(req));
      done(req, res, 'Réponse envoyée : la demande revient à l’association.', 'echanges');
    },
  });

  postForm(router, routes.requestNotes, logger, {
    permission: 'requests:instruct',
    schema: noteSchema,
    render: onTab('synthese'),
    handle: async (req, res, data) => {
      await instruction.addNote(actor(req), id(req), data.note);
      done(req, res, 'Note interne ajoutée.');
    },
  });

  postForm(router, routes.requestAssign, logger, {
    permission: 'requests:instruct',
    schema: assignSchema,
    render: onTab('synthese'),
    handle: async (req, res, data) => {
      await instruction.assign(actor(req), [id(req)], data.assignee, data.version);
      done(req, res, 'La demande est attribuée.');
    },
  });

  postForm(router, routes.requestAskInformation, logger, {
    permission: 'requests:instruct',
    schema: askInformationSchema,
    render: onTab('synthese'),
    handle: async (req, res, data) => {
      const household = data.household ? { kinds: data.householdKinds, other: data.householdOther ?? null } : null;
      await instruction.askInformation(actor(req), id(req), { message: data.information, version: data.version, household });
      done(req, res, household ? 'La demande d’informations est envoyée au bailleur et au ménage.' : 'La demande d’informations est envoyée au bailleur.');
    },
  });

  postForm(router, routes.requestPropose, logger, {
    permission: 'requests:instruct',
    schema: () => proposalSchema(parisDate(clock.now())),
    render: onTab('synthese'),
    handle: async (req, res, data) => {
      const outcome = await decisions.propose(actor(req), id(req), data);
      done(
        req,
        res,
        outcome === 'applied'
          ? 'La décision est prise : le bailleur est prévenu et le courrier est prêt.'
          : 'La proposition dépasse le seuil de l’aide : elle attend la validation d’un collègue ou d’un administrateur.',
      );
    },
  });

  postForm(router, routes.requestValidate, logger, {
    permission: 'requests:instruct',
    schema: validationSchema,
    render: onTab('synthese'),
    handle: async (req, res, data) => {
      const outcome = await decisions.validate(actor(req), id(req), data);
      done(
        req,
        res,
        outcome === 'applied' ? 'Décision validée : le bailleur est prévenu et le courrier est prêt.' : 'La proposition est renvoyée à son auteur.',
      );
    },
  });

  postForm(router, routes.requestProposalWithdraw, logger, {
    permission: 'requests:instruct',
    schema: versionOnlySchema,
    render: onTab('synthese'),
    handle: async (req, res, data) => {
      await decisions.withdrawProposal(actor(req), id(req), data.version);
      done(req, res, 'Votre proposition est retirée : la demande reste en instruction, vous pouvez proposer une autre décision.');
    },
  });

  const backToRequest = backWithErrors(
    (req) => urls.request(id(req)),
    (req) => aidRequests.get(actor(req), id(req)),
  );
  postForm(router, routes.requestReopen, logger, {
    permission: 'requests:instruct',
    schema: versionOnlySchema,
    render: backToRequest,
    handle: async (req, res, data) => {
      await instruction.reopen(actor(req), id(req), data.version);
      done(req, res, 'L’instruction reprend : la demande est dans « Mes dossiers ».');
    },
  });
  postForm(router, routes.requestClose, logger, {
    permission: 'requests:instruct',
    schema: versionOnlySchema,
    render: backToRequest,
    handle: async (req, res, data) => {
      await instruction.close(actor(req), id(req), data.version);
      done(req, res, 'La demande est clôturée.');
    },
  });

  const renderQueue = async (req: Request, res: Response, form: FormState) => {
    const a = actor(req);
    const query = queueQuery.parse(req.query);
    const { page, counts } = await requestLists.queue(a, query);
    const raw = new URLSearchParams(req.query as Record<string, string>);
    raw.delete('page');
    res.render('aid-requests/queue', {
      page,
      counts,
      query,
      tabs: QUEUE_TABS,
      form,
      queryString: raw.toString(),
      instructors: await instruction.instructors(a),
      savedFilters: await requestLists.savedQueueFilters(a),
      landlords: (await households.landlordOptions(a)).map((o) => ({ value: o.id, text: o.name })),
      aidTypes: await aidRequests.aidTypeFilterOptions(),
    });
  };
  router.get(urls.queue(), ...requirePermission('requests:instruct'), (req, res) => renderQueue(req, res, { values: {}, errors: {}, errorSummary: [] }));

  const backToQueue = backWithErrors(
    (req) => `${urls.queue()}${postedField(req, 'retour') ? `?${(postedField(req, 'retour') as string).replace(/^\?/, '')}` : ''}`,
  );
  postForm(router, urls.queueAssign(), logger, {
    permission: 'requests:instruct',
    schema: bulkAssignSchema,
    render: backToQueue,
    handle: async (req, res, data) => {
      const n = await instruction.assign(actor(req), data.ids, data.assignee);
      req.flash('success', `${n} demande${n > 1 ? 's' : ''} attribuée${n > 1 ? 's' : ''}.`);
      await backToQueue(req, res, { values: {}, errors: {}, errorSummary: [] });
    },
  });
  postForm(router, urls.queueFilters(), logger, {
    permission: 'requests:instruct',
    schema: saveFilterSchema,
    render: backToQueue,
    handle: async (req, res, data) => {
      await requestLists.saveQueueFilter(actor(req), data.name, data.query);
      req.flash('success', `Filtre « ${data.name} » enregistré.`);
      res.redirect(`${urls.queue()}?${data.query.replace(/^\?/, '')}`);
    },
  });
  postForm(router, routes.queueFilterDelete, logger, {
    permission: 'requests:instruct',
    schema: z.object({}),
    render: backToQueue,
    handle: async (req, res) => {
      await requestLists.deleteQueueFilter(actor(req), id(req));
      req.flash('success', 'Filtre supprimé.');
      res.redirect(urls.queue());
    },
  });

  return router;
}
