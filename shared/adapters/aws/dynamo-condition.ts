import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/**
 * Awaits a conditional write: its output when it was made, undefined when its condition did not
 * hold (someone else got there first, or the item is not as expected). Anything else is thrown.
 */
export async function conditional<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
