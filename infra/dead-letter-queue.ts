import { retainsData } from "./retention.ts";

/** SQS keeps a message at most 14 days: a dead letter should wait that long for someone to look. */
const FOURTEEN_DAYS_IN_SECONDS = 14 * 24 * 60 * 60;

export function deadLetterQueue(name: string): sst.aws.Queue {
  return new sst.aws.Queue(name, {
    transform: {
      queue: (args, opts) => {
        args.messageRetentionSeconds = FOURTEEN_DAYS_IN_SECONDS;
        opts.retainOnDelete = retainsData();
      },
    },
  });
}
