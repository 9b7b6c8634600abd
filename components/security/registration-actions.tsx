"use client";

import { useActionState, useState } from "react";
import { removeFactor, renameFactor } from "@/app/(bank)/security/actions";
import { Alert, Button } from "@/components/ui";
import { idle } from "@/lib/actions/state";

/** Rename and Remove for one registration on the Security page (both need presence, checked in the action). */
export function RegistrationActions({ registrationId, name, removeBlocked }: { registrationId: string; name: string; removeBlocked?: string }) {
  const [removed, removeAction, removing] = useActionState(removeFactor, idle);
  const [renamed, renameAction, renaming] = useActionState(renameFactor, idle);
  const [editing, setEditing] = useState(false);
  const renameError = renamed.status === "error" ? (renamed.fieldErrors?.name?.[0] ?? renamed.message) : undefined;
  return (
    <div className="flex flex-col items-start gap-2">
      {editing ? (
        <form action={renameAction} className="flex flex-wrap items-end gap-2">
          <input type="hidden" name="registration" value={registrationId} />
          <label className="text-sm">
            <span className="block font-medium">New name</span>
            <input
              name="name"
              defaultValue={name}
              maxLength={60}
              required
              aria-invalid={renameError ? true : undefined}
              className="mt-1 block w-48 rounded-lg border border-line bg-white px-3 py-2"
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
            <Button kind="secondary" type="submit" disabled={removing || !!removeBlocked} aria-label={`Remove ${name}`}>
              Remove
            </Button>
          </form>
        </div>
      )}
      {removeBlocked ? <p className="text-xs text-muted">{removeBlocked}</p> : null}
      {renameError ? <Alert kind="error">{renameError}</Alert> : null}
      {removed.status === "error" && removed.message ? <Alert kind="error">{removed.message}</Alert> : null}
    </div>
  );
}
