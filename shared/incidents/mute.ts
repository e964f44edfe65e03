import type { Category } from "../quirks/rule.ts";

/**
 * A silence by matcher (Alertmanager-style): incidents it matches still count, but send no
 * notice of any kind until it ends. Each matcher given must hold; an absent one matches all.
 */
export type Mute = {
  /** `mute_...` */
  id: string;
  account_id?: string;
  provider?: string;
  category?: Category;
  starts_at: string;
  ends_at: string;
  comment?: string;
  created_by: string;
  created_at: string;
};

/** Where mutes live. Expired mutes are never returned; stores may delete them later. */
export interface MuteStore {
  create(mute: Mute): Promise<void>;
  /** Mutes that have not ended at `now`, newest first. */
  active(now: Date): Promise<Mute[]>;
  /** Removes it (ending it early) and returns what was removed; undefined when there was none. */
  remove(id: string): Promise<Mute | undefined>;
}
