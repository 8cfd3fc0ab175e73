// Talking to the riskgraph API with the signed-in key (kept in sessionStorage: gone when the
// tab closes). Every request is counted in body[data-busy] so that tests and people can see
// when the page is waiting.

const KEY = "riskgraph.key";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const api = {
  key: sessionStorage.getItem(KEY) || "",
  asOf: null, // null: the served portfolio date
  busy: 0,

  setKey(key) {
    this.key = key;
    if (key) sessionStorage.setItem(KEY, key);
    else sessionStorage.removeItem(KEY);
  },

  async request(path, params = {}, { raw = false } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null || v === "") continue;
      if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
      else url.searchParams.set(k, v);
    }
    this.busy += 1;
    document.body.dataset.busy = String(this.busy);
    try {
      const res = await fetch(url, { headers: { "X-API-Key": this.key } });
      if (!res.ok) {
        let body = {};
        try { body = await res.json(); } catch (_) { /* not JSON */ }
        throw new ApiError(res.status, body.error || "http_" + res.status,
          body.message || `${res.status} ${res.statusText}`);
      }
      return raw ? res : await res.json();
    } finally {
      this.busy -= 1;
      document.body.dataset.busy = String(this.busy);
    }
  },

  withDate(params) {
    return this.asOf ? { ...params, as_of: this.asOf } : params;
  },

  session() { return this.request("/ui/api/session"); },
  search(q) { return this.request("/v1/search", { q, limit: 12 }); },
  expand(id, types) { return this.request(`/ui/api/expand/${encodeURIComponent(id)}`, this.withDate({ types })); },
  profile(id) { return this.request(`/ui/api/profile/${encodeURIComponent(id)}`, this.withDate({})); },
  group(id) { return this.request(`/ui/api/group/${encodeURIComponent(id)}`, this.withDate({})); },
  circle(id) { return this.request(`/ui/api/circle/${encodeURIComponent(id)}`, this.withDate({})); },
  paths(source, target) { return this.request("/ui/api/paths", this.withDate({ source, target })); },
  report(id, format) { return this.request(`/v1/reports/${encodeURIComponent(id)}`, this.withDate({ format }), { raw: true }); },
};
