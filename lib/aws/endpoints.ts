/** Interface endpoints created when asked for (`vpcEndpoints`): what a Fargate task and the controller call. */
export const INTERFACE_ENDPOINT_SERVICES = [
  "ecr.api", // image manifests and auth
  "ecr.dkr", // image pulls
  "logs", // awslogs
  "secretsmanager", // the admin password at task start
  "ecs", // the amazon-ecs plugin starting and watching agents
] as const;
