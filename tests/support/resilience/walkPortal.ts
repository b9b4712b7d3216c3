import type { PortalDeps } from '../../../server/deps';

/**
 * The portal's dependencies with both SMS providers' receipt webhooks configured, so the app the
 * walk builds mounts every route any configuration mounts (each webhook exists only when its
 * provider is chosen). Messages still go through the deps' own sender (the outbox).
 */
export function withEveryWebhook(deps: PortalDeps): PortalDeps {
  const sms = deps.config.sms;
  return {
    ...deps,
    config: {
      ...deps.config,
      sms: {
        ...sms,
        twilio: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'f'.repeat(32), sender: { from: '+447700900000' }, apiBaseUrl: undefined },
        notify: {
          apiKey: `walk-${'0'.repeat(8)}-0000-0000-0000-000000000000-${'0'.repeat(8)}-0000-0000-0000-000000000000`,
          templateIds: { en: '00000000-0000-0000-0000-000000000000', cy: '00000000-0000-0000-0000-000000000000' },
          baseUrl: 'http://127.0.0.1:9',
          callbackToken: 'route-walk-callback-token',
        },
      },
    },
  };
}
