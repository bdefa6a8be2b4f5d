import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Services } from '../services';

/**
 * Passport with the local strategy: the check itself (lockout, constant time) lives in the
 * AuthService; the session only keeps the user id, reloaded on each request so that a
 * deactivated user or a suspended organisation is cut off at once.
 */
export function configurePassport(services: Services): passport.PassportStatic {
  const instance = new passport.Passport();
  instance.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', passReqToCallback: true }, (req, email, password, done) => {
      services.auth
        .authenticate(email, password, { ip: req.ip, requestId: req.id })
        .then((result) => (result.ok ? done(null, result.user) : done(null, false, { message: result.message })))
        .catch(done);
    }),
  );
  instance.serializeUser((user, done) => done(null, user.id));
  instance.deserializeUser((req: IncomingMessage, id: string, done: (err: unknown, user?: Express.User | false) => void) => {
    // read with the session, in the same query (src/http/session.ts), when it is that user's
    const read = (req as Request).sessionUserRead;
    if (read && read.userId === id) return done(null, read.user ?? false);
    services.auth
      .sessionUser(id)
      .then((user) => done(null, user ?? false))
      .catch(done);
  });
  return instance as unknown as passport.PassportStatic;
}
