import { Router } from 'express';
import { z } from 'zod';
import { sendAttachment } from '../http/download';
import { actor, requirePermission } from '../http/guards';
import type { Services } from '../services';
import { routes, urls } from '../urls';
import { bodySegments } from './links';
import { maskOneTimeSecrets } from './one-time-secrets';

const listQuery = z.object({ page: z.coerce.number().int().min(1).max(100000).catch(1).default(1) });

/** The outbox: every mail with its delivery status (and, without SMTP, the only place to read them). */
export function notificationRoutes(services: Services): Router {
  const router = Router();
  router.get(urls.mails(), ...requirePermission('mail:read'), async (req, res) => {
    const { page } = listQuery.parse(req.query);
    res.render('notifications/list', { page: await services.mailer.list(actor(req), page), smtp: services.config.smtp !== null });
  });
  router.get(routes.mail, ...requirePermission('mail:read'), async (req, res) => {
    const mail = await services.mailer.get(actor(req), String(req.params.id));
    // with a relay, a one-time link or code reaches its recipient only: nobody reads it here, even before it is sent
    const text = services.config.smtp !== null ? maskOneTimeSecrets(mail.kind, mail.text) : mail.text;
    res.render('notifications/show', { mail, body: bodySegments(text), attachments: await services.mailer.attachments(actor(req), mail.id) });
  });
  router.get(routes.mailAttachment, ...requirePermission('mail:read'), async (req, res) => {
    const file = await services.mailer.attachment(actor(req), String(req.params.id), String(req.params.attachmentId));
    sendAttachment(res, file.fileName, file.contentType, file.data);
  });
  return router;
}
