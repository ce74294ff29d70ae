/**
 * Rules GitHub's REST API applies to the repository settings ci/ manages, which the Pulumi mocks
 * would otherwise accept. Each throws as the API would refuse the request.
 */

type Inputs = Record<string, unknown>;

/**
 * Configuration variable names (GitHub Docs, "Store information in variables", naming
 * conventions): only letters, digits and "_", not starting with a digit or with `GITHUB_`.
 */
function checkVariableName(name: unknown): void {
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name)) {
    throw new Error(`variable name ${JSON.stringify(name)}: only letters, digits and "_", not starting with a digit or GITHUB_ (GitHub Docs, variables naming conventions)`);
  }
}

/** Throws if GitHub would refuse the resource of `type` with these inputs; other types pass. */
export function enforceGithubRules(type: string, inputs: Inputs): void {
  switch (type) {
    // REST "Create or update an environment": deployment_branch_policy needs both booleans, and
    // exactly one true ("If protected_branches is true, custom_branch_policies must be false; if
    // protected_branches is false, custom_branch_policies must be true"); reviewers: "You can
    // list up to six users or teams"; environment names at most 255 characters.
    case "github:index/repositoryEnvironment:RepositoryEnvironment": {
      const name = inputs.environment;
      if (typeof name !== "string" || name.length === 0 || name.length > 255) throw new Error(`environment name ${JSON.stringify(name)}: 1 to 255 characters`);
      const policy = inputs.deploymentBranchPolicy as { protectedBranches?: unknown; customBranchPolicies?: unknown } | undefined;
      if (policy !== undefined && (typeof policy.protectedBranches !== "boolean" || policy.protectedBranches === policy.customBranchPolicies)) {
        throw new Error(`environment ${name}: deploymentBranchPolicy needs exactly one of protectedBranches and customBranchPolicies true`);
      }
      const reviewers = ((inputs.reviewers as { teams?: unknown[]; users?: unknown[] }[] | undefined) ?? []).flatMap((r) => [...(r.teams ?? []), ...(r.users ?? [])]);
      if (reviewers.length > 6) throw new Error(`environment ${name}: ${reviewers.length} reviewers; GitHub takes up to six users or teams`);
      if (reviewers.some((id) => !Number.isInteger(id))) throw new Error(`environment ${name}: reviewers are numeric ids, got ${JSON.stringify(reviewers)}`);
      return;
    }
    case "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy":
      // REST "Create a deployment branch policy": a name pattern, for a branch or (type tag) a tag.
      if ((inputs.branchPattern === undefined) === (inputs.tagPattern === undefined)) throw new Error("deployment policy: exactly one of branchPattern and tagPattern");
      return;
    case "github:index/actionsVariable:ActionsVariable":
    case "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable":
      checkVariableName(inputs.variableName);
      return;
  }
}
