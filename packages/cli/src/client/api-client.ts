import { readCredentials } from './credentials.js';

export const defaultUrl = 'http://127.0.0.1:8080';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A thin client of the Nubo HTTP API: where to send, with which key, errors as ApiError. */
export class ApiClient {
  constructor(
    readonly url: string,
    private readonly apiKey: string | undefined,
  ) {}

  static async fromOptions(options: { url?: string; apiKey?: string }): Promise<ApiClient> {
    const saved = await readCredentials();
    const url = options.url ?? process.env.NUBO_URL ?? saved.url ?? defaultUrl;
    return new ApiClient(url.replace(/\/+$/, ''), options.apiKey ?? process.env.NUBO_API_KEY ?? saved.apiKey);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    { allowError = false, extraHeaders = {} as Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new ApiError(
        0,
        'NUBO_ERR_CLI_UNREACHABLE',
        `Cannot reach Nubo at ${this.url} (${(err as Error).cause ?? (err as Error).message}): start it with "npm start" or pass --url.`,
        null,
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (response.status >= 400 && !allowError) {
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? text, parsed);
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}
