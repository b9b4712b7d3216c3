import { randomBytes, randomUUID } from 'node:crypto';
import type { PortalDeps } from '../../deps';
import { InputError } from '../inputError';
import type { ProviderStore } from '../../store/providerStore';
import { sha256Hex } from '../../sha256Hex';

/** API keys are shown once and kept only as SHA-256: 256 random bits need no slow hash. */
export const apiKeyHash = (key: string) => sha256Hex(key);
const API_KEY_PATTERN = /^rk_[A-Za-z0-9_-]{43}$/;
const PROVIDER_NAME = /^[\w .&'()-]{2,100}$/;

type AccountDeps = Pick<PortalDeps, 'clock' | 'audit'> & { providers: Pick<ProviderStore, 'addProvider' | 'findProviderByName' | 'revokeKeys' | 'providerForKey'> };

/** Assessment provider organisations and their API keys: added and revoked by the operator, checked on every API request. */
export function providerAccounts({ clock, audit, providers }: AccountDeps) {
  return {
    /** The API key is in the answer once, here; only its hash is kept. */
    async add(nameInput: unknown, actor: string) {
      const name = typeof nameInput === 'string' ? nameInput.trim() : '';
      if (!PROVIDER_NAME.test(name)) throw new InputError('name', 'must be 2 to 100 letters, digits, spaces or . & \' ( ) -');
      if (await providers.findProviderByName(name)) throw new InputError('name', 'a provider with this name already exists');
      const id = randomUUID();
      const apiKey = `rk_${randomBytes(32).toString('base64url')}`;
      const now = clock();
      await providers.addProvider({ id, name, keyHash: apiKeyHash(apiKey) }, now);
      await audit.recordEvent(now, { type: 'provider.created', actor, detail: { providerId: id, name } });
      return { providerId: id, name, apiKey };
    },

    /** Revokes every key of the named provider: its systems get 401 from the next request. */
    async revoke(nameInput: unknown, actor: string) {
      const provider = typeof nameInput === 'string' ? await providers.findProviderByName(nameInput.trim()) : undefined;
      if (!provider) throw new InputError('name', 'no provider with this name');
      const now = clock();
      const revokedKeys = await providers.revokeKeys(provider.id, now);
      await audit.recordEvent(now, { type: 'provider.keys-revoked', actor, detail: { providerId: provider.id, revokedKeys } });
      return { providerId: provider.id, revokedKeys };
    },

    /** The provider holding this API key, or undefined for a malformed, unknown or revoked one. */
    async providerForKey(apiKey: string): Promise<string | undefined> {
      return API_KEY_PATTERN.test(apiKey) ? providers.providerForKey(apiKeyHash(apiKey)) : undefined;
    },
  };
}

export type ProviderAccounts = ReturnType<typeof providerAccounts>;
