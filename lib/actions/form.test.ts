import { describe, expect, it } from "vitest";
import { formToObject } from "./form";

const form = (entries: [string, string][]) => {
  const f = new FormData();
  for (const [k, v] of entries) f.append(k, v);
  return f;
};

describe("formToObject", () => {
  it("one string per field; Next's own fields are skipped", () => {
    expect(formToObject(form([["username", "alice"], ["$ACTION_ID_abc", ""]]))).toEqual({ username: "alice" });
  });

  it("refuses a repeated field, or joins it where an answer must still count", () => {
    expect(formToObject(form([["code", "1"], ["code", "2"]]))).toBeNull();
    expect(formToObject(form([["code", "1"], ["code", "2"]]), "join")).toEqual({ code: "1,2" });
  });

  it("refuses U+0000, which the database cannot store; in an answer it becomes U+FFFD, so the code is simply wrong", () => {
    expect(formToObject(form([["username", "a\u0000b"]]))).toBeNull();
    expect(formToObject(form([["code", "12\u00003456"]]), "join")).toEqual({ code: "12\ufffd3456" });
  });
});
