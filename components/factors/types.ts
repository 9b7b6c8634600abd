import type { ComponentType, ReactNode } from "react";
import type { ActionState } from "@/lib/actions/state";

/** Every factor's client side: a Verify and a Register component with the same props shape. */
export type FactorComponentProps<D = unknown> = {
  data: D;
  submitting: boolean;
  submissionError?: string;
  /** Emitted with the factor's own fields; the host adds challenge/factor ids and calls the action. */
  onSubmit: (form: FormData) => void;
  /**
   * Verify only, for a factor answered by a plain form (a code): the host's action itself and
   * the hidden fields it needs. A form with `action={formAction}` and `hiddenFields` inside
   * also posts without JavaScript (progressive enhancement).
   */
  formAction?: (form: FormData) => void;
  hiddenFields?: ReactNode;
  /** The host's last answer: multi-step factors (an external provider) move on from it. */
  result?: ActionState;
  /** The factor's id, for components that serve several ("prefix:capability"). */
  factorId?: string;
  /** Register only: show what is set up, offer no change (presence not confirmed yet). */
  readOnly?: boolean;
};

export type FactorComponents = {
  Verify: ComponentType<FactorComponentProps>;
  Register: ComponentType<FactorComponentProps>;
};
