"use server";

import { z } from "zod";
import { publicAction } from "@/lib/actions/guard";
import { clientIp } from "@/lib/auth/current";
import { notMeTokenSchema, reportNotMe } from "@/lib/auth/devices";
import { getDb } from "@/lib/db";
import { NOT_ME_LINK_PROBLEMS } from "./messages";

/** The button on the "This wasn't me" page: the link (256 random bits, single use) is the only credential. */
export const reportSignInNotMe = publicAction(z.object({ token: notMeTokenSchema }), async ({ token }) => {
  const result = await reportNotMe(await getDb(), token, { ip: await clientIp() });
  if (result.kind === "invalid") return { status: "error", message: NOT_ME_LINK_PROBLEMS[result.state] };
  return {
    status: "ok",
    message:
      "Done: your account is signed out on every device. When you next sign in, you will choose a new password before anything else. We sent you an e-mail about it.",
  };
});
