"use client";

import { useActionState, useState } from "react";
import { removeFactor, renameFactor } from "@/app/(bank)/security/actions";
import { Alert, Button } from "@/components/ui";
import { idle } from "@/lib/actions/state";

/** Rename and Remove for one registration on the Security page (both need presence, checked in the action). */
export function RegistrationActions({
  registrationId,
  name,
  removeBlocked,
  addHref,
}: {
  registrationId: string;
  name: string;
  /** Why Remove is off, shown as text next to it (not only in a tooltip) and tied to the button. */
  removeBlocked?: string;
  /** Where to add another method, when one can be added: the way out of removeBlocked. */
  addHref?: string;
}) {
  const [removed, removeAction, removing] = useActionState(removeFactor, idle);
  const [renamed, renameAction, renaming] = useActionState(renameFactor, idle);
  const [editing, setEditing] = useState(false);
  const renameError = renamed.status === "error" ? (renamed.fieldErrors?.name?.[0] ?? renamed.message) : undefined;
  return (
    <div className="flex flex-col items-start gap-2">
      {editing ? (
        <form action={renameAction} className="flex w-full flex-wrap items-end gap-2">
          <input type="hidden" name="registration" value={registrationId} />
          <label className="w-full max-w-md text-sm">
            <span className="block font-medium">New name</span>
            <input
              name="name"
              defaultValue={name}
              maxLength={60}
              required
              aria-invalid={renameError ? true : undefined}
              className="mt-1 block w-full max-w-md rounded-lg border border-line bg-white px-3 py-2.5 text-base"
            />
          </label>
          <Button type="submit" disabled={renaming}>
            Save
          </Button>
          <Button kind="secondary" type="button" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        </form>
      ) : (
        <div className="flex gap-2">
          <Button kind="secondary" type="button" onClick={() => setEditing(true)} aria-label={`Rename ${name}`}>
            Rename
          </Button>
          <form action={removeAction}>
            <input type="hidden" name="registration" value={registrationId} />
            <Button
              kind="secondary"
              type="submit"
              disabled={removing || !!removeBlocked}
              aria-label={`Remove ${name}`}
              aria-describedby={removeBlocked ? `${registrationId}-remove-blocked` : undefined}
            >
              Remove
            </Button>
          </form>
        </div>
      )}
      {removeBlocked ? (
        <p id={`${registrationId}-remove-blocked`} className="text-sm text-muted">
          {removeBlocked}
          {addHref ? (
            <>
              {" "}
              <a href={addHref} className="font-medium text-brand-700">
                Add another method first
              </a>
              .
            </>
          ) : null}
        </p>
      ) : null}
      {renameError ? <Alert kind="error">{renameError}</Alert> : null}
      {removed.status === "error" && removed.message ? <Alert kind="error">{removed.message}</Alert> : null}
    </div>
  );
}
