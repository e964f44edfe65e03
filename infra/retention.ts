/**
 * Whether this stage keeps its data (production: `removal: "retain"`). SST then retains tables
 * and buckets that leave the definition or are replaced, but deletes queues and topics. Two of
 * ours hold data too: a dead-letter queue its dead letters, the Alerts topic the email
 * subscriptions made through the API. They pass this to Pulumi's `retainOnDelete`.
 */
export const retainsData = (): boolean => $app.removal !== "remove";
