"use client";

import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { declineRecoveryRequest, endUserSession, endUserSessions, resetUserMfa, unlockUser } from "@/app/admin/users/actions";
import { TextArea } from "@/components/admin/ui";
import { useStepUpForm } from "@/components/mfa/step-up";
import { Alert, Button, FormResult, Modal } from "@/components/ui";

type Kind = "reset" | "unlock" | "end" | "endOne" | "decline";

const TEXTS = {
  reset: {
    action: resetUserMfa,
    button: "Reset MFA",
    kind: "danger" as const,
    title: (who: string) => `Reset MFA for ${who}?`,
    body: "This removes their authenticator app and recovery codes, cancels open challenges and signs them out everywhere. They get an email, and at their next sign-in they must set up an authenticator again before anything else.",
    submit: "Reset MFA",
    cancelled: "Cancelled. Nothing was reset.",
  },
  unlock: {
    action: unlockUser,
    button: "Unlock",
    kind: "primary" as const,
    title: (who: string) => `Unlock ${who}?`,
    body: "This clears the lock, the failed-attempt counter and the waiting time. Only unlock after you have checked it is really them.",
    submit: "Unlock account",
    cancelled: "Cancelled. The account is still locked.",
  },
  end: {
    action: endUserSessions,
    button: "End sessions",
    kind: "secondary" as const,
    title: (who: string) => `End every session of ${who}?`,
    body: "Every browser where they are signed in is signed out at its next request.",
    submit: "End sessions",
    cancelled: "Cancelled. No session was ended.",
  },
  endOne: {
    action: endUserSession,
    button: "End session",
    kind: "secondary" as const,
    title: (who: string) => `End this session of ${who}?`,
    body: "That browser is signed out at its next request and told the bank ended the session. Their other sessions stay signed in.",
    submit: "End session",
    cancelled: "Cancelled. The session was not ended.",
  },
  decline: {
    action: declineRecoveryRequest,
    button: "Decline request",
    kind: "secondary" as const,
    title: (who: string) => `Decline the recovery request of ${who}?`,
    body: "Their two-step verification stays as it is. They get an e-mail with your reason, so write it for them.",
    submit: "Decline request",
    cancelled: "Cancelled. The request is still open.",
    hint: "E-mailed to the user, and kept in the audit log with your name, the time and your IP address.",
  },
} satisfies Record<Kind, unknown>;

const ReportResult = createContext<(message: string | null) => void>(() => {});

/**
 * The row of user actions with one place for their result, above the buttons: a success
 * message never pushes a button aside or down (no layout jump), and it stays after the
 * action hides the button it came from (Unlock once unlocked, a decided recovery request).
 */
export function UserActions({ children }: { children: ReactNode }) {
  const [done, setDone] = useState<string | null>(null);
  return (
    <ReportResult value={setDone}>
      <div className="flex flex-col gap-3 sm:items-end">
        {done ? <Alert kind="ok">{done}</Alert> : null}
        <div className="flex flex-wrap items-start gap-3">{children}</div>
      </div>
    </ReportResult>
  );
}

/**
 * A destructive admin action: a confirmation that names the user and asks for a reason, then
 * the step-up dialog (a fresh MFA bound to this action, this user and this reason), which
 * takes the confirmation's place. Inside <UserActions>, which shows the result.
 */
export function UserActionButton({
  kind,
  userId,
  who,
  disabledReason,
  hidden = false,
  sessionId,
  label,
  detail,
}: {
  kind: Kind;
  userId: string;
  /** For "endOne": the session to end. */
  sessionId?: string;
  /** What the confirmation names besides the user (the session's device, IP and start). */
  detail?: string;
  /** The button's accessible name when several of one kind are on the page. */
  label?: string;
  /** "Display Name (username)": what the confirmation names. */
  who: string;
  disabledReason?: string;
  /** No button (e.g. Unlock once unlocked); <UserActions> keeps the last result on screen. */
  hidden?: boolean;
}) {
  const t = TEXTS[kind];
  const [open, setOpen] = useState(false);
  const report = useContext(ReportResult);
  // Stays mounted while its dialog is open.
  if (hidden && !open) return null;
  return (
    <div className="space-y-2">
      {hidden ? null : (
        <Button
          kind={t.kind}
          type="button"
          disabled={!!disabledReason}
          aria-describedby={disabledReason ? `${kind}-disabled` : undefined}
          aria-label={label}
          onClick={() => {
            report(null);
            setOpen(true);
          }}
        >
          {t.button}
        </Button>
      )}
      {disabledReason ? (
        <p id={`${kind}-disabled`} className="max-w-xs text-xs text-muted">
          {disabledReason}
        </p>
      ) : null}
      {open ? (
        <ConfirmDialog
          kind={kind}
          userId={userId}
          who={who}
          sessionId={sessionId}
          detail={detail}
          onClose={() => setOpen(false)}
          onDone={(message) => {
            setOpen(false);
            report(message);
          }}
        />
      ) : null}
    </div>
  );
}

function ConfirmDialog({
  kind,
  userId,
  who,
  sessionId,
  detail,
  onClose,
  onDone,
}: {
  kind: Kind;
  userId: string;
  who: string;
  sessionId?: string;
  detail?: string;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const t = TEXTS[kind];
  const ref = useRef<HTMLDialogElement>(null);
  const { state, pending, onSubmit, dialog } = useStepUpForm(t.action, { cancelMessage: t.cancelled });
  // One modal at a time: while the step-up dialog asks for a fresh code, this one is closed
  // (not unmounted: the reason typed stays), and it comes back if the step-up is cancelled.
  const confirming = !dialog && state.status !== "ok";
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (confirming && !d.open) d.showModal();
    if (!confirming && d.open) d.close();
  }, [confirming]);
  useEffect(() => {
    if (state.status === "ok") onDone(state.message ?? "Done.");
  }, [state, onDone]);
  const titleId = `${kind}-${sessionId ?? userId}-confirm-title`;
  return (
    <>
      <Modal
        ref={ref}
        aria-labelledby={titleId}
        wide
        onEscape={() => {
          if (!pending) onClose();
        }}
      >
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          <h2 id={titleId} className="text-lg font-semibold">
            {t.title(who)}
          </h2>
          {detail ? <p className="text-sm font-medium">{detail}</p> : null}
          <p className="text-sm text-muted">{t.body}</p>
          {state.status === "error" ? <FormResult state={state} /> : null}
          <input type="hidden" name="userId" value={userId} />
          {sessionId ? <input type="hidden" name="sessionId" value={sessionId} /> : null}
          <TextArea
            label="Reason"
            name="reason"
            required
            minLength={3}
            maxLength={500}
            hint={"hint" in t ? t.hint : "Goes into the audit log with your name, the time and your IP address."}
            errors={state.fieldErrors?.reason}
          />
          <div className="flex flex-wrap justify-end gap-3">
            <Button kind="secondary" type="button" onClick={onClose} disabled={pending}>
              Cancel
            </Button>
            <Button kind={t.kind === "secondary" ? "primary" : t.kind} type="submit" disabled={pending}>
              {pending ? "Working…" : t.submit}
            </Button>
          </div>
        </form>
      </Modal>
      {dialog}
    </>
  );
}
