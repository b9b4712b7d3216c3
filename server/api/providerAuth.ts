import type { RequestHandler, Response } from 'express';
import type { ProviderAccounts } from '../services/providers/providerAccounts';
import { problem, send } from './apiResult';

/** Lets through only requests that carry a provider's live API key as a bearer token; the routes after it read the provider with `providerOf`. */
export function providerAuth(accounts: Pick<ProviderAccounts, 'providerForKey'>): RequestHandler {
  return async (req, res, next) => {
    const bearer = /^Bearer (\S+)$/.exec(req.get('Authorization') ?? '');
    const providerId = bearer ? await accounts.providerForKey(bearer[1]) : undefined;
    if (!providerId) {
      req.resume();
      res.setHeader('WWW-Authenticate', 'Bearer');
      return send(res, problem('unauthorised'));
    }
    res.locals.providerId = providerId;
    next();
  };
}

export const providerOf = (res: Response): string => res.locals.providerId;
