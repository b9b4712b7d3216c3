import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { bucketConfiguration } from '../../scripts/applyBucketPolicy';
import { loadConfig } from '../../server/config';
import { parseDuration } from '../../server/policy/duration';
import { DEPENDENCY_CHECK_TIMEOUT_MS } from '../../server/routes/health';
import { startTestPortal } from '../support/testPortal';

const INFRA = path.resolve(__dirname, '../../infra');
const read = (file: string) => readFileSync(path.join(INFRA, file), 'utf8');

type Manifest = { kind: string; metadata: { name: string }; spec: any; stringData?: Record<string, string> };
const manifests: Manifest[] = ['k8s/deployment.yaml', 'k8s/policies.yaml'].flatMap((file) =>
  parseAllDocuments(read(file)).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Manifest;
  }),
);
const compose = parseYaml(read('compose.yaml'), { merge: true });
const deployment = manifests.find((m) => m.kind === 'Deployment')!;
const container = deployment.spec.template.spec.containers[0];

/** Every variable the configuration reads, found by watching loadConfig read a full environment. */
function variablesTheConfigReads(): Set<string> {
  const seen = new Set<string>();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'infra-'));
  try {
    const env = new Proxy({ DATA_DIR: dataDir } as Record<string, string | undefined>, {
      get(target, name: string) {
        seen.add(name);
        return target[name];
      },
    });
    loadConfig(env);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return seen;
}
const KNOWN = variablesTheConfigReads();

test('the manifests are the expected kinds', () => {
  expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service']);
});

test('every variable the Deployment and the compose stack set is one the configuration reads', () => {
  const deploymentVariables: string[] = container.env.map((e: { name: string }) => e.name);
  const composeVariables = Object.keys(compose.services['portal-1'].environment);
  for (const name of [...deploymentVariables, ...composeVariables]) expect([name, KNOWN.has(name)]).toEqual([name, true]);
});

test('the Deployment reads only secret keys the Secret declares', () => {
  const secret = manifests.find((m) => m.kind === 'Secret')!;
  const refs = container.env.filter((e: any) => e.valueFrom).map((e: any) => e.valueFrom.secretKeyRef);
  for (const ref of refs) {
    expect(ref.name).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData!)).toContain(ref.key);
  }
});

test("the compose stack's settings pass the portal's own production validation", () => {
  const environment = compose.services['portal-2'].environment as Record<string, string>;
  const config = loadConfig(environment);
  expect(config.production).toBe(true);
  expect(config.database.url).toMatch(/^postgres:/);
  expect(config.redisUrl).toMatch(/^redis:/);
  expect(config.trustProxy).toBe(1);
});

describe("the compose stack's object store", () => {
  const portalEnvironment = compose.services['portal-1'].environment as Record<string, string>;
  const setup = compose.services['bucket-setup'];
  // As compose hands it to the shell: `$$` is compose's escape for a literal `$`.
  const setupScript: string = setup.entrypoint.join('\n').replaceAll('$$', '$');
  const identities: Array<{ credentials: Array<{ accessKey: string; secretKey: string }>; actions: string[] }> = JSON.parse(read('s3/seaweedfs.json')).identities;

  test('every image is pinned to a version, none of them a MinIO image', () => {
    for (const [name, service] of Object.entries(compose.services as Record<string, { image?: string }>)) {
      if (!service.image) continue;
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[a-z0-9./-]+:(?!latest$)[\w.-]+$/)]);
      expect(service.image).not.toMatch(/minio/);
    }
    expect(compose.services.seaweedfs.image).toMatch(/^chrislusf\/seaweedfs:\d+\.\d+$/);
  });

  test("the portal talks to SeaweedFS's S3 gateway, on the port it serves, and waits for the bucket", () => {
    const endpoint = new URL(portalEnvironment.S3_ENDPOINT);
    expect(endpoint.hostname).toBe('seaweedfs');
    expect(compose.services.seaweedfs.command).toContain(`-s3.port=${endpoint.port}`);
    expect(setup.environment.S3).toBe(endpoint.origin);
    expect(compose.services['portal-1'].depends_on['bucket-setup']).toEqual({ condition: 'service_completed_successfully' });
  });

  test("the portal's S3 credentials are an identity that may read, write and list its bucket, and nothing more", () => {
    const portal = identities.find((identity) => identity.credentials.some((c) => c.accessKey === portalEnvironment.S3_ACCESS_KEY_ID))!;
    expect(portal.credentials).toContainEqual({ accessKey: portalEnvironment.S3_ACCESS_KEY_ID, secretKey: portalEnvironment.S3_SECRET_ACCESS_KEY });
    const bucket = portalEnvironment.S3_BUCKET;
    expect(portal.actions.sort()).toEqual([`List:${bucket}`, `Read:${bucket}`, `Write:${bucket}`]);
    const admin = identities.find((identity) => identity.credentials.some((c) => c.accessKey === setup.environment.AWS_ACCESS_KEY_ID))!;
    expect(admin.credentials[0].secretKey).toBe(setup.environment.AWS_SECRET_ACCESS_KEY);
  });

  test('the setup makes the bucket the portal names versioned, encrypted by default, with the production lifecycle rules', () => {
    expect(setup.environment.BUCKET).toBe(portalEnvironment.S3_BUCKET);
    expect(setupScript).toContain('put-bucket-versioning --bucket "$BUCKET" --versioning-configuration Status=Enabled');
    // A versioned bucket: the portal's deletion removes every version, not just the current one.
    expect(loadConfig(compose.services['portal-2'].environment).s3.versioned).toBe(true);
    const encryption = JSON.parse(/--server-side-encryption-configuration '([^']+)'/.exec(setupScript)![1]);
    expect(encryption.Rules[0].ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(setupScript).toContain('--lifecycle-configuration file:///s3/lifecycle.json');
    expect(setup.volumes).toContain('./s3:/s3:ro');
  });
});

