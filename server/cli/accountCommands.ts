import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import QRCode from 'qrcode';
import { required, type Command, type CommandContext } from './command';

const providerAccounts = async (context: CommandContext) => (await context.portal()).providers.accounts;

/** The accounts of staff and of assessment providers, which only an operator creates. */
export const ACCOUNT_COMMANDS: Record<string, Command> = {
  'providers add': {
    options: { name: { type: 'string' } },
    async run(context, values) {
      // The API key is printed once, here; only its hash is kept.
      return (await providerAccounts(context)).add(required(values, 'name'), 'operator-cli');
    },
  },
  'providers revoke': {
    options: { name: { type: 'string' } },
    async run(context, values) {
      return (await providerAccounts(context)).revoke(required(values, 'name'), 'operator-cli');
    },
  },
  'staff add': {
    options: { email: { type: 'string' }, role: { type: 'string' } },
    async run(context, values) {
      const created = await (await context.portal()).staff.accounts.create({
        email: required(values, 'email'),
        role: required(values, 'role'),
        actor: 'operator-cli',
      });
      // The QR code is as secret as the URI: a file only its owner can read, to be deleted once scanned.
      const qrCodeFile = path.join(context.config.dataDir, 'staff-qr', `${created.id}.png`);
      await mkdir(path.dirname(qrCodeFile), { recursive: true, mode: 0o700 });
      await QRCode.toFile(qrCodeFile, created.otpauthUri, { type: 'png' });
      await chmod(qrCodeFile, 0o600);
      return { email: created.email, role: created.role, oneTimePassword: created.password, otpauthUri: created.otpauthUri, qrCodeFile };
    },
  },
};
