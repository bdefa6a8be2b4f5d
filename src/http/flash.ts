import type { RequestHandler } from 'express';

export type FlashKind = 'success' | 'info' | 'warning' | 'error';
export interface FlashMessage {
  kind: FlashKind;
  text: string;
}

declare module 'express-session' {
  interface SessionData {
    flash?: FlashMessage[];
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    flash(kind: FlashKind, text: string): void;
  }
}

/** One-shot messages kept in the session across a redirect (post/redirect/get). */
export const flash: RequestHandler = (req, res, next) => {
  req.flash = (kind, text) => {
    req.session.flash = [...(req.session.flash ?? []), { kind, text }];
  };
  // read lazily at render time, so messages added during this request are shown by the next page
  Object.defineProperty(res.locals, 'flashMessages', {
    configurable: true,
    enumerable: true,
    get() {
      const messages = req.session?.flash ?? [];
      if (req.session) delete req.session.flash;
      return messages;
    },
  });
  next();
};
