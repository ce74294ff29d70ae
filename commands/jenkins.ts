/**
 * The few Jenkins REST calls `npm run verify` and `npm run boot-test` make, as Jenkins answers
 * them (JSON shapes of Jenkins' remote access API: `/api/json` of Jenkins, a job, a queue item
 * and a build; `/pluginManager/api/json`; the script console's `/scriptText`).
 */

/** Jenkins answered with an HTTP status the caller must explain (401, 403, 404, ...). */
export class JenkinsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`Jenkins answered ${status} for ${url}`);
  }
}

export interface JobParameter {
  readonly name: string;
  readonly choices?: readonly string[];
}

/** A queue item: `executable` is set once the build has started. */
export interface QueueItem {
  readonly id: number;
  /** Epoch milliseconds the item entered the queue. */
  readonly inQueueSince: number;
  readonly why?: string | null;
  readonly cancelled?: boolean;
  readonly executable?: { readonly number: number; readonly url: string } | null;
}

export interface Build {
  readonly number: number;
  readonly url: string;
  readonly building: boolean;
  /** SUCCESS, FAILURE, ABORTED, UNSTABLE, or null while building. */
  readonly result: string | null;
  /** Epoch milliseconds the build started. */
  readonly timestamp: number;
  /** Milliseconds it took, 0 while building. */
  readonly duration: number;
}

/** Jenkins' own `/api/json`: the system message (JCasC's `jenkins.systemMessage`) and the top-level jobs. */
export interface JenkinsRoot {
  readonly description: string | null;
  readonly jobs: readonly { readonly name: string }[];
}

/** One plugin as the plugin manager reports it. */
export interface InstalledPlugin {
  readonly shortName: string;
  readonly version: string;
  readonly active: boolean;
  readonly enabled: boolean;
}

/** A Jenkins reached at `baseUrl` (ending in "/") as one user, with its session and CSRF crumb. */
export class JenkinsClient {
  private crumb?: { field: string; value: string };
  private cookie?: string;
  private readonly authorization: string;

  constructor(
    readonly baseUrl: string,
    user: string,
    password: string,
  ) {
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
  }

  /**
   * A path, or a URL Jenkins handed out, resolved against the URL we reach Jenkins at. Jenkins
   * writes its own root URL into Location headers and `url` fields; through a tunnel (--url)
   * that host is not the one we use, so only the path is kept.
   */
  private url(pathOrUrl: string): string {
    const relative = /^https?:\/\//.test(pathOrUrl) ? (({ pathname, search }) => pathname.replace(/^\//, "") + search)(new URL(pathOrUrl)) : pathOrUrl;
    return new URL(relative, this.baseUrl).toString();
  }

  private async request(pathOrUrl: string, init: { method?: string; auth?: boolean; form?: Record<string, string> } = {}): Promise<Response> {
    const url = this.url(pathOrUrl);
    const headers: Record<string, string> = {};
    if (init.auth !== false) headers.authorization = this.authorization;
    if (this.cookie) headers.cookie = this.cookie;
    if (init.method === "POST" && this.crumb) headers[this.crumb.field] = this.crumb.value;
    const body = init.form ? new URLSearchParams(init.form) : undefined;
    const response = await fetch(url, { method: init.method ?? "GET", headers, body, redirect: "manual" });
    if (response.status >= 400) {
      await response.body?.cancel();
      throw new JenkinsHttpError(response.status, url);
    }
    return response;
  }

  private async json<T>(pathOrUrl: string): Promise<T> {
    return (await (await this.request(pathOrUrl)).json()) as T;
  }

  /** GET /login without credentials: 200 once Jenkins is up and has applied its configuration. */
  async loginPageAnswers(): Promise<number> {
    try {
      const response = await fetch(this.url("login"), { redirect: "manual" });
      await response.body?.cancel();
      return response.status;
    } catch {
      return 0;
    }
  }

  /**
   * GET /crumbIssuer/api/json with basic auth: proves the credentials, and keeps the session
   * cookie the crumb belongs to (Jenkins ties a crumb to its web session).
   */
  async logIn(): Promise<void> {
    const response = await this.request("crumbIssuer/api/json");
    const setCookie = response.headers.getSetCookie().map((c) => c.split(";")[0]);
    if (setCookie.length > 0) this.cookie = setCookie.join("; ");
    const body = (await response.json()) as { crumb: string; crumbRequestField: string };
    this.crumb = { field: body.crumbRequestField, value: body.crumb };
  }

  /** GET /api/json?tree=description,jobs[name]. */
  root(): Promise<JenkinsRoot> {
    return this.json<JenkinsRoot>("api/json?tree=description,jobs[name]");
  }

  /** GET /pluginManager/api/json?depth=1: every installed plugin, active or not. */
  async plugins(): Promise<InstalledPlugin[]> {
    return (await this.json<{ plugins: InstalledPlugin[] }>("pluginManager/api/json?depth=1&tree=plugins[shortName,version,active,enabled]")).plugins;
  }

  /** POST /scriptText (crumb; Overall/Administer): runs a Groovy script in the controller, returns what it printed. */
  async scriptText(script: string): Promise<string> {
    return (await this.request("scriptText", { method: "POST", form: { script } })).text();
  }

  /** GET /job/<job>/api/json: the job's parameter definitions. */
  async jobParameters(job: string): Promise<JobParameter[]> {
    const body = await this.json<{ property?: { parameterDefinitions?: JobParameter[] }[] }>(`job/${encodeURIComponent(job)}/api/json`);
    return (body.property ?? []).flatMap((p) => p.parameterDefinitions ?? []);
  }

  /** POST /job/<job>/buildWithParameters: queues a build, returns its queue item's URL (Location). */
  async buildWithParameters(job: string, parameters: Record<string, string>): Promise<string> {
    const query = new URLSearchParams(parameters).toString();
    const response = await this.request(`job/${encodeURIComponent(job)}/buildWithParameters?${query}`, { method: "POST" });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (!location) throw new Error(`Jenkins queued no build of ${job} (no Location header)`);
    return this.url(location.endsWith("/") ? location : `${location}/`);
  }

  /** GET <queue item>api/json. */
  queueItem(queueUrl: string): Promise<QueueItem> {
    return this.json<QueueItem>(`${queueUrl}api/json`);
  }

  /** GET <build>api/json. */
  build(buildUrl: string): Promise<Build> {
    return this.json<Build>(`${buildUrl}api/json`);
  }

  /** GET <build>consoleText. */
  async consoleText(buildUrl: string): Promise<string> {
    return (await this.request(`${buildUrl}consoleText`)).text();
  }
}
