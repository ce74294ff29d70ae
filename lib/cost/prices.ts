/**
 * AWS list prices this stack's costs are computed from, for the regions its stacks use. One
 * dated table: `npm run plan -- --cost`, `npm run sizing` and the runbook's cost section all
 * read it, so they cannot disagree. Approximate: AWS changes prices, and traffic-dependent
 * charges are left out. Check the source pages before budgeting; update the date with the
 * numbers.
 */

/** When the numbers below were taken from the pricing pages. */
export const PRICES_AS_OF = "November 2025";
/** The label every printed cost carries. */
export const PRICE_LABEL = `approximate, list prices of ${PRICES_AS_OF}`;
/** Billing hours in a month, as AWS's pricing pages count them. */
export const HOURS_PER_MONTH = 730;

/**
 * Fargate Spot's discount on the on-demand price. It varies by region and over time ("up to
 * 70 %", AWS Fargate pricing); the estimate takes the advertised figure.
 */
export const FARGATE_SPOT_DISCOUNT = 0.7;

/** A price in USD, and the page it comes from. */
export interface Price {
  readonly usd: number;
  readonly source: string;
}

const FARGATE = "https://aws.amazon.com/fargate/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const EFS = "https://aws.amazon.com/efs/pricing/";
const PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/";
const SECRETS = "https://aws.amazon.com/secrets-manager/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const KMS = "https://aws.amazon.com/kms/pricing/";

export interface RegionPrices {
  /** Fargate Linux, per vCPU-hour and per GB-hour, by architecture. */
  readonly fargate: {
    readonly X86_64: { readonly vcpuHour: Price; readonly gbHour: Price };
    readonly ARM64: { readonly vcpuHour: Price; readonly gbHour: Price };
    /** Ephemeral storage beyond the 20 GB every task gets, per GB-hour. */
    readonly storageGbHour: Price;
  };
  readonly natGatewayHour: Price;
  /** Every public IPv4 address (NAT gateways' and an internet-facing load balancer's), per hour. */
  readonly publicIpv4Hour: Price;
  readonly loadBalancerHour: Price;
  /** EFS Standard storage, per GB-month. */
  readonly efsStandardGbMonth: Price;
  /** An interface endpoint in one AZ, per hour. */
  readonly interfaceEndpointHour: Price;
  readonly secretMonth: Price;
  /** A customer managed KMS key, per month (requests within the free tier at this stack's use). */
  readonly kmsKeyMonth: Price;
  /** A standard-resolution alarm, per month. */
  readonly alarmMonth: Price;
  readonly dashboardMonth: Price;
  /** A custom metric (Container Insights' and the stack's own), per month. */
  readonly metricMonth: Price;
}

const price = (usd: number, source: string): Price => ({ usd, source });

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  "us-east-1": {
    fargate: {
      X86_64: { vcpuHour: price(0.04048, FARGATE), gbHour: price(0.004445, FARGATE) },
      ARM64: { vcpuHour: price(0.03238, FARGATE), gbHour: price(0.00356, FARGATE) },
      storageGbHour: price(0.000111, FARGATE),
    },
    natGatewayHour: price(0.045, VPC),
    publicIpv4Hour: price(0.005, VPC),
    loadBalancerHour: price(0.0225, ELB),
    efsStandardGbMonth: price(0.3, EFS),
    interfaceEndpointHour: price(0.01, PRIVATELINK),
    secretMonth: price(0.4, SECRETS),
    kmsKeyMonth: price(1, KMS),
    alarmMonth: price(0.1, CLOUDWATCH),
    dashboardMonth: price(3, CLOUDWATCH),
    metricMonth: price(0.3, CLOUDWATCH),
  },
  "eu-west-1": {
    fargate: {
      X86_64: { vcpuHour: price(0.04048, FARGATE), gbHour: price(0.004445, FARGATE) },
      ARM64: { vcpuHour: price(0.03238, FARGATE), gbHour: price(0.00356, FARGATE) },
      storageGbHour: price(0.000111, FARGATE),
    },
    natGatewayHour: price(0.048, VPC),
    publicIpv4Hour: price(0.005, VPC),
    loadBalancerHour: price(0.0252, ELB),
    efsStandardGbMonth: price(0.33, EFS),
    interfaceEndpointHour: price(0.011, PRIVATELINK),
    secretMonth: price(0.4, SECRETS),
    kmsKeyMonth: price(1, KMS),
    alarmMonth: price(0.1, CLOUDWATCH),
    dashboardMonth: price(3, CLOUDWATCH),
    metricMonth: price(0.3, CLOUDWATCH),
  },
};

/** The prices of `region`, or undefined when the table has none. */
export function pricesFor(region: string): RegionPrices | undefined {
  return PRICES[region];
}

/** Why a region has no figures, for output that must still make sense. */
export function noPricesReason(region: string): string {
  return `no prices for ${region} in lib/cost/prices.ts (it has ${Object.keys(PRICES).join(", ")}, ${PRICES_AS_OF}); quantities only. Add the region from the pricing pages to get figures.`;
}

/** A Fargate task's price per hour: its vCPUs and GB at the architecture's rates, less the Spot discount. */
export function fargateHourly(prices: RegionPrices, size: { cpu: number; memory: number; architecture: "X86_64" | "ARM64"; spot: boolean; ephemeralStorageGiB?: number }): number {
  const rates = prices.fargate[size.architecture];
  const extraStorage = Math.max(0, (size.ephemeralStorageGiB ?? 20) - 20);
  const onDemand = (size.cpu / 1024) * rates.vcpuHour.usd + (size.memory / 1024) * rates.gbHour.usd + extraStorage * prices.fargate.storageGbHour.usd;
  return size.spot ? onDemand * (1 - FARGATE_SPOT_DISCOUNT) : onDemand;
}
