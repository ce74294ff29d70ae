/**
 * The single sign-on section, `jenkins-ecs:sso`: login through an OpenID Connect provider and
 * authorization by its groups. Without it Jenkins keeps its one local admin (README, "Login").
 */
import type { PartitionName } from "../aws/partition";
import type { SsoSettings } from "../settings";
import { credentialsPrefix } from "../aws/naming";
import { PROJECT } from "./keys";
import { ConfigReader, show } from "./reader";

export const SSO_FIELDS = ["issuer", "clientId", "clientSecretArn", "adminGroups", "userGroups", "groupsClaim"] as const;
/** The claim of the ID token (or userinfo) that lists a user's groups, unless `groupsClaim` names another. */
export const DEFAULT_GROUPS_CLAIM = "groups";

const SECRET_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]+)-[A-Za-z0-9]{6}$/;
const CLAIM_PATTERN = /^[A-Za-z0-9_:./-]{1,128}$/;

/** An https URL with a host, no query, fragment or credentials: what OpenID Connect requires of an issuer. */
export function isIssuerUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === "https:" && url.hostname !== "" && url.search === "" && url.hash === "" && url.username === "" && url.password === "" && !value.includes("#");
}

export function readSso(r: ConfigReader, stack: string, region: string | undefined, partition: PartitionName): SsoSettings | undefined {
  if (!r.has("sso")) return undefined;
  const key = (field: string) => `sso.${field}`;
  const raw = r.json("sso");
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    r.problem("sso", raw, 'expected a mapping such as {"issuer": "https://login.example.com/", "clientId": "jenkins", "clientSecretArn": "arn:aws:secretsmanager:...", "adminGroups": ["jenkins-admins"], "userGroups": ["developers"]}');
    return undefined;
  }
  const sso = raw as Record<string, unknown>;
  for (const field of Object.keys(sso).filter((f) => !(SSO_FIELDS as readonly string[]).includes(f))) {
    r.problem(key(field), sso[field], `unknown field; the fields of ${r.key("sso")} are ${SSO_FIELDS.join(", ")}`);
  }
  const required = (field: string, test: (v: string) => boolean, allowed: string): string => {
    const value = sso[field];
    if (value === undefined || value === "") r.missing(key(field), allowed);
    else if (typeof value !== "string" || !test(value.trim())) r.problem(key(field), value, allowed);
    return typeof value === "string" ? value.trim() : "";
  };

  const issuer = required("issuer", isIssuerUrl, 'expected the https URL of your OpenID Connect provider, without query or fragment, such as "https://login.example.com/realms/acme" (its /.well-known/openid-configuration is read)');
  const clientId = required("clientId", (v) => /^[\x21-\x7e]{1,255}$/.test(v), "expected the client id Jenkins is registered with at the provider (no spaces)");
  const clientSecretArn = required(
    "clientSecretArn",
    (v) => SECRET_ARN_PATTERN.test(v),
    `expected the full ARN of a Secrets Manager secret holding the client secret as plain text, such as "arn:${partition}:secretsmanager:${region ?? "eu-west-1"}:123456789012:secret:jenkins-oidc-AbCdEf" (with its 6-character suffix)`,
  );
  const match = SECRET_ARN_PATTERN.exec(clientSecretArn);
  if (match && region !== undefined) {
    const prefix = credentialsPrefix(PROJECT, stack);
    if (match[1] !== partition || match[2] !== region) {
      r.problem(key("clientSecretArn"), clientSecretArn, `the secret is in ${match[2]}; create it in the stack's region, ${region}, where the controller's task reads it`);
    } else if (match[4].startsWith(prefix)) {
      r.problem(key("clientSecretArn"), clientSecretArn, `secrets under "${prefix}" are handed to every pipeline as Jenkins credentials; keep the client secret under another name`);
    }
  }

  const groups = (field: string, example: string): string[] => {
    const value = sso[field];
    const allowed = `expected a non-empty list of group names as the provider sends them in the groups claim, such as ["${example}"]`;
    if (value === undefined) {
      r.missing(key(field), allowed);
      return [];
    }
    if (!Array.isArray(value) || value.length === 0 || value.some((g) => typeof g !== "string" || g.trim() === "" || g.length > 256)) {
      r.problem(key(field), value, allowed);
      return [];
    }
    const names = value.map((g: string) => g.trim());
    const twice = names.filter((g, i) => names.indexOf(g) !== i);
    if (twice.length > 0) r.problem(key(field), value, `${show(twice[0])} is listed twice; list each group once`);
    return names;
  };
  const adminGroups = groups("adminGroups", "jenkins-admins");
  const userGroups = groups("userGroups", "developers");

  const claim = sso.groupsClaim;
  let groupsClaim = DEFAULT_GROUPS_CLAIM;
  if (claim !== undefined) {
    if (typeof claim !== "string" || !CLAIM_PATTERN.test(claim)) r.problem(key("groupsClaim"), claim, 'expected the name of the claim that lists a user\'s groups, such as "groups" (the default) or "roles"');
    else groupsClaim = claim;
  }
  return { issuer, clientId, clientSecretArn, adminGroups, userGroups, groupsClaim };
}
