// A tiny fetch wrapper for Muster's API, shared by the kiosk and the admin pages.
//
// Contract: every call resolves to the parsed JSON body (null for 204), or rejects with
//   - ApiError: the server answered with an error ({"error": {"code", "message"}}); `status`,
//     `code` and `message` say what, `transient` whether a retry later may succeed;
//   - NetworkError: no answer at all (server down, network gone, timed out).
// The bearer token comes from a function, so each page keeps it where it likes.

export class ApiError extends Error {
  constructor(status, code, message, details = null, error = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    /** The whole `error` object of the body, with any extra fields a route adds. */
    this.error = error;
  }

  /** Overloaded or failing server, or told to slow down: worth trying again later. */
  get transient() {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

export class NetworkError extends Error {
  constructor(message, cause) {
    super(message, { cause });
    this.name = "NetworkError";
  }
}

/**
 * @param {{token?: () => (string|null), baseUrl?: string, timeoutMs?: number}} options
 */
export function createApi({ token = () => null, baseUrl = "", timeoutMs = 15000 } = {}) {
  async function request(method, path, { json, form, headers = {}, timeout = timeoutMs } = {}) {
    const sent = new Headers(headers);
    sent.set("Accept", "application/json");
    const bearer = token();
    if (bearer) sent.set("Authorization", `Bearer ${bearer}`);
    let body;
    if (json !== undefined) {
      sent.set("Content-Type", "application/json");
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form; // the browser sets the multipart boundary itself
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    let response;
    let text;
    try {
      response = await fetch(baseUrl + path, {
        method,
        headers: sent,
        body,
        signal: controller.signal,
        cache: "no-store",
      });
      text = await response.text();
    } catch (error) {
      const why = error.name === "AbortError" ? `no answer within ${timeout} ms` : error.message;
      throw new NetworkError(`${method} ${path}: ${why}`, error);
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const error = data && data.error ? data.error : {};
      throw new ApiError(
        response.status,
        error.code || "http_error",
        error.message || `${method} ${path} failed with HTTP ${response.status}`,
        error.details || null,
        data && data.error ? data.error : null,
      );
    }
    return data;
  }

  return {
    request,
    get: (path, options) => request("GET", path, options),
    post: (path, json, options) => request("POST", path, { ...options, json }),
    postForm: (path, form, options) => request("POST", path, { ...options, form }),
    put: (path, json, options) => request("PUT", path, { ...options, json }),
    patch: (path, json, options) => request("PATCH", path, { ...options, json }),
    delete: (path, options) => request("DELETE", path, options),
  };
}
