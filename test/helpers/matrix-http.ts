// A minimal Matrix client-server API client over Node's fetch: just what the end-to-end
// test needs, every request visible (method, path, status, JSON).

export interface MatrixResponse<T = any> {
  readonly status: number;
  readonly text: string;
  readonly json: T;
  readonly headers: Headers;
}

export class MatrixHttp {
  constructor(
    readonly baseUrl: string,
    public accessToken?: string,
  ) {}

  /** A copy that acts as another user. */
  as(accessToken: string): MatrixHttp {
    return new MatrixHttp(this.baseUrl, accessToken);
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<MatrixResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  }

  /** Like request, but throws with the body unless the status is 200. */
  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T>(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  }

  async login(user: string, password: string): Promise<{ user_id: string; access_token: string; device_id: string }> {
    return this.ok("POST", "/_matrix/client/v3/login", { type: "m.login.password", identifier: { type: "m.id.user", user }, password });
  }
}

/** Path segment for a room ID, alias or event type. */
export const seg = encodeURIComponent;
