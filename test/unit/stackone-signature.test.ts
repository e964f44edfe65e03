import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signStackone, verifyStackoneSignature } from "../../shared/sources/stackone/signature.ts";

const secret = "stackone-current-secret";
const previous = "stackone-previous-secret";
const body = Buffer.from('{"event":"account.error","account_id":"acc_1","provider":"hibob"}');
const digest = createHmac("sha256", secret).update(body).digest();

describe("verifyStackoneSignature", () => {
  it("accepts the base64url HMAC of the raw body, with or without padding", () => {
    const unpadded = digest.toString("base64url");
    expect(signStackone(secret, body)).toBe(unpadded);
    expect(verifyStackoneSignature([secret], unpadded, body)).toBe(true);
    expect(verifyStackoneSignature([secret], `${unpadded}=`, body)).toBe(true);
  });

  it("accepts standard base64 too", () => {
    expect(verifyStackoneSignature([secret], digest.toString("base64"), body)).toBe(true);
  });

  it("accepts the previous secret during a rotation", () => {
    const signedWithPrevious = signStackone(previous, body);
    expect(verifyStackoneSignature([secret, previous], signedWithPrevious, body)).toBe(true);
    expect(verifyStackoneSignature([secret], signedWithPrevious, body)).toBe(false);
  });

  it("rejects a signature of other bytes, another secret, or nothing", () => {
    const other = Buffer.from(`${body.toString()} `);
    expect(verifyStackoneSignature([secret], signStackone(secret, other), body)).toBe(false);
    expect(verifyStackoneSignature([secret], signStackone("another", body), body)).toBe(false);
    expect(verifyStackoneSignature([secret], undefined, body)).toBe(false);
    expect(verifyStackoneSignature([secret], "", body)).toBe(false);
    expect(verifyStackoneSignature([], signStackone(secret, body), body)).toBe(false);
  });

  it("rejects the undocumented hex and sha256= forms", () => {
    expect(verifyStackoneSignature([secret], digest.toString("hex"), body)).toBe(false);
    expect(verifyStackoneSignature([secret], `sha256=${digest.toString("hex")}`, body)).toBe(false);
  });

  it("rejects a truncated signature", () => {
    const truncated = digest.subarray(0, 16).toString("base64url");
    expect(verifyStackoneSignature([secret], truncated, body)).toBe(false);
  });

  it("never throws and never accepts an arbitrary header", () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 512 }), (header, bytes) => {
        const raw = Buffer.from(bytes);
        expect(verifyStackoneSignature([secret, previous], header, raw)).toBe(false);
      }),
    );
  });

  it("accepts exactly its own signature for arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const raw = Buffer.from(bytes);
        expect(verifyStackoneSignature([secret], signStackone(secret, raw), raw)).toBe(true);
      }),
    );
  });
});
