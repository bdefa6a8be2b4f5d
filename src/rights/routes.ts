import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { emptyForm, type FormState, postForm } from '../http/forms';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { RIGHT_CHANNEL_LABELS, RIGHT_CHANNELS, RIGHT_KINDS } from './labels';
import { rightsAnswerSchema, rightsRequestSchema } from './schemas';

const options = (o: Record<string, string>) => Object.entries(o).map(([value, text]) => ({ value, text }));
const personQuery = z.object({ personne: z.string().optional().catch(undefined) });

/** The association administrators' register of GDPR rights requests, and the export of a person's data. */
export function rightsRoutes(services: Services): Router {
  const router = Router();
  const { rights, logger } = services;
  const id = (req: Request) => String(req.params.id);

  router.get(urls.rights(), ...requirePermission('rights:manage'), async (req, res) => {
    res.render('rights/index', { requests: await rights.list(actor(req)), today: rights.today(), kinds: RIGHT_KINDS });
  });

  const renderNew = async (req: Request, res: Response, form: FormState) => {
    const personId = String(form.values.personId ?? personQuery.parse(req.query).personne ?? '');
    const person = await rights.person(actor(req), personId);
    res.render('rights/new', { form, person, kinds: options(RIGHT_KINDS), channels: options(RIGHT_CHANNELS) });
  };
  router.get(urls.rightNew(), ...requirePermission('rights:manage'), async (req, res) => {
    const personId = personQuery.parse(req.query).personne;
    await renderNew(req, res, emptyForm(req, { personId: personId ?? '', receivedOn: rights.today(), requester: 'La personne elle-même' }));
  });
  postForm(router, urls.rights(), logger, {
    permission: 'rights:manage',
    schema: () => rightsRequestSchema(rights.today()),
    render: renderNew,
    handle: async (req, res, data) => {
      const created = await rights.record(actor(req), data);
      req.flash('success', 'La demande est enregistrée au registre ; la réponse est due dans un mois.');
      res.redirect(urls.right(created));
    },
  });

  const renderShow = async (req: Request, res: Response, form: FormState) => {
    const { request, person } = await rights.view(actor(req), id(req));
    res.render('rights/show', { request, person, form, today: rights.today(), kinds: RIGHT_KINDS, channels: RIGHT_CHANNEL_LABELS });
  };
  router.get(routes.right, ...requirePermission('rights:manage'), async (req, res) => {
    const request = await rights.get(actor(req), id(req));
    await renderShow(req, res, emptyForm(req, { answeredOn: rights.today(), version: request.version }));
  });
  postForm(router, routes.rightAnswer, logger, {
    permission: 'rights:manage',
    schema: () => rightsAnswerSchema(rights.today()),
    render: renderShow,
    handle: async (req, res, data) => {
      await rights.answer(actor(req), id(req), data);
      req.flash('success', 'La réponse est enregistrée au registre.');
      res.redirect(urls.right(id(req)));
    },
  });

  router.get(routes.rightExport, ...requirePermission('rights:manage'), async (req, res) => {
    const file = await rights.exportData(actor(req), id(req));
    sendAttachment(res, file.fileName, 'application/json; charset=utf-8', Buffer.from(file.body, 'utf8'));
  });

  return router;
}
