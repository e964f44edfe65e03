import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import {
  ApiError,
  call,
  forgetToken,
  type Incident,
  type Mute,
  type Subscription,
  savedToken,
  saveToken,
} from "./api.ts";
import { duration } from "./format.ts";
import type { Action } from "./incident-card.tsx";
import { IncidentsView } from "./incidents-view.tsx";
import { MutesView, type NewMute } from "./mutes-view.tsx";
import { SignIn } from "./sign-in.tsx";
import { SubscriptionsView } from "./subscriptions-view.tsx";
import { type Filters, readUrl, type View, writeUrl } from "./url-state.ts";

const REFRESH_MS = 15_000;
/** A flood of 20,000 incidents is still listed; past that, filters narrow it. */
const MAX_PAGES = 20;
const VIEW_LABEL: Record<View, string> = {
  incidents: "Incidents",
  mutes: "Mutes",
  subscriptions: "Subscriptions",
};

type Data = { incidents: Incident[]; mutes: Mute[]; subscriptions: Subscription[] };
type Auth =
  | { state: "checking" }
  | { state: "signed-out"; message?: string }
  | { state: "in"; token: string | undefined };

export function App() {
  const initial = readUrl();
  const [view, setView] = useState<View>(initial.view);
  const [filters, setFilters] = useState<Filters>(initial.filters);
  const [auth, setAuth] = useState<Auth>({ state: "checking" });
  const [data, setData] = useState<Data>({ incidents: [], mutes: [], subscriptions: [] });
  const [updated, setUpdated] = useState<Date>();
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [openDetails, setOpenDetails] = useState<Set<string>>(new Set());
  const token = auth.state === "in" ? auth.token : undefined;
  const tokenRef = useRef(token);
  tokenRef.current = token;

  useEffect(() => writeUrl(view, filters), [view, filters]);

  const api = useCallback(
    async <T,>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown) => {
      try {
        return await call<T>(tokenRef.current, method, path, body);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          forgetToken();
          setAuth({
            state: "signed-out",
            message: "The API refused the token (401). Sign in again.",
          });
        }
        throw error;
      }
    },
    [],
  );

  /** Every page of `GET /incidents`, up to `MAX_PAGES` of 1,000 (the newest first). */
  const allIncidents = useCallback(async () => {
    const incidents: Incident[] = [];
    let next: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = next ? `&cursor=${encodeURIComponent(next)}` : "";
      const answer = await api<{ incidents: Incident[]; next?: string }>(
        "GET",
        `/incidents?limit=1000${query}`,
      );
      incidents.push(...answer.incidents);
      next = answer.next;
      if (!next) break;
    }
    return { incidents };
  }, [api]);

  const viewRef = useRef(view);
  viewRef.current = view;

  const refresh = useCallback(async () => {
    try {
      // Subscriptions only when shown: listing them asks SNS about each email address.
      const showSubscriptions = viewRef.current === "subscriptions";
      const [incidents, mutes, subscriptions] = await Promise.all([
        allIncidents(),
        api<{ mutes: Mute[] }>("GET", "/mutes"),
        showSubscriptions
          ? api<{ subscriptions: Subscription[] }>("GET", "/subscriptions")
          : undefined,
      ]);
      // Scroll stays where it was: the same elements are updated in place.
      setData((previous) => ({
        incidents: incidents.incidents,
        mutes: mutes.mutes,
        subscriptions: subscriptions?.subscriptions ?? previous.subscriptions,
      }));
      setUpdated(new Date());
      setProblem(undefined);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        setProblem(`Could not refresh: ${(error as Error).message}`);
      }
    }
  }, [api, allIncidents]);

  // First load: the token saved in this tab (or just taken from the link `npm start` printed).
  useEffect(() => {
    const saved = savedToken();
    call(saved, "GET", "/mutes")
      .then(() => setAuth({ state: "in", token: saved }))
      .catch((error) => {
        if (error instanceof ApiError && error.status === 401) {
          if (saved) forgetToken();
          setAuth({
            state: "signed-out",
            ...(saved ? { message: "The saved token was refused (401). Sign in again." } : {}),
          });
        } else {
          setAuth({ state: "in", token: saved });
        }
      });
  }, []);

  useEffect(() => {
    if (auth.state !== "in") return;
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [auth, refresh]);

  // A view opened shows fresh data at once.
  useEffect(() => {
    if (auth.state === "in") void refresh();
  }, [view]);

  async function signIn(candidate: string): Promise<string | undefined> {
    try {
      await call(candidate, "GET", "/mutes");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        return "Wrong token: the API refused it (401). Use the ADMIN_TOKEN this Quirkwatch runs with.";
      }
      return `Could not reach the API: ${(error as Error).message}`;
    }
    saveToken(candidate);
    setAuth({ state: "in", token: candidate });
    return undefined;
  }

  async function act(incident: Incident, action: Action): Promise<string> {
    const path = `/incidents/${encodeURIComponent(incident.id)}`;
    let said: string;
    if (action.kind === "acknowledge") {
      await api("POST", `${path}/acknowledge`, {});
      said = `Acknowledged “${incident.title}”: no reminders until it resolves.`;
    } else if (action.kind === "mute") {
      const body = {
        duration_seconds: action.seconds,
        ...(action.comment ? { comment: action.comment } : {}),
      };
      await api("POST", `${path}/mute`, body);
      said = `Muted “${incident.title}” for ${duration(action.seconds)}.`;
    } else if (action.kind === "copy-reconnect-link") {
      // Asked for on each click, never kept in the page: the link is a credential.
      const answer = await api<{ reconnect_url?: string }>("GET", path);
      if (!answer.reconnect_url) {
        throw new Error(
          "No reconnect link: the API shows it only to a caller with the admin token (start Quirkwatch with ADMIN_TOKEN).",
        );
      }
      try {
        await navigator.clipboard.writeText(answer.reconnect_url);
      } catch {
        throw new Error(
          "Could not copy to the clipboard; open the incident with the API to get the link.",
        );
      }
      return `Reconnect link for ${incident.account_name ?? incident.account_id} copied: forward it to their admin. One click opens StackOne's page to reconnect ${incident.provider}.`;
    } else if (action.kind === "unmute") {
      const answer = await api<{ notices: string[] }>("DELETE", `${path}/mute`);
      said = `Unmuted “${incident.title}”${answer.notices.length ? `; sent the ${answer.notices.join(" and ")} notice it held` : ""}.`;
    } else {
      const answer = await api<{ notices: string[] }>("POST", `${path}/resolve`, {});
      said = `Resolved “${incident.title}” for ${incident.account_name ?? incident.account_id}${answer.notices.includes("resolved") ? "; the resolved notice was sent" : "; no notice (it never fired, or it is muted)"}.`;
      // Its card leaves the open list: say it where it stays visible.
      setNotice(said);
    }
    await refresh();
    return said;
  }

  async function createMute(mute: NewMute) {
    await api("POST", "/mutes", mute);
    await refresh();
    return `Mute created for ${duration(mute.duration_seconds)}.`;
  }

  async function endMute(mute: Mute) {
    const answer = await api<{ notices_released: number }>(
      "DELETE",
      `/mutes/${encodeURIComponent(mute.id)}`,
    );
    await refresh();
    return `Mute ended; ${answer.notices_released} held ${answer.notices_released === 1 ? "notice" : "notices"} sent.`;
  }

  async function testSubscription(s: Subscription) {
    try {
      const answer = await api<{ delivered: boolean; outcome: string; detail: string }>(
        "POST",
        `/subscriptions/${encodeURIComponent(s.id)}/test`,
      );
      return answer.delivered
        ? { ok: true, text: `Delivered: ${answer.detail}.` }
        : { ok: false, text: `Not delivered (${answer.outcome}): ${answer.detail}.` };
    } catch (error) {
      return { ok: false, text: (error as Error).message };
    }
  }

  function toggleDetails(id: string, open: boolean) {
    setOpenDetails((previous) => {
      if (previous.has(id) === open) return previous;
      const next = new Set(previous);
      if (open) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  if (auth.state === "checking") return <p class="loading">Loading Quirkwatch…</p>;
  if (auth.state === "signed-out") return <SignIn message={auth.message} signIn={signIn} />;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <h1>Quirkwatch</h1>
        <nav aria-label="Views">
          {(Object.keys(VIEW_LABEL) as View[]).map((v) => (
            <a
              key={v}
              href={v === "incidents" ? "?" : `?view=${v}`}
              aria-current={v === view ? "page" : undefined}
              onClick={(e) => {
                e.preventDefault();
                setView(v);
              }}
            >
              {VIEW_LABEL[v]}
            </a>
          ))}
        </nav>
        <span class="meta" aria-live="off">
          {updated ? `Updated ${updated.toLocaleTimeString()} · every 15 s` : "Loading…"}
        </span>
        {token && (
          <button
            type="button"
            onClick={() => {
              forgetToken();
              setAuth({ state: "signed-out" });
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main">
        {problem && (
          <p class="banner error" role="alert">
            {problem}
          </p>
        )}
        <p class={notice ? "banner info" : "visually-hidden"} role="status">
          {notice ?? ""}
        </p>
        {view === "incidents" && (
          <IncidentsView
            incidents={data.incidents}
            filters={filters}
            setFilters={setFilters}
            openDetails={openDetails}
            toggleDetails={toggleDetails}
            act={act}
          />
        )}
        {view === "mutes" && (
          <MutesView
            mutes={data.mutes}
            incidents={data.incidents}
            create={createMute}
            end={endMute}
            unmuteIncident={(i) => act(i, { kind: "unmute" })}
          />
        )}
        {view === "subscriptions" && (
          <SubscriptionsView subscriptions={data.subscriptions} test={testSubscription} />
        )}
      </main>
    </>
  );
}
