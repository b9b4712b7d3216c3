import { Router } from 'express';
import { translatorFor } from '../middleware/language';
import type { ManifestSigner } from '../security/manifestSigner';
import type { RecordingStore } from '../store/recordingStore';
import { formatBytes, formatDate } from '../pages/format';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Proof that a copy is genuine: the manifest keys' public halves, and a page where anyone can check
 * an audio file or its transcript. The page hashes the file in the browser (static/js/verify.mjs) and sends only the
 * SHA-256; the answer rests on the manifest signed at ingest, which outlives the audio itself.
 */
export function verificationRoutes(store: RecordingStore, manifests: ManifestSigner): Router {
  const router = Router();

  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.json(manifests.jwks);
  });

  router.get('/verify', async (req, res) => {
    const t = translatorFor(res);
    const view = { pageTitle: t('verify.title') };
    const raw = req.query.sha256;
    if (raw === undefined) return res.render('pages/verify', view);
    const sha256 = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    if (!SHA256_HEX.test(sha256)) {
      return res.status(400).render('pages/verify', { ...view, value: typeof raw === 'string' ? raw.slice(0, 100) : '', errors: [{ text: t('verify.error.format'), href: '#sha256' }] });
    }
    // Any file the manifest vouches for: the original, the listening copy made from it, or its transcript.
    const recording = await store.findRecordingByFileSha256(sha256);
    const manifest = recording ? await manifests.verify(recording.manifest) : undefined;
    const phoneCopy = manifest?.listeningCopy?.sha256 === sha256 ? manifest?.listeningCopy : undefined;
    const transcript = manifest?.transcript?.sha256 === sha256 ? manifest?.transcript : undefined;
    if (!manifest || (manifest.sha256 !== sha256 && !phoneCopy && !transcript)) return res.render('pages/verify', { ...view, value: sha256, result: 'no-match', sha256 });
    return res.render('pages/verify', {
      ...view,
      value: sha256,
      result: 'match',
      sha256,
      recordedOn: formatDate(new Date(manifest.recordedAt), t),
      size: formatBytes((phoneCopy ?? transcript ?? manifest).sizeBytes),
      phoneCopyOf: phoneCopy ? formatBytes(manifest.sizeBytes) : undefined,
      isTranscript: transcript !== undefined,
      kid: manifest.kid,
    });
  });

  return router;
}
