import type { ComponentType } from "react";

/** Every factor's client side: a Verify and a Register component with the same props shape. */
export type FactorComponentProps<D = unknown> = {
  data: D;
  submitting: boolean;
  submissionError?: string;
  /** Emitted with the factor's own fields; the host adds challenge/factor ids and calls the action. */
  onSubmit: (form: FormData) => void;
};

export type FactorComponents = {
  Verify: ComponentType<FactorComponentProps>;
  Register: ComponentType<FactorComponentProps>;
};
