import { open } from 'node:fs/promises';
import { closeStream } from '../closeStream';
import { InputError } from '../services/inputError';
import { recordingFromText } from '../services/recordingText';
import { optional, required, type Command } from './command';

/** Recordings and their links, as the operator adds and sends them. */
export const RECORDING_COMMANDS: Record<string, Command> = {
  'recordings add': {
    options: {
      file: { type: 'string' },
      ref: { type: 'string' },
      nino: { type: 'string' },
      phone: { type: 'string' },
      'recorded-at': { type: 'string' },
      language: { type: 'string' },
    },
    async run(context, values) {
      const details = recordingFromText({
        assessmentRef: required(values, 'ref'),
        nino: required(values, 'nino'),
        phone: required(values, 'phone'),
        recordedAt: optional(values, 'recorded-at'),
        language: optional(values, 'language'),
      });
      const file = required(values, 'file');
      // Opened before anything is stored, so a wrong path is named at once; then streamed, never held.
      const handle = await open(file).catch(() => undefined);
      if (!handle || !(await handle.stat()).isFile()) {
        await handle?.close();
        throw new InputError('file', `cannot read ${file}`);
      }
      const audio = handle.createReadStream();
      try {
        return await (await context.portal()).services.registerRecording({ ...details, audio, actor: 'operator-cli' });
      } finally {
        await closeStream(audio);
      }
    },
  },
  'links send': {
    options: { recording: { type: 'string' }, phone: { type: 'string' }, reason: { type: 'string' } },
    async run(context, values) {
      const { services } = await context.portal();
      const sent = await services.sendLink({
        recordingId: required(values, 'recording'),
        phone: optional(values, 'phone'),
        reason: optional(values, 'reason'),
        actor: 'operator-cli',
      });
      // sendLink has started sending it; wait for that. If the provider cannot take it now, the
      // portal's dispatcher retries it later.
      await services.dispatcher.settled();
      return { linkId: sent.linkId, expiresAt: sent.expiresAt.toISOString() };
    },
  },
  'sms dispatch': {
    options: {},
    async run(context) {
      return (await context.portal()).services.dispatcher.drain();
    },
  },
};
