/**
 * Set with `npx sst secret set <Name> <value> --stage <stage>`. An empty placeholder makes a
 * secret optional: the deploy does not require it and the code treats "" as not set.
 */
export const stackoneWebhookSecret = new sst.Secret("StackoneWebhookSecret");
/** The old StackOne secret while a rotation is under way. */
export const stackoneWebhookSecretPrevious = new sst.Secret("StackoneWebhookSecretPrevious", "");
/** Standard Webhooks secret (`whsec_...`) for `POST /webhooks/generic`. */
export const genericWebhookSecret = new sst.Secret("GenericWebhookSecret", "");
/** Default Slack destination; Slack subscriptions made through the API add more. */
export const slackWebhookUrl = new sst.Secret("SlackWebhookUrl", "");
/**
 * The Slack app's signing secret: Slack messages then carry Acknowledge / Mute 1 h / Resolve, and
 * `POST /slack/actions` checks each click's signature with it.
 */
export const slackSigningSecret = new sst.Secret("SlackSigningSecret", "");
/** Bearer token for the admin API (`/incidents`, `/subscriptions`). */
export const adminToken = new sst.Secret("AdminToken");
/** `npx sst secret set StackoneApiKey <key>`; empty, the default, leaves the poller off. */
export const stackoneApiKey = new sst.Secret("StackoneApiKey", "");
/**
 * The HMAC key of the reconnect links in re-auth alerts (`openssl rand -base64 32`); empty, the
 * default, sends no links. Changing it revokes every link sent.
 */
export const reconnectSecret = new sst.Secret("ReconnectSecret", "");
