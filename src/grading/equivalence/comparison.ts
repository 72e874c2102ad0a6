/** The outcome of comparing a candidate answer with the key. */
export interface Comparison {
  equal: boolean;
  /**
   * The comparison could not decide: the answer is over the work budget (a number bomb such as
   * `(10^{9})!`, a 1 MB expression, deep nesting). `equal` is false but means nothing; `detail` says why.
   */
  undetermined?: boolean;
  /** Why it is unequal when the candidate could not be read, e.g. "not a number"; or why it is undetermined. */
  detail?: string;
}
