/**
 * Rules Pulumi Cloud applies to the settings ci/ manages there (as @pulumi/pulumiservice 1.3.0
 * documents them in its types), which the Pulumi mocks would otherwise accept.
 */

type Inputs = Record<string, unknown>;

/** Stack permission levels: read, edit, admin (TeamStackPermissionScope). */
const STACK_PERMISSIONS = [101, 102, 103];

/** Throws if Pulumi Cloud would refuse the resource of `type` with these inputs; other types pass. */
export function enforcePulumiCloudRules(type: string, inputs: Inputs): void {
  switch (type) {
    case "pulumiservice:index:Team":
      // "The type of team. Must be either `pulumi` or `github`"; githubTeamId "Required for github teams".
      if (inputs.teamType !== "pulumi" && inputs.teamType !== "github") throw new Error(`team ${inputs.name}: teamType must be "pulumi" or "github"`);
      if (inputs.teamType === "github" && inputs.githubTeamId === undefined) throw new Error(`team ${inputs.name}: a github team needs githubTeamId`);
      return;
    case "pulumiservice:index:TeamStackPermission":
      if (!STACK_PERMISSIONS.includes(inputs.permission as number)) throw new Error(`stack permission ${JSON.stringify(inputs.permission)}: one of ${STACK_PERMISSIONS.join(", ")}`);
      return;
    case "pulumiservice:index:OidcIssuer":
      // AuthPolicyTokenType: a team token "Requires teamName", a personal one "userLogin".
      for (const policy of (inputs.policies as Inputs[] | undefined) ?? []) {
        if (policy.tokenType === "team" && !policy.teamName) throw new Error("OIDC policy: a team token needs teamName");
        if (policy.tokenType === "personal" && !policy.userLogin) throw new Error("OIDC policy: a personal token needs userLogin");
        if (Object.keys((policy.rules as Inputs | undefined) ?? {}).length === 0) throw new Error("OIDC policy: rules may not be empty (the policy would admit any token of the issuer)");
      }
      return;
  }
}
