import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import type { AgentTemplate } from "../lib/settings";
import { DEFAULT_AGENT_IMAGE } from "../lib/jenkins/cloud";
import { BASE_IMAGE_ARG, KANIKO_BUILD, buildKey, describeImageSource, lifecyclePolicy, plannedBuilds } from "../lib/jenkins/agentImages";
import { ecrRepositoryArn } from "../lib/aws/policies";

/** Arguments for {@link AgentImages}. */
export interface AgentImagesArgs {
  /** Validated agent templates: those without a prebuilt `image` get theirs built here. */
  readonly templates: readonly AgentTemplate[];
}

/**
 * The agents' images. Every template without a prebuilt `image` runs an image built at
 * `pulumi up` (from `agent-images/<build>`, for the template's architecture) into one ECR
 * repository of the stack, and its task definition names it by digest: a retag upstream never
 * changes what runs. Nothing is created when every template names a prebuilt image.
 *
 * Why builds and not an ECR pull-through cache of Docker Hub: a pull-through rule for Docker
 * Hub needs a Docker Hub account's token in a Secrets Manager secret before the first
 * `pulumi up`, the agents' execution role would need `ecr:BatchImportUpstreamImage` (and
 * repository creation) at the first pull of each tag, and it mirrors tags, not digests. A
 * `FROM`-only build needs Docker where `pulumi up` runs, which the controller image needs
 * already, and gives a digest the stack owns.
 */
export class AgentImages extends pulumi.ComponentResource {
  /** Image per template, in template order: `<repository>@sha256:...` when built, else the prebuilt reference. */
  public readonly images: pulumi.Output<string[]>;
  /** The kaniko container's image per template, in template order (`<repository>@sha256:...`); undefined without `kaniko`. */
  public readonly kanikoImages: pulumi.Output<(string | undefined)[]>;
  /**
   * Per template, in template order, the ECR repositories its execution role pulls from: the
   * stack's for a built image or a kaniko container, a prebuilt ECR image's own; none for a
   * prebuilt image of another registry.
   */
  public readonly repositoryArns: pulumi.Output<string[][]>;
  /** Where each template's image comes from, in words, in template order. */
  public readonly sources: { readonly label: string; readonly source: string }[];

  constructor(name: string, args: AgentImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jenkins-ecs:agentImages:AgentImages", name, {}, opts);
    const parent = { parent: this };
    const { templates } = args;
    const builds = plannedBuilds(templates);
    this.sources = templates.map((t) => ({ label: t.label, source: describeImageSource(t, DEFAULT_AGENT_IMAGE) }));

    const built = new Map<string, pulumi.Output<string>>();
    let stackRepositoryArn: pulumi.Output<string> | undefined;
    if (builds.length > 0) {
      const repository = new aws.ecr.Repository(
        `${name}-repo`,
        {
          imageScanningConfiguration: { scanOnPush: true },
          // Tags name a build folder's content and may be pushed again; tasks run digests, so
          // what runs never changes under them.
          imageTagMutability: "MUTABLE",
          // Everything here is rebuilt from agent-images/: nothing in it is irreplaceable.
          forceDelete: true,
        },
        parent,
      );
      new aws.ecr.LifecyclePolicy(`${name}-repo`, { repository: repository.name, policy: JSON.stringify(lifecyclePolicy(builds)) }, parent);
      stackRepositoryArn = repository.arn;

      // Each custom build starts FROM the mirror of its architecture, by tag and digest.
      const pinnedBase = new Map<string, pulumi.Output<string>>();
      for (const build of builds) {
        const image = new awsx.ecr.Image(
          `${name}-${build.key.replace(".", "-")}`,
          {
            repositoryUrl: repository.repositoryUrl,
            context: build.context,
            platform: build.platform,
            // Unique per build and architecture: awsx names its docker-build child after it.
            imageTag: build.tag,
            args: build.base ? { [BASE_IMAGE_ARG]: pinnedBase.get(build.base)! } : undefined,
          },
          parent,
        );
        built.set(build.key, image.imageUri);
        pinnedBase.set(build.key, pulumi.interpolate`${repository.repositoryUrl}:${build.tag}@${image.imageUri.apply((uri) => uri.split("@")[1])}`);
      }
    }

    this.images = pulumi.all(templates.map((t) => (t.image !== undefined ? pulumi.output(t.image) : built.get(buildKey(t.build!, t.architecture))!)));
    this.kanikoImages = pulumi.all(templates.map((t) => (t.kaniko ? built.get(buildKey(KANIKO_BUILD, t.architecture))! : pulumi.output(undefined))));
    this.repositoryArns = pulumi.all(
      templates.map((t) => {
        const own = t.image !== undefined ? ecrRepositoryArn(t.image) : stackRepositoryArn;
        const kaniko = t.kaniko ? stackRepositoryArn : undefined;
        return pulumi.all([own, kaniko]).apply((arns) => [...new Set(arns.filter((a): a is string => a !== undefined))]);
      }),
    );
    this.registerOutputs({ images: this.images, kanikoImages: this.kanikoImages, repositoryArns: this.repositoryArns, sources: this.sources });
  }
}
