import * as assert from "assert";
import { Graph, expectOne, findAll, runStack } from "./helpers";
import { DashboardBody, dashboardBody, dashboardUrl } from "../lib/aws/dashboard";
import { publishedMetric } from "../lib/aws/metrics";
import { dashboardBodyProblems } from "../offline/mocks";
import { parseSettings } from "../lib/config/parse";
import { stackConfig } from "./helpers";

const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

/** Every metric line of a body: namespace, name and dimensions, and the widget it is in. */
function metricLines(body: DashboardBody): { widget: string; namespace: string; name: string; dimensions: Record<string, string>; options: any }[] {
  return body.widgets
    .filter((w) => w.type === "metric")
    .flatMap((w) =>
      (w.properties.metrics as unknown[][])
        .filter((line) => typeof line[0] === "string")
        .map((line) => {
          const options = line[line.length - 1] as object;
          const pairs = line.slice(2, -1) as string[];
          const dimensions = Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));
          return { widget: w.properties.title as string, namespace: line[0] as string, name: line[1] as string, dimensions, options };
        }),
    );
}

for (const stack of ["dev", "prod"]) {
  describe(`dashboard (${stack})`, () => {
    let graph: Graph;
    let body: DashboardBody;
    let settings: ReturnType<typeof parseSettings>;
    before(async () => {
      graph = await runStack(stack);
      settings = parseSettings(stackConfig(stack), stack);
      body = JSON.parse(expectOne(graph, DASHBOARD).inputs.dashboardBody);
    });

    it("one dashboard per stack, named by the stack, and the dashboardUrl output opens it", () => {
      const dashboard = expectOne(graph, DASHBOARD);
      assert.strictEqual(dashboard.inputs.dashboardName, `jenkins-ecs-${stack}`);
      assert.strictEqual(graph.outputs.dashboardUrl, `https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/jenkins-ecs-${stack}`);
    });

    it("one agent section per template, named by its label, in template order", () => {
      const headers = body.widgets.filter((w) => w.type === "text" && /^## Agents: /.test(w.properties.markdown as string)).map((w) => (w.properties.markdown as string).split("\n")[0]);
      assert.deepStrictEqual(headers, settings.agents.templates.map((t) => `## Agents: ${t.label}`));
    });

    it(`each template's section: ${stack === "prod" ? "tasks running, CPU and memory against its size (Insights on)" : "builds and start failures, and how to get more (Insights off)"}`, () => {
      const titles = body.widgets.filter((w) => w.type === "metric").map((w) => w.properties.title as string);
      for (const t of settings.agents.templates) {
        const mine = titles.filter((title) => title.startsWith(`${t.label}: `));
        const expected = [`${t.label}: agent tasks run and failed to start`];
        if (settings.containerInsights) expected.unshift(`${t.label}: agent tasks running`, `${t.label}: CPU used of ${t.cpu} units`, `${t.label}: memory used of ${t.memory} MiB`);
        assert.deepStrictEqual(mine, expected);
      }
      const notes = body.widgets.filter((w) => w.type === "text" && /containerInsights true/.test(w.properties.markdown as string));
      assert.strictEqual(notes.length, settings.containerInsights ? 0 : settings.agents.templates.length);
    });

    it("every metric is one AWS publishes, under dimensions it publishes it with, naming this stack's resources", () => {
      const lines = metricLines(body);
      assert.ok(lines.length > 10);
      const agents = expectOne(graph, "jenkins-ecs:agents:Agents").state;
      const families = settings.agents.templates.map((t) => expectOne(graph, "aws:ecs/taskDefinition:TaskDefinition", { family: `jenkins-ecs-${stack}-agent-${t.label}` }).inputs.family);
      const lb = expectOne(graph, "aws:lb/loadBalancer:LoadBalancer").state.arnSuffix;
      const tg = expectOne(graph, "aws:lb/targetGroup:TargetGroup").state.arnSuffix;
      const fs = expectOne(graph, "aws:efs/fileSystem:FileSystem").id;
      const controllerService = expectOne(graph, "aws:ecs/service:Service");
      for (const line of lines) {
        assert.ok(publishedMetric(line.namespace, line.name, Object.keys(line.dimensions)), `${line.widget}: ${line.namespace} ${line.name} ${Object.keys(line.dimensions)} is not published`);
        const d = line.dimensions;
        if (d.TaskDefinitionFamily) assert.ok(families.includes(d.TaskDefinitionFamily) && d.ClusterName === agents.clusterName, JSON.stringify(d));
        else if (d.ServiceName) assert.deepStrictEqual([d.ClusterName, d.ServiceName], [graph.outputs.clusterName, controllerService.state.name]);
        if (d.LoadBalancer) assert.strictEqual(d.LoadBalancer, lb);
        if (d.TargetGroup) assert.strictEqual(d.TargetGroup, tg);
        if (d.FileSystemId) assert.strictEqual(d.FileSystemId, fs);
        if (d.TaskGroup) assert.ok(families.some((f) => d.TaskGroup === `family:${f}`), d.TaskGroup);
      }
    });

    it("metric math only names ids of its own widget, and ids are what CloudWatch accepts", () => {
      for (const w of body.widgets.filter((w) => w.type === "metric")) {
        const lines = w.properties.metrics as unknown[][];
        const ids = lines.map((l) => (l[l.length - 1] as { id?: string }).id).filter((id): id is string => !!id);
        for (const id of ids) assert.match(id, /^[a-z][A-Za-z0-9_]*$/, id);
        assert.strictEqual(new Set(ids).size, ids.length, "unique ids");
        for (const line of lines.filter((l) => typeof l[0] === "object")) {
          const { expression } = line[0] as { expression: string };
          const named = (expression.match(/[a-z][A-Za-z0-9_]*/g) ?? []).filter((word) => !["PERIOD"].includes(word));
          for (const n of named) assert.ok(ids.includes(n), `${w.properties.title}: ${expression} names ${n}`);
        }
      }
    });

    it("every alarm of the stack watches a metric AWS publishes, with its dimensions", () => {
      for (const alarm of findAll(graph, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
        assert.ok(publishedMetric(alarm.inputs.namespace, alarm.inputs.metricName, Object.keys(alarm.inputs.dimensions)), `${alarm.name}: ${alarm.inputs.namespace} ${alarm.inputs.metricName}`);
      }
    });
  });
}

describe("dashboard, pure parts", () => {
  const input = {
    region: "us-gov-west-1",
    controller: { clusterName: "c", serviceName: "s", loadBalancer: "app/lb/0123456789abcdef", targetGroup: "targetgroup/tg/0123456789abcdef" },
    fileSystemId: "fs-0123456789abcdef0",
    burstingThroughput: true,
    containerInsights: true,
    agents: { clusterName: "a", templates: [{ label: "ecs", family: "f", cpu: 1024, memory: 2048 }] },
  };

  it("burst credits are drawn only for bursting throughput", () => {
    const titles = (b: DashboardBody) => b.widgets.map((w) => w.properties.title);
    assert.ok(titles(dashboardBody(input)).includes("JENKINS_HOME burst credits (bytes)"));
    assert.ok(!titles(dashboardBody({ ...input, burstingThroughput: false })).includes("JENKINS_HOME burst credits (bytes)"));
  });

  it("a GovCloud dashboard opens in the GovCloud console", () => {
    assert.strictEqual(dashboardUrl("us-gov-west-1", "jenkins-ecs-prod"), "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards/dashboard/jenkins-ecs-prod");
  });

  it("the body fits the grid PutDashboard accepts, and the harness refuses one that does not", () => {
    const body = dashboardBody(input);
    assert.deepStrictEqual(dashboardBodyProblems(JSON.stringify(body)), []);
    const offGrid = { widgets: [{ ...body.widgets[1], x: 20, width: 8 }] };
    assert.match(dashboardBodyProblems(JSON.stringify(offGrid))[0], /leaves the 24-unit grid/);
    assert.match(dashboardBodyProblems("{")[0], /not JSON/);
  });
});
