/**
 * Applies infra/s3/*.json to the production bucket with the AWS SDK: versioning on, default
 * encryption, public access blocked, unencrypted or insecure requests denied, noncurrent versions
 * expired (the retention sweep deletes every version itself; the rule catches anything left).
 *   S3_BUCKET=… S3_REGION=… [S3_KMS_KEY_ID=…] npx tsx scripts/applyBucketPolicy.ts [--dry-run]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';

const INFRA = path.resolve(__dirname, '../infra/s3');
const json = (file: string) => JSON.parse(readFileSync(path.join(INFRA, file), 'utf8'));

/** The requests that configure the bucket, in the order they are sent. */
export function bucketConfiguration(bucket: string, kmsKeyId?: string) {
  const policy = readFileSync(path.join(INFRA, 'bucket-policy.json'), 'utf8').replaceAll('${BUCKET}', bucket);
  return [
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: kmsKeyId ? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kmsKeyId } : { SSEAlgorithm: 'AES256' },
            BucketKeyEnabled: Boolean(kmsKeyId),
          },
        ],
      },
    }),
    new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: json('public-access-block.json') }),
    new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }),
    new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: json('lifecycle.json') }),
  ];
}

async function main() {
  const bucket = process.env.S3_BUCKET;
  if (!bucket) throw new Error('S3_BUCKET: is required');
  const commands = bucketConfiguration(bucket, process.env.S3_KMS_KEY_ID);
  if (process.argv.includes('--dry-run')) {
    for (const command of commands) console.log(JSON.stringify({ request: command.constructor.name, input: command.input }));
    return;
  }
  const client = new S3Client({ region: process.env.S3_REGION ?? 'eu-west-2', endpoint: process.env.S3_ENDPOINT });
  for (const command of commands) {
    await client.send(command as never);
    console.log(`applied ${command.constructor.name}`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
