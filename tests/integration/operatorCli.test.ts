import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoAudio } from '../support/demoAudio';
import { descriptorsOn } from '../support/openDescriptors';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(async () => {
  await portal.close();
});

function audioFile(name = 'audio.wav', bytes: Buffer = demoAudio(2)) {
  const file = path.join(portal.dataDir, name);
  writeFileSync(file, bytes);
  return file;
}

const add = (...args: string[]) => portal.cli('recordings', 'add', ...args);

function allFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? allFilesUnder(full) : [full];
  });
}

describe('recordings add', () => {
  test('stores the audio in the bucket with its SHA-256 and keeps the NINO and phone only hashed and encrypted', async () => {
    const bytes = demoAudio(2);
    const { code, json } = await add('--file', audioFile('a.wav', bytes), '--ref', 'PIP-123456', '--nino', 'ab123456c', '--phone', '07700900123', '--recorded-at', '2026-11-20T10:30:00Z');
    expect(code).toBe(0);
    expect(Object.keys(json)).toEqual(['recordingId']);
    const row = (await portal.recordings.findRecording(json.recordingId as string))!;
    expect(row).toMatchObject({ assessment_ref: 'PIP-123456', sha256: sha256(bytes), size_bytes: bytes.length, content_type: 'audio/wav', duration_seconds: 2 });
    expect(row.recorded_at).toBe('2026-11-20T10:30:00.000Z');
    expect(row.retain_until).toBe('2028-11-20T10:30:00.000Z');
    expect(row.nino_hash).toMatch(/^\$argon2id\$/);

    const database = Buffer.concat(allFilesUnder(portal.dataDir).filter((f) => /portal\.sqlite/.test(f)).map((f) => readFileSync(f)));
    expect(database.includes('AB123456C')).toBe(false);
    expect(database.includes('7700900123')).toBe(false);

    const stored = allFilesUnder(path.join(portal.dataDir, 's3')).find((f) => f.endsWith('.wav._S3rver_object'));
    expect(stored && sha256(readFileSync(stored))).toBe(sha256(bytes));
  });

  test.each([
    ['nino', ['--nino', 'QQ 12 34 56 X']],
    ['phone', ['--phone', '020 7946 0000']],
    ['ref', ['--ref', 'bad ref!']],
    ['recorded-at', ['--recorded-at', 'yesterday']],
    ['recorded-at', ['--recorded-at', '2999-01-01T00:00:00Z']],
  ])('refuses a bad --%s with a JSON error and stores nothing', async (field, bad) => {
    const args: Record<string, string> = { '--file': audioFile(), '--ref': 'PIP-1', '--nino': CLAIMANT.nino, '--phone': CLAIMANT.phone };
    for (let i = 0; i < bad.length; i += 2) args[bad[i]] = bad[i + 1];
    const { code, json } = await add(...Object.entries(args).flat());
    expect(code).toBe(1);
    expect(json).toMatchObject({ field });
    expect(await portal.recordings.findRecordingByRef('PIP-1')).toBeUndefined();
  });

  test('refuses a file that is not audio, whatever it is called', async () => {
    const fake = audioFile('fake.wav', Buffer.from('%PDF-1.7 this is a document, not a recording'));
    const { code, json } = await add('--file', fake, '--ref', 'PIP-2', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone);
    expect(code).toBe(1);
    expect(json).toMatchObject({ field: 'file' });
  });

  test('refuses a second recording with the same assessment reference', async () => {
    const args = ['--file', audioFile(), '--ref', 'PIP-3', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone];
    expect((await add(...args)).code).toBe(0);
    expect(await add(...args)).toEqual({ code: 1, json: expect.objectContaining({ field: 'ref' }) });
  });

  test('closes the file it was given whether it stored it or refused it, before it answers', async () => {
    const args = (file: string, ref: string) => ['--file', file, '--ref', ref, '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone];
    const stored = audioFile('stored.wav');
    expect((await add(...args(stored, 'PIP-5'))).code).toBe(0);
    expect(descriptorsOn(stored)).toBe(0);
    const sameRef = audioFile('same-ref.wav');
    expect(await add(...args(sameRef, 'PIP-5'))).toEqual({ code: 1, json: expect.objectContaining({ field: 'ref' }) });
    expect(descriptorsOn(sameRef)).toBe(0);
    const notAudio = audioFile('not-audio.wav', Buffer.from('%PDF-1.7 not a recording'));
    expect((await add(...args(notAudio, 'PIP-6'))).code).toBe(1);
    expect(descriptorsOn(notAudio)).toBe(0);
  });

  test('a missing option or unknown command is a usage error', async () => {
    expect((await add('--ref', 'PIP-4')).code).toBe(2);
    expect((await add('--file', audioFile(), '--bogus', 'x')).code).toBe(2);
    expect((await portal.cli('recordings', 'explode')).code).toBe(2);
    expect((await portal.cli('__proto__', 'constructor')).code).toBe(2);
  });
});

describe('links send', () => {
  test('prints the link id and its expiry, and writes the text message to the outbox', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const sent = await portal.cli('links', 'send', '--recording', recordingId);
    expect(sent.code).toBe(0);
    expect(Object.keys(sent.json).sort()).toEqual(['expiresAt', 'linkId']);
    expect(new Date(sent.json.expiresAt as string).getTime()).toBe(portal.clock().getTime() + 7 * 86_400_000);
    const message = portal.outbox().at(-1)!;
    expect(Object.keys(message).sort()).toEqual(['at', 'body', 'to', 'url']);
    expect(message.to).toBe('+447700900123');
  });

  test('to a corrected number needs a reason, then texts the new number and keeps it on record', async () => {
    const { recordingId } = await portal.recordingWithLink();
    expect((await portal.cli('links', 'send', '--recording', recordingId, '--phone', '07911 123456')).json).toMatchObject({ field: 'reason' });
    const sent = await portal.cli('links', 'send', '--recording', recordingId, '--phone', '07911 123456', '--reason', 'claimant changed number');
    expect(sent.code).toBe(0);
    expect(portal.outbox().at(-1)!.to).toBe('+447911123456');
    await portal.cli('links', 'send', '--recording', recordingId);
    expect(portal.outbox().at(-1)!.to).toBe('+447911123456');
    const link = (await portal.links.findLink(sent.json.linkId as string))!;
    expect(link.reason).toBe('claimant changed number');
    expect(link.phone_masked).toBe('07*** ***456');
  });

  test('refuses an unknown recording', async () => {
    expect(await portal.cli('links', 'send', '--recording', 'no-such-id')).toEqual({ code: 1, json: expect.objectContaining({ field: 'recording' }) });
    expect(portal.outbox()).toEqual([]);
  });
});
