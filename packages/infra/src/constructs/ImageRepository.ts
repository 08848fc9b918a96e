import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { Construct } from 'constructs';

/** Terraform address of the repository, fixed so the first image deploy can target it (README). */
export const IMAGE_REPOSITORY_LOGICAL_ID = 'image_repository';

export interface ImageRepositoryProps {
  name: string;
  /** Let `destroy` delete a repository that still holds images. */
  forceDelete: boolean;
}

/**
 * ECR repository for the container-image variant of the function (Dockerfile in packages/inference).
 * Images are scanned on push; tags are immutable so a tag names one image forever and the function's
 * `image_uri` cannot silently change under a deployed version.
 */
export class ImageRepository extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, 'repository', {
      name: props.name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      forceDelete: props.forceDelete,
    });
    this.repository.overrideLogicalId(IMAGE_REPOSITORY_LOGICAL_ID);
  }

  /** `<repository_url>:<tag>`, or `<repository_url>@sha256:...` for a digest. */
  imageUri(tagOrDigest: string): string {
    const sep = tagOrDigest.startsWith('sha256:') ? '@' : ':';
    return `${this.repository.repositoryUrl}${sep}${tagOrDigest}`;
  }
}
