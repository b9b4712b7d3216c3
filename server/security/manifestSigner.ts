import { CompactSign, compactVerify, createLocalJWKSet, importJWK, type JWK } from 'jose';
import type { ManifestKey } from '../config';

/** What a manifest vouches for: enough to recognise the genuine file, nothing personal. */
export interface RecordingManifest {
  assessmentRef: string;
  recordedAt: string;
  sizeBytes: number;
  sha256: string;
  issuedAt: string;
  /**
   * The smaller copy made for phones, once there is one (the manifest is signed again then). The
   * original stays the authentic recording; the copy is vouched for as made from it.
   */
  listeningCopy?: { sha256: string; sizeBytes: number; contentType: string };
  /**
   * The recording's transcript (WebVTT), once one is attached; a replacement is signed again in its
   * place. It is vouched for as the transcript attached to this recording, not as a true account of it.
   */
  transcript?: { sha256: string; sizeBytes: number; contentType: string };
}

/** What a manifest signed before says, or for a recording without one, what its row says. */
export type ManifestFacts = Omit<RecordingManifest, 'issuedAt'>;

const MANIFEST_TYPE = 'assessment-recording-manifest+jws';

const publicJwk = (key: ManifestKey): JWK => ({ kty: 'OKP', crv: 'Ed25519', x: key.x, kid: key.kid, alg: 'EdDSA', use: 'sig' });

/**
 * Signs recording manifests (compact JWS, EdDSA over Ed25519) and checks them against the published
 * key set. Retired keys stay in the set, so a manifest signed before a rotation still verifies.
 */
export function manifestSigner(keys: readonly ManifestKey[]) {
  const [current] = keys;
  const jwks = { keys: keys.map(publicJwk) };
  const keySet = createLocalJWKSet(jwks);
  const signingKey = importJWK({ ...publicJwk(current), d: current.d }, 'EdDSA');

  async function sign(manifest: RecordingManifest): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(manifest)))
      .setProtectedHeader({ alg: 'EdDSA', kid: current.kid, typ: MANIFEST_TYPE })
      .sign(await signingKey);
  }

  /** The manifest if its signature holds under a published key; undefined for anything else. */
  async function verify(jws: unknown): Promise<(RecordingManifest & { kid: string }) | undefined> {
    if (typeof jws !== 'string' || jws.length > 4096) return undefined;
    try {
      const { payload, protectedHeader } = await compactVerify(jws, keySet, { algorithms: ['EdDSA'] });
      if (protectedHeader.typ !== MANIFEST_TYPE || !protectedHeader.kid) return undefined;
      return { ...(JSON.parse(new TextDecoder().decode(payload)) as RecordingManifest), kid: protectedHeader.kid };
    } catch {
      return undefined;
    }
  }

  return {
    /** The public keys, as served at /.well-known/jwks.json. */
    jwks,
    sign,
    verify,
    /**
     * A manifest for the same recording with `changes` made: what `currentJws` vouches for stays (if its
     * signature holds; `fallback` otherwise) and the date is new. Manifests handed out before still
     * verify: the key set keeps their key.
     */
    async amend(currentJws: string | null, fallback: ManifestFacts, changes: Partial<ManifestFacts>, issuedAt: Date): Promise<string> {
      const verified = await verify(currentJws);
      const base: ManifestFacts = verified ? (({ kid: _kid, issuedAt: _issued, ...fields }) => fields)(verified) : fallback;
      return sign({ ...base, ...changes, issuedAt: issuedAt.toISOString() });
    },
  };
}

export type ManifestSigner = ReturnType<typeof manifestSigner>;
