import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AssetType, Fn, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { ModelInput } from '../inputs.js';

/** Every model object lives under this prefix; the function may read nothing else in the bucket. */
export const MODEL_PREFIX = 'model/';
export const MODEL_KEY = `${MODEL_PREFIX}model.onnx`;
export const MANIFEST_KEY = `${MODEL_PREFIX}manifest.json`;

export interface ModelBucketProps {
  /** Bucket names are global: the bucket gets this prefix plus a unique suffix Terraform generates. */
  namePrefix: string;
  /** Let `destroy` empty the bucket, every object version included. */
  forceDestroy: boolean;
  model: ModelInput;
}

/**
 * The model registry: a versioned, encrypted, private, TLS-only bucket holding `model.onnx` and
 * `manifest.json` at fixed keys. A new artifact is a new S3 object version at the same key, so the
 * function's configuration (the version ids in its environment) is all that changes on a model update,
 * and every earlier model stays addressable by its version id for rollback.
 */
export class ModelBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly modelObject: S3Object;
  readonly manifestObject: S3Object;
  readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: ModelBucketProps) {
    super(scope, id);

    this.bucket = new S3Bucket(this, 'bucket', {
      // bucket_prefix allows at most 37 characters (aws_s3_bucket docs); Terraform appends a unique suffix.
      bucketPrefix: `${props.namePrefix}-models-`.slice(0, 37),
      forceDestroy: props.forceDestroy,
    });

    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });

    // SSE-S3: encryption at rest without a KMS key policy to manage or KMS request charges per cold start.
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    // Deny any request not made over TLS (S3 user guide, "Enforce encryption of data in transit":
    // condition aws:SecureTransport = false). A Deny with a `*` principal is not public access.
    new S3BucketPolicy(this, 'tls-only', {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
      // PutBucketPolicy races the public access block otherwise (provider issue: "OperationAborted").
      dependsOn: [publicAccessBlock],
    });

    this.modelObject = this.upload('model', MODEL_KEY, props.model.modelPath, props.model.manifest.sha256, 'application/octet-stream');
    this.manifestObject = this.upload('manifest', MANIFEST_KEY, props.model.manifestPath, undefined, 'application/json');
  }

  /**
   * `s3://bucket/key?versionId=V`: the exact object version the handler loads (docs/contracts.md section 2).
   * S3 version ids are opaque and may hold `+`, `/` or `=`; the handler reads V with
   * `new URL(uri).searchParams`, which would turn a bare `+` into a space and ask S3 for a version that does
   * not exist. Terraform's urlencode (Go's QueryEscape) percent-encodes them, so V round-trips exactly.
   */
  objectUri(object: S3Object, versionId: string): string {
    return `s3://${this.bucket.bucket}/${object.key}?versionId=${Fn.urlencode(versionId)}`;
  }

  /** ARN pattern of the objects under the model prefix (for the function's read-only grant). */
  get modelPrefixArn(): string {
    return `${this.bucket.arn}/${MODEL_PREFIX}*`;
  }

  /**
   * Uploads a local file as an object. The asset copies it into the stack directory (the object's
   * `source` is relative to it) and `source_hash` carries its content digest, so new bytes are an in-place
   * update that makes a new object version; the same bytes are no change at all.
   */
  upload(id: string, key: string, path: string, sha256: string | undefined, contentType: string): S3Object {
    const digest = sha256 ?? createHash('sha256').update(readFileSync(path)).digest('hex');
    // The asset folder is named by the digest, so the relative `source` path is stable for the same bytes.
    const asset = new TerraformAsset(this, `${id}-asset`, { path, type: AssetType.FILE, assetHash: digest });
    return new S3Object(this, id, {
      bucket: this.bucket.id,
      key,
      source: asset.path,
      sourceHash: digest,
      contentType,
      // Orders PutBucketVersioning before the upload, but does not make it take effect: S3 applies a
      // versioning change eventually (S3 user guide: up to 15 minutes), and a write in that window may still
      // land unversioned, with version id "null" and no `version_id` here. The function's URIs fall back to
      // that "null" id (see NULL_VERSION_ID in ClassifierStack), so a first deploy still succeeds.
      dependsOn: [this.versioning],
    });
  }
}