test('the runtime image has Debian\'s ffmpeg', () => {
  const runtimeStage = read('Dockerfile').split(/^FROM .* AS runtime$/m)[1];
  expect(runtimeStage).toMatch(/^RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf \/var\/lib\/apt\/lists\/\*$/m);
});

test('probes and ports point at real routes of a running portal', async () => {
  expect(container.readinessProbe.httpGet.path).toBe('/readyz');
  expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  const ports = Object.fromEntries(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
  const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
  expect(String(ports.http)).toBe(env.PORT);
  expect(String(ports.metrics)).toBe(env.METRICS_PORT);
  // Metrics listen on loopback unless told otherwise; Prometheus scrapes the pod from outside it.
  expect(deployment.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true');
  expect([env.METRICS_HOST, compose.services['portal-1'].environment.METRICS_HOST]).toEqual(['0.0.0.0', '0.0.0.0']);
  expect(read('nginx.conf')).toContain(`portal-1:${compose.services['portal-1'].environment.PORT}`);

  const portal = await startTestPortal();
  try {
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      expect((await request(portal.app).get(probe.httpGet.path)).status).toBe(200);
    }
  } finally {
    await portal.close();
  }
});

test('the image runs Node 24 LTS as a non-root user, from the build output', () => {
  const dockerfile = read('Dockerfile');
  expect(dockerfile.match(/^FROM node:24[^\s]* AS \w+$/gm)).toHaveLength(2);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/CMD \["node", "dist\/server\/main.js"\]/);
  // A heap allowed to fill the pod would have it killed for memory instead of collected.
  const heapCapMb = Number(/--max-old-space-size=(\d+)/.exec(dockerfile)![1]);
  const podLimitMb = Number(/^(\d+)Mi$/.exec(container.resources.limits.memory)![1]);
  expect(heapCapMb * 2).toBeLessThanOrEqual(podLimitMb);
  const build = JSON.parse(readFileSync(path.resolve(__dirname, '../../tsconfig.build.json'), 'utf8'));
  // The image runs the portal and, for migrations alone, the operator CLI.
  expect(build.include).toEqual(expect.arrayContaining(['server', 'scripts/portal.ts']));
});

test('the pods run locked down and spread so a disruption keeps the service up', () => {
  const pod = deployment.spec.template.spec;
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  const budget = manifests.find((m) => m.kind === 'PodDisruptionBudget')!;
  const autoscaler = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler')!;
  expect(budget.spec.minAvailable).toBeLessThan(autoscaler.spec.minReplicas);
  // SIGKILL only after the preStop pause, the drain (SHUTDOWN_TIMEOUT) and some seconds to close the pools.
  const shutdownTimeoutMs = parseDuration(container.env.find((e: { name: string }) => e.name === 'SHUTDOWN_TIMEOUT').value)!;
  expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(container.lifecycle.preStop.sleep.seconds * 1000 + shutdownTimeoutMs + 5_000);
});

test("the probes' timeouts outlast the readiness checks, which run side by side", () => {
  expect(container.readinessProbe.timeoutSeconds * 1000).toBeGreaterThan(DEPENDENCY_CHECK_TIMEOUT_MS);
  expect(container.livenessProbe.timeoutSeconds).toBeGreaterThanOrEqual(1);
});

describe('the production bucket configuration', () => {
  const commands = bucketConfiguration('assessment-recordings-prod');
  const input = (name: string) => commands.find((command) => command.constructor.name === name)!.input as any;

  test('turns versioning on and asks for default encryption', () => {
    expect(input('PutBucketVersioningCommand').VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(input('PutBucketEncryptionCommand').ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(bucketConfiguration('b', 'arn:aws:kms:eu-west-2:1:key/k')[1].input).toMatchObject({ ServerSideEncryptionConfiguration: { Rules: [{ BucketKeyEnabled: true }] } });
  });

  test('blocks every kind of public access', () => {
    expect(input('PutPublicAccessBlockCommand').PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  });

  test('denies unencrypted puts and plain-HTTP requests on this bucket only', () => {
    const policy = JSON.parse(input('PutBucketPolicyCommand').Policy);
    expect(JSON.stringify(policy)).not.toContain('${BUCKET}');
    const unencrypted = policy.Statement.find((s: any) => s.Sid === 'DenyUnencryptedPuts');
    expect(unencrypted).toMatchObject({ Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::assessment-recordings-prod/*', Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } });
    expect(policy.Statement.find((s: any) => s.Sid === 'DenyInsecureTransport').Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });

  test('expires noncurrent versions of recordings', () => {
    const [rule] = input('PutBucketLifecycleConfigurationCommand').LifecycleConfiguration.Rules;
    expect(rule).toMatchObject({ Status: 'Enabled', Filter: { Prefix: 'recordings/' }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
  });
});
