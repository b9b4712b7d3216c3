import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoAudio as synthesise } from '../../server/demoAudio';

/*
 * The server's demoAudio, made once per machine and read back after. Under Jest every global lookup
 * in a hot loop goes through the test context's global object, so the synthesis that takes 8 ms in
 * plain Node takes 150 ms in a test, and the suite asks for it hundreds of times. The bytes are a pure
 * function of the arguments, of server/demoAudio.ts and of V8, whose hash names the cache: an edited
 * generator gets a cache of its own, never a stale file.
 */
const SOURCE = path.resolve(__dirname, '../../server/demoAudio.ts');
// V8's version too: its Math.sin and Math.exp are what the bytes are computed with (the Node 20 and 24 legs of CI each get their own).
const KEY = createHash('sha256').update(readFileSync(SOURCE)).update(process.versions.v8).digest('hex').slice(0, 16);
const CACHE = path.join(tmpdir(), `portal-demo-audio-${KEY}`);
const made = new Map<string, Buffer>();

/** The same bytes as server/demoAudio's `demoAudio(seconds, sampleRate)`, a copy of its own each call. */
export function demoAudio(seconds = 6, sampleRate = 16_000): Buffer {
  const name = `${seconds}s-${sampleRate}hz.wav`;
  let audio = made.get(name);
  if (!audio) {
    audio = cached(name, 44 + Math.round(seconds * sampleRate) * 2) ?? store(name, synthesise(seconds, sampleRate));
    made.set(name, audio);
  }
  return Buffer.from(audio);
}

/** A file of the wrong length (a disk that filled up) is made again. */
function cached(name: string, bytes: number): Buffer | undefined {
  try {
    const audio = readFileSync(path.join(CACHE, name));
    return audio.length === bytes ? audio : undefined;
  } catch {
    return undefined;
  }
}

/** Written under a name of its own, then renamed: a worker reading at the same moment sees all of it or nothing. */
function store(name: string, audio: Buffer): Buffer {
  mkdirSync(CACHE, { recursive: true });
  const partial = path.join(CACHE, `${name}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  writeFileSync(partial, audio);
  renameSync(partial, path.join(CACHE, name));
  return audio;
}
