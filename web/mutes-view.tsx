import { useState } from "preact/hooks";
import { CATEGORIES } from "../shared/quirks/taxonomy.ts";
import type { Incident, Mute } from "./api.ts";
import { absolute, categoryLabel, parseDuration, relative } from "./format.ts";

export type NewMute = {
  account_id?: string;
  provider?: string;
  category?: string;
  duration_seconds: number;
  comment?: string;
};

function matcherText(m: Mute): string {
  const parts = [
    m.account_id && `account ${m.account_id}`,
    m.provider && `provider ${m.provider}`,
    m.category && `category ${categoryLabel(m.category)}`,
  ].filter(Boolean);
  return parts.join(" · ");
}

export function MutesView({
  mutes,
  incidents,
  create,
  end,
  unmuteIncident,
}: {
  mutes: Mute[];
  incidents: Incident[];
  create: (mute: NewMute) => Promise<string>;
  end: (mute: Mute) => Promise<string>;
  unmuteIncident: (incident: Incident) => Promise<string>;
}) {
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const [form, setForm] = useState({
    account: "",
    provider: "",
    category: "",
    duration: "1h",
    comment: "",
  });
  const muted = incidents.filter((i) => i.mute);
  const set = (key: keyof typeof form) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value;
    setForm((previous) => ({ ...previous, [key]: value }));
  };

  async function run(task: () => Promise<string>) {
    try {
      setResult({ ok: true, text: await task() });
    } catch (error) {
      setResult({ ok: false, text: (error as Error).message });
    }
  }

  function submit(event: Event) {
    event.preventDefault();
    const seconds = parseDuration(form.duration);
    if (seconds === undefined) {
      setResult({ ok: false, text: "Give a duration such as 30m, 2h or 3d (at most 30 days)." });
      return;
    }
    const mute: NewMute = { duration_seconds: seconds };
    if (form.account.trim()) mute.account_id = form.account.trim();
    if (form.provider.trim()) mute.provider = form.provider.trim();
    if (form.category) mute.category = form.category;
    if (form.comment.trim()) mute.comment = form.comment.trim();
    void run(() => create(mute));
  }

  return (
    <>
      <h2 id="new-mute">New mute</h2>
      <div class="card">
        <p class="summary">
          A mute silences every incident it matches: they still count, but send no notice until it
          ends. Then a firing incident that was never announced is announced, and one that was
          announced and resolved meanwhile gets its resolved notice.
        </p>
        <form class="stack" aria-labelledby="new-mute" onSubmit={submit}>
          <label>
            Account id
            <input list="known-accounts" value={form.account} onInput={set("account")} />
          </label>
          <label>
            Provider
            <input list="known-providers" value={form.provider} onInput={set("provider")} />
          </label>
          <label>
            Category
            <select value={form.category} onChange={set("category")}>
              <option value="">Any</option>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {categoryLabel(c)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Duration (e.g. 30m, 2h, 3d)
            <input value={form.duration} onInput={set("duration")} required />
          </label>
          <label>
            Comment
            <input value={form.comment} onInput={set("comment")} maxLength={1000} />
          </label>
          <button type="submit" class="primary">
            Create mute
          </button>
        </form>
        <datalist id="known-accounts">
          {[...new Set(incidents.map((i) => i.account_id))].map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <datalist id="known-providers">
          {[...new Set(incidents.map((i) => i.provider))].map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <p class={`result ${result ? (result.ok ? "ok" : "fail") : ""}`} role="status">
          {result?.text ?? ""}
        </p>
      </div>
      <h2>Active mutes ({mutes.length})</h2>
      {mutes.length === 0 && <p class="empty">No mute by matcher is active.</p>}
      {mutes.map((m) => (
        <div class="card" key={m.id} data-mute={m.id}>
          <strong>{matcherText(m)}</strong>
          <p class="facts">
            <span>
              Ends{" "}
              <time dateTime={m.ends_at} title={absolute(m.ends_at)}>
                {relative(m.ends_at)}
              </time>
            </span>
            <span>By {m.created_by}</span>
            {m.comment && <span>“{m.comment}”</span>}
          </p>
          <button type="button" onClick={() => run(() => end(m))}>
            End mute now
          </button>
        </div>
      ))}
      <h2>Muted incidents ({muted.length})</h2>
      {muted.length === 0 && <p class="empty">No incident has a mute of its own.</p>}
      {muted.map((i) => (
        <div class="card" key={i.id}>
          <strong>{i.title}</strong> — {i.account_name ?? i.account_id} · {i.provider}
          <p class="facts">
            <span>
              Until{" "}
              <time dateTime={i.mute?.until} title={absolute(i.mute?.until ?? "")}>
                {relative(i.mute?.until ?? "")}
              </time>
            </span>
            <span>By {i.mute?.by}</span>
            {i.mute?.comment && <span>“{i.mute.comment}”</span>}
          </p>
          <button type="button" onClick={() => run(() => unmuteIncident(i))}>
            Unmute
          </button>
        </div>
      ))}
    </>
  );
}
