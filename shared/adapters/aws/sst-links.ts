import { Resource } from "sst/resource";
import { type Linked, readLinksFrom } from "../../config.ts";

/**
 * Deployed, settings come from SST links (`Resource`): imported first by each Lambda (and by
 * `npm run smoke`), this hands them to shared/config.ts, which gives the domain the same typed
 * settings on either engine. The environment stays the fallback, as on one machine.
 */
readLinksFrom((name) =>
  name in Resource ? (Resource as unknown as Record<string, Linked>)[name] : undefined,
);
