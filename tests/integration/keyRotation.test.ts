import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../server/cli/portalCli';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const OLD = `f1:${key(1)}`;
const NEW = `f2:${key(2)}`;

let portal: TestPortal;
afterEach(async () => {
  await portal.close();
});

const phoneSealedWith = async (recordingId: string) => (await portal.recordings.findRecording(recordingId))!.phone_encrypted!.split('.')[1];

test('rotation re-encrypts every personal field to the new key and the portal still reads them', async () => {
  portal = await startTestPortal({ FIELD_ENCRYPTION_KEYS: OLD });
  const { recordingId } = await portal.recordingWithLink();
  expect(await phoneSealedWith(recordingId)).toBe('f1');

  const rotatedEnv = { FIELD_ENCRYPTION_KEYS: `${NEW},${OLD}` };
  const rotation = await portal.cli('keys', 'rotate');
  expect(rotation.json).toEqual({ keyId: 'f1', reencrypted: 0, remaining: 0 });

  const out: string[] = [];
  const io = { env: { ...portal.env, ...rotatedEnv }, clock: portal.clock, out: (line: string) => out.push(line), err: () => {} };
  expect(await runCli(['keys', 'rotate'], io)).toBe(0);
  expect(JSON.parse(out[0])).toEqual({ keyId: 'f2', reencrypted: 1, remaining: 0 });

  // A new link still reaches the number on record, read with the new key only.
  const retired = { FIELD_ENCRYPTION_KEYS: NEW };
  expect(await runCli(['links', 'send', '--recording', recordingId], { ...io, env: { ...portal.env, ...retired } })).toBe(0);
  expect(portal.outbox().at(-1)!.to).toBe('+447700900123');
  expect(await phoneSealedWith(recordingId)).toBe('f2');
});

test('an interrupted rotation resumes where it stopped', async () => {
  portal = await startTestPortal({ FIELD_ENCRYPTION_KEYS: OLD });
  for (let i = 0; i < 5; i++) await portal.recordingWithLink();
  const out: string[] = [];
  const io = { env: { ...portal.env, FIELD_ENCRYPTION_KEYS: `${NEW},${OLD}` }, clock: portal.clock, out: (line: string) => out.push(line), err: () => {} };
  expect(await runCli(['keys', 'rotate', '--batch', '2', '--max-batches', '1'], io)).toBe(0);
  expect(JSON.parse(out[0])).toEqual({ keyId: 'f2', reencrypted: 2, remaining: 3 });
  expect(await runCli(['keys', 'rotate', '--batch', '2'], io)).toBe(0);
  expect(JSON.parse(out[1])).toEqual({ keyId: 'f2', reencrypted: 3, remaining: 0 });
  expect(await runCli(['keys', 'rotate', '--batch', 'lots'], io)).toBe(1);
});

test('the database files hold the NINO and the phone number in no form a grep would find', async () => {
  portal = await startTestPortal();
  await portal.recordingWithLink();
  const files = readdirSync(portal.dataDir).filter((name) => name.startsWith('portal.sqlite'));
  expect(files.length).toBeGreaterThan(0);
  const bytes = Buffer.concat(files.map((name) => readFileSync(path.join(portal.dataDir, name))));
  const text = bytes.toString('latin1');
  for (const form of ['AB123456C', 'AB 12 34 56 C', 'ab123456c', CLAIMANT.phone, '07700900123', '+447700900123', '447700900123', '7700900123', '7700 900123']) {
    expect([form, text.includes(form)]).toEqual([form, false]);
  }
  const utf16 = bytes.toString('utf16le');
  expect(utf16.includes('AB123456C') || utf16.includes('7700900123')).toBe(false);
});
