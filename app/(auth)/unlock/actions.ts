"use server";

import { z } from "zod";
import { publicAction } from "@/lib/actions/guard";
import { clientIp } from "@/lib/auth/current";
import { SELF_UNLOCKS_PER_DAY, unlockTokenSchema, unlockWithLink } from "@/lib/auth/unlock";
import { getDb } from "@/lib/db";
import { UNLOCK_LINK_PROBLEMS } from "./messages";

export const unlockAccount = publicAction(z.object({ token: unlockTokenSchema }), async ({ token }) => {
  const result = await unlockWithLink(await getDb(), token, { ip: await clientIp() });
  switch (result.kind) {
    case "unlocked":
      return { status: "ok", message: "Your account is unlocked. Sign in with your password and your second step." };
    case "not_locked":
      return { status: "ok", message: "Your account was not locked any more, so there was nothing to unlock. You can sign in." };
    case "invalid":
      return { status: "error", message: UNLOCK_LINK_PROBLEMS[result.state] };
    case "forbidden":
      return {
        status: "error",
        message: "Accounts in your group are unlocked by the bank, not by e-mail. Please call us, and we will check it is really you.",
      };
    case "throttled":
      return {
        status: "error",
        message: `This account was unlocked by e-mail ${SELF_UNLOCKS_PER_DAY} times today. For your safety, the next unlock goes through the bank: please call us.`,
      };
  }
});
