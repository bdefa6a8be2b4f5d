import type { Request } from 'express';
import { actor } from '../http/guards';
import type { Services } from '../services';
import { type IdentityProof, REAUTH_MINUTES } from './second-factor';

declare module 'express-session' {
  interface SessionData {
    /** The last successful re-authentication (ASVS 3.7.1): sensitive changes pass without asking again for 5 minutes. */
    reauth?: IdentityProof;
  }
}

/** What a form template needs to show (or not) the "Confirmez votre identité" fields. */
export interface ReauthPrompt {
  /** false while a re-authentication of the last 5 minutes holds */
  needed: boolean;
  /** the user has enrolled a key: a current code is asked too */
  codeNeeded: boolean;
  minutes: number;
}

export interface IdentityGate {
  prompt(req: Request): Promise<ReauthPrompt>;
  /**
   * Returns the proof of a recent re-authentication, or checks the form's `confirmPassword` and
   * `confirmCode` (a ValidationError on the field at fault, every failure counted toward the
   * lockout) and records the new proof in the session.
   */
  confirm(req: Request, messages?: { password?: string }): Promise<IdentityProof>;
}

/**
 * Re-authentication before a sensitive change: giving or confirming a bank account, approving a
 * payment batch, changing a role, resetting a colleague's second factor. The fields sit on the
 * change's own form (it works without JavaScript and keeps what was typed when refused).
 */
export function identityGate(services: Services): IdentityGate {
  const fresh = (req: Request): IdentityProof | null => {
    const proof = req.session.reauth;
    const me = req.actor?.userId;
    return proof && me && proof.userId === me && services.clock.now().getTime() - proof.at < REAUTH_MINUTES * 60_000 ? proof : null;
  };
  const field = (req: Request, name: string): string | undefined => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' && v.length <= 1024 ? v : undefined;
  };
  return {
    async prompt(req) {
      return { needed: fresh(req) === null, codeNeeded: await services.secondFactor.enrolled(actor(req).userId), minutes: REAUTH_MINUTES };
    },
    async confirm(req, messages) {
      const held = fresh(req);
      if (held) return held;
      const a = actor(req);
      await services.secondFactor.confirmIdentity(a, field(req, 'confirmPassword'), field(req, 'confirmCode'), messages);
      const proof: IdentityProof = { userId: a.userId, at: services.clock.now().getTime() };
      req.session.reauth = proof;
      return proof;
    },
  };
}
