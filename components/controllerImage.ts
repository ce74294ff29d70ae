import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import { ecrRepositoryArn } from "../lib/aws/policies";

/** The controller image's source, built when no prebuilt image is configured. */
export const CONTROLLER_IMAGE_CONTEXT = "./controller-image";

/**
 * The configured prebuilt image, or one built from `controller-image/` into a stack-owned
 * repository; the resources are the owner's children (the Controller's), as the image is part of it.
 */
export function controllerImage(
  name: string,
  prebuilt: string | undefined,
  owner: pulumi.Resource,
): { image: pulumi.Output<string>; repositoryArns: pulumi.Output<(string | undefined)[]> } {
  if (prebuilt) {
    return { image: pulumi.output(prebuilt), repositoryArns: pulumi.output([ecrRepositoryArn(prebuilt)]) };
  }
  const parent = { parent: owner };
  const repository = new aws.ecr.Repository(
    `${name}-image`,
    {
      imageScanningConfiguration: { scanOnPush: true },
      // awsx pushes every build under one tag per stack, so the tag must be mutable; tasks
      // run the image by digest, so what runs never changes under them.
      imageTagMutability: "MUTABLE",
      // Images are rebuilt from controller-image/; nothing in the repository is irreplaceable.
      forceDelete: true,
    },
    parent,
  );
  new aws.ecr.LifecyclePolicy(
    `${name}-image`,
    {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [{ rulePriority: 1, description: "Keep the last 10 images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }, action: { type: "expire" } }],
      }),
    },
    parent,
  );
  const built = new awsx.ecr.Image(
    `${name}-image`,
    { repositoryUrl: repository.repositoryUrl, context: CONTROLLER_IMAGE_CONTEXT, platform: "linux/amd64" },
    parent,
  );
  return { image: built.imageUri, repositoryArns: pulumi.all([repository.arn]) };
}
